// The calculator's Python engine, in a module Web Worker.
//
//   new Worker(new URL("engine-worker.mjs", import.meta.url), { type: "module" })
//
// Start-up is one chain, run once, on the first message:
//
//   initRuntime -> verifyAndInstallWheel -> importEngine -> ready
//
// initRuntime loads Pyodide from <site>/assets/pyodide/ and, at the same time,
// reads <site>/assets/engine/manifest.json (written by build_scripts/bundle.py),
// fetches the wheel it names and checks the wheel's SHA-256 against it.
// verifyAndInstallWheel unpacks the verified bytes into site-packages.
// importEngine imports calculator.page and checks it is the engine the
// manifest describes (installed from the wheel, same rules version).
//
// Messages, page -> worker:
//   {type: "warm"}                               start loading, answer nothing
//   {type: "answer", id, request: "<json>"}      request = {"query", "page_url"}
// worker -> page:
//   {type: "status", status: "loading"|"ready"|"error", message, ...details}
//   {type: "answer", id, response: "<json>"}     calculator.page.answer(request)
//   {type: "answer", id, error: "<message>"}     no engine, no answer
//
// Every response is the string calculator.page.answer returned: this file
// computes nothing, and when the engine cannot run it says so instead of
// answering. A failed start is final: make a new worker to try again.
//
// The start-up timeout (default 60 s) is set with ?timeout=<ms> on the
// worker's URL. It is a backstop for a start-up that never settles; parts of
// Pyodide's start (compiling the wasm, starting Python) block the worker, so
// it can only fire once they are done.

const ASSETS = new URL("../assets/", import.meta.url);
export const PYODIDE_URL = new URL("pyodide/", ASSETS);
export const ENGINE_URL = new URL("engine/", ASSETS);
const DEFAULT_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------
// Helpers, also used by tests/node/parity.mjs (which runs them under Node).

export class EngineError extends Error {
  constructor(stage, message) {
    super(message);
    this.name = "EngineError";
    this.stage = stage;
  }
}

