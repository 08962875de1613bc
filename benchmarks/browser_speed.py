"""The calculator page's speed in headless Chromium, served as a static host would.

Prints figures; asserts nothing. The site is served from 127.0.0.1 the way a
static host serves it: text, JSON and wasm gzip-compressed on the fly,
precompressed files (the engine's snapshot parts, *.bin.gz) as they are, and the
site's own ``_headers`` rules (immutable runtime files, a revalidated
manifest). Side by side in one run, under three network profiles set with
Chromium's ``Network.emulateNetworkConditions`` (it throttles the worker's
fetches too):

- the bare page: stock Pyodide (its full standard library) on the main
  thread, running ``1+1``;
- the calculator opened from a scenario link
  (``calculator/?privacy_required=true&labeled_examples=20000``) up to its
  first ``ready``, with how its engine started (snapshot or plain).

Median of N cold visits each (fresh context), and warm (second visit, same
context) unthrottled; the ratio calculator / bare against the goals
(<= 0.5 unthrottled, cold and warm; <= 0.6 at 100 Mbit/s; <= 1.1 at
20 Mbit/s). Then the bytes on the wire of each page (worker included), as
sent here (gzip) and as a brotli host would send them; recompute latency
(goals: median <= 15 ms, p95 <= 40 ms); and the machine's load
(/proc/loadavg) before and after, since other work on the machine moves
every figure.

    CHROMIUM=/usr/bin/chromium python benchmarks/browser_speed.py [--runs 5] [--recomputes 60]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import logging
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import brotli
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from build_scripts.local_site import CHROMIUM, CHROMIUM_ARGS, QuietServer, free_port
from build_scripts.site_build import build_site

VIEWPORT = {"width": 1440, "height": 900}
TIMEOUT_MS = 180_000
SCENARIO = "calculator/?privacy_required=true&labeled_examples=20000"
PROFILES = {  # name: (latency ms, download bits/s) or None for unthrottled
    "unthrottled": None,
    "100 Mbit/s, 20 ms": (20, 100e6),
    "20 Mbit/s, 40 ms": (40, 20e6),
}
GOALS = {"unthrottled": 0.5, "100 Mbit/s, 20 ms": 0.6, "20 Mbit/s, 40 ms": 1.1}
RECOMPUTE_MEDIAN_GOAL_MS = 15
RECOMPUTE_P95_GOAL_MS = 40
COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".svg", ".wasm", ".txt", ".xml", ".mmd")

# ---------------------------------------------------------------------------
# The bare page: stock Pyodide on the main thread, 1+1.

BARE_DIR = "bench-bare"
BARE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bare Pyodide</title></head>
<body><p>Bare Pyodide: 1+1 on the main thread.</p>
<script type="module">
  window.__bare = { done: null, result: null, error: null };
  try {
    const index = new URL("pyodide/", location.href).href;
    const { loadPyodide } = await import(index + "pyodide.mjs");
    const py = await loadPyodide({ indexURL: index, packageBaseUrl: index });
    window.__bare.result = py.runPython("1+1");
  } catch (error) {
    window.__bare.error = String(error?.message ?? error);
  }
  window.__bare.done = performance.now();
</script></body></html>
"""
BARE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")

# Notes when #calculator-result first says "ready" and how the engine started.
INIT_SCRIPT = r"""
(() => {
  const rec = (window.__bench = { firstReady: null, start: null, error: null });
  const watch = () => {
    const el = document.getElementById("calculator-result");
    const root = document.getElementById("bvb-calculator");
    if (!el) return false;
    const check = () => {
      if (rec.firstReady === null && el.dataset.status === "ready") {
        rec.firstReady = performance.now();
        rec.start = root.dataset.engineStart || null;
        if (root.dataset.engineSnapshot) rec.start += ` (${root.dataset.engineSnapshot})`;
      }
      const status = document.getElementById("calculator-status");
      if (status && status.dataset.state === "error" && /could not load/.test(status.textContent)) rec.error = status.textContent;
    };
    new MutationObserver(check).observe(document.documentElement, { attributes: true, subtree: true, attributeFilter: ["data-status", "data-state", "data-engine-start"] });
    check();
    return true;
  };
  if (!watch()) {
    const finder = new MutationObserver(() => watch() && finder.disconnect());
    finder.observe(document, { childList: true, subtree: true });
  }
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
    out.push(await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
      const mo = new MutationObserver(() => {
        if (el.dataset.status !== "ready" && el.dataset.status !== "error") return;
        mo.disconnect();
        clearTimeout(timer);
        if (el.dataset.status !== "ready") reject(new Error("the engine answered with an error"));
        else resolve(performance.now() - t0);
      });
      mo.observe(el, { attributes: true, attributeFilter: ["data-status"] });
      const t0 = performance.now();
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }));
  }
  return out;
}
"""


