"""Keyboard alone, in Chromium: Tab reaches what a reader needs, every stop
shows where focus is, keys work the controls, and the calculator's live
regions speak once per answer rather than once per keystroke."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import wait_until

RESULT = "#calculator-result"
READY = f'{RESULT}[data-status="ready"]'
ENGINE_MS = 90_000
MAX_TABS = 250  # more stops than any page has; the walk stops when focus wraps

# Where focus is, and whether a sighted keyboard user can see it: an outline
# or a box shadow drawn by a :focus-visible style, on an element with a size.
# A hidden radio (Material's palette switch) shows focus on its label.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const own = el.getBoundingClientRect();
  const next = el.nextElementSibling;
  const shown = own.width === 0 && next && next.tagName === "LABEL" ? next : el;
  const style = getComputedStyle(shown);
  const box = shown.getBoundingClientRect();
  const name = (el.getAttribute("aria-label") || el.textContent || el.value || "").trim().replace(/\\s+/g, " ");
  return {
    key: el.id ? "#" + el.id : `${el.tagName.toLowerCase()}.${(el.getAttribute("class") || "").split(" ")[0]}:${name.slice(0, 30)}`,
    id: el.id,
    classes: el.getAttribute("class") || "",
    ringed: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none",
    sized: box.width > 0 && box.height > 0,
    focusVisible: el.matches(":focus-visible"),
  };
}"""


def tab_walk(page) -> list[dict]:
    """Press Tab from the top of the page until focus comes back round."""
    page.locator("body").focus()
    stops: list[dict] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None or (stops and stop["key"] == stops[0]["key"]):
            break
        stops.append(stop)
    return stops


def unseen(stops: list[dict]) -> list[str]:
    return [
        f"{s['key']} (ring {s['ringed']}, size {s['sized']}, :focus-visible {s['focusVisible']})"
        for s in stops
        if not (s["ringed"] and s["sized"] and s["focusVisible"])
    ]


def test_calculator_by_keyboard_reaches_form_presets_actions_with_visible_focus(visit, rules):
    page = visit.page
    page.goto(visit.base + "calculator/")
    expect(page.locator(READY)).to_have_count(1, timeout=ENGINE_MS)
    stops = tab_walk(page)
    ids = [s["id"] for s in stops]
    classes = " ".join(s["classes"] for s in stops)
    assert "bvb-preset" in classes, ids
    visible_fields = page.locator("#bvb-form [id^='f-']:visible:not([type=radio])").evaluate_all("els => els.map((e) => e.id)")
    assert visible_fields, "no form control on screen"
    for control in visible_fields:
        assert control in ids, f"Tab never reaches #{control}: {ids}"
    # A radio group is one Tab stop, on its checked radio; the arrow keys
    # move within it (the platform's own radio behaviour).
    groups = page.locator("#bvb-form fieldset.bvb-choice-group:visible")
    assert groups.count() > 0, "no radio group on screen"
    for group in groups.all():
        radios = group.locator("input[type=radio]").evaluate_all("els => els.map((e) => ({id: e.id, checked: e.checked}))")
        reached = [r["id"] for r in radios if r["id"] in ids]
        checked = [r["id"] for r in radios if r["checked"]]
        assert len(reached) == 1, f"radio group {[r['id'] for r in radios]}: Tab stops {reached}, want one"
        assert reached == checked, f"Tab stops on {reached}, not the checked radio {checked}"
    for action in ("bvb-copy-markdown", "bvb-copy-link", "bvb-download-diagram", "bvb-print"):
        assert action in ids, f"Tab never reaches #{action}"
    # The folded groups open from the keyboard.
    assert any(s["key"].startswith("summary.") for s in stops), "no <summary> reached"
    assert unseen(stops) == [], f"focus not visible on: {unseen(stops)}"

    # Keys work the controls: an arrow moves a radio group's choice and the
    # engine answers for it.
    chosen = groups.first.locator("input[type=radio]:checked")  # re-evaluated at each use
    start_id = chosen.get_attribute("id")
    start = page.locator(f"#{start_id}")
    address = page.url
    start.focus()
    page.keyboard.press("ArrowDown")
    expect(chosen).not_to_have_id(start_id)
    expect(chosen).to_be_focused()
    expect(page.locator(READY)).to_have_count(1, timeout=ENGINE_MS)
    expect(page).not_to_have_url(address)
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"#{start_id}")).to_be_checked()
    expect(page.locator(READY)).to_have_count(1, timeout=ENGINE_MS)

    # Space on a checkbox, Enter on a preset.
    page.locator("#f-privacy_required").focus()
    page.keyboard.press("Space")
    expect(page.locator(f'{READY}[data-recommendation="self_hosted"]')).to_have_count(1, timeout=ENGINE_MS)
    preset = page.locator(".bvb-preset").first  # a preset without the privacy constraint
    preset.focus()
    page.keyboard.press("Enter")
    expect(preset).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'{READY}:not([data-recommendation="self_hosted"])')).to_have_count(1, timeout=ENGINE_MS)


