"""The site's ``_headers`` file, for static hosts that read one (Netlify,
Cloudflare Pages and others; GitHub Pages ignores it).

The runtime and engine files live under paths that change whenever their
bytes do (``assets/runtime/pyodide-<version>/``, ``assets/runtime/engine-<hash>/``,
see build_scripts/bundle.py), so a browser or CDN may keep them for a year
without asking again, and a repeat visit fetches none of them. The manifest
that names them keeps its URL and must be revalidated on every visit.

:func:`headers_text` returns the text so that other rules (a content security
policy) can be added to the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .wheel import write_if_changed

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def headers_text(base_path: str = "/", extra_lines: Sequence[str] = ()) -> str:
    """``_headers`` rules for a site served at ``base_path`` ("/" or "/sub/"),
    after ``extra_lines`` (the content security policy's, for every path)."""
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    rules = [
        (f"{base}assets/runtime/*", IMMUTABLE),
        (f"{base}assets/engine/manifest.json", REVALIDATE),
    ]
    text = "".join(f"{path}\n  Cache-Control: {value}\n" for path, value in rules)
    return "".join(f"{line}\n" for line in extra_lines) + text


def write_headers(site_dir: Path | str, base_path: str = "/", extra_lines: Sequence[str] = ()) -> Path:
    path = Path(site_dir) / "_headers"
    write_if_changed(path, headers_text(base_path, extra_lines).encode("utf-8"))
    return path
