"""The calculator page's speed in headless Chromium, on 127.0.0.1.

Prints figures; asserts nothing. One run measures:

1. navigation start -> first live engine answer on calculator/ (the moment
   #calculator-result gets data-status="ready"), cold (fresh browser context,
   empty cache) and warm (same context, second navigation, HTTP cache warm);
2. the same for a bare page written into this run's own copy of the site: a
   module worker that only loads Pyodide from assets/pyodide/ and runs 1+1;
   and the ratio live / bare (goal: 1.1 or less);
3. the prerendered answer's first paint (first-contentful-paint, and when
   #calculator-result is in the DOM and on screen);
4. recompute latency after an input change once the engine is ready
   (goals: median 15 ms or less, p95 40 ms or less);
5. bytes transferred per page (page and worker requests) and the biggest
   files; and that no request left 127.0.0.1.

To tell where a slow start or a slow recompute goes, it also prints the
worker's own stage timings (posted with its "ready" status), when the worker's
script began to run and had the wasm (read from inside the worker), and how a
recompute splits between the page and the worker's round trip.

    CHROMIUM=/usr/bin/chromium python benchmarks/browser_speed.py [--runs 5] [--recomputes 60]
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from build_scripts.local_site import CHROMIUM, CHROMIUM_ARGS, free_port, serve
from build_scripts.site_build import build_site

VIEWPORT = {"width": 1440, "height": 900}
TIMEOUT_MS = 120_000
RATIO_GOAL = 1.1
RECOMPUTE_MEDIAN_GOAL_MS = 15
RECOMPUTE_P95_GOAL_MS = 40

# ---------------------------------------------------------------------------
# The bare page: Pyodide from the same files, 1+1, nothing else. Written into
# this run's copy of the site, at <site>/bench-bare/.

BARE_DIR = "bench-bare"
BARE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bare Pyodide</title>
<script>
  window.__bare = { workerCreated: performance.now(), done: null, result: null, error: null };
  const worker = new Worker(new URL("worker.mjs", location.href), { type: "module" });
  worker.onmessage = ({ data }) => {
    window.__bare.done = performance.now();
    window.__bare.result = data.result ?? null;
    window.__bare.error = data.error ?? null;
    window.__bare.timings = data.timings ?? null;
  };
  worker.onerror = (event) => { window.__bare.error = String(event.message || "worker error"); window.__bare.done = performance.now(); };
</script>
</head><body><p>Bare Pyodide: 1+1 in a module worker.</p></body></html>
"""
BARE_WORKER = """const INDEX = new URL("../assets/pyodide/", import.meta.url).href;
const t0 = performance.now();
try {
  const { loadPyodide } = await import(INDEX + "pyodide.mjs");
  const py = await loadPyodide({ indexURL: INDEX, packageBaseUrl: INDEX });
  const runtime = performance.now() - t0;
  const result = py.runPython("1+1");
  postMessage({ result, timings: { runtime: Math.round(runtime), total: Math.round(performance.now() - t0) } });
} catch (error) {
  postMessage({ error: String(error?.message ?? error) });
}
"""