def test_tree_page_by_keyboard_reaches_every_node_and_follows_it(visit, rules):
    page = visit.page
    page.goto(visit.base + "decision-tree/")
    stops = tab_walk(page)
    nodes = [s for s in stops if "bvb-node" in s["classes"]]
    assert len(nodes) == len(rules.questions) + len(rules.leaves), [s["key"] for s in nodes]
    assert unseen(stops) == [], f"focus not visible on: {unseen(stops)}"
    node = page.locator('figure.bvb-diagram [data-node="rag_prompting"][data-kind="leaf"]')
    node.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#rag_prompting$"))
    expect(page.locator("#rag_prompting")).to_be_in_viewport()


# Counts what the calculator's live regions say: each text change of a
# polite region (role=status, aria-live) and each alert inserted.
COUNT_ANNOUNCEMENTS = """() => {
  window.__said = [];
  const live = '[aria-live], [role="status"], [role="alert"]';
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      const target = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const region = target && target.closest(live);
      if (region && region.textContent.trim()) window.__said.push(region.textContent.trim().slice(0, 80));
      for (const node of record.addedNodes) {
        if (node.nodeType === 1 && node.matches('[role="alert"]')) window.__said.push("alert: " + node.textContent.trim().slice(0, 60));
      }
    }
  });
  observer.observe(document.querySelector("#bvb-calculator"), { subtree: true, childList: true, characterData: true });
}"""


def test_typing_is_announced_once_not_per_keystroke(visit):
    page = visit.page
    page.goto(visit.base + "calculator/")
    expect(page.locator(READY)).to_have_count(1, timeout=ENGINE_MS)
    # The first live answer is spoken once it settles; counting starts after.
    expect(page.locator("#calculator-announce")).not_to_be_empty(timeout=ENGINE_MS)
    page.evaluate(COUNT_ANNOUNCEMENTS)
    field = page.locator("#f-monthly_requests")
    before = field.input_value()
    field.focus()
    field.press("End")
    field.press_sequentially("000", delay=30)  # a reader typing: valid at every key
    expect(field).to_have_value(before + "000")
    expect(page.locator(READY)).to_have_count(1, timeout=ENGINE_MS)
    wait_until(page, "() => !document.querySelector('#calculator-result[aria-busy=\"true\"]')")
    # The answer is spoken (at once or once typing settles), and only once.
    wait_until(page, "() => window.__said.length > 0")
    said = page.evaluate("window.__said")
    # One answer for one typed figure (its keys 30 ms apart, well inside the
    # half second the live region waits for typing to settle).
    assert len(said) == 1, f"{len(said)} announcements for one typed figure: {said}"
    assert not said[0].startswith("Computing"), said
    expect(page.locator("#calculator-announce")).to_contain_text("Live answer")
