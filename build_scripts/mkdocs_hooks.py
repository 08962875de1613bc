"""MkDocs hooks: thin adapters from MkDocs events to build_scripts' functions.

Each hook only routes; the work is in page_blocks, page_html, diagram,
diagram_export, publish_blocks, palette_start and bundle, which know nothing of MkDocs and
run on their own too.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # MkDocs loads hooks by path, not as a package
    sys.path.insert(0, str(ROOT))

from build_scripts import bundle, csp, diagram_export, headers, page_blocks, page_html, palette_start, publish_blocks, search_worker  # noqa: E402
from calculator import RuleError, default_rules  # noqa: E402
from calculator.rules import RULES_FILE  # noqa: E402

_command = "build"


def on_startup(command, dirty):
    """Remember whether this is `mkdocs serve`, whose live-reload script the
    content security policy would refuse."""
    global _command
    _command = command


def on_config(config):
    """Load the rule file afresh on every build, so live reload picks up edits.

    The later hooks ask default_rules() for the same loaded rules (it caches
    them until the next build clears it) and pass them on explicitly.
    """
    default_rules.cache_clear()
    try:
        rules = default_rules()
    except RuleError as error:
        raise PluginError(f"calculator/{RULES_FILE}: {error}") from None
    config["copyright"] = page_blocks.credit_line(rules)
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is not None:
        try:
            search_worker.check_languages(search.config.get("lang") or [config.theme["language"]])
        except search_worker.NoSearchConfig as error:
            raise PluginError(str(error)) from None
    return config


def on_files(files, config):
    """Add the diagram's files for other documents (SVG, PNG, Mermaid), so pages can link to them."""
    from mkdocs.structure.files import File

    try:
        exports = diagram_export.export_files(default_rules(), config["site_url"] or "")
    except diagram_export.ExportError as error:
        raise PluginError(f"diagrams: {error}") from None
    for name, content in exports.items():
        files.append(File.generated(config, f"diagrams/{name}", content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    if publish_blocks.MARKER_START in markdown:
        try:
            markdown = publish_blocks.fill_markers(markdown, default_rules(), config["site_url"])
        except (publish_blocks.UnknownMarker, diagram_export.ExportError) as error:
            raise PluginError(f"{page.file.src_path}: {error}") from None
    if "<!-- bvb:" not in markdown:
        return markdown
    try:
        return page_blocks.fill_markers(markdown, default_rules())
    except (page_blocks.UnknownMarker, ValueError) as error:
        raise PluginError(f"{page.file.src_path}: {error}") from None


def on_page_content(html, page, config, files):
    if "<!-- bvb:" not in html:
        return html
    return page_html.fill_html_markers(html, default_rules())


def _start_switching(html: str, where: str) -> str:
    try:
        return palette_start.start_switching(html)
    except palette_start.NoPaletteBody as error:
        raise PluginError(f"{where}: {error}") from None


def on_post_page(output, page, config):
    """Every page starts marked as Material's palette code marks it
    (palette_start); the calculator's search index waits for its engine
    (search_worker)."""
    if (page.meta or {}).get("engine"):
        try:
            output = search_worker.through_wrapper(output)
        except search_worker.NoSearchConfig as error:
            raise PluginError(f"{page.file.src_path}: {error}") from None
    return _start_switching(output, page.file.src_path)


def on_post_template(output_content, template_name, config):
    """The 404 page is a theme template, not a page: marked the same way."""
    return output_content if template_name != "404.html" else _start_switching(output_content, template_name)


def on_post_build(config):
    site = Path(config["site_dir"])
    try:
        bundle.bundle(site, node_modules=ROOT / "node_modules")
    except bundle.BundleError as error:
        raise PluginError(str(error)) from None
    # The policy would refuse the live-reload script `mkdocs serve` injects.
    policy_lines = [] if _command == "serve" else csp.header_lines(csp.apply_to_site(site))
    headers.write_headers(site, urlsplit(config["site_url"] or "/").path or "/", policy_lines)


def on_serve(server, config, builder):
    """Rebuild when the engine, the rule file or the build code changes."""
    for folder in ("calculator", "build_scripts"):
        server.watch(str(ROOT / folder))
    return server
