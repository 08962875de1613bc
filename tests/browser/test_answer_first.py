"""The calculator leads with its answer and goes live at once (issue 9), and
its runtime is checked and robust (snapshot, fallback, stalls, retry)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import pytest
from playwright.sync_api import expect

from calculator import evaluate, evaluate_query

from .conftest import wait_until

ANSWER = "#calculator-answer"
RESULT = "#calculator-result"
SCENARIO = {"privacy_required": True, "monthly_requests": 3_000_000}
SCENARIO_QUERY = "privacy_required=true&monthly_requests=3000000"


def ready(page, leaf: str | None = None):
    selector = f'{RESULT}[data-status="ready"]' + (f'[data-recommendation="{leaf}"]' if leaf else "")
    expect(page.locator(selector)).to_have_count(1, timeout=90_000)


def in_viewport(page, selector: str) -> bool:
    """Whole, on screen, and not under Material's fixed header."""
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            const header = document.querySelector(".md-header")?.getBoundingClientRect().bottom ?? 0;
            return box.height > 0 && box.top >= header - 0.5 && box.bottom <= window.innerHeight;
        }""",
        selector,
    )


def with_manifest(visit, edit=None, **changes):
    """Serve the site's manifest with some settings changed (as a deploy could),
    and `edit(manifest)` applied."""

    def handle(route):
        response = route.fetch()
        manifest = response.json()
        if edit:
            edit(manifest)
        for key, value in changes.items():
            if key == "saves_s":
                manifest["snapshot"]["saves_s"] = value
            else:
                manifest[key] = value
        route.fulfill(response=response, body=json.dumps(manifest))

    visit.context.route("**/assets/engine/manifest.json", handle)


# ---------------------------------------------------------------------------
# The answer in view


def _calculator_at(visit, size):
    """The calculator with the default inputs, live, at ``size``."""
    page = visit.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(visit.base + "calculator/")
    ready(page)
    return page


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)])
def test_the_answer_is_in_view_after_a_change_far_down_the_form(visit, size):
    page = _calculator_at(visit, size)
    answer = page.locator(ANSWER)
    flow_top = answer.evaluate("(el) => el.getBoundingClientRect().top + window.scrollY")
    # The last figure of the folded assumptions: the far end of the form.
    group = page.locator("#bvb-form details.bvb-group").last
    group.locator("summary").click()
    field = group.locator("input[type=text]").last
    field.scroll_into_view_if_needed()
    name = field.get_attribute("name")
    value = float(field.input_value() or 0) * 2 + 1
    field.fill(f"{value:g}")
    got = evaluate({name: value})
    leaf, option = got["recommendation"]["id"], got["recommendation"]["option"]
    total = got["costs"]["options"][option]["total"]
    ready(page, leaf)
    expect(answer.locator(".bvb-summary-cost")).to_contain_text(f"${total:,.0f}")
    expect(answer).to_have_attribute("data-status", "ready")
    # The reader has scrolled well past where the answer sits in the page's
    # flow, and it is still there, whole, below the header.
    assert page.evaluate("window.scrollY") > flow_top, "the change was not far down the page"
    assert in_viewport(page, ANSWER), f"the answer is out of view at {size}"
    expect(answer.locator(".bvb-summary-title")).to_have_text(got["recommendation"]["title"])
    for part in (".bvb-summary-title", ".bvb-summary-cost"):
        expect(answer.locator(part)).to_be_visible()
    if size[0] >= 1000:
        # Beside the form, with its why and path as well.
        for part in (".bvb-summary-why", ".bvb-summary-path"):
            expect(answer.locator(part)).to_be_visible()
        expect(answer.locator(".bvb-summary-why")).to_have_text(got["recommendation"]["why"])
        panel, form = answer.bounding_box(), page.locator("#bvb-form").bounding_box()
        assert panel["x"] >= form["x"] + form["width"], (panel, form)


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)])
def test_an_old_links_notice_leaves_the_answer_in_view(visit, size):
    # What changed since the link's rules is long: it leads the detail below,
    # not the panel that stays in view (it took 69 % of a phone's screen).
    page = visit.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(visit.base + "calculator/?v=1.0.0&latency_budget_ms=150")
    ready(page, evaluate({"latency_budget_ms": 150})["recommendation"]["id"])
    expect(page.locator(f"{RESULT} .bvb-version-notice")).to_contain_text("What changed:")
    expect(page.locator("#calculator-status")).to_contain_text("what changed is noted below the answer")
    expect(page.locator("#calculator-status")).not_to_contain_text("What changed:")
    # The reader goes down to the form's last figure.
    group = page.locator("#bvb-form details.bvb-group").last
    group.locator("summary").click()
    group.locator("input[type=text]").last.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 500
    assert in_viewport(page, ANSWER), f"the answer is out of view at {size}"
    panel = page.locator(".bvb-answer-panel").bounding_box()
    assert panel["height"] < 0.4 * size[1], panel


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)])
def test_back_to_top_does_not_cover_the_answer(visit, size):
    page = _calculator_at(visit, size)
    # Down the form, then a little up: Material shows its "Back to top".
    page.mouse.wheel(0, 1500)
    wait_until(page, "() => window.scrollY > 1000")
    page.mouse.wheel(0, -300)
    top = page.locator(".md-top")
    expect(top).to_be_visible()
    expect(top).not_to_have_attribute("hidden", "")
    wait_until(page, "() => !document.getAnimations().some((a) => a.playState === 'running' && a.effect?.getComputedTiming().endTime !== Infinity)")
    button, answer = top.bounding_box(), page.locator(ANSWER).bounding_box()
    apart = (
        button["y"] >= answer["y"] + answer["height"]
        or answer["y"] >= button["y"] + button["height"]
        or button["x"] >= answer["x"] + answer["width"]
        or answer["x"] >= button["x"] + button["width"]
    )
    assert apart, f"Back to top {button} covers the answer {answer}"
    assert in_viewport(page, ANSWER)


def test_the_phone_shows_the_totals_without_sideways_scrolling(visit):
    page = visit.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    costs = page.locator(f"{RESULT} .bvb-costs")
    assert costs.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    total = evaluate(SCENARIO)["costs"]["options"]["custom"]["total"]
    # Cells after the option's name: up front, later training runs, monthly, total.
    cell = page.locator(f'{RESULT} tr[data-option="custom"] td').nth(3)
    expect(cell).to_contain_text(f"${total:,.0f}")
    cell.scroll_into_view_if_needed()
    assert cell.evaluate("(el) => el.getBoundingClientRect().right <= window.innerWidth")
    # The header row is hidden there: each cell shows its own column's name.
    headers = costs.locator("thead th").all_inner_texts()
    for row in costs.locator("tbody tr").all():
        shown = row.locator("td").evaluate_all("(cells) => cells.map((td) => getComputedStyle(td, '::before').content)")
        assert shown == [f'"{header}"' for header in headers[1:]], (shown, headers)


def test_the_desktop_cost_table_fits_its_column(visit):
    page = visit.page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(visit.base + "calculator/?monthly_requests=5000000&needs_specific_behavior=true")
    ready(page)
    costs = page.locator(f"{RESULT} .bvb-costs")
    assert costs.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the cost table is cut at 1440 px"


def test_the_answer_summary_leads_the_page(visit):
    page = visit.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(visit.base + "calculator/")
    answer_top = page.locator(ANSWER).bounding_box()["y"]
    assert answer_top < page.locator("#bvb-form").bounding_box()["y"]


# ---------------------------------------------------------------------------
# A scenario link from the first paint, and edits while the engine loads


def test_a_scenario_links_inputs_show_before_the_engine(visit):
    held = []
    visit.context.route("**/assets/engine/manifest.json", lambda route: held.append(route))
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    # The engine cannot have answered: its manifest is held back.
    expect(page.locator("#f-privacy_required")).to_be_checked()
    expect(page.locator("#f-monthly_requests")).to_have_value("3000000")
    expect(page.locator("#calculator-status")).to_contain_text("this link's inputs")
    for box in (ANSWER, RESULT):
        expect(page.locator(box)).to_have_attribute("data-status", "loading")
        expect(page.locator(box)).to_have_attribute("data-recommendation", "")
    # The build's default answer is not shown as this link's.
    expect(page.locator(f"{RESULT} .bvb-recommendation")).to_be_hidden()
    expect(page.locator(f"{ANSWER} .bvb-summary-title")).to_be_hidden()
    # Nor is the default answer's path on the diagram.
    diagram = page.locator("#bvb-live-diagram")
    expect(diagram.locator(".is-on-path, .is-answer")).to_have_count(0)
    expect(diagram.locator("svg.has-path")).to_have_count(0)
    # And the form is editable meanwhile.
    assert not page.locator("#bvb-form").evaluate("(form) => form.inert")
    assert held, "the worker never asked for the manifest"
    held[0].continue_()
    leaf = evaluate(SCENARIO)["recommendation"]["id"]
    ready(page, leaf)
    # The engine's answer draws the link's own path.
    expect(diagram.locator(f'[data-node="{leaf}"][data-kind="leaf"].is-answer')).to_have_count(1)
    expect(diagram.locator("svg.has-path")).to_have_count(1)


def test_the_live_engine_keeps_the_builds_answer_when_it_agrees(visit):
    # Same engine, same rules, same inputs: the same HTML, so the page does
    # not rebuild the answer it already shows; a changed input does.
    held = []
    visit.context.route("**/assets/engine/manifest.json", lambda route: held.append(route))
    page = visit.page
    page.goto(visit.base + "calculator/")
    marked = "(box) => { box.firstElementChild.dataset.seen = 'before'; return box.firstElementChild.dataset.seen; }"
    assert page.locator(RESULT).evaluate(marked) == "before"
    assert held, "the worker never asked for the manifest"
    held[0].continue_()
    ready(page, evaluate({})["recommendation"]["id"])
    expect(page.locator(f"{RESULT} > [data-seen=before]")).to_have_count(1)
    page.fill("#f-monthly_requests", "3000000")
    expect(page.locator(f"{RESULT} > [data-seen=before]")).to_have_count(0, timeout=30_000)
    ready(page)


def test_the_last_edit_during_load_wins(visit):
    held = []
    visit.context.route("**/assets/engine/manifest.json", lambda route: held.append(route))
    page = visit.page
    page.goto(visit.base + "calculator/?generic_task=true")
    # The link's answer to the kind of task shows in its radio group at once.
    expect(page.locator("#f-task_kind-generic")).to_be_checked()
    page.locator("#f-task_kind-neither").check()
    page.locator("#f-privacy_required").check()
    page.locator("#f-monthly_requests").fill("70000")
    expect(page.locator("#calculator-status")).to_contain_text("Loading the engine")
    held[0].continue_()
    final = {"generic_task": False, "privacy_required": True, "monthly_requests": 70000}
    ready(page, evaluate(final)["recommendation"]["id"])
    # The link's own answer, asked first, did not overwrite the edits.
    expect(page.locator("#f-task_kind-neither")).to_be_checked()
    expect(page.locator("#f-monthly_requests")).to_have_value("70000")
    # The address follows the answer in the next frame.
    expect(page).to_have_url(re.compile(r"(?=.*[?&]monthly_requests=70000(&|$))(?=.*[?&]privacy_required=true(&|$))"))


# ---------------------------------------------------------------------------
# The runtime: snapshot, fallback, integrity, stalls


def _started(page) -> tuple[str, str]:
    root = page.locator("#bvb-calculator")
    return root.get_attribute("data-engine-start"), root.get_attribute("data-engine-fallback")


SNAPSHOT_PART = re.compile(r"/snapshot\.\d+\.bin\.gz$")


def _snapshot_parts(urls: list[str]) -> set[str]:
    return {url for url in urls if SNAPSHOT_PART.search(url)}


def test_the_engine_starts_from_the_snapshot(visit):
    with_manifest(visit, saves_s=1e9)  # worth it on any connection
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    assert _started(page) == ("snapshot", "")
    assert page.locator("#bvb-calculator").get_attribute("data-engine-snapshot") == "downloaded"
    manifest = json.loads((visit.site / "assets/engine/manifest.json").read_text(encoding="utf-8"))
    assert _snapshot_parts(visit.finished) == {visit.base + "assets/" + part["path"] for part in manifest["snapshot"]["parts"]}
    # The snapshot holds the engine installed and its standard library
    # imported: neither the zip nor the wheel is downloaded.
    assert _plain_only(visit, manifest) == set()
    assert visit.foreign_requests() == []


def _plain_only(visit, manifest) -> set[str]:
    """Which of the files only a plain start needs were asked for."""
    wanted = {visit.base + "assets/" + manifest[key]["path"]: key for key in ("stdlib", "engine")}
    return {wanted[url] for url in visit.requests if url in wanted}


STORE = "bvb-engine-snapshot"  # the worker's Cache Storage for the inflated memory

# Waits (up to `limit` ms) until the store holds `key` (with the sha256
# `want`, if given); then {keys, size, sha256} of the store and that entry,
# or null.
STORED_JS = """async ([name, key, limit, want]) => {
  const start = performance.now();
  for (;;) {
    const cache = await caches.open(name);
    const entry = await cache.match(key);
    if (entry) {
      const bytes = await entry.arrayBuffer();
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      if (!want || sha256 === want) return { keys: (await cache.keys()).map((request) => request.url), size: bytes.byteLength, sha256 };
    }
    if (performance.now() - start > limit) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}"""


def _stored_key(visit) -> tuple[str, dict]:
    snapshot = json.loads((visit.site / "assets/engine/manifest.json").read_text(encoding="utf-8"))["snapshot"]
    return visit.base + f"assets/engine/snapshot-{snapshot['raw_sha256']}.bin", snapshot


def _wait_stored(page, key: str, sha256: str | None = None) -> dict:
    stored = page.evaluate(STORED_JS, [STORE, key, 60_000, sha256])
    assert stored is not None, f"the worker never stored {key}"
    return stored


def test_a_returning_visitor_starts_from_the_stored_snapshot(visit):
    # No routes here: a routed context has no HTTP cache. The first visit
    # judges the connection (served locally, the snapshot is worth it) and
    # keeps the inflated memory in the site's Cache Storage, replacing an
    # older build's; the second starts from that copy and asks for no part;
    # without it, the parts come from the browser's HTTP cache.
    key, snapshot = _stored_key(visit)
    page = visit.page
    page.goto(visit.base + "about/")
    page.evaluate("([name, url]) => caches.open(name).then((c) => c.put(url, new Response('old')))", [STORE, visit.base + "assets/engine/snapshot-0.bin"])
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    assert page.locator("#bvb-calculator").get_attribute("data-engine-snapshot") == "downloaded"
    assert _wait_stored(page, key) == {"keys": [key], "size": snapshot["raw_size"], "sha256": snapshot["raw_sha256"]}

    before = len(visit.requests)
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY + "&labeled_examples=20000")
    ready(page, "self_hosted")
    assert _started(page) == ("snapshot", "")
    assert page.locator("#bvb-calculator").get_attribute("data-engine-snapshot") == "stored"
    assert _snapshot_parts(visit.requests[before:]) == set()

    page.evaluate("(name) => caches.delete(name)", STORE)
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    assert _started(page) == ("snapshot", "")
    assert page.locator("#bvb-calculator").get_attribute("data-engine-snapshot") == "cached"
    assert visit.errors == []


# The right length, the wrong bytes: only the sha256 can tell. Zeros fail
# Pyodide's own start too; one changed byte in the heap starts, and the
# check, which runs while Pyodide starts from the copy, must still refuse it.
DAMAGE_JS = {
    "zeros": "([name, url, size]) => caches.open(name).then((c) => c.put(url, new Response(new Uint8Array(size))))",
    "one byte": """async ([name, url, size]) => {
        const cache = await caches.open(name);
        const memory = new Uint8Array(await (await cache.match(url)).arrayBuffer());
        memory[Math.floor(size * 0.75)] ^= 0x01;
        await cache.put(url, new Response(memory));
    }""",
}


@pytest.mark.parametrize("damage", list(DAMAGE_JS))
def test_a_damaged_stored_snapshot_is_replaced_from_the_parts(visit, damage):
    key, snapshot = _stored_key(visit)
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    _wait_stored(page, key)
    page.evaluate(DAMAGE_JS[damage], [STORE, key, snapshot["raw_size"]])
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    assert _started(page) == ("snapshot", "")
    assert page.locator("#bvb-calculator").get_attribute("data-engine-snapshot") == "cached"
    # The damaged copy is gone and a good one takes its place.
    stored = _wait_stored(page, key, snapshot["raw_sha256"])
    assert stored == {"keys": [key], "size": snapshot["raw_size"], "sha256": snapshot["raw_sha256"]}
    assert visit.errors == []


def test_a_retry_starts_without_the_stored_snapshot(visit):
    # A stored copy that made the start fail (or hang, until the page's
    # silence watch gives up) would fail every visit: a retry drops it.
    key, snapshot = _stored_key(visit)
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    _wait_stored(page, key)
    visit.context.route("**/pyodide.mjs", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    expect(page.locator(f'{RESULT}[data-status="error"]')).to_have_count(1, timeout=90_000)
    visit.context.unroute("**/pyodide.mjs")
    page.locator("#bvb-engine-retry").click()
    ready(page, "self_hosted")
    assert _started(page) == ("snapshot", "")
    assert page.locator("#bvb-calculator").get_attribute("data-engine-snapshot") != "stored"
    # The retry's own memory is stored again for the next visit.
    assert _wait_stored(page, key, snapshot["raw_sha256"])["keys"] == [key]


# Waits (up to `limit` ms) until the store no longer holds `url`; then the
# store's keys, or null.
PRUNED_JS = """async ([name, url, limit]) => {
  const start = performance.now();
  for (;;) {
    const keys = (await (await caches.open(name)).keys()).map((request) => request.url);
    if (!keys.includes(url)) return keys;
    if (performance.now() - start > limit) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}"""


def test_a_plain_start_still_deletes_other_builds_stored_snapshots(visit):
    with_manifest(visit, saves_s=0)  # a slow connection: nothing new is stored
    page = visit.page
    page.goto(visit.base + "about/")
    old = visit.base + "assets/engine/snapshot-0.bin"
    page.evaluate("([name, url]) => caches.open(name).then((c) => c.put(url, new Response('old')))", [STORE, old])
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    assert _started(page)[0] == "plain"
    assert page.evaluate(PRUNED_JS, [STORE, old, 60_000]) == []


def test_a_slow_connection_starts_without_the_snapshot(visit):
    with_manifest(visit, saves_s=0)  # never worth it
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    start, reason = _started(page)
    assert start == "plain" and "not worth its download" in reason
    assert page.locator("#bvb-calculator").get_attribute("data-engine-snapshot") == ""
    assert _snapshot_parts(visit.finished) == set()
    manifest = json.loads((visit.site / "assets/engine/manifest.json").read_text(encoding="utf-8"))
    assert _plain_only(visit, manifest) == {"stdlib", "engine"}


def test_a_malformed_snapshot_entry_means_the_plain_start(visit):
    def unbalance(manifest):
        manifest["snapshot"]["parts"][0]["raw_size"] += 1  # the parts no longer add up to the whole

    with_manifest(visit, unbalance)
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    assert _started(page) == ("plain", "the manifest's snapshot entry is malformed")
    assert _snapshot_parts(visit.finished) == set()


def _tampered(route):
    response = route.fetch()
    body = bytearray(response.body())
    body[len(body) // 2] ^= 0xFF
    route.fulfill(response=response, body=bytes(body))


def in_two_parts(visit, **changes):
    """Serve the site's snapshot cut into two parts (a larger snapshot is, at
    6 MB a part), at URLs of their own, with a manifest that lists them."""
    manifest = json.loads((visit.site / "assets/engine/manifest.json").read_text(encoding="utf-8"))
    whole = b"".join(gzip.decompress((visit.site / "assets" / part["path"]).read_bytes()) for part in manifest["snapshot"]["parts"])
    folder = manifest["snapshot"]["parts"][0]["path"].rsplit("/", 1)[0]
    half = len(whole) // 2
    bodies = {}
    parts = []
    for number, stretch in enumerate((whole[:half], whole[half:]), start=1):
        body = gzip.compress(stretch, mtime=0)
        path = f"{folder}/snapshot.{number}.bin.gz"
        bodies[visit.base + "assets/" + path] = body
        parts.append({"path": path, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body), "raw_size": len(stretch)})

    def edit(manifest):
        manifest["snapshot"].update(parts=parts, size=sum(part["size"] for part in parts))

    with_manifest(visit, edit, **changes)
    def serve(body):
        return lambda route: route.fulfill(body=body, content_type="application/gzip")

    for url, body in bodies.items():
        visit.context.route(url, serve(body))
    return parts


def test_a_snapshot_in_parts_is_put_together(visit):
    parts = in_two_parts(visit, saves_s=1e9)
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    assert _started(page) == ("snapshot", "")
    assert _snapshot_parts(visit.finished) == {visit.base + "assets/" + part["path"] for part in parts}


@pytest.mark.parametrize("how", ["tampered", "blocked", "second part blocked"])
def test_a_bad_snapshot_falls_back_to_the_plain_start(visit, how):
    if how == "second part blocked":
        in_two_parts(visit, saves_s=1e9)
    else:
        with_manifest(visit, saves_s=1e9)
    parts = re.compile(r"/snapshot\.2\.bin\.gz$") if how == "second part blocked" else SNAPSHOT_PART
    visit.context.route(parts, _tampered if how == "tampered" else (lambda route: route.abort()))
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    start, reason = _started(page)
    assert start == "plain"
    assert ("does not match the site's manifest" if how == "tampered" else "could not be fetched") in reason
    if how == "second part blocked":
        assert "snapshot.2.bin.gz" in reason


@pytest.mark.parametrize("name", ["pyodide.mjs", "pyodide.asm.wasm"])
def test_a_tampered_runtime_does_not_load(visit, name):
    # The wasm compiles while it downloads: a changed byte must still stop it.
    visit.context.route(f"**/{name}", _tampered)
    page = visit.page
    page.goto(visit.base + "calculator/")
    expect(page.locator(f'{RESULT}[data-status="error"]')).to_have_count(1, timeout=90_000)
    expect(page.locator("#calculator-status")).to_contain_text(f"{name} does not match the site's manifest")
    expect(page.locator("#bvb-engine-retry")).to_be_visible()


def test_a_wasm_served_as_another_type_still_starts(visit):
    # Streaming compilation needs application/wasm; a host that says
    # otherwise gets the compile from the checked bytes instead.
    def octet_stream(route):
        response = route.fetch()
        headers = {**response.headers, "content-type": "application/octet-stream"}
        route.fulfill(response=response, headers=headers)

    visit.context.route("**/pyodide.asm.wasm", octet_stream)
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")


def test_the_engine_loads_while_the_pages_scripts_do(visit):
    # The page's head starts the worker; the page's script, held back here,
    # adopts it later with everything it said meanwhile.
    held = []
    visit.context.route("**/javascripts/calculator.mjs", lambda route: held.append(route))
    page = visit.page
    with visit.context.expect_event("requestfinished", lambda r: r.url.endswith("pyodide.asm.wasm"), timeout=60_000):
        page.goto(visit.base + "calculator/?" + SCENARIO_QUERY, wait_until="commit")
    # The runtime has arrived while the page's script has not run: the
    # worker is still the head's, with the messages nobody has read yet.
    assert page.evaluate("() => Array.isArray(window.bvbEngineWorker?.messages)")
    # The parser may not have reached the script yet, and Playwright calls a
    # route's handler after the request's event: let its events run until
    # the handler has the request.
    for _ in range(3000):
        if held:
            break
        page.wait_for_timeout(10)
    assert len(held) == 1
    held[0].continue_()
    ready(page, "self_hosted")
    workers = [u for u in visit.requests if u.endswith("engine-worker.mjs")]
    assert len(workers) == 1, workers


def test_a_stalled_download_fails_and_can_be_retried(visit):
    with_manifest(visit, stall_timeout_ms=1500, saves_s=0)
    held = []
    visit.context.route("**/pyodide.asm.wasm", lambda route: held.append(route))
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    expect(page.locator(f'{RESULT}[data-status="error"]')).to_have_count(1, timeout=90_000)
    expect(page.locator("#calculator-status")).to_contain_text("The download stalled: no data for 2 s")
    # Progress was shown while the other files arrived.
    retry = page.locator("#bvb-engine-retry")
    expect(retry).to_be_visible()
    visit.context.unroute("**/pyodide.asm.wasm")
    retry.click()
    ready(page, "self_hosted")
    expect(retry).to_be_hidden()


# When the download's progress text changed (ms since navigation), while it
# still counted bytes ("x of y MB").
PROGRESS_TIMES = """
window.__progress = [];
new MutationObserver(() => {
  const text = document.getElementById("bvb-engine-progress-text")?.textContent || "";
  if (/ of /.test(text)) window.__progress.push(performance.now());
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def test_a_slow_but_steady_download_is_not_a_stall(visit):
    # The stall watch fires when no byte arrives for its interval, not when
    # the whole download takes longer than that: at 4 Mbit/s the plain start's
    # files take several times the 1.5 s interval, arriving all the while.
    stall_ms = 1500
    with_manifest(visit, stall_timeout_ms=stall_ms, saves_s=0)
    page = visit.page
    cdp = visit.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 40, "downloadThroughput": 4e6 / 8, "uploadThroughput": 4e6 / 8},
    )
    page.add_init_script(PROGRESS_TIMES)
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    expect(page.locator("#calculator-status")).not_to_contain_text("stalled")
    expect(page.locator("#bvb-calculator")).to_have_attribute("data-engine-start", "plain")
    # The throttle held: the bar moved for well over the stall interval.
    times = page.evaluate("window.__progress")
    span = times[-1] - times[0] if times else 0
    assert span > 3 * stall_ms, f"progress moved for {span:.0f} ms ({len(times)} reports): the throttle did not hold"


def test_a_scenario_link_whose_engine_cannot_load_says_so_and_keeps_saying_it(visit):
    visit.context.route("**/assets/engine/manifest.json", lambda route: route.fulfill(status=404, body="gone"))
    page = visit.page
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    status = page.locator("#calculator-status")
    expect(status).to_contain_text("The live engine could not load")
    expect(status).to_contain_text("HTTP 404 for")
    expect(status).not_to_contain_text("json The")  # the message ends as a sentence
    expect(page.locator("#bvb-engine-retry")).to_be_visible()
    _no_answer_stands_for_the_inputs(page)
    # An edit after the failure does not claim the engine is loading.
    page.locator("#f-monthly_requests").fill("1000")
    page.locator("#f-monthly_requests").dispatch_event("input")
    expect(status).to_contain_text("The live engine could not load")
    expect(status).not_to_contain_text("Loading the engine")
    _no_answer_stands_for_the_inputs(page)


def _no_answer_stands_for_the_inputs(page):
    # Not the build's default answer (the link's inputs are others), nor its
    # path on the diagram: the summary says there is no live answer.
    for box in (ANSWER, RESULT):
        expect(page.locator(box)).to_have_attribute("data-status", "error")
        expect(page.locator(box)).to_have_attribute("data-recommendation", "")
    expect(page.locator(f"{ANSWER} .bvb-summary-title")).to_be_hidden()
    expect(page.locator(f"{RESULT} .bvb-recommendation")).to_be_hidden()
    expect(page.locator("#bvb-live-diagram .is-answer")).to_have_count(0)
    before = page.locator(ANSWER).evaluate("(el) => getComputedStyle(el, '::before').content")
    assert "No live answer for these inputs" in before, before


def test_an_edit_before_the_engine_fails_leaves_no_answer_standing(visit):
    held = []
    visit.context.route("**/assets/engine/manifest.json", lambda route: held.append(route))
    page = visit.page
    page.goto(visit.base + "calculator/")
    page.locator("#f-privacy_required").check()
    expect(page.locator("#calculator-status")).to_contain_text("Loading the engine")
    # Playwright calls the route's handler after the request's event: let its
    # events run until the handler has the request.
    for _ in range(3000):
        if held:
            break
        page.wait_for_timeout(10)
    assert held, "the worker never asked for the manifest"
    held[0].fulfill(status=404, body="gone")
    expect(page.locator("#calculator-status")).to_contain_text("The live engine could not load")
    _no_answer_stands_for_the_inputs(page)
    # Once the engine loads, the answer is the edited inputs'.
    visit.context.unroute("**/assets/engine/manifest.json")
    page.locator("#bvb-engine-retry").click()
    ready(page, "self_hosted")
    expect(page.locator(f"{ANSWER} .bvb-summary-title")).to_be_visible()


def test_the_default_answer_stays_when_the_engine_fails_before_any_edit(visit):
    # It is the answer for the inputs on show; the status says it is the build's.
    visit.context.route("**/assets/engine/manifest.json", lambda route: route.fulfill(status=404, body="gone"))
    page = visit.page
    page.goto(visit.base + "calculator/")
    status = page.locator("#calculator-status")
    expect(status).to_contain_text("worked out for the default inputs when the site was built")
    title = page.locator(f"{ANSWER} .bvb-summary-title")
    expect(title).to_have_text(evaluate({})["recommendation"]["title"])
    # A retry that fails again changes nothing: no input has changed.
    page.locator("#bvb-engine-retry").click()
    expect(status).to_contain_text("worked out for the default inputs when the site was built")
    expect(title).to_be_visible()
    # An edit after the failure: that answer is no longer the inputs'.
    page.locator("#f-privacy_required").check()
    _no_answer_stands_for_the_inputs(page)
    expect(status).to_contain_text("The live engine could not load")


def test_a_preset_picked_while_the_engine_is_down_is_answered_on_retry(visit):
    visit.context.route("**/assets/engine/manifest.json", lambda route: route.fulfill(status=404, body="gone"))
    page = visit.page
    page.goto(visit.base + "calculator/")
    expect(page.locator("#bvb-engine-retry")).to_be_visible()
    preset = page.locator(".bvb-preset").last
    preset.click()
    _no_answer_stands_for_the_inputs(page)
    visit.context.unroute("**/assets/engine/manifest.json")
    page.locator("#bvb-engine-retry").click()
    # The preset's own answer, not the form's inputs from before it.
    leaf = json.loads(evaluate_query(preset.get_attribute("data-query")))["recommendation"]["id"]
    assert leaf != evaluate({})["recommendation"]["id"]
    ready(page, leaf)
    expect(preset).to_have_attribute("aria-pressed", "true")


def test_download_progress_is_shown_while_loading(visit):
    held = []
    visit.context.route("**/pyodide.asm.wasm", lambda route: held.append(route))
    page = visit.page
    page.goto(visit.base + "calculator/")
    text = page.locator("#bvb-engine-progress-text")
    expect(text).to_be_visible()
    expect(text).to_contain_text(" of ")
    expect(text).to_contain_text(" MB")
    # The other files arrive while the wasm is held: the bar catches up with
    # them even though no further byte comes to send a report.
    expect(text).not_to_have_text(re.compile(r"^0\.0 of"))
    # The bar is the one moving sign: the status line's spinner waits.
    expect(page.locator("#calculator-status")).to_have_attribute("data-state", "loading")
    spinner = "() => getComputedStyle(document.getElementById('calculator-status'), '::before').content"
    assert page.evaluate(spinner) == "none"
    held[0].continue_()
    ready(page)
    expect(page.locator("#bvb-engine-load")).to_be_hidden()


# ---------------------------------------------------------------------------
# Embed and no JavaScript


def test_the_embed_leads_with_the_answer_credits_and_reports_its_height(visit):
    page = visit.page
    page.goto(visit.base)
    page.evaluate(
        """(src) => {
            window.heights = [];
            addEventListener("message", (e) => e.data && e.data.type === "bvb-embed-height" && heights.push(e.data.height));
            const frame = document.createElement("iframe");
            frame.src = src;
            frame.style.height = "600px";
            document.body.append(frame);
        }""",
        visit.base + "calculator/?embed=1&generic_task=true",
    )
    wait_until(page, "() => window.heights.length > 0 && window.heights.at(-1) > 600")
    frame = page.frame_locator("iframe")
    expect(frame.locator(f'{RESULT}[data-status="ready"][data-recommendation="api"]')).to_have_count(1, timeout=90_000)
    credit = frame.locator(".bvb-embed-credit")
    expect(credit).to_be_visible()
    expect(credit).to_contain_text("Xceed AI")
    href = credit.locator("a").get_attribute("href")
    assert "generic_task=true" in href and "embed=1" not in href
    # The answer comes first in the frame, at its top.
    assert frame.locator(ANSWER).evaluate("(el) => el.getBoundingClientRect().top") < 150


def test_without_javascript_the_controls_that_cannot_work_say_so(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(site[0] + "calculator/")
        expect(page.locator(".bvb-presets")).to_be_hidden()
        expect(page.locator(".bvb-actions")).to_be_hidden()
        expect(page.locator("#bvb-engine-retry")).to_be_hidden()
        expect(page.locator(".bvb-noscript")).to_contain_text("cannot compute here")
        expect(page.locator(ANSWER)).to_contain_text(evaluate({})["recommendation"]["title"])
    finally:
        context.close()


# ---------------------------------------------------------------------------
# The search index waits for the engine (javascripts/search-worker.js)

# Every message on the page's "bvb-engine" channel, in order, and among
# them each message Material's search worker sends the page (the first is
# its answer to the setup: the index is built).
RECORD_CHANNEL = """
window.__channel = [];
if (typeof BroadcastChannel === "function") {
  // Held by the window: a channel nothing refers to may be collected.
  window.__recorder = new BroadcastChannel("bvb-engine");
  window.__recorder.onmessage = ({ data }) => window.__channel.push(data);
}
const NativeWorker = window.Worker;
window.Worker = class extends NativeWorker {
  constructor(url, options) {
    super(url, options);
    if (String(url).includes("search"))
      this.addEventListener("message", () => window.__channel.push({ type: "search-worker-said" }));
  }
};
"""


def _search(page, words: str):
    page.keyboard.press("/")  # Material's shortcut opens search
    field = page.locator("input.md-search__input")
    expect(field).to_be_focused()
    field.press_sequentially(words)  # key events: Material searches on keyup
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible(timeout=30_000)
    assert "fine" in results.first.inner_text().lower()


def _calculator_once_its_search_has_the_index(visit):
    """The calculator from a scenario link, recording the channel, once its
    engine is ready and its search worker has been handed the index."""
    page = visit.page
    page.add_init_script(RECORD_CHANNEL)
    page.goto(visit.base + "calculator/?" + SCENARIO_QUERY)
    ready(page, "self_hosted")
    wait_until(page, '() => window.__channel.some((m) => m.type === "search-released")')
    return page


def test_the_calculator_s_search_index_waits_for_the_engine(visit):
    page = _calculator_once_its_search_has_the_index(visit)
    _search(page, "fine-tune")
    said = [m["type"] for m in page.evaluate("window.__channel")]
    released = next(m for m in page.evaluate("window.__channel") if m["type"] == "search-released")
    assert released["reason"] == "engine"
    # The engine settled, then the index was handed on, and only then built.
    assert said.index("engine-settled") < said.index("search-released") < said.index("search-worker-said")
    # Other pages start Material's search worker as it is.
    page.goto(visit.base + "about/")
    assert '"search": "../assets/javascripts/workers/' in page.content()
    assert visit.errors == []


def test_a_search_worker_that_starts_after_another_tabs_is_still_answered(visit):
    # The channel reaches every tab of the site, so "search-released" may be
    # another tab's. This page's engine keeps answering: a search worker that
    # starts after that (here, one in another tab, asking as this page's own
    # would) is told the engine has settled, not left to its 30 s timeout.
    _calculator_once_its_search_has_the_index(visit)
    other = visit.context.new_page()
    other.goto(visit.base + "about/")
    other.evaluate(
        """() => {
        window.__heard = [];
        window.__c = new BroadcastChannel("bvb-engine");
        window.__c.onmessage = ({ data }) => window.__heard.push(data.type);
        window.__c.postMessage({ type: "search-released", reason: "engine" });
        window.__c.postMessage({ type: "search-waiting" });
    }"""
    )
    wait_until(other, "() => window.__heard.includes('engine-settled')", timeout_ms=20_000)


def test_a_search_while_the_engine_loads_is_answered(visit):
    held = []
    visit.context.route("**/assets/engine/manifest.json", lambda route: held.append(route))
    page = visit.page
    page.add_init_script(RECORD_CHANNEL)
    page.goto(visit.base + "calculator/")
    _search(page, "fine-tune")
    said = page.evaluate("window.__channel")
    assert [m for m in said if m["type"] == "search-released"] == [{"type": "search-released", "reason": "search"}]
    assert [m["type"] for m in said].index("search-released") < [m["type"] for m in said].index("search-worker-said")
    assert held, "the worker never asked for the manifest"
    held[0].continue_()
    ready(page)
    assert visit.errors == []
