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
