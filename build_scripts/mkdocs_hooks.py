"""MkDocs hooks: thin adapters from MkDocs events to build_scripts' functions.

Each hook only routes; the work is in page_blocks, page_html, diagram and
bundle, which know nothing of MkDocs and run on their own too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # MkDocs loads hooks by path, not as a package
    sys.path.insert(0, str(ROOT))

from build_scripts import bundle, csp, diagram, page_blocks, page_html  # noqa: E402
from calculator import RuleError, default_rules  # noqa: E402
from calculator.rules import RULES_FILE  # noqa: E402

_rules = None
_command = "build"


def on_startup(command, dirty):
    global _command
    _command = command


def on_config(config):
    """Load the rule file afresh on every build, so live reload picks up edits."""
    global _rules
    default_rules.cache_clear()
    try:
        _rules = default_rules()
    except RuleError as error:
        raise PluginError(f"calculator/{RULES_FILE}: {error}") from None
    config["copyright"] = page_blocks.credit_line(_rules)
    return config


def on_files(files, config):
    """Add the diagram's standalone files, so pages can link to them."""
    from mkdocs.structure.files import File

    for name, text in diagram.standalone_files(_rules).items():
        files.append(File.generated(config, f"diagrams/{name}", content=text))
    return files


def on_page_markdown(markdown, page, config, files):
    if "<!-- bvb:" not in markdown:
        return markdown
    try:
        return page_blocks.fill_markers(markdown, _rules)
    except (page_blocks.UnknownMarker, ValueError) as error:
        raise PluginError(f"{page.file.src_path}: {error}") from None


def on_page_content(html, page, config, files):
    if "<!-- bvb:" not in html:
        return html
    return page_html.fill_html_markers(html, _rules)


def on_post_build(config):
    site = Path(config["site_dir"])
    try:
        bundle.bundle(site, node_modules=ROOT / "node_modules")
    except bundle.BundleError as error:
        raise PluginError(str(error)) from None
    # The policy would refuse the live-reload script `mkdocs serve` injects.
    if _command != "serve":
        csp.write_headers(site, csp.apply_to_site(site))


def on_serve(server, config, builder):
    """Rebuild when the engine, the rule file or the build code changes."""
    for folder in ("calculator", "build_scripts"):
        server.watch(str(ROOT / folder))
    return server