const describe = (error) => String(error?.message ?? error);

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new EngineError("timeout", `${what} timed out after ${ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// pyodide.mjs does not reject when pyodide.asm.wasm cannot be fetched or
// compiled: it console.warn()s "wasm instantiation failed!", then the error,
// and loadPyodide() never settles. Turn that into a rejection while loading.
function watchWasmFailure() {
  const original = console.warn;
  let reject;
  let seen = false;
  let fallback;
  const failed = new Promise((_, rej) => (reject = rej));
  const fail = (detail) =>
    reject(
      new EngineError(
        "wasm",
        `The Python runtime (pyodide.asm.wasm) could not be loaded${detail ? `: ${detail}` : ""}. ` +
          "It may be blocked by the network, an extension or a content security policy.",
      ),
    );
  console.warn = (...args) => {
    original.apply(console, args);
    if (seen) {
      clearTimeout(fallback);
      fail(describe(args[0]));
    } else if (args[0] === "wasm instantiation failed!") {
      seen = true;
      fallback = setTimeout(() => fail(""), 1000);
    }
  };
  return { failed, restore: () => ((console.warn = original), clearTimeout(fallback)) };
}

// Load Pyodide with loadPyodide (from pyodide.mjs) and every file from
// indexURL: nothing may come from a CDN.
export async function startPyodide(loadPyodide, indexURL, options = {}) {
  const watch = watchWasmFailure();
  try {
    return await Promise.race([
      loadPyodide({ indexURL, packageBaseUrl: indexURL, ...options }),
      watch.failed,
    ]);
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError("runtime", `The Python runtime failed to start: ${describe(error)}`);
  } finally {
    watch.restore();
  }
}

export async function verifyWheel(bytes, expected, name = "the engine wheel") {
  const got = await sha256Hex(bytes);
  if (got !== expected) {
    throw new EngineError("sha256", `${name}: sha256 mismatch: expected ${expected}, got ${got}`);
  }
  return got;
}

// site-packages, where the wheel goes and where the engine must come from.
// site (imported at start-up) knows it at no cost; sysconfig says the same
// (its "purelib") but costs ~50 ms to import in Pyodide.
const PURELIB = "__import__('site').getsitepackages()[0]";

// Only site-packages' finder forgets what it listed: importlib.invalidate_caches()
// would also import importlib.metadata (~50 ms) for nothing.
const FORGET_LISTING = `
def _bvb_forget_listing():
    import os, sys
    purelib = os.path.realpath(${PURELIB})
    for path, finder in list(sys.path_importer_cache.items()):
        if os.path.realpath(path) == purelib and hasattr(finder, "invalidate_caches"):
            finder.invalidate_caches()

_bvb_forget_listing()
del _bvb_forget_listing
`;

// Unpack a verified wheel into site-packages (unpackArchive's default is the
// working directory). bytes must be a Uint8Array or an ArrayBuffer.
export function installWheel(py, bytes) {
  const purelib = py.runPython(PURELIB);
  py.unpackArchive(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), "wheel", { extractDir: purelib });
  py.runPython(FORGET_LISTING);
  return purelib;
}

// No importlib.metadata here: finding a distribution's version scans every
// sys.path entry (~140 ms in Pyodide). The installed version is read from the
// wheel's own .dist-info instead.
const IMPORT_CHECK = `
import json, os
import calculator, calculator.page

def _bvb_engine_info():
    purelib = os.path.realpath(${PURELIB})
    dist = [n for n in os.listdir(purelib) if n.startswith("buildvsbuy_calculator-") and n.endswith(".dist-info")]
    return json.dumps({
        "file": os.path.realpath(calculator.__file__),
        "purelib": purelib,
        "version": dist[0][len("buildvsbuy_calculator-"):-len(".dist-info")] if len(dist) == 1 else None,
        "rules_version": calculator.default_rules().version,
    })

_bvb_engine_info()
`;

// Import calculator.page and check it is the wheel's code (and, given a
// manifest, the rules it was built with). Returns the page module's answer().
export function importEngine(py, manifest = null) {
  let info;
  let answer;
  try {
    info = JSON.parse(py.runPython(IMPORT_CHECK));
    answer = py.pyimport("calculator.page").answer;
  } catch (error) {
    const lines = describe(error).trim().split("\n");
    throw new EngineError("import", `Python could not import the engine (calculator.page): ${lines[lines.length - 1]}`);
  }
  if (!info.file.startsWith(info.purelib + "/")) {
    throw new EngineError("import", `calculator was imported from ${info.file}, not from the installed wheel`);
  }
  if (manifest && manifest.rules_version && info.rules_version !== manifest.rules_version) {
    throw new EngineError(
      "import",
      `the engine holds rules ${info.rules_version}, the manifest says ${manifest.rules_version}`,
    );
  }
  return { answer, info };
}

// ---------------------------------------------------------------------------
// The browser side: fetch, chain, messages.

async function fetchOk(url, what, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new EngineError("fetch", `${what} could not be fetched from ${url}: ${describe(error)}`);
  }
  if (!response.ok) {
    throw new EngineError("fetch", `${what} is missing: HTTP ${response.status} for ${url}`);
  }
  return response;
}

async function readManifest() {
  // no-cache: revalidate, so that a new deployment's sha256 is seen at once.
  const response = await fetchOk(new URL("manifest.json", ENGINE_URL), "The engine manifest", { cache: "no-cache" });
  const manifest = await response.json();
  if (typeof manifest.wheel !== "string" || !/^[0-9a-f]{64}$/.test(manifest.sha256 ?? "")) {
    throw new EngineError("manifest", "The engine manifest has no wheel name or sha256");
  }
  return manifest;
}

// The manifest and the wheel are fetched, and the wheel's SHA-256 checked,
// while Pyodide loads: a missing or altered file is reported at once rather
// than after the runtime's few seconds.
async function fetchWheel() {
  const manifest = await readManifest();
  const name = `The engine wheel ${manifest.wheel}`;
  const response = await fetchOk(new URL(manifest.wheel, ENGINE_URL), name, { cache: "no-cache" });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const sha256 = await verifyWheel(bytes, manifest.sha256, name);
  return { manifest, bytes, sha256 };
}

async function initRuntime(timings) {
  const t0 = performance.now();
  const wheel = fetchWheel();
  const runtime = (async () => {
    let module;
    try {
      module = await import(new URL("pyodide.mjs", PYODIDE_URL).href);
    } catch (error) {
      throw new EngineError("runtime", `The Python runtime (pyodide.mjs) could not be loaded: ${describe(error)}`);
    }
    const py = await startPyodide(module.loadPyodide, PYODIDE_URL.href, {
      stdout: (line) => console.log("[engine]", line),
      stderr: (line) => console.warn("[engine]", line),
    });
    timings.runtime = Math.round(performance.now() - t0);
    return py;
  })();
  const [py, checked] = await Promise.all([runtime, wheel]);
  return { py, ...checked };
}

async function verifyAndInstallWheel({ py, manifest, bytes, sha256 }, timings) {
  const t0 = performance.now();
  const name = `The engine wheel ${manifest.wheel}`;
  if (sha256 !== manifest.sha256) {
    throw new EngineError("sha256", `${name}: not verified against the manifest`);
  }
  try {
    installWheel(py, bytes);
  } catch (error) {
    throw new EngineError("install", `${name} could not be unpacked: ${describe(error)}`);
  }
  timings.wheel = Math.round(performance.now() - t0);
  return { py, manifest };
}

function importEngineStep({ py, manifest }, timings) {
  const t0 = performance.now();
  const { answer, info } = importEngine(py, manifest);
  timings.import = Math.round(performance.now() - t0);
  return { py, manifest, answer, info };
}

function timeoutMs() {
  const value = Number(new URL(import.meta.url).searchParams.get("timeout"));
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_TIMEOUT_MS;
}

let engine = null; // the start-up promise, made on the first message

function start() {
  if (engine) return engine;
  const t0 = performance.now();
  const timings = {};
  const limit = timeoutMs();
  postMessage({ type: "status", status: "loading", message: "Loading the Python engine…" });
  const chain = initRuntime(timings)
    .then((state) => verifyAndInstallWheel(state, timings))
    .then((state) => importEngineStep(state, timings));
  engine = withTimeout(chain, limit, "Loading the Python engine");
  engine.then(
    ({ py, manifest, info }) => {
      timings.total = Math.round(performance.now() - t0);
      postMessage({
        type: "status",
        status: "ready",
        message: `Python engine ready (Pyodide ${py.version}, rules ${info.rules_version}) in ${(timings.total / 1000).toFixed(1)} s`,
        pyodide_version: py.version,
        rules_version: info.rules_version,
        wheel: manifest.wheel,
        timings,
      });
    },
    (error) => {
      postMessage({
        type: "status",
        status: "error",
        message: describe(error),
        stage: error?.stage ?? "unknown",
      });
    },
  );
  return engine;
}

function onMessage({ data }) {
  if (!data || typeof data !== "object") return;
  if (data.type === "warm") {
    start().catch(() => {}); // reported by a status message
    return;
  }
  if (data.type !== "answer") return;
  const { id, request } = data;
  start().then(
    ({ answer }) => {
      let response;
      try {
        response = answer(String(request));
      } catch (error) {
        postMessage({ type: "answer", id, error: `The engine failed: ${describe(error)}` });
        return;
      }
      if (typeof response !== "string") {
        postMessage({ type: "answer", id, error: "The engine returned no text" });
        return;
      }
      postMessage({ type: "answer", id, response });
    },
    (error) => postMessage({ type: "answer", id, error: `No engine: ${describe(error)}` }),
  );
}

// Only inside a worker: tests/node/parity.mjs imports the helpers above.
if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  self.addEventListener("message", onMessage);
}