# Runs in every page before its own scripts: notes when the result is in the
# DOM, on screen and first "ready", and every status the engine's worker posts.
INIT_SCRIPT = r"""
(() => {
  if (window.__bench) return;
  const rec = (window.__bench = {
    workerCreated: null, statuses: [], resultInDom: null, resultVisible: null,
    resultOnScreen: null, firstReady: null, answers: {}, lastAnswerId: null,
  });
  const Native = window.Worker;
  if (Native) {
    window.Worker = class extends Native {
      constructor(...args) {
        super(...args);
        if (rec.workerCreated === null) rec.workerCreated = performance.now();
        this.addEventListener("message", ({ data }) => {
          if (data && data.type === "status") {
            rec.statuses.push({ t: performance.now(), status: data.status, timings: data.timings ?? null, message: data.message ?? "" });
          } else if (data && data.type === "answer" && rec.answers[data.id]) {
            rec.answers[data.id].received = performance.now();
          }
        });
      }
      postMessage(message, ...rest) {
        if (message && message.type === "answer") {
          rec.answers[message.id] = { sent: performance.now(), received: null };
          rec.lastAnswerId = message.id;
        }
        return super.postMessage(message, ...rest);
      }
    };
  }
  const watchResult = (el) => {
    rec.resultInDom = performance.now();
    new IntersectionObserver((entries, io) => {
      for (const entry of entries) {
        if (rec.resultVisible === null) {
          rec.resultVisible = entry.time;
          rec.resultOnScreen = entry.isIntersecting;
        }
      }
      io.disconnect();
    }).observe(el);
    const check = () => {
      if (rec.firstReady === null && el.dataset.status === "ready") rec.firstReady = performance.now();
    };
    check();
    const mo = new MutationObserver(() => {
      check();
      if (rec.firstReady !== null) mo.disconnect();
    });
    mo.observe(el, { attributes: true, attributeFilter: ["data-status"] });
  };
  const finder = new MutationObserver(() => {
    const el = document.getElementById("calculator-result");
    if (el) {
      finder.disconnect();
      watchResult(el);
    }
  });
  finder.observe(document, { childList: true, subtree: true });
})();
"""

RECOMPUTE_JS = r"""
async ({ count, values }) => {
  const el = document.getElementById("calculator-result");
  const input = document.getElementById("f-monthly_requests");
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const out = [];
  for (let i = 0; i < count; i++) {
    const value = values[i % values.length];
    await frame();
    await new Promise((r) => setTimeout(r, 30)); // a reader's pace, not a flood
    const ms = await new Promise((resolve, reject) => {
      let t0;
      const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
      const mo = new MutationObserver(() => {
        const status = el.dataset.status;
        if (status === "ready" || status === "error") {
          const t1 = performance.now();
          mo.disconnect();
          clearTimeout(timer);
          if (status !== "ready") return reject(new Error("the engine answered with an error"));
          if (!location.search.includes(`monthly_requests=${value}`)) return reject(new Error(`not the new answer: ${location.search}`));
          const a = window.__bench.answers[window.__bench.lastAnswerId] || {};
          resolve({ total: t1 - t0, before: a.sent - t0, worker: a.received - a.sent, render: t1 - a.received });
        }
      });
      mo.observe(el, { attributes: true, attributeFilter: ["data-status"] });
      t0 = performance.now();
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    out.push(ms);
  }
  return out;
}
"""


# ---------------------------------------------------------------------------
# Serving


def write_bare_page(site: Path) -> None:
    folder = site / BARE_DIR
    folder.mkdir(exist_ok=True)
    (folder / "index.html").write_text(BARE_HTML, encoding="utf-8")
    (folder / "worker.mjs").write_text(BARE_WORKER, encoding="utf-8")


# ---------------------------------------------------------------------------
# Measuring


class Recorder:
    """Every request of every context (for the host check), and the finished
    requests of the context being measured (for the byte counts)."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.finished: list = []

    def attach(self, context, *, keep_finished: bool = False) -> None:
        context.on("request", lambda r: self.urls.append(r.url))
        if keep_finished:
            context.on("requestfinished", lambda r: self.finished.append(r))

    def foreign(self) -> list[str]:
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about", "chrome-extension"):
                continue
            if parts.hostname != "127.0.0.1":
                out.append(url)
        return sorted(set(out))


def new_context(browser, recorder: Recorder, *, keep_finished: bool = False):
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INIT_SCRIPT)
    recorder.attach(context, keep_finished=keep_finished)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def live_visit(page, url: str) -> dict:
    page.goto(url, wait_until="commit")
    page.wait_for_function(
        "window.__bench && (window.__bench.firstReady !== null"
        " || window.__bench.statuses.some((s) => s.status === 'error'))",
        timeout=TIMEOUT_MS,
        polling=50,
    )
    got = page.evaluate(
        """() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const fcp = performance.getEntriesByName("first-contentful-paint")[0];
        return {
          ...window.__bench,
          fcp: fcp ? fcp.startTime : null,
          domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
          load: nav ? nav.loadEventEnd : null,
        };
    }"""
    )
    errors = [s["message"] for s in got["statuses"] if s["status"] == "error"]
    if errors:
        raise RuntimeError(f"the engine failed to start on {url}: {errors[0]}")
    ready = next((s for s in got["statuses"] if s["status"] == "ready"), None)
    got["workerReady"] = ready["t"] if ready else None
    got["timings"] = ready["timings"] if ready else None
    got.update(worker_clock(page, "engine-worker.mjs"))
    return got


def worker_clock(page, name: str) -> dict:
    """When the worker's own script began to run, and when it had the wasm,
    on the page's clock (from navigation start)."""
    page_origin = page.evaluate("performance.timeOrigin")
    for worker in page.workers:
        if urlsplit(worker.url).path.endswith(name):
            try:
                origin, wasm = worker.evaluate(
                    """() => [performance.timeOrigin,
                       (performance.getEntriesByType("resource").find((e) => e.name.endsWith("pyodide.asm.wasm")) || {}).responseEnd ?? null]"""
                )
            except PlaywrightError:  # the worker went away: these figures are only diagnostics
                break
            offset = origin - page_origin
            return {"workerStarted": offset, "wasmFetched": None if wasm is None else offset + wasm}
    return {"workerStarted": None, "wasmFetched": None}


