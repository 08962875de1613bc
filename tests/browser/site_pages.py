"""The pages of a built site, found in the site itself rather than typed in,
so that the checks that run over every page follow pages as they are added."""

from __future__ import annotations

from pathlib import Path

# Folders of the built site that hold no pages of ours: Material's assets
# (Pyodide ships none, but its test pages could), the search index.
_NOT_PAGES = ("assets", "search", "diagrams", "javascripts", "stylesheets")


def page_paths(site: Path) -> list[str]:
    """Every HTML page of the built site, as a path relative to its root:
    "" for the home page, "costs/" for costs/index.html, "404.html"."""
    paths = []
    for file in sorted(site.rglob("*.html")):
        relative = file.relative_to(site)
        if relative.parts[0] in _NOT_PAGES:
            continue
        if relative.name == "index.html":
            folder = relative.parent.as_posix()
            paths.append("" if folder == "." else folder + "/")
        else:
            paths.append(relative.as_posix())
    return paths


def page_files(site: Path) -> list[Path]:
    """The same pages as files."""
    return [site / (path + "index.html" if path == "" or path.endswith("/") else path) for path in page_paths(site)]
