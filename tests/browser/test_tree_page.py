"""The decision-tree page in Chromium: diagram, links, search, no other host."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import wait_until


def test_tree_page_shows_the_diagram_and_links_to_sections(visit, rules):
    page = visit.page
    page.goto(visit.base + "decision-tree/")
    svg = page.locator("figure.bvb-diagram svg")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 300
    for ident in rules.questions:
        expect(page.locator(f'figure.bvb-diagram [data-node="{ident}"][data-kind="question"]')).to_have_count(1)
    for ident in rules.leaves:
        expect(page.locator(f'figure.bvb-diagram [data-node="{ident}"][data-kind="leaf"]')).to_have_count(1)

    # A click on a node far down the page brings its section into view.
    section = page.locator("#rag_prompting")
    expect(section).not_to_be_in_viewport()
    page.locator('figure.bvb-diagram [data-node="rag_prompting"][data-kind="leaf"]').click()
    expect(section).to_be_in_viewport()
    assert page.url.endswith("#rag_prompting")
    assert visit.foreign_requests() == []
    assert visit.errors == []


def test_search_finds_fine_tune_offline(visit):
    page = visit.page
    page.goto(visit.base)
    page.keyboard.press("/")  # Material's shortcut opens search
    field = page.locator("input.md-search__input")
    expect(field).to_be_focused()
    field.press_sequentially("fine-tune")  # key events: Material searches on keyup, not on fill()
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible(timeout=30_000)  # the search index loads in a worker
    assert "fine" in results.first.inner_text().lower()
    assert visit.foreign_requests() == []


def test_material_lifts_the_switching_mark_the_pages_start_with(visit):
    """Pages are built with body[data-md-color-switching] (no transitions,
    build_scripts/palette_start.py) to spare a restyle; Material's palette
    code must still remove it, or the site's transitions would stay off."""
    page = visit.page
    for path in ("", "decision-tree/"):
        page.goto(visit.base + path)
        wait_until(page, '() => !document.body.hasAttribute("data-md-color-switching")')
        duration = page.evaluate("getComputedStyle(document.querySelector('.md-header')).transitionDuration")
        assert duration != "0s", f"/{path}: the header's transitions are still off"
    assert visit.errors == []


# Every change to <html>'s class once the body exists, recorded from before
# the page's first script. (classList.add of a class already there still
# writes the attribute and makes a record; only a new value counts.)
RECORD_ROOT_CLASS = """
window.__rootClassChanges = [];
new MutationObserver((records) => {
  for (const record of records) {
    const now = record.target.getAttribute("class");
    if (record.target === document.documentElement && document.body && record.oldValue !== now)
      window.__rootClassChanges.push(`${record.oldValue} -> ${now}`);
  }
}).observe(document, { attributes: true, attributeOldValue: true, subtree: true, attributeFilter: ["class"] });
"""


def test_material_s_bundle_changes_no_class_on_html(visit):
    """The classes Material's bundle sets on <html> when it starts (js for
    no-js, js-focus-visible) are set before the first render
    (overrides/main.html), so its own changes are no-ops: each would be a
    full restyle of the rendered page."""
    page = visit.page
    page.add_init_script(RECORD_ROOT_CLASS)
    for path in ("", "about/", "calculator/"):
        page.goto(visit.base + path)
        # The palette code runs last in the bundle's start: once it has
        # lifted its switching mark, the bundle has started.
        wait_until(page, '() => !document.body.hasAttribute("data-md-color-switching")')
        classes = page.evaluate("document.documentElement.className").split()
        assert {"js", "js-focus-visible", "bvb-js"} <= set(classes) and "no-js" not in classes, f"/{path}: {classes}"
        assert page.evaluate("window.__rootClassChanges") == [], f"/{path}: <html>'s class changed after the body began"
    assert visit.errors == []


def test_without_javascript_html_keeps_no_js(browser, site):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site[0] + "about/")
        expect(page.locator("html")).to_have_class("no-js")
    finally:
        context.close()


def test_every_page_loads_without_other_hosts_in_both_palettes(visit):
    page = visit.page
    for path in ("", "options/", "decision-tree/", "costs/", "rule-of-thumb/", "embedding/", "about/"):
        page.goto(visit.base + path)
        expect(page.locator("h1").first).to_be_visible()
    # The palette toggle switches to dark and the diagram follows it.
    page.goto(visit.base + "decision-tree/")
    scheme = page.locator("body").get_attribute("data-md-color-scheme")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    expect(page.locator("body")).not_to_have_attribute("data-md-color-scheme", scheme)
    assert visit.foreign_requests() == []
    assert visit.errors == []


def _leaf_node(page, leaf: str):
    return page.locator(f'#bvb-live-diagram [data-node="{leaf}"][data-kind="leaf"]')


def test_a_node_on_the_calculators_diagram_opens_its_section_on_the_tree_page(visit):
    # By mouse and by keyboard: the tree page, at the leaf's section, with a
    # history entry to come back by, as any link of the page would.
    page = visit.page
    for activate in ("click", "Enter"):
        page.goto(visit.base + "calculator/?privacy_required=true")
        expect(page.locator('#calculator-result[data-status="ready"][data-recommendation="self_hosted"]')).to_have_count(1, timeout=90_000)
        page.evaluate("window.__firstDocument = true")
        calculator_url = page.url
        entries = page.evaluate("history.length")
        node = _leaf_node(page, "self_hosted")
        if activate == "click":
            node.click()
        else:
            node.focus()
            page.keyboard.press("Enter")
        expect(page).to_have_url(visit.base + "decision-tree/#self_hosted")
        expect(page).to_have_title(re.compile("^The decision tree"))
        expect(page.locator("#self_hosted")).to_be_in_viewport()
        # Material's instant navigation took it: the same document, one entry more.
        assert page.evaluate("window.__firstDocument === true")
        assert page.evaluate("history.length") == entries + 1
        page.go_back()
        expect(page).to_have_url(calculator_url)


def test_from_the_calculators_diagram_to_a_section_and_back_by_its_scenario_button(visit):
    # Calculator -> the tree page at a leaf's section (the diagram's node) ->
    # that section's scenario button -> the calculator, at the scenario's
    # address, with no hash left over from the section.
    page = visit.page
    page.goto(visit.base + "calculator/")
    expect(page.locator('#calculator-result[data-status="ready"]')).to_have_count(1, timeout=90_000)
    _leaf_node(page, "small_model").click()
    expect(page).to_have_url(visit.base + "decision-tree/#small_model")
    button = page.locator("#small_model ~ p a.md-button").first
    expect(button).to_contain_text("Try a scenario")
    button.click()
    expect(page.locator('#calculator-result[data-status="ready"][data-recommendation="small_model"]')).to_have_count(1, timeout=90_000)
    expect(page).to_have_url(re.compile(r"/calculator/\?[^#]*[?&]v=[^&#]+$"))
