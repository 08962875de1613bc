"""The calculator page in Chromium: the Python engine live in Pyodide."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from calculator import default_rules, evaluate
from calculator.page import answer
from tests.browser.conftest import framing_host

RESULT = "#calculator-result"


def ready(page, leaf: str | None = None):
    """Wait until the live engine has answered (for ``leaf`` if given)."""
    selector = f'{RESULT}[data-status="ready"]' + (f'[data-recommendation="{leaf}"]' if leaf else "")
    expect(page.locator(selector)).to_have_count(1, timeout=90_000)


def test_url_scenario_gives_the_engines_leaf(visit):
    inputs = {"needs_specific_behavior": True, "prompting_reliable": "no", "labeled_examples": 40000, "monthly_requests": 2000000}
    expected = evaluate(inputs)["recommendation"]["id"]
    page = visit.page
    page.goto(visit.base + "calculator/?needs_specific_behavior=true&prompting_reliable=no&labeled_examples=40000&monthly_requests=2000000")
    ready(page, expected)
    # The engine filled the form from the address.
    expect(page.locator("#f-task_kind-specific")).to_be_checked()  # the task-kind radio stands for the two fields
    expect(page.locator("#f-prompting_reliable")).to_have_value("no")
    expect(page.locator("#f-labeled_examples")).to_have_value("40000")
    expect(page.locator("#calculator-status")).to_have_attribute("data-state", "ready")
    assert visit.foreign_requests() == []
    assert visit.errors == []


def test_form_change_updates_result_url_and_path(visit):
    page = visit.page
    page.goto(visit.base + "calculator/")
    ready(page, evaluate({})["recommendation"]["id"])
    page.locator("#f-privacy_required").check()
    ready(page, "self_hosted")
    # The address follows the answer in the next frame.
    expect(page).to_have_url(re.compile(r"[?&]privacy_required=true(&|$)"))
    assert parse_qs(urlsplit(page.url).query)["privacy_required"] == ["true"]
    diagram = page.locator("#bvb-live-diagram")
    expect(diagram.locator('[data-node="privacy"][data-kind="question"].is-on-path')).to_have_count(1)
    expect(diagram.locator('[data-node="self_hosted"][data-kind="leaf"].is-answer')).to_have_count(1)
    expect(diagram.locator('[data-node="latency"].is-on-path')).to_have_count(0)
    # Typing a number recomputes too, and the costs follow.
    page.locator("#f-privacy_required").uncheck()
    page.locator("#f-monthly_requests").fill("10000000")
    ready(page)
    expected = evaluate({"monthly_requests": 10_000_000})
    custom_total = expected["costs"]["options"]["custom"]["total"]
    expect(page.locator(f'{RESULT} tr[data-option="custom"]')).to_contain_text(f"${custom_total:,.0f}")
    expect(page).to_have_url(re.compile(r"[?&]monthly_requests=10000000(&|$)"))


def test_bad_input_is_shown_at_its_field(visit):
    page = visit.page
    page.goto(visit.base + "calculator/")
    ready(page)
    page.locator("#f-monthly_requests").fill("lots")
    expect(page.locator(f'{RESULT}[data-status="error"]')).to_have_count(1)
    expect(page.locator("#e-monthly_requests")).to_have_text("'lots' is not a whole number")
    expect(page.locator("#f-monthly_requests")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(RESULT)).to_have_attribute("data-recommendation", "")
    # The status names the field as the form does, not by its id.
    label = default_rules().fields["monthly_requests"].label
    expect(page.locator("#calculator-status")).to_contain_text(f"fix the inputs marked below ({label})")
    # A fix clears the error.
    page.locator("#f-monthly_requests").fill("1000")
    ready(page)
    expect(page.locator("#e-monthly_requests")).to_be_hidden()


def test_bad_url_is_shown_at_its_field_and_never_as_html(visit):
    page = visit.page
    page.goto(visit.base + "calculator/?horizon_months=0&prompting_reliable=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    expect(page.locator(f'{RESULT}[data-status="error"]')).to_have_count(1, timeout=90_000)
    expect(page.locator("#e-horizon_months")).to_have_text("must be at least 1")
    expect(page.locator("#e-prompting_reliable")).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator(f"{RESULT} img")).to_have_count(0)
    assert visit.errors == []


def test_copy_as_markdown(visit):
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = visit.page
    query = "generic_task=true&monthly_requests=200000"
    page.goto(visit.base + "calculator/?" + query)
    ready(page, "api")
    page.locator("#bvb-copy-markdown").click()
    expect(page.locator("#bvb-action-status")).to_have_text("Markdown copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    expected = json.loads(answer(json.dumps({"query": query, "page_url": visit.base + "calculator/"})))["markdown"]
    assert copied == expected
    assert "### Build vs buy: Use an API" in copied


def test_copy_link_gives_the_answer_on_show_before_the_address_follows(visit):
    """The address follows an answer in the next frame; a click on "Copy
    link" before that frame still copies the link of the answer on show."""
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = visit.page
    page.goto(visit.base + "calculator/")
    ready(page)
    # The click comes in the same task that shows the answer, before any frame.
    address_then = page.evaluate(
        """() => new Promise((done) => {
            const result = document.getElementById("calculator-result");
            const observer = new MutationObserver(() => {
                if (result.dataset.status !== "ready") return;
                observer.disconnect();
                const address = window.location.search;
                document.getElementById("bvb-copy-link").click();
                done(address);
            });
            observer.observe(result, { attributes: true, attributeFilter: ["data-status"] });
            const input = document.getElementById("f-monthly_requests");
            input.value = "3456789";
            input.dispatchEvent(new Event("input", { bubbles: true }));
        })"""
    )
    assert "3456789" not in address_then  # the address had not followed yet
    expect(page.locator("#bvb-action-status")).to_have_text("Link copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.search(r"[?&]monthly_requests=3456789(&|$)", copied), copied
    expect(page).to_have_url(re.compile(r"[?&]monthly_requests=3456789(&|$)"))


def test_instant_navigation_away_and_back_keeps_working(visit):
    page = visit.page
    page.goto(visit.base + "calculator/")
    ready(page)
    page.evaluate("window.__sameDocument = true")
    page.locator(".md-sidebar--primary .md-nav__link:visible", has_text="Rule of thumb").first.click()
    expect(page.locator("h1")).to_contain_text("Rule of thumb")
    page.locator(".md-sidebar--primary .md-nav__link:visible", has_text="Calculator").first.click()
    expect(page.locator("#bvb-calculator")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True, "instant navigation reloaded the page"
    ready(page)
    page.locator("#f-task_kind-generic").check()
    ready(page, "api")
    page.locator("#f-latency_budget_ms").fill("50")
    ready(page, "small_model")
    assert visit.foreign_requests() == []


def test_pyodide_blocked_keeps_the_prerendered_answer(visit):
    visit.context.route("**/pyodide.asm.wasm", lambda route: route.abort())
    page = visit.page
    page.goto(visit.base + "calculator/")
    expect(page.locator(f'{RESULT}[data-status="error"]')).to_have_count(1, timeout=90_000)
    expect(page.locator("#calculator-status")).to_contain_text("could not load")
    expect(page.locator("#calculator-status")).to_contain_text("default inputs")
    title = evaluate({})["recommendation"]["title"]
    expect(page.locator(f"{RESULT} .bvb-recommendation h2")).to_have_text(title)
    expect(page.locator("#bvb-live-diagram svg")).to_be_visible()
    expect(page.locator("#bvb-copy-markdown")).to_be_disabled()


def test_embed_mode_shows_only_the_calculator(visit):
    page = visit.page
    page.goto(visit.base + "calculator/?embed=1&generic_task=true")
    ready(page, "api")
    expect(page.locator(".md-header")).to_be_hidden()
    expect(page.locator("#bvb-form")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]embed=1(&|$)"))


def test_embed_credit_opens_the_full_calculator_at_the_top(visit, tmp_path):
    # Material's instant navigation would take the link inside the page (or
    # the frame), still embedded; the credit leaves the embed for the full page.
    page = visit.page
    page.goto(visit.base + "calculator/?embed=1&privacy_required=true")
    ready(page, "self_hosted")
    page.locator("#bvb-embed-full").click()
    expect(page).not_to_have_url(re.compile(r"[?&]embed=1(&|$)"))
    expect(page).to_have_url(re.compile(r"/calculator/\?(.*&)?privacy_required=true(&|$)"))
    expect(page.locator("html.bvb-embed")).to_have_count(0)
    expect(page.locator(".md-header")).to_be_visible()
    ready(page, "self_hosted")
    # Framed by another site's page, the full calculator replaces that page.
    with framing_host(tmp_path, f"{visit.base}calculator/?embed=1&privacy_required=true") as host:
        page.goto(host)
        frame = page.frame_locator("#framed")
        expect(frame.locator(f'{RESULT}[data-status="ready"]')).to_have_count(1, timeout=90_000)
        frame.locator("#bvb-embed-full").click()
        expect(page).to_have_url(re.compile(re.escape(visit.base) + r"calculator/\?(.*&)?privacy_required=true(&|$)"))
        expect(page.locator(".md-header")).to_be_visible()


def test_embed_keeps_its_own_anchors_in_the_page(visit):
    # Only links that leave the page go to the top window (downloads too
    # stay: test_download_diagram_highlights_the_path, embedded).
    page = visit.page
    page.goto(visit.base + "calculator/?embed=1&privacy_required=true")
    ready(page, "self_hosted")
    summary = page.locator("#calculator-answer .bvb-summary-title a")
    summary.click()
    expect(page).to_have_url(re.compile(r"#bvb-rec-title$"))
    assert summary.get_attribute("target") is None
    expect(page.locator("html.bvb-embed")).to_have_count(1)


def test_print_gives_a_one_page_decision_record(visit):
    page = visit.page
    page.goto(visit.base + "calculator/?needs_specific_behavior=true&prompting_reliable=no&labeled_examples=40000")
    ready(page, "fine_tune")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.emulate_media(media="print")
    expect(page.locator(".bvb-print-title")).to_be_visible()
    expect(page.locator("#bvb-form")).to_be_visible()
    expect(page.locator(".bvb-actions")).to_be_hidden()


@pytest.mark.parametrize("embed", ["", "&embed=1"], ids=["page", "embedded"])
def test_download_diagram_highlights_the_path(visit, embed):
    page = visit.page
    page.goto(visit.base + "calculator/?privacy_required=true" + embed)
    ready(page, "self_hosted")
    with page.expect_download() as caught:
        page.locator("#bvb-download-diagram").click()
    download = caught.value
    assert download.suggested_filename == "decision-tree-self_hosted.svg"
    svg = Path(download.path()).read_text(encoding="utf-8")
    assert re.search(r'class="[^"]*is-answer[^"]*"[^>]*data-node="self_hosted"', svg)
    assert re.search(r'class="[^"]*is-on-path[^"]*"[^>]*data-node="privacy"', svg)
    assert not re.search(r'class="[^"]*is-on-path[^"]*"[^>]*data-node="latency"', svg)


def test_every_option_draws_a_visible_line_in_the_chart(visit):
    """Each option of the rule file has a coloured line and legend key, the
    self-host line added in rules 1.1.0 included."""
    page = visit.page
    page.goto(visit.base + "calculator/?monthly_requests=2000000")
    ready(page)
    for option in default_rules().options:
        for where in (f"{RESULT} polyline.bvb-line--{option}", f"{RESULT} .bvb-legend line.bvb-line--{option}"):
            stroke = page.locator(where).evaluate("(el) => getComputedStyle(el).stroke")
            assert stroke not in ("none", ""), f"{where} has no stroke"
