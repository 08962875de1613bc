"""Build the site from Python (tests build it for the address they serve).

``mkdocs build`` needs no help; this exists because the browser tests serve
the site on a free port, and Material's instant navigation only stays in the
page when ``site_url`` is the address the site is served from.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_site(out_dir: Path, *, site_url: str | None = None) -> Path:
    """Build the site (strict, as mkdocs.yml says) into ``out_dir``."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    overrides = {"site_dir": str(out_dir)}
    if site_url:
        overrides["site_url"] = site_url
    config = load_config(str(ROOT / "mkdocs.yml"), **overrides)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    return Path(out_dir)
