"""The site as published on a project page: built for https://example.org/sub/
and served under /sub/ (a local server stands in for the host)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import PUBLIC_URL
from tests.test_publish import png_size

RESULT = "#calculator-result"


def ready(page, leaf: str | None = None):
    selector = f'{RESULT}[data-status="ready"]' + (f'[data-recommendation="{leaf}"]' if leaf else "")
    expect(page.locator(selector)).to_have_count(1, timeout=90_000)


def test_pages_name_the_public_address(subpath_visit):
    page = subpath_visit.page
    page.goto(subpath_visit.base + "decision-tree/")
    expect(page.locator('link[rel="canonical"]')).to_have_attribute("href", PUBLIC_URL + "decision-tree/")
    sitemap = page.request.get(subpath_visit.base + "sitemap.xml").text()
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert PUBLIC_URL + "calculator/" in locs and all(loc.startswith(PUBLIC_URL) for loc in locs)
    assert subpath_visit.errors == []


def test_404_under_the_subpath_is_styled(subpath_visit):
    page = subpath_visit.page
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    response = page.goto(subpath_visit.base + "no/such/page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("404 - Not found")
    # Material's stylesheet arrived: the header is sticky and the site's own CSS applies.
    expect(page.locator(".md-header")).to_have_css("position", "sticky")
    sheets = page.evaluate("[...document.styleSheets].map((s) => s.href).filter(Boolean)")
    assert any("/sub/assets/stylesheets/main." in s for s in sheets) and any(s.endswith("/sub/stylesheets/site.css") for s in sheets)
    bad = [u for u in subpath_visit.requests if "/sub/" not in u and u.startswith("http://127.0.0.1")]
    assert bad == [], f"fetched from outside the subpath: {bad}"
    assert failed == [] and subpath_visit.foreign_requests() == []


def test_calculator_link_with_tracking_and_search_parameters_answers(subpath_visit):
    page = subpath_visit.page
    page.goto(subpath_visit.base + "calculator/?generic_task=true&utm_source=deck&utm_medium=email&fbclid=abc123&h=calculator")
    ready(page, "api")
    expect(page.locator("#calculator-status")).to_have_attribute("data-state", "ready")
    expect(page.locator(".bvb-field-error:visible")).to_have_count(0)


def test_copy_link_and_snippets_give_public_addresses(subpath_visit):
    subpath_visit.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = subpath_visit.page
    page.goto(subpath_visit.base + "calculator/?generic_task=true&embed=1")
    ready(page, "api")
    page.locator("#bvb-copy-link").click()
    expect(page.locator("#bvb-action-status")).to_have_text("Link copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(PUBLIC_URL + "calculator/?") and "generic_task=true" in copied
    assert "embed" not in copied  # a shared link opens the full page
    page.locator("#bvb-copy-markdown").click()
    expect(page.locator("#bvb-action-status")).to_have_text("Markdown copied.")
    record = page.evaluate("navigator.clipboard.readText()")
    assert PUBLIC_URL + "calculator/?" in record and "127.0.0.1" not in record

    page.goto(subpath_visit.base + "embedding/")
    addresses = page.locator("a.bvb-address")
    assert addresses.count() >= 10
    for href in addresses.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))"):
        assert href.startswith(PUBLIC_URL), href
    code = " ".join(page.locator(".md-typeset pre code").all_inner_texts())
    assert PUBLIC_URL + "calculator/?embed=1" in code and PUBLIC_URL + "diagrams/decision-tree.png" in code
    assert not re.search(r'(?:src|href)="(?!https://)', code)
    button = page.locator("button.bvb-copy").first
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == button.get_attribute("data-copy")


def test_png_and_svg_downloads_carry_the_path_and_the_credit(subpath_visit):
    page = subpath_visit.page
    page.goto(subpath_visit.base + "calculator/?privacy_required=true")
    ready(page, "self_hosted")
    with page.expect_download() as caught:
        page.locator("#bvb-download-png").click()
    png = caught.value
    assert png.suggested_filename == "decision-tree-self_hosted.png"
    width, height = png_size(Path(png.path()).read_bytes())
    assert width >= 1200 and height > width
    expect(page.locator("#bvb-action-status")).to_have_text("PNG downloaded.")
    with page.expect_download() as caught:
        page.locator("#bvb-download-diagram").click()
    svg = Path(caught.value.path()).read_text(encoding="utf-8")
    assert re.search(r'class="[^"]*is-answer[^"]*"[^>]*data-node="self_hosted"', svg)
    assert "The Build-vs-Buy Framework for AI Features" in svg and PUBLIC_URL + "decision-tree/" in svg
    assert not re.search(r'href="(?!https://example\.org/sub/)', svg), "a relative link survived"


PIXEL_AT = """async ([b64, points]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  return points.map(([x, y]) => [...context.getImageData(x, y, 1, 1).data.slice(0, 3)]);
}"""


def test_png_download_draws_the_path(subpath_visit, rules):
    """The answer's box is filled with the answer's colour; a leaf off the path is not."""
    from build_scripts.diagram import STANDALONE_COLOURS, layout

    page = subpath_visit.page
    page.goto(subpath_visit.base + "calculator/?privacy_required=true")
    ready(page, "self_hosted")
    with page.expect_download() as caught:
        page.locator("#bvb-download-png").click()
    data = Path(caught.value.path()).read_bytes()
    width, _ = png_size(data)
    drawn = layout(rules)
    scale = width / drawn.width

    def inside(leaf: str) -> list[int]:
        box = drawn.node("leaf", leaf).box
        return [round((box.x + 5) * scale), round(box.cy * scale)]

    answer_px, other_px = page.evaluate(PIXEL_AT, [base64.b64encode(data).decode(), [inside("self_hosted"), inside("api")]])
    colour = STANDALONE_COLOURS["answer"]  # the standalone SVG's mark of the answer
    marked = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    assert all(abs(a - b) <= 6 for a, b in zip(answer_px, marked)), answer_px
    assert any(abs(a - b) > 20 for a, b in zip(other_px, marked)), other_px


def test_print_record_has_link_date_version_and_sources_on_one_page(subpath_visit):
    page = subpath_visit.page
    page.goto(subpath_visit.base + "calculator/?needs_specific_behavior=true&prompting_reliable=no&labeled_examples=40000")
    ready(page, "fine_tune")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.emulate_media(media="print")
    record = page.locator(".bvb-print-record")
    expect(record).to_be_visible()
    expect(record.locator("a")).to_have_attribute("href", re.compile(re.escape(PUBLIC_URL + "calculator/?") + ".*labeled_examples=40000"))
    expect(record.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    expect(record).to_contain_text("rules version ")
    # Every figure used shows once, with its source: the folded cost inputs
    # print as the result's list of figures, not as form fields.
    figures = page.locator("#calculator-result .bvb-section-costs .bvb-note")
    expect(figures).to_be_visible()
    expect(figures).to_contain_text("API cost per request $0.03 per request (our default within the article's range ($0.01-0.10))")
    expect(figures).to_contain_text("Custom model build cost $50,000 (the article's figure)")
    expect(page.locator("#f-monthly_requests")).to_be_visible()
    expect(page.locator(".bvb-print-title")).to_contain_text("The Build-vs-Buy Framework for AI Features")


def test_embed_snippet_resizes_its_frame_only_for_the_embed(visit, site, rules, tmp_path):
    """The documented iframe snippet, on another site: the frame takes the
    height the embedded calculator posts, and ignores any other sender."""
    from build_scripts.local_site import free_port, serve
    from build_scripts.publish_blocks import EMBED_FRAME_ID, embed_calculator

    snippet = embed_calculator(rules, visit.base).removeprefix("```html\n").removesuffix("\n```")
    (tmp_path / "index.html").write_text(f"<!doctype html><title>A wiki page</title><h1>Our decision</h1>\n{snippet}\n", encoding="utf-8")
    port = free_port()
    server = serve(tmp_path, port)
    try:
        page = visit.page
        page.goto(f"http://127.0.0.1:{port}/")
        frame = page.locator(f"#{EMBED_FRAME_ID}")
        embedded = page.frame_locator(f"#{EMBED_FRAME_ID}").locator("#bvb-calculator")
        expect(embedded).to_be_attached()
        inner = next(f for f in page.frames if f.url.startswith(visit.base + "calculator/"))
        # The embedded calculator posts its own height, and the frame fits it
        # (a frame that grew each time it was resized would overshoot).
        page.wait_for_function(
            "(id) => document.getElementById(id).getBoundingClientRect().height !== 900", arg=EMBED_FRAME_ID
        )
        fitted = inner.evaluate("Math.ceil(document.getElementById('bvb-calculator').getBoundingClientRect().bottom + scrollY)")
        height = frame.evaluate("(el) => el.getBoundingClientRect().height")
        assert fitted <= height <= fitted + 40, (fitted, height)
        # What the embedded calculator posts when its content changes height.
        inner.evaluate("parent.postMessage({ type: 'bvb-embed-height', height: 1234.2 }, '*')")
        expect(frame).to_have_css("height", "1235px")
        # The host page itself (or any other frame) cannot resize it.
        page.evaluate("""() => new Promise((done) => {
            addEventListener("message", (e) => e.data === "sentinel" && done());
            postMessage({ type: "bvb-embed-height", height: 10 }, "*");
            postMessage("sentinel", "*");
        })""")
        expect(frame).to_have_css("height", "1235px")
    finally:
        server.shutdown()
