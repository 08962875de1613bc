"""The built site: strict build, links, anchors, figures, and no other host."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from calculator import default_rules, evaluate
from calculator.rules import fact_figure


class _Page(HTMLParser):
    """Collects ids, links and the URLs a browser would fetch."""

    FETCHED = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"), ("audio", "src"),
               ("video", "src"), ("embed", "src"), ("object", "data"), ("image", "href"), ("use", "href")}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.fetched: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag in ("script", "style"):
            self._skip += 1
        for name in ("src", "href", "data"):
            value = attrs.get(name)
            if value is None:
                continue
            if (tag, name) in self.FETCHED or (tag == "link" and name == "href" and attrs.get("rel") not in ("canonical",)):
                self.fetched.append(value)
            elif tag == "a" and name == "href":
                self.links.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _pages(folder: Path) -> dict[Path, _Page]:
    pages = {}
    for path in sorted(folder.rglob("*.html")):
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    assert len(pages) >= 8, "the site has lost pages"
    return pages


@pytest.fixture(scope="module")
def pages(site):
    return _pages(site[1])


def _target(folder: Path, page: Path, href: str, base: str) -> tuple[Path, str] | None:
    """The file and fragment an in-site link points at, or None for other sites."""
    url = urljoin(base + str(page.relative_to(folder)).replace("\\", "/"), href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(base).netloc:
        return None
    path = folder / unquote(parts.path).lstrip("/")
    if path.is_dir() or parts.path.endswith("/"):
        path = path / "index.html"
    return path, parts.fragment


def test_every_internal_link_resolves(site, pages):
    base, folder = site
    broken = []
    for page, parsed in pages.items():
        for href in parsed.links:
            if href.startswith(("mailto:", "javascript:")):
                continue
            target = _target(folder, page, href, base)
            if target is None:
                continue
            path, fragment = target
            if not path.exists():
                broken.append(f"{page.relative_to(folder)}: {href} (no file)")
            elif fragment and path.suffix == ".html" and fragment not in pages[path].ids:
                broken.append(f"{page.relative_to(folder)}: {href} (no anchor #{fragment})")
    assert broken == []


def test_nothing_is_fetched_from_another_host(site, pages):
    base, folder = site
    foreign = []
    for page, parsed in pages.items():
        for url in parsed.fetched:
            if _target(folder, page, url, base) is None and not url.startswith(("data:", "#")):
                foreign.append(f"{page.relative_to(folder)}: {url}")
    for css in folder.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if re.match(r"(https?:)?//", url):
                foreign.append(f"{css.relative_to(folder)}: {url}")
        for url in re.findall(r"@import\s+(?:url\()?['\"]([^'\"]+)", css.read_text(encoding="utf-8")):
            if re.match(r"(https?:)?//", url):
                foreign.append(f"{css.relative_to(folder)}: {url}")
    assert foreign == []


def _text(pages) -> str:
    return re.sub(r"\s+", " ", " ".join("".join(p.text) for p in pages.values()))


def test_every_figure_of_the_article_is_on_the_pages(pages, rules):
    text = _text(pages)
    for fact in rules.facts.values():
        assert fact_figure(fact) in text, fact.id
        assert fact.statement in text, fact.id
    for step in rules.rule_of_thumb:
        assert step.text in text
    for example in ("summarization", "translation", "general Q&A", "healthcare", "financial PII", "real-time"):
        assert example in text


def test_every_question_and_leaf_has_its_anchor(site, pages, rules):
    tree = pages[site[1] / "decision-tree" / "index.html"]
    for ident in list(rules.questions) + list(rules.leaves):
        assert ident in tree.ids


def test_diagram_nodes_link_to_existing_sections(site, pages, rules):
    base, folder = site
    html = (folder / "decision-tree" / "index.html").read_text(encoding="utf-8")
    nodes = re.findall(r'<a [^>]*href="([^"]+)"[^>]*data-node="([a-z_]+)"', html) + [
        (href, node) for node, href in re.findall(r'<a [^>]*data-node="([a-z_]+)"[^>]*href="([^"]+)"', html)
    ]
    assert {node for _, node in nodes} == set(rules.questions) | set(rules.leaves)
    for href, node in nodes:
        path, fragment = _target(folder, folder / "decision-tree" / "index.html", href, base)
        assert fragment == node and fragment in pages[path].ids


def test_standalone_diagrams_are_in_the_site(site):
    folder = site[1]
    svg = (folder / "diagrams" / "decision-tree.svg").read_text(encoding="utf-8")
    mmd = (folder / "diagrams" / "decision-tree.mmd").read_text(encoding="utf-8")
    assert svg.startswith("<svg") or svg.startswith("<?xml")
    assert "flowchart" in mmd


def test_worked_example_is_the_engines(pages, site):
    text = _text({k: v for k, v in pages.items() if k.parent.name == "costs"})
    result = evaluate({})
    for option in result["costs"]["options"].values():
        assert f"${option['total']:,.0f}" in text
    assert f"{result['break_even']['fine_tune_vs_api']:,}" in text


def test_calculator_page_is_prerendered_with_the_default_answer(site):
    html = (site[1] / "calculator" / "index.html").read_text(encoding="utf-8")
    default = evaluate({})["recommendation"]["id"]
    assert re.search(rf'id="calculator-result"[^>]*data-status="prerendered"[^>]*data-recommendation="{default}"', html)
    chosen = {name for choice in default_rules().form_choices.values() for name in choice.field_ids}
    for field in evaluate({})["inputs"]:
        if field in chosen:
            # Set by a radio group: its radios carry the field's text, not its name.
            assert f"&#34;{field}&#34;:" in html and f'name="{field}"' not in html
        else:
            assert f'name="{field}"' in html
    # The diagram beside it already marks the default path.
    live = html[html.index('id="bvb-live-diagram"'):]
    assert re.search(rf'class="[^"]*is-answer[^"]*"[^>]*data-node="{default}" data-kind="leaf"', live)
    for step in evaluate({})["path"]:
        assert re.search(rf'class="[^"]*is-on-path[^"]*"[^>]*data-node="{step["node"]}" data-kind="question"', live)


def test_two_builds_give_the_same_pages(site, tmp_path):
    from build_scripts.site_build import build_site

    again = build_site(tmp_path / "again", site_url=site[0])
    for name in ("decision-tree/index.html", "calculator/index.html", "diagrams/decision-tree.svg", "costs/index.html"):
        assert (again / name).read_bytes() == (site[1] / name).read_bytes(), name


def test_a_broken_rule_file_fails_the_build_with_the_loaders_message(tmp_path):
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    for name in ("calculator", "build_scripts", "docs", "overrides", "includes"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "mkdocs.yml", tmp_path / "mkdocs.yml")
    rules = tmp_path / "calculator" / "rules.toml"
    rules.write_text(rules.read_text().replace('yes = { leaf = "small_model" }', 'yes = { leaf = "smal_model" }'))
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert "calculator/rules.toml: questions[1] 'latency'.yes: leaf 'smal_model' is unknown" in done.stderr + done.stdout


def test_pages_state_the_rules_1_1_0(pages, site, rules):
    folder = site[1]
    tree = _text({k: v for k, v in pages.items() if k.parent.name == "decision-tree"})
    assert "Is latency critical: under 100 ms, or below the 200 ms an API call adds?" in tree
    assert "like the article's \"under 100 ms\" is this site's reading" in tree
    costs = _text({k: v for k, v in pages.items() if k.parent.name == "costs"})
    for name in ("self_host_setup_cost", "self_host_monthly", "self_host_cost_per_request"):
        field = rules.fields[name]
        assert field.rationale in costs and f"`{name}`" not in costs and name in costs
    for words in ("the article's figure", "our default within the article's range ($0.01-0.10)", "our assumption"):
        assert words in costs, words
    assert "Self-host" in costs and "is ruled out when" in costs
    about = _text({k: v for k, v in pages.items() if k.parent.name == "about"})
    assert "1.1.0" in about and rules.changelog[0].changes[0] in about


def test_the_glossary_is_on_every_page(pages, site):
    for page, parsed in pages.items():
        html = page.read_text(encoding="utf-8")
        if "horizon" in "".join(parsed.text) or "RAG" in "".join(parsed.text):
            assert "<abbr title=" in html, page


def test_the_credit_travels_with_the_calculator(site, rules):
    html = (site[1] / "calculator" / "index.html").read_text(encoding="utf-8")
    result = html[html.index('id="calculator-result"'):]
    assert "bvb-credit" in result and rules.source.title in result and 'href="../about/"' in result
