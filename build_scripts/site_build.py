"""Build the site from Python (tests build it for the address they serve).

``mkdocs build`` needs no help; this exists because the browser tests serve
the site on a free port, and Material's instant navigation only stays in the
page when ``site_url`` is the address the site is served from; and because
the reproducibility test builds with a fixed date.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent


def last_commit_epoch(repo: Path = ROOT) -> int | None:
    """The last commit's time (seconds since 1970), or None outside a git checkout.

    The Makefile passes the same value to MkDocs as SOURCE_DATE_EPOCH, so the
    sitemap's dates are the commit's, not the day of the build.
    """
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=repo, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return int(out.stdout.strip()) if out.stdout.strip() else None


@contextmanager
def _environment(name: str, value: str | None) -> Iterator[None]:
    before = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def build_site(out_dir: Path, *, site_url: str | None = None, source_date_epoch: int | None = None) -> Path:
    """Build the site (strict, as mkdocs.yml says) into ``out_dir``.

    ``site_url`` stands in for SITE_URL; ``source_date_epoch`` for
    SOURCE_DATE_EPOCH (the dates the build writes).
    """
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    overrides = {"site_dir": str(out_dir)}
    if site_url:
        overrides["site_url"] = site_url
    epoch = None if source_date_epoch is None else str(source_date_epoch)
    with _environment("SOURCE_DATE_EPOCH", epoch):
        config = load_config(str(ROOT / "mkdocs.yml"), **overrides)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    return Path(out_dir)
