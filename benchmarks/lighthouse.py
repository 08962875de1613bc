"""Lighthouse scores for every content page and the calculator.

Prints figures; asserts nothing. Builds the site, serves it on 127.0.0.1 with
gzip (as a static host would), and runs the npm ``lighthouse`` CLI (from
package.json) with its mobile defaults, in Debian's Chromium, page by page.
For each page it prints accessibility, best practices, SEO and performance
against the goals, and for any category under its goal, the audits that cost
points (and for performance, the metrics).

Goals (issue 10): accessibility 100, best practices 100, SEO 95 or more;
performance 95 or more on content pages, 80 or more on the calculator.

    CHROMIUM=/usr/bin/chromium python benchmarks/lighthouse.py [--pages calculator/ costs/]
        [--runs 3] [--save DIR]

Performance varies from run to run on a shared machine: ``--runs N`` measures
each page N times and prints the run with the median performance score, with
the load average beside it. ``--save DIR`` keeps every report (JSON) for
reading the audits behind a score.

Lighthouse's mobile score slows the CPU it observes four times, a factor meant
for a high-end desktop. Each row shows Lighthouse's own measure of this
machine's CPU (its benchmarkIndex: 1500-2000 a high-end desktop, 1000-1500 a
low-end one, and under 1000 it warns that scores suffer). ``--cpu-slowdown X``
runs with another factor, as Lighthouse's docs/throttling.md suggests for a
slower machine (2 for a low-end desktop); the goals are judged on the default.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from build_scripts.local_site import CHROMIUM, QuietServer, _QuietHandler, free_port  # noqa: E402
from build_scripts.site_build import build_site  # noqa: E402
from tests.browser.site_pages import page_paths  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
    " --disable-component-update --disable-sync"
)
CATEGORIES = ("accessibility", "best-practices", "seo", "performance")
CALCULATOR = "calculator/"
TIMEOUT_S = 240  # one page; Pyodide's start is part of the calculator's run


def goal(category: str, path: str) -> int:
    if category == "seo":
        return 95
    if category == "performance":
        return 80 if path == CALCULATOR else 95
    return 100


# Text a static host compresses; wasm and the wheel are compressed too by
# most hosts, and Lighthouse measures what travels.
_COMPRESSED = (".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".wasm", ".map", ".mmd")


class _GzipHandler(_QuietHandler):
    """Serves files gzip-compressed when the client accepts it, over
    keep-alive connections (HTTP/1.1), as static hosts do. Python's server
    speaks HTTP/1.0 by default, a new connection per request, which
    Lighthouse's simulation charges a round trip or two each."""

    protocol_version = "HTTP/1.1"
    compressed: dict = {}

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and path.suffix in _COMPRESSED):
            return super().send_head()
        body = self.compressed.get(path)
        if body is None:  # compressed once, as a host's cache or a build would
            body = self.compressed[path] = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        import io

        return io.BytesIO(body)


def serve_gzip(folder: Path, port: int):
    import functools
    import threading

    handler = functools.partial(_GzipHandler, directory=str(folder))
    server = QuietServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_lighthouse(url: str, cpu_slowdown: float | None = None) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--max-wait-for-load={TIMEOUT_S * 500}",
    ]
    if cpu_slowdown is not None:
        command.append(f"--throttling.cpuSlowdownMultiplier={cpu_slowdown:g}")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT_S, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"lighthouse failed on {url}: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout)


def losses(report: dict, category: str) -> list[str]:
    """The audits that cost the category points, with Lighthouse's title."""
    audits = report["audits"]
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] and audit.get("score") is not None and audit["score"] < 1:
            shown = audit.get("displayValue", "")
            lines.append(f"      {ref['id']} ({audit['score']:.2f}){': ' + shown if shown else ''}: {audit['title']}")
    return lines


def metrics(report: dict) -> str:
    audits = report["audits"]
    names = {
        "first-contentful-paint": "FCP",
        "largest-contentful-paint": "LCP",
        "total-blocking-time": "TBT",
        "cumulative-layout-shift": "CLS",
        "speed-index": "SI",
    }
    return ", ".join(f"{short} {audits[key]['displayValue']}" for key, short in names.items() if key in audits)


def performance(report: dict) -> int:
    return round(100 * (report["categories"]["performance"]["score"] or 0))


def median_run(reports: list[dict]) -> dict:
    """The run whose performance score is the median (the lower middle one for an even count)."""
    middle = statistics.median_low(performance(r) for r in reports)
    return next(r for r in reports if performance(r) == middle)


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="*", help="paths to measure (default: every content page and the calculator)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median performance run is shown")
    parser.add_argument("--save", type=Path, help="a folder to keep every report in (JSON)")
    parser.add_argument(
        "--cpu-slowdown", type=float, help="Lighthouse's CPU slowdown factor instead of its default 4 (see above)"
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    if args.cpu_slowdown is not None and not 1 <= args.cpu_slowdown <= 20:
        parser.error("--cpu-slowdown must be between 1 and 20")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    if not LIGHTHOUSE.exists():
        print(f"{LIGHTHOUSE} is missing: `make setup` installs lighthouse from package.json", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        folder = build_site(Path(tmp) / "site", site_url=base)
        server = serve_gzip(folder, port)
        paths = args.pages or [path for path in page_paths(folder) if path.endswith("/") or path == ""]
        version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()
        throttling = "mobile defaults" if args.cpu_slowdown is None else f"mobile, CPU slowed {args.cpu_slowdown:g}x (not the default 4x)"
        print(f"Lighthouse {version}, {throttling}, Chromium at {CHROMIUM}, site served with gzip at {base}")
        if args.runs > 1:
            print(f"{args.runs} runs a page, the median performance run shown; load average before: {load_average()}")
        print(f"{'page':<18}" + "".join(f"{c:>16}" for c in CATEGORIES) + "  metrics")
        below = []
        try:
            for path in paths:
                try:
                    reports = []
                    for run in range(args.runs):
                        reports.append(run_lighthouse(base + path, args.cpu_slowdown))
                        if args.save:
                            name = (path.strip("/").replace("/", "_") or "home") + f".{run + 1}.json"
                            (args.save / name).write_text(json.dumps(reports[-1]))
                except (RuntimeError, subprocess.TimeoutExpired) as error:
                    print(f"/{path:<17} not measured: {error}")
                    below.append(f"/{path}: not measured")
                    continue
                report = median_run(reports)
                cells = []
                for category in CATEGORIES:
                    score = round(100 * (report["categories"][category]["score"] or 0))
                    target = goal(category, path)
                    ok = score >= target
                    cells.append(f"{score:>4} (goal {target:>3}){' ' if ok else '!'}")
                    if not ok:
                        below.append(f"/{path} {category} {score} < {target}")
                        below.extend(losses(report, category))
                        if category == "performance":
                            below.append(f"      {metrics(report)}")
                spread = ""
                if len(reports) > 1:
                    spread = f" (runs: {', '.join(str(performance(r)) for r in reports)})"
                cpu = f", CPU index {report['environment'].get('benchmarkIndex', 0):.0f}"
                print(f"/{path:<17}" + "".join(f"{cell:>16}" for cell in cells) + f"  {metrics(report)}{cpu}{spread}")
        finally:
            server.shutdown()
        if args.runs > 1:
            print(f"load average after: {load_average()}")
    print()
    if below:
        print("Under the goal ('!' above):")
        print("\n".join(below))
    else:
        print("Every page meets every goal.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
