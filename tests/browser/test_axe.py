"""axe-core over every page of the built site, in both of Material's palettes.

axe is injected with add_init_script (DevTools' "evaluate on new document"),
which the page's Content-Security-Policy does not govern: an inline script
tag would be refused by the policy, as it should be. test_csp checks that the
site's own scripts run under the same policy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.site_pages import page_paths

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Material's two schemes, chosen the way a reader's system would choose them:
# mkdocs.yml gives each palette a prefers-color-scheme media query.
PALETTES = {"default": "light", "slate": "dark"}
# Contrast does not depend on the width, but what scrolls does: the tables
# scroll sideways on a phone (Lighthouse's mobile width), not on a desktop.
# Both palettes at both widths: each run loads the calculator's engine once
# more.
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 412, "height": 823}}
RUNS = [("default", "desktop"), ("slate", "desktop"), ("default", "phone"), ("slate", "phone")]

# axe reads colours as they are painted, so a fade still running (the search
# dialog's results fade in) reads as too little contrast: every finite
# animation and transition is let finish first (the status spinner is
# infinite and is left alone).
RUN_AXE = """async () => {
  const finite = document.getAnimations().filter(
    (a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  await Promise.all(finite.map((a) => a.finished.catch(() => null)));
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
    summaries: v.nodes.map((n) => n.failureSummary),
  }));
}"""


def _settled(page) -> None:
    """Wait for what the page still changes after load: the calculator's live
    answer (axe then checks the engine's HTML, not only the prerendered one)."""
    page.wait_for_load_state("load")
    if page.locator("#calculator-result").count():
        expect(page.locator('#calculator-result[data-status="ready"]')).to_have_count(1, timeout=90_000)


def _report(found: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
            for target, summary in zip(v["targets"], v["summaries"]):
                lines.append(f"    {target}")
                lines.append("        " + summary.replace("\n", "\n        "))
    return "\n".join(lines)


@pytest.fixture
def axe_page(browser, request):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup` installs axe-core from package.json")
    scheme, width = request.param
    context = browser.new_context(viewport=VIEWPORTS[width], color_scheme=PALETTES[scheme])
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page, f"{scheme}, {width}"
    context.close()


@pytest.mark.parametrize("axe_page", RUNS, indirect=True, ids=lambda run: "-".join(run))
def test_every_page_has_no_axe_violation(axe_page, site):
    page, where = axe_page
    scheme = where.split(",")[0]
    base, folder = site
    paths = page_paths(folder)
    assert "" in paths and "calculator/" in paths, paths
    found = {}
    for path in paths:
        page.goto(base + path)
        _settled(page)
        # The palette really is the one under test (Material sets it on body).
        expect(page.locator("body")).to_have_attribute("data-md-color-scheme", scheme)
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[f"/{path} [{where}]"] = violations
    assert not found, "axe-core violations:\n" + _report(found)


@pytest.mark.parametrize("axe_page", RUNS[:2], indirect=True, ids=lambda run: "-".join(run))
def test_search_results_have_no_axe_violation(axe_page, site):
    """The search dialog open, with results: Material's markup, our colours."""
    page, where = axe_page
    page.goto(site[0])
    page.keyboard.press("/")
    page.locator("input.md-search__input").press_sequentially("fine-tune")
    expect(page.locator(".md-search-result__item").first).to_be_visible(timeout=30_000)
    violations = page.evaluate(RUN_AXE)
    assert not violations, "axe-core violations:\n" + _report({f"search [{where}]": violations})


def _hold(page, pattern: str) -> None:
    """Hold the requests for ``pattern`` unanswered (until unroute_all)."""
    page.context.route(pattern, lambda route: None)


# The calculator's other states, each as a reader can meet it: a link's
# answer still being worked out (the engine's manifest held back), the
# download's progress bar (the runtime's wasm held back), a field in error
# with no answer, and an engine that could not load (with its retry button).
def _pending_link(page, base):
    _hold(page, "**/assets/engine/manifest.json")
    page.goto(base + "calculator/?privacy_required=true&monthly_requests=3000000")
    expect(page.locator('#calculator-answer[data-pending][data-status="loading"]')).to_have_count(1)


def _downloading(page, base):
    _hold(page, "**/pyodide.asm.wasm")
    page.goto(base + "calculator/")
    expect(page.locator("#bvb-engine-progress-text")).to_contain_text(" MB")


def _field_error(page, base):
    page.goto(base + "calculator/")
    _settled(page)
    page.locator("#f-monthly_requests").fill("-5")
    expect(page.locator("#e-monthly_requests")).to_be_visible(timeout=30_000)
    expect(page.locator("#calculator-answer .bvb-summary-title")).to_have_text("No answer yet")


def _engine_failed(page, base):
    page.context.route("**/assets/engine/manifest.json", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(base + "calculator/?privacy_required=true")
    expect(page.locator("#bvb-engine-retry")).to_be_visible(timeout=30_000)


STATES = {"pending link": _pending_link, "downloading": _downloading, "field error": _field_error, "engine failed": _engine_failed}


@pytest.mark.parametrize("axe_page", RUNS[:2], indirect=True, ids=lambda run: "-".join(run))
def test_the_calculators_other_states_have_no_axe_violation(axe_page, site):
    page, where = axe_page
    found = {}
    for state, reach in STATES.items():
        reach(page, site[0])
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[f"calculator, {state} [{where}]"] = violations
        page.context.unroute_all(behavior="ignoreErrors")
    assert not found, "axe-core violations:\n" + _report(found)


@pytest.mark.parametrize("axe_page", RUNS[2:], indirect=True, ids=lambda run: "-".join(run))
def test_the_phones_open_navigation_has_no_axe_violation(axe_page, site):
    """Material's drawer, opened with its menu button, on a content page."""
    page, where = axe_page
    page.goto(site[0] + "options/")
    page.locator('label.md-header__button[for="__drawer"]').click()
    expect(page.locator(".md-sidebar--primary .md-nav__link").first).to_be_in_viewport()
    violations = page.evaluate(RUN_AXE)
    assert not violations, "axe-core violations:\n" + _report({f"navigation drawer [{where}]": violations})


# axe does not weigh SVG text against the shape behind it, nor the opacity of
# its group: every text of the calculator's diagram (a path drawn) is checked
# here against its node's box or, for edge labels, the page, its colour and
# opacity composited as painted. WCAG AA for text of this size: 4.5.
DIAGRAM_CONTRAST = """() => {
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [r, g, b, a];
  };
  const over = (top, bottom) => top.slice(0, 3).map((c, i) => c * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const luminance = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const opacity = (el) => { let o = 1; for (let e = el; e && e.nodeType === 1; e = e.parentNode) o *= Number(getComputedStyle(e).opacity); return o; };
  const page = rgba(getComputedStyle(document.body).backgroundColor);
  const svg = document.querySelector("#bvb-live-diagram svg");
  const found = [];
  for (const text of svg.querySelectorAll("text")) {
    const box = text.closest("a")?.querySelector("rect");
    let under = page;
    if (box) {
      const fill = rgba(getComputedStyle(box).fill);
      under = over([...fill.slice(0, 3), fill[3] * Number(getComputedStyle(box).fillOpacity) * opacity(box)], page);
    }
    const fill = rgba(getComputedStyle(text).fill);
    const ink = over([...fill.slice(0, 3), fill[3] * Number(getComputedStyle(text).fillOpacity) * opacity(text)], under);
    found.push({ text: text.textContent.trim().slice(0, 30), ratio: Math.round(ratio(ink, under) * 100) / 100 });
  }
  return found;
}"""


@pytest.mark.parametrize("axe_page", RUNS[:2], indirect=True, ids=lambda run: "-".join(run))
def test_the_diagrams_text_has_contrast_with_a_path_drawn(axe_page, site):
    page, where = axe_page
    page.goto(site[0] + "calculator/?privacy_required=true")
    expect(page.locator('#calculator-result[data-status="ready"][data-recommendation="self_hosted"]')).to_have_count(1, timeout=90_000)
    expect(page.locator("#bvb-live-diagram svg.has-path")).to_have_count(1)
    texts = page.evaluate(DIAGRAM_CONTRAST)
    assert len(texts) > 20, texts
    low = [t for t in texts if t["ratio"] < 4.5]
    assert not low, f"diagram text under 4.5:1 [{where}]: {low}"
