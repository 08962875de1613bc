"""build_scripts/csp.py on small pages: what it hashes, where the meta goes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from build_scripts import csp


def expected(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>t</title>'
    "<script>var a = 1 < 2;</script>"
    '<script type="module">import "./x.mjs";</script>'
    '<script src="/bundle.js"></script>'
    '<script id="__config" type="application/json">{"a": 1}</script>'
    "</head><body><svg><style>.n{fill:red}</style></svg>"
    '<p style="color: red">x &amp; y</p></body></html>'
)


def test_hashes_what_runs_and_nothing_else():
    code = csp.inline_code_of_html(PAGE)
    assert code.scripts == {expected("var a = 1 < 2;"), expected('import "./x.mjs";')}
    assert code.styles == {expected(".n{fill:red}")}
    assert code.style_attributes == {expected("color: red")}


def test_crlf_is_hashed_as_the_browser_sees_it():
    assert csp.source_hash("a\r\nb") == expected("a\nb")


def test_policy_is_strict_for_scripts_and_names_each_hash():
    code = csp.inline_code_of_html(PAGE)
    policy = csp.policy(code)
    scripts = next(p for p in policy.split("; ") if p.startswith("script-src"))
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert scripts.split()[1:3] == ["'self'", "'wasm-unsafe-eval'"]
    assert all(h in scripts for h in code.scripts)
    # Style attributes need 'unsafe-hashes'; without any, it is left out.
    assert "'unsafe-hashes'" in policy
    assert "'unsafe-hashes'" not in csp.policy(csp.InlineCode(scripts=code.scripts, styles=code.styles))
    assert "frame-ancestors" not in policy  # not allowed in a meta; embeddable anyway


def test_meta_goes_right_after_the_charset_once_even_when_applied_twice():
    policy = csp.policy(csp.inline_code_of_html(PAGE))
    once = csp.with_meta(PAGE, policy)
    twice = csp.with_meta(once, policy)
    assert once == twice
    assert once.count(csp.META_START) == 1
    assert once.index('<meta charset="utf-8">') < once.index(csp.META_START) < once.index("<script")
    # The meta itself is not inline code: re-reading the page finds the same hashes.
    assert csp.inline_code_of_html(once) == csp.inline_code_of_html(PAGE)


def test_a_page_without_head_is_an_error():
    with pytest.raises(ValueError, match="head"):
        csp.with_meta("<p>no head</p>", "default-src 'self'")


def test_site_policy_is_the_union_over_pages(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "a" / "index.html").write_text(PAGE.replace("1 < 2", "2 < 3"), encoding="utf-8")
    policy = csp.apply_to_site(tmp_path)
    for page in (tmp_path / "index.html", tmp_path / "a" / "index.html"):
        assert expected("var a = 1 < 2;") in page.read_text() and expected("var a = 2 < 3;") in page.read_text()
    assert csp.header_lines(policy) == ["/*", f"  Content-Security-Policy: {policy}"]