# ---------------------------------------------------------------------------
# Serving like a static host


def header_rules(site: Path) -> list[tuple[str, dict[str, str]]]:
    """The site's _headers file, as (path pattern, headers)."""
    rules: list[tuple[str, dict[str, str]]] = []
    path = site / "_headers"
    if not path.is_file():
        return rules
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace():
            rules.append((line.strip(), {}))
        elif line.strip() and rules:
            name, _, value = line.strip().partition(":")
            rules[-1][1][name.strip()] = value.strip()
    return rules


def _matches(pattern: str, path: str) -> bool:
    return path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern


class StaticHost(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".gz": "application/gzip",
    }
    rules: list = []
    gzipped: dict = {}
    lock = threading.Lock()

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and path.suffix in COMPRESSIBLE and wants_gzip):
            return super().send_head()
        with self.lock:
            body = self.gzipped.get(path)
            if body is None:
                body = self.gzipped[path] = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Body(body)

    def end_headers(self) -> None:
        request_path = urlsplit(self.path).path
        for pattern, headers in self.rules:
            if _matches(pattern, request_path):
                for name, value in headers.items():
                    self.send_header(name, value)
        super().end_headers()


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, *args) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


def serve_static(site: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = type("SiteHost", (StaticHost,), {"rules": header_rules(site), "gzipped": {}})
    server = QuietServer(("127.0.0.1", port), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_bare_page(site: Path) -> None:
    folder = site / BARE_DIR
    (folder / "pyodide").mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(BARE_HTML, encoding="utf-8")
    for name in BARE_FILES:
        shutil.copyfile(ROOT / "node_modules" / "pyodide" / name, folder / "pyodide" / name)


# ---------------------------------------------------------------------------
# Measuring


def new_page(browser, profile):
    # The site's policy forbids eval, which Playwright's polling waits use;
    # bypassing it leaves the page's own scripts and their cost unchanged.
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    finished: list = []
    context.on("requestfinished", lambda request: finished.append(request))
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if profile:
        latency, bits = profile
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": latency, "downloadThroughput": bits / 8, "uploadThroughput": bits / 8},
        )
    return context, page, finished


def calculator_visit(page, url: str) -> dict:
    page.goto(url, wait_until="commit")
    page.wait_for_function("window.__bench && (window.__bench.firstReady !== null || window.__bench.error)", timeout=TIMEOUT_MS, polling=50)
    got = page.evaluate("() => window.__bench")
    if got["error"]:
        raise RuntimeError(f"the engine failed to start: {got['error']}")
    return {"t": got["firstReady"], "start": got["start"]}


def bare_visit(page, url: str) -> dict:
    page.goto(url, wait_until="commit")
    page.wait_for_function("window.__bare && window.__bare.done !== null", timeout=TIMEOUT_MS, polling=50)
    got = page.evaluate("() => window.__bare")
    if got.get("error") or got.get("result") != 2:
        raise RuntimeError(f"the bare page failed: {got}")
    return {"t": got["done"], "start": None}


def wire_bytes(finished: list, site: Path, base: str) -> dict:
    """Bytes on the wire as served (gzip), and as brotli would send the same
    files (precompressed ones as they are)."""
    sent = br = 0
    for request in finished:
        sizes = request.sizes()
        body = sizes["responseBodySize"]
        sent += body + sizes["responseHeadersSize"]
        local = site / urlsplit(request.url).path.removeprefix(urlsplit(base).path)
        if local.is_dir():
            local = local / "index.html"
        if local.is_file() and local.suffix in COMPRESSIBLE:
            br += len(brotli.compress(local.read_bytes(), quality=9)) + sizes["responseHeadersSize"]
        else:
            br += body + sizes["responseHeadersSize"]
    return {"gzip": sent, "brotli": br, "requests": len(finished)}


def measure(browser, base: str, site: Path, runs: int) -> dict:
    out: dict = {}
    pages = {"bare": (bare_visit, base + BARE_DIR + "/"), "calculator": (calculator_visit, base + SCENARIO)}
    for profile_name, profile in PROFILES.items():
        for i in range(runs):
            order = ("calculator", "bare") if i % 2 == 0 else ("bare", "calculator")
            for kind in order:
                visit, url = pages[kind]
                context, page, finished = new_page(browser, profile)
                try:
                    cold = visit(page, url)
                    page.wait_for_load_state("networkidle")
                    out.setdefault((profile_name, kind, "cold"), []).append(cold)
                    if i == 0:
                        out[(profile_name, kind, "bytes")] = wire_bytes(finished, site, base)
                    if profile is None:
                        out.setdefault((profile_name, kind, "warm"), []).append(visit(page, url))
                finally:
                    context.close()
            print(f"  {profile_name}: run {i + 1}/{runs} done", file=sys.stderr)
    return out


def measure_recompute(browser, base: str, count: int) -> list[float]:
    context, page, _ = new_page(browser, None)
    try:
        calculator_visit(page, base + SCENARIO)
        page.evaluate(RECOMPUTE_JS, {"count": 4, "values": ["1000001", "2000001"]})  # warm-up
        return page.evaluate(RECOMPUTE_JS, {"count": count, "values": ["1000000", "2000000"]})
    finally:
        context.close()


# ---------------------------------------------------------------------------
# Printing


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def print_table(results: dict, runs: int) -> None:
    print(f"\nNavigation start -> first answer, median of {runs} (calculator: {SCENARIO})")
    print("| profile | bare page | calculator | ratio | goal | calculator started from |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in PROFILES:
        for kind in ("cold", "warm"):
            bare = results.get((name, "bare", kind))
            calc = results.get((name, "calculator", kind))
            if not bare or not calc:
                continue
            b = statistics.median(r["t"] for r in bare) / 1000
            c = statistics.median(r["t"] for r in calc) / 1000
            starts = sorted({r["start"] for r in calc})
            verdict = "meets" if c / b <= GOALS[name] else "MISSES"
            print(f"| {name}, {kind} | {b:.2f} s | {c:.2f} s | {c / b:.2f}x | <= {GOALS[name]} ({verdict}) | {', '.join(map(str, starts))} |")
    print("\nBytes on the wire, one cold visit (worker included), with headers")
    print("| profile | page | requests | as served (gzip) | as brotli would send |")
    print("| --- | --- | --- | --- | --- |")
    for name in PROFILES:
        for kind in ("bare", "calculator"):
            got = results[(name, kind, "bytes")]
            print(f"| {name} | {kind} | {got['requests']} | {got['gzip'] / 1e6:.2f} MB | {got['brotli'] / 1e6:.2f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold visits per page and profile (default 5)")
    parser.add_argument("--recomputes", type=int, default=60, help="input changes timed (default 60)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM} (set CHROMIUM=/path/to/chromium)")
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    print(f"Machine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) at the start: {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="bvb-bench-") as tmp:
        site = Path(tmp) / "site"
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        build_site(site, site_url=base)
        write_bare_page(site)
        server = serve_static(site, port)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
                try:
                    print(f"Chromium {browser.version} (headless); site on {base}")
                    # One throw-away visit of each page: the OS's file cache and the server's gzip cache.
                    context, page, _ = new_page(browser, None)
                    calculator_visit(page, base + SCENARIO)
                    bare_visit(page, base + BARE_DIR + "/")
                    context.close()
                    results = measure(browser, base, site, args.runs)
                    recompute = measure_recompute(browser, base, args.recomputes)
                finally:
                    browser.close()
        finally:
            server.shutdown()
    print_table(results, args.runs)
    median, p95 = statistics.median(recompute), percentile(recompute, 95)
    print(f"\nRecompute after an input change ({len(recompute)} changes, engine ready):")
    print(f"  median {median:.1f} ms (goal <= {RECOMPUTE_MEDIAN_GOAL_MS}: {'meets' if median <= RECOMPUTE_MEDIAN_GOAL_MS else 'MISSES'}), "
          f"p95 {p95:.1f} ms (goal <= {RECOMPUTE_P95_GOAL_MS}: {'meets' if p95 <= RECOMPUTE_P95_GOAL_MS else 'MISSES'})")
    print(f"\nLoad average (1, 5, 15 min) at the end: {loadavg()}")


if __name__ == "__main__":
    main()
