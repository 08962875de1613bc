"""Put the browser engine into a built site: the Pyodide runtime and the wheel.

:func:`bundle` copies only the Pyodide files the page needs at run time from
``node_modules/pyodide/`` (installed by ``npm ci``, pinned in package.json)
into ``<site>/assets/pyodide/``, builds the engine's wheel into
``<site>/assets/engine/`` and writes ``<site>/assets/engine/manifest.json``,
which the worker (docs/javascripts/engine-worker.mjs) reads to find the wheel
and check its sha256 before installing it::

    {"wheel": "<file name>", "sha256": "<hex>", "size": n,
     "rules_version": "...", "pyodide_version": "314.0.7",
     "files": {"pyodide/pyodide.mjs": "<hex>", ..., "engine/<wheel>": "<hex>"}}

Unchanged runtime files are not copied again (same size and mtime), and files
whose bytes do not change are not rewritten, so ``mkdocs serve`` stays fast.

Runnable: ``python -m build_scripts.bundle SITE_DIR [--node-modules DIR]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from .wheel import ROOT, build_wheel, write_if_changed

# What the page needs at run time. Everything else in the npm package
# (pyodide.js, *.map, *.d.ts, the console pages, README, package.json) stays out.
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
LOCK_FILE = "pyodide-lock.json"
PYODIDE_DIR = "assets/pyodide"
ENGINE_DIR = "assets/engine"
MANIFEST = "manifest.json"


class BundleError(RuntimeError):
    """The site cannot be given its browser engine."""


class PyodideMissing(BundleError):
    """``node_modules/pyodide`` is absent, incomplete or not the pinned version."""


def pinned_pyodide_version(root: Path = ROOT) -> str:
    """The exact Pyodide version package.json pins."""
    path = root / "package.json"
    try:
        version = json.loads(path.read_text(encoding="utf-8"))["dependencies"]["pyodide"]
    except (FileNotFoundError, KeyError, ValueError) as error:
        raise BundleError(f"{path}: cannot read the pinned pyodide version ({error})") from None
    return version


def rules_version(root: Path = ROOT) -> str:
    """The ``version`` of calculator/rules.toml, read by the one loader."""
    from calculator import load_rules

    return load_rules((root / "calculator" / "rules.toml").read_text(encoding="utf-8")).version


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _npm_hint(root: Path) -> str:
    try:
        pin = f" (package.json pins pyodide {pinned_pyodide_version(root)})"
    except BundleError:
        pin = ""
    return f"run `npm ci` in {root} to install it{pin}"


def check_pyodide(node_modules: Path, root: Path = ROOT) -> tuple[Path, str]:
    """The pyodide package directory and its version, or :class:`PyodideMissing`."""
    source = Path(node_modules) / "pyodide"
    if not source.is_dir():
        raise PyodideMissing(f"Pyodide is not installed: {source} does not exist; {_npm_hint(root)}.")
    missing = [name for name in RUNTIME_FILES if not (source / name).is_file()]
    if missing:
        raise PyodideMissing(f"{source} is incomplete (missing {', '.join(missing)}); {_npm_hint(root)}.")
    try:
        version = json.loads((source / "package.json").read_text(encoding="utf-8"))["version"]
    except (FileNotFoundError, KeyError, ValueError):
        raise PyodideMissing(f"{source}/package.json is missing or unreadable; {_npm_hint(root)}.") from None
    pinned = pinned_pyodide_version(root)
    if version != pinned:
        raise PyodideMissing(f"{source} holds pyodide {version}, but package.json pins {pinned}; {_npm_hint(root)}.")
    return source, version


def _copy_if_changed(source: Path, target: Path) -> bool:
    """Copy unless the target has the same size and mtime already. True if copied."""
    stat = source.stat()
    try:
        have = target.stat()
        if have.st_size == stat.st_size and have.st_mtime_ns == stat.st_mtime_ns:
            return False
    except FileNotFoundError:
        pass
    temp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temp)
    os.utime(temp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(temp, target)
    return True


def _write_if_changed(path: Path, text: str) -> None:
    write_if_changed(path, text.encode("utf-8"))


def _remove_others(directory: Path, keep: set[str]) -> list[str]:
    """Delete what a previous bundle left that is no longer part of it."""
    removed = []
    for path in sorted(directory.iterdir()):
        if path.name not in keep and path.is_file():
            path.unlink()
            removed.append(path.name)
    return removed


def trimmed_lock(text: str) -> str:
    """Pyodide's lock file without its package list.

    loadPyodide always fetches the lock file, but the page loads no optional
    package (the engine comes as a checked wheel), and none of them is served
    here: the list is 116 KiB of entries that could only point nowhere. The
    ``info`` block, which loadPyodide checks against the runtime, stays.
    """
    lock = json.loads(text)
    lock["packages"] = {}
    return json.dumps(lock, indent=1, sort_keys=True) + "\n"


def bundle(site_dir: Path | str, *, node_modules: Path | str = ROOT / "node_modules", root: Path = ROOT) -> dict:
    """Copy the Pyodide runtime and build the wheel into ``site_dir``; return the manifest."""
    site = Path(site_dir)
    source, version = check_pyodide(Path(node_modules), root)

    runtime_dir = site / PYODIDE_DIR
    engine_dir = site / ENGINE_DIR
    runtime_dir.mkdir(parents=True, exist_ok=True)
    engine_dir.mkdir(parents=True, exist_ok=True)

    files: dict[str, str] = {}
    for name in RUNTIME_FILES:
        target = runtime_dir / name
        if name == LOCK_FILE:
            _write_if_changed(target, trimmed_lock((source / name).read_text(encoding="utf-8")))
        else:
            _copy_if_changed(source / name, target)
        files[f"pyodide/{name}"] = sha256_file(target)
    _remove_others(runtime_dir, set(RUNTIME_FILES))

    wheel = build_wheel(engine_dir, root=root)
    wheel_sha = sha256_file(wheel)
    files[f"engine/{wheel.name}"] = wheel_sha
    _remove_others(engine_dir, {wheel.name, MANIFEST})

    manifest = {
        "wheel": wheel.name,
        "sha256": wheel_sha,
        "size": wheel.stat().st_size,
        "rules_version": rules_version(root),
        "pyodide_version": version,
        "files": files,
    }
    _write_if_changed(engine_dir / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build_scripts.bundle", description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", type=Path, help="the built site (e.g. site/)")
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules", help="where npm installed pyodide")
    args = parser.parse_args(argv)
    try:
        manifest = bundle(args.site_dir, node_modules=args.node_modules)
    except BundleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sizes = {name: (args.site_dir / "assets" / name).stat().st_size for name in manifest["files"]}
    for name, size in sizes.items():
        print(f"{size:>10}  assets/{name}")
    print(f"{sum(sizes.values()):>10}  total (wheel sha256 {manifest['sha256']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