def bare_visit(page, url: str) -> dict:
    page.goto(url, wait_until="commit")
    page.wait_for_function("window.__bare && window.__bare.done !== null", timeout=TIMEOUT_MS, polling=50)
    got = page.evaluate("() => window.__bare")
    if got.get("error") or got.get("result") != 2:
        raise RuntimeError(f"the bare page failed: {got}")
    got.update(worker_clock(page, f"/{BARE_DIR}/worker.mjs"))
    return got


def measure_starts(browser, recorder: Recorder, base: str, runs: int) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"live_cold": [], "live_warm": [], "bare_cold": [], "bare_warm": []}
    live_url = base + "calculator/"
    bare_url = base + BARE_DIR + "/"
    for i in range(runs):
        # Alternate which goes first, so drift on a noisy machine hits both.
        order = ("live", "bare") if i % 2 == 0 else ("bare", "live")
        for kind in order:
            context, page, errors = new_context(browser, recorder)
            try:
                visit = live_visit if kind == "live" else bare_visit
                url = live_url if kind == "live" else bare_url
                out[f"{kind}_cold"].append(visit(page, url))
                out[f"{kind}_warm"].append(visit(page, url))
                if errors:
                    print(f"  page errors on {url}: {errors}")
            finally:
                context.close()
        print(f"  start-up run {i + 1}/{runs} done", file=sys.stderr)
    return out


def measure_recompute(browser, recorder: Recorder, base: str, count: int) -> list[dict]:
    context, page, _ = new_context(browser, recorder)
    try:
        live_visit(page, base + "calculator/")
        # Warm-up: the first few answers compile code paths; keep them out.
        page.evaluate(RECOMPUTE_JS, {"count": 4, "values": ["1000001", "2000001"]})
        return page.evaluate(RECOMPUTE_JS, {"count": count, "values": ["1000000", "2000000"]})
    finally:
        context.close()


