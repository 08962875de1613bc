"""What the browser worker asks Python while it starts the engine.

The worker (docs/javascripts/engine-worker.mjs) installs the engine's wheel
into Pyodide, or restores a memory snapshot taken with the engine already
imported, and then calls these functions by the module name the site's
manifest gives. The same calls make the snapshot at build time
(build_scripts/snapshot.mjs), so the Python the worker runs lives here, in the
package, tested like the rest of it, and not in strings in JavaScript.

Nothing here is part of the engine's answers; it only reports on and warms
the installation.
"""

from __future__ import annotations

import json
import os
import sys


def _site_packages() -> str:
    # site is imported at start-up and knows the path for free; sysconfig says
    # the same (its "purelib") but costs Pyodide ~50 ms to import.
    import site

    return os.path.realpath(site.getsitepackages()[0])


def _imports_in_package() -> set[str]:
    """Every module the package's source imports, at the top or inside a
    function (a lazy import only runs on some inputs)."""
    import ast

    here = os.path.dirname(__file__)
    names = set()
    for file in sorted(os.listdir(here)):
        if not file.endswith(".py"):
            continue
        with open(os.path.join(here, file), encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


def warm_up() -> None:
    """Import everything the package's source names and answer once, valid
    and invalid, so that a snapshot taken afterwards holds every module and
    cache an answer needs, and the trimmed standard library every file."""
    import importlib

    for name in sorted(_imports_in_package()):
        importlib.import_module(name)
    from . import evaluate_json, page

    page.answer(json.dumps({"query": "", "page_url": ""}))
    page.answer("not json")
    evaluate_json("{}")


def practice_requests() -> str:
    """JSON list of page requests, the default inputs and every preset, that
    the worker answers in its idle time once the engine is ready.

    WebAssembly engines run new code with a baseline compiler and compile a
    function with their optimizing one only after it has run a while. A
    runtime restored from a snapshot has run almost nothing, so its first
    dozens of answers take several times as long as later ones (measured in
    Node: 25 ms falling to 6 ms over 30 answers). Practising on these moves
    that cost out of the reader's first edits.
    """
    from . import default_rules
    from .inputs import preset_query

    rules = default_rules()
    queries = [""] + [preset_query(rules, preset) for preset in rules.presets]
    return json.dumps([json.dumps({"query": query, "page_url": ""}) for query in queries])


def engine_info(distribution: str) -> str:
    """JSON: where calculator was imported from, the installed version of
    ``distribution`` (the wheel's file-name form, e.g. ``my_dist``) and the
    rules version.

    The version is read from the wheel's own ``.dist-info`` directory name:
    importlib.metadata would scan every sys.path entry (~140 ms in Pyodide).
    After a snapshot restore the wheel's files are not on disk (the snapshot
    holds memory, not files), so ``version`` is then null and ``file`` is
    where the module was imported from when the snapshot was taken.
    """
    from . import default_rules

    package = sys.modules[__package__]
    purelib = _site_packages()
    prefix = f"{distribution}-"
    try:
        listed = os.listdir(purelib)
    except OSError:
        listed = []
    dist = [n for n in listed if n.startswith(prefix) and n.endswith(".dist-info")]
    return json.dumps(
        {
            "file": os.path.realpath(package.__file__),
            "purelib": purelib,
            "version": dist[0][len(prefix) : -len(".dist-info")] if len(dist) == 1 else None,
            "rules_version": default_rules().version,
        }
    )


def stdlib_files() -> str:
    """JSON list: the archive names, inside Pyodide's standard-library zip, of
    every module imported so far. The build keeps only these in the zip it
    ships (see build_scripts/bundle.py)."""
    archive = None
    names = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        marker = ".zip/"
        if marker not in path:
            continue
        zip_path, inner = path.split(marker, 1)
        archive = archive or zip_path + ".zip"
        if zip_path + ".zip" == archive:
            names.add(inner)
    return json.dumps({"archive": archive, "files": sorted(names)})