def measure_bytes(browser, recorder: Recorder, base: str, path: str, *, live: bool) -> list[dict]:
    """Every request of one cold visit: url, status, bytes on the wire."""
    local = Recorder()
    context, page, _ = new_context(browser, local, keep_finished=True)
    context.on("request", lambda r: recorder.urls.append(r.url))
    try:
        if live:
            live_visit(page, base + path)
        else:
            page.goto(base + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        rows = []
        for request in local.finished:
            sizes = request.sizes()
            response = request.response()
            rows.append(
                {
                    "url": request.url,
                    "status": response.status if response else 0,
                    "body": sizes["responseBodySize"],
                    "headers": sizes["responseHeadersSize"] + sizes["requestHeadersSize"] + sizes["requestBodySize"],
                }
            )
        return rows
    finally:
        context.close()


# ---------------------------------------------------------------------------
# Printing


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def med(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def low(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return min(values) if values else None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB"


def print_starts(starts: dict[str, list[dict]]) -> None:
    live = {k: [r["firstReady"] for r in starts[f"live_{k}"]] for k in ("cold", "warm")}
    bare = {k: [r["done"] for r in starts[f"bare_{k}"]] for k in ("cold", "warm")}
    n = len(starts["live_cold"])
    print(f"\n1-2. Navigation start -> first live answer ({n} runs each; median / min)")
    print(f"  {'':<34}{'cold median':>13}{'cold min':>11}{'warm median':>13}{'warm min':>11}")
    rows = [
        ("calculator/ live answer", live),
        ("bare page (Pyodide, 1+1)", bare),
    ]
    for label, data in rows:
        print(
            f"  {label:<34}{ms(med(data['cold'])):>13}{ms(low(data['cold'])):>11}"
            f"{ms(med(data['warm'])):>13}{ms(low(data['warm'])):>11}"
        )
    for kind in ("cold", "warm"):
        ratio_med = med(live[kind]) / med(bare[kind])
        ratio_min = low(live[kind]) / low(bare[kind])
        verdict = "meets" if ratio_med <= RATIO_GOAL else "MISSES"
        print(f"  live / bare, {kind}: {ratio_med:.2f} (medians), {ratio_min:.2f} (mins)  -> {verdict} the {RATIO_GOAL} goal")

    print("\n  Where the time goes (medians). At: ms from navigation start, on the page's clock;")
    print("  took: a stage's own duration, timed inside the worker.")
    kinds = [("live", "cold"), ("live", "warm"), ("bare", "cold"), ("bare", "warm")]
    print(f"  {'':<46}" + "".join(f"{page + ' ' + kind:>11}" for page, kind in kinds))

    def timing(stage: str):
        return lambda r: (r.get("timings") or {}).get(stage)

    rows = [
        ("at: DOMContentLoaded", lambda r: r.get("domContentLoaded"), None),
        ("at: new Worker() called", lambda r: r["workerCreated"], lambda r: r["workerCreated"]),
        ("at: the worker's script starts running", lambda r: r["workerStarted"], lambda r: r["workerStarted"]),
        ("at: pyodide.asm.wasm fetched", lambda r: r["wasmFetched"], lambda r: r["wasmFetched"]),
        ("took: Pyodide loaded (live: + wheel checked)", timing("runtime"), timing("runtime")),
        ("took: wheel installed", timing("wheel"), None),
        ("took: engine imported and checked", timing("import"), None),
        ("took: worker start -> ready (bare: 1+1)", timing("total"), timing("total")),
        ("at: 'ready' status received", lambda r: r["workerReady"], None),
        ("at: first live answer shown (bare: 1+1)", lambda r: r["firstReady"], lambda r: r["done"]),
    ]
    for label, live_key, bare_key in rows:
        cells = []
        for page, kind in kinds:
            key = live_key if page == "live" else bare_key
            cells.append(ms(med([key(r) for r in starts[f"{page}_{kind}"]])) if key else "")
        print(f"  {label:<46}" + "".join(f"{cell:>11}" for cell in cells))


def print_paint(starts: dict[str, list[dict]]) -> None:
    print("\n3. The prerendered answer (calculator/, medians; from navigation start)")
    print(f"  {'':<44}{'cold':>10}{'warm':>10}")
    for label, key in (
        ("first-contentful-paint", "fcp"),
        ("#calculator-result in the DOM", "resultInDom"),
        ("#calculator-result rendered (first frame)", "resultVisible"),
    ):
        cells = [ms(med([r[key] for r in starts[f"live_{kind}"]])) for kind in ("cold", "warm")]
        print(f"  {label:<44}{cells[0]:>10}{cells[1]:>10}")
    on_screen = {r["resultOnScreen"] for r in starts["live_cold"] + starts["live_warm"]}
    where = "in the first viewport" if on_screen == {True} else "below the first viewport" if on_screen == {False} else "sometimes in the first viewport"
    print(f"  (#calculator-result is {where} at {VIEWPORT['width']}x{VIEWPORT['height']})")


def print_recompute(rows: list[dict]) -> None:
    times = [r["total"] for r in rows]
    median, p95 = statistics.median(times), percentile(times, 95)
    print(f"\n4. Recompute after an input change ({len(times)} changes of #f-monthly_requests, engine ready)")
    print(f"  median {median:6.1f} ms   (goal <= {RECOMPUTE_MEDIAN_GOAL_MS} ms: {'meets' if median <= RECOMPUTE_MEDIAN_GOAL_MS else 'MISSES'})")
    print(f"  p95    {p95:6.1f} ms   (goal <= {RECOMPUTE_P95_GOAL_MS} ms: {'meets' if p95 <= RECOMPUTE_P95_GOAL_MS else 'MISSES'})")
    print(f"  min {min(times):.1f} ms, max {max(times):.1f} ms")
    print("  where it goes (median / p95):")
    for key, what in (
        ("before", "input event -> request posted to the worker"),
        ("worker", "worker round trip (engine answer + messages)"),
        ("render", "answer received -> result rendered, ready"),
    ):
        values = [r[key] for r in rows]
        print(f"    {what:<48}{statistics.median(values):6.1f} ms {percentile(values, 95):6.1f} ms")


def print_bytes(label: str, rows: list[dict], site: Path, base: str, top: int = 8) -> None:
    body = sum(r["body"] for r in rows)
    headers = sum(r["headers"] for r in rows)
    print(f"\n  {label}: {len(rows)} requests, {kib(body)} of bodies + {kib(headers)} of headers = {kib(body + headers)}")
    print(f"    {'biggest files':<52}{'bytes':>12}{'gzip -6':>12}")
    for r in sorted(rows, key=lambda r: -r["body"])[:top]:
        path = urlsplit(r["url"]).path
        name = path.removeprefix(urlsplit(base).path)
        local = site / name
        if local.is_dir():
            local = local / "index.html"
        zipped = len(gzip.compress(local.read_bytes(), 6)) if local.is_file() else None
        print(f"    {name or '/':<52}{kib(r['body']):>12}{(kib(zipped) if zipped else '—'):>12}")


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold+warm start-ups per page (default 5)")
    parser.add_argument("--recomputes", type=int, default=60, help="input changes timed (default 60)")
    args = parser.parse_args()

    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM} (set CHROMIUM=/path/to/chromium)")
    logging.getLogger("mkdocs").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="bvb-bench-") as tmp:
        site = Path(tmp) / "site"
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        started = time.perf_counter()
        build_site(site, site_url=base)
        write_bare_page(site)
        print(f"Site built in {time.perf_counter() - started:.1f} s; served at {base}", file=sys.stderr)
        server = serve(site, port)
        recorder = Recorder()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
                try:
                    print(
                        f"Chromium {browser.version} (headless), Python {platform.python_version()}, "
                        f"{os.cpu_count()} CPUs, {platform.machine()}; site on {base}"
                    )
                    # One throw-away visit of each page, so that the first
                    # measured run does not pay for the OS's file cache.
                    context, page, _ = new_context(browser, recorder)
                    live_visit(page, base + "calculator/")
                    bare_visit(page, base + BARE_DIR + "/")
                    context.close()

                    starts = measure_starts(browser, recorder, base, args.runs)
                    recompute = measure_recompute(browser, recorder, base, args.recomputes)
                    calc_bytes = measure_bytes(browser, recorder, base, "calculator/", live=True)
                    tree_bytes = measure_bytes(browser, recorder, base, "decision-tree/", live=False)
                finally:
                    browser.close()
        finally:
            server.shutdown()

        print_starts(starts)
        print_paint(starts)
        print_recompute(recompute)
        print("\n5. Bytes transferred on a cold visit (page + worker requests; this server does not compress)")
        print_bytes("calculator/ (until the first live answer)", calc_bytes, site, base)
        print_bytes("decision-tree/", tree_bytes, site, base)

    foreign = recorder.foreign()
    print(f"\nRequests to a host other than 127.0.0.1: {len(foreign)} (of {len(recorder.urls)} requests)")
    for url in foreign[:20]:
        print(f"  {url}")


if __name__ == "__main__":
    main()
