// The calculator's Python engine, in a module Web Worker.
//
//   new Worker(new URL("engine-worker.mjs", import.meta.url), { type: "module" })
//
// Start-up, run once on the first message:
//
//   manifest -> downloads (each checked against its sha256) -> start -> ready
//
// <site>/assets/engine/manifest.json (build_scripts/bundle.py; fetched
// no-cache, it is the one file whose URL never changes) names every file by a
// versioned or content-hashed path, with its sha256 and size. The engine
// starts from a memory snapshot taken at build time with the engine already
// imported (under a second) when it is in the site's own storage or the
// browser's cache already, or worth its bytes on this connection, or, when
// it is not, is missing or malformed, or fails to load or verify, the plain
// way:
// start Python, unpack the wheel, import. Both end in the same check
// (engine-start.mjs importEngine).
//
// Messages, page -> worker:
//   {type: "warm"}                               start loading, answer nothing
//   {type: "warm", fresh: true}                  the same, after a failed start
//                                                (the stored snapshot is dropped)
//   {type: "answer", id, request: "<json>"}      request = {"query", "page_url"}
// worker -> page:
//   {type: "progress", loaded, total}            bytes of the downloads so far
//   {type: "status", status: "loading"|"ready"|"error", message, ...details}
//     (ready: start "snapshot"|"plain", fallback (why plain), snapshot
//     "stored"|"cached"|"downloaded"|"" (where the snapshot came from: the
//     site's own storage, the browser's HTTP cache, or the network))
//   {type: "answer", id, response: "<json>"}     the engine's page door's answer
//   {type: "answer", id, error: "<message>"}     no engine, no answer
//
// A failed start is final for this worker: the page makes a new one to retry.

import { Downloads, gunzipInto } from "./engine-fetch.mjs";
import { EngineError, describe, importEngine, installWheel, sha256Hex, startPyodide, xorDataSegments } from "./engine-start.mjs";

const ASSETS = new URL("../assets/", import.meta.url);
const PROGRESS_MS = 100;
const MANIFEST_URL = new URL("engine/manifest.json", ASSETS);

async function readManifest() {
  let response;
  try {
    // no-cache: revalidate, so that a new deployment's files are seen at once.
    response = await fetch(MANIFEST_URL, { cache: "no-cache" });
  } catch (error) {
    throw new EngineError("fetch", `The engine manifest could not be fetched from ${MANIFEST_URL}: ${describe(error)}`);
  }
  if (!response.ok) throw new EngineError("fetch", `The engine manifest is missing: HTTP ${response.status} for ${MANIFEST_URL}`);
  const manifest = await response.json().catch(() => null);
  const file = (f) => f && typeof f.path === "string" && /^[0-9a-f]{64}$/.test(f.sha256 ?? "") && f.size > 0;
  const runtime = manifest?.runtime ?? {};
  const complete =
    ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide-lock.json"].every((n) => file(runtime[n])) &&
    file(manifest.stdlib) &&
    file(manifest.engine) &&
    typeof manifest.engine.module === "string";
  if (!complete) throw new EngineError("manifest", "The engine manifest is incomplete: rebuild the site");
  // The snapshot is optional: a malformed entry means the plain start.
  if (manifest.snapshot && !(snapshotComplete(manifest.snapshot, file) && manifest.snapshot.base === "pyodide.asm.wasm")) {
    manifest.snapshot = null;
    manifest.snapshotProblem = "the manifest's snapshot entry is malformed";
  }
  return manifest;
}

// The snapshot comes in parts, each a gzip file inflating to the next
// raw_size bytes of the memory less its base, the wasm's static data
// (build_scripts/bundle.py; engine-start.mjs xorDataSegments).
function snapshotComplete(snapshot, file) {
  const parts = snapshot.parts;
  return (
    Array.isArray(parts) &&
    parts.length > 0 &&
    parts.every((part) => file(part) && Number.isInteger(part.raw_size) && part.raw_size > 0) &&
    parts.reduce((sum, part) => sum + part.raw_size, 0) === snapshot.raw_size &&
    parts.reduce((sum, part) => sum + part.size, 0) === snapshot.size &&
    (snapshot.raw_sha256 === undefined || /^[0-9a-f]{64}$/.test(snapshot.raw_sha256))
  );
}

// The snapshot's memory as inflated on an earlier visit, kept in the site's
// own Cache Storage (one entry, named by the memory's sha256 in the
// manifest). Inflating the parts is the costliest step of a returning
// visitor's start (about 0.35 s of this worker's time on a 2-core machine,
// against 0.15 s to read and check the stored copy), so a returning visitor
// skips it. Pyodide starts from the stored copy while it is checked against
// the manifest's raw_sha256, and nothing is answered before the check
// passes; a copy that fails is deleted and the parts are used. A retry after
// a failed start drops the copy first (one that hung the start would
// otherwise hang every visit), and every start, once ready, deletes the
// copies of other builds. Where the browser offers no storage (an insecure
// context, some private modes) or refuses it, nothing changes.
const STORE = "bvb-engine-snapshot";
const STORED_PREFIX = new URL("engine/snapshot-", ASSETS).href; // this deployment's copies
const storedURL = (snapshot) => `${STORED_PREFIX}${snapshot.raw_sha256}.bin`;
// The lookup comes before any download: storage that does not answer at
// once is treated as empty.
const STORE_LOOKUP_MS = 1000;

function canStore(snapshot) {
  try {
    return Boolean(snapshot?.raw_sha256) && typeof caches !== "undefined";
  } catch {
    return false; // reading `caches` itself can throw (SecurityError)
  }
}

// The stored copy's response (its body still unread), or null.
async function storedSnapshot(snapshot) {
  if (!canStore(snapshot)) return null;
  const lookup = (async () => (await (await caches.open(STORE)).match(storedURL(snapshot))) ?? null)();
  const late = new Promise((resolve) => setTimeout(() => resolve(null), STORE_LOOKUP_MS));
  return Promise.race([lookup, late]).catch(() => null); // storage refused: the parts, as on a first visit
}

async function readStored(response, snapshot) {
  const memory = new Uint8Array(await response.arrayBuffer());
  if (memory.length !== snapshot.raw_size) throw new Error(`it holds ${memory.length} bytes, not the ${snapshot.raw_size} the manifest says`);
  return memory;
}

// The stored copy's check against the manifest. The browser computes the
// digest on a thread of its own (it copies the bytes first), so Pyodide
// starts from the copy meanwhile; nothing is answered before it passes.
async function storedCheck(memory, snapshot) {
  const got = await sha256Hex(memory);
  if (got !== snapshot.raw_sha256) throw new Error(`its sha256 is ${got}, not the manifest's ${snapshot.raw_sha256}`);
}

// Deletes this deployment's stored copies (another site on the same origin
// keeps its own) but the current build's, or every one when `keep` is
// false or the build has no snapshot to store.
async function pruneStored(snapshot, keep = true) {
  try {
    if (typeof caches === "undefined" || !(await caches.has(STORE))) return;
    const cache = await caches.open(STORE);
    const kept = keep && snapshot?.raw_sha256 ? storedURL(snapshot) : null;
    for (const request of await cache.keys()) {
      if (request.url.startsWith(STORED_PREFIX) && request.url !== kept) await cache.delete(request);
    }
  } catch {
    // no storage, or it refused: nothing stored to prune
  }
}

const forgetStored = (snapshot) => pruneStored(snapshot, false);

// Keeps the memory a start has just used (Pyodide copies it into its own
// memory and leaves this buffer as it was), in place of other builds'
// copies. A memory that does not match the manifest is not kept: it would
// fail the next visit's check.
async function storeSnapshot(snapshot, memory) {
  if (!canStore(snapshot)) return;
  try {
    if ((await sha256Hex(memory)) !== snapshot.raw_sha256) throw new Error("the memory does not match the manifest's raw_sha256");
    await pruneStored(snapshot);
    const cache = await caches.open(STORE);
    await cache.put(storedURL(snapshot), new Response(memory, { headers: { "content-type": "application/octet-stream" } }));
  } catch (error) {
    console.warn("[engine] the snapshot could not be stored for the next visit:", describe(error));
  }
}

// Decide, from how fast the runtime's wasm arrives, whether the snapshot's
// bytes are worth fetching: only when they should arrive in less time than
// the snapshot saves (manifest: snapshot.saves_s). On a slow connection its
// megabytes cost more than they save. The wasm is needed either way and is the
// best sample of the connection (3.5 MB gzip); its first quarter is enough
// to judge by, so that the snapshot's download starts while the rest of the
// wasm arrives.
const SAMPLE_SHARE = 0.25;

async function snapshotWorthIt(manifest, downloads, wasmDone) {
  if (!manifest.snapshot || navigator.connection?.saveData) return false;
  const wasm = manifest.runtime["pyodide.asm.wasm"];
  await Promise.race([downloads.arrived(wasm, wasm.size * SAMPLE_SHARE), wasmDone]); // a failed download fails here
  const sampled = downloads.timing(wasm);
  if (!sampled?.bytes) return false; // it ended with nothing to judge by: its own promise says why
  const { first, last, bytes } = sampled;
  const wireBytes = (bytes * (wasm.gzip_size || wasm.size)) / wasm.size;
  const wireRate = wireBytes / Math.max((last - first) / 1000, 1e-3);
  return manifest.snapshot.size / wireRate < manifest.snapshot.saves_s;
}

// A snapshot already in this browser's HTTP cache (an earlier visit: its
// parts' URLs are content-hashed and served immutable) costs no download.
// Then it is chosen at once, before the other downloads start, and inflates
// while they are read, instead of after the wasm's first quarter has been
// judged. The probe reads nothing: its bodies are cancelled, and the
// download proper reads the same cache entries.
async function snapshotInCache(snapshot) {
  if (!snapshot) return false;
  const cached = async (part) => {
    try {
      const response = await fetch(new URL(part.path, ASSETS), { cache: "only-if-cached", mode: "same-origin" });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false; // not cached (or the mode is refused): judged by the connection
    }
  };
  return (await Promise.all(snapshot.parts.map(cached))).every(Boolean);
}

// The snapshot's memory: its parts download at once (each checked) and each
// inflates into its own stretch of one buffer as it arrives; then the wasm's
// data segments (its checked bytes, from `wasm()`) are XORed back in. The
// first part that fails stops the others: the plain start needs none of
// their bytes.
async function snapshotDownload(downloads, snapshot, wasm) {
  let memory;
  try {
    memory = new Uint8Array(snapshot.raw_size);
  } catch (error) {
    throw new EngineError("snapshot", `no room for the snapshot's ${snapshot.raw_size} bytes: ${describe(error)}`);
  }
  const stop = new AbortController();
  let offset = 0;
  const parts = snapshot.parts.map((part) => {
    const stretch = memory.subarray(offset, (offset += part.raw_size));
    const name = part.path.split("/").pop();
    const inflate = (response) =>
      gunzipInto(response, stretch).catch((error) => {
        throw new EngineError("snapshot", `${name}: ${describe(error)}`);
      });
    return downloads.getWhile(ASSETS, part, inflate, stop.signal);
  });
  try {
    await Promise.all(parts);
  } catch (error) {
    stop.abort(error);
    throw error;
  }
  const base = await wasm();
  try {
    return xorDataSegments(memory, base);
  } catch (error) {
    throw new EngineError("snapshot", `its base, the wasm's data, could not be read: ${describe(error)}`);
  }
}

// Pyodide fetches pyodide.asm.wasm, the standard library and its lock file
// itself; while it starts, those URLs are answered with the bytes already
// checked here, and the wasm is instantiated from the module compiled while
// it downloaded (Pyodide passes the response of its wasm fetch to
// WebAssembly.instantiateStreaming; that one response is marked, any other
// goes through unchanged). pyodide.mjs and pyodide.asm.mjs are JavaScript
// modules, which only import() can run: a worker has no import maps, and the
// content security policy forbids blob: scripts. They are fetched and checked
// first and then imported from the same URL, which the HTTP cache answers
// (the files are served as immutable). What cannot be checked with the pinned
// Pyodide 314.0.7: a server that answers the import with other bytes than the
// fetch just before it.
const COMPILED = Symbol("compiled wasm");

function serveChecked(files, wasmURL, compiled) {
  const originalFetch = self.fetch;
  const originalInstantiate = WebAssembly.instantiateStreaming;
  self.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), self.location.href).href;
    const file = files.get(url);
    if (!file) return originalFetch(input, init);
    const response = new Response(file.bytes, { headers: { "content-type": file.type } });
    if (url === wasmURL) response[COMPILED] = true;
    return Promise.resolve(response);
  };
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const response = await source;
    if (!response?.[COMPILED]) return originalInstantiate.call(WebAssembly, response, imports);
    const module = await compiled;
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };
  return () => {
    self.fetch = originalFetch;
    WebAssembly.instantiateStreaming = originalInstantiate;
  };
}

// The standard-library zip is bundled trimmed to the modules the engine
// imports (build_scripts/bundle.py), and the snapshot is taken with all of
// them imported: started from it, Python reads nothing from the zip (its
// table of contents is in the snapshot's memory), and Pyodide only writes it
// to its file system. So a snapshot start hands Pyodide zeros of the zip's
// size and never downloads it (0.8 MB less before the first answer; the
// parity test answers hundreds of inputs that way). Only a plain start
// downloads it, and the wheel, which the snapshot holds installed too.
async function stdlibFor(manifest, got, snapshot) {
  return snapshot ? new Uint8Array(manifest.stdlib.size) : got.stdlib();
}

async function startFrom(loadPyodide, manifest, got, snapshot) {
  const indexURL = new URL(manifest.index, ASSETS).href;
  const stdLibURL = new URL(manifest.stdlib.path, ASSETS).href;
  const wasmURL = new URL(manifest.runtime["pyodide.asm.wasm"].path, ASSETS).href;
  const checked = new Map([
    [wasmURL, { bytes: got.wasm, type: "application/wasm" }],
    [new URL(manifest.runtime["pyodide-lock.json"].path, ASSETS).href, { bytes: got.lock, type: "application/json" }],
    [stdLibURL, { bytes: await stdlibFor(manifest, got, snapshot), type: "application/zip" }],
  ]);
  const restore = serveChecked(checked, wasmURL, got.compiled);
  let py;
  try {
    py = await startPyodide(loadPyodide, indexURL, {
      stdLibURL,
      ...(snapshot ? { _loadSnapshot: snapshot } : {}),
      stdout: (line) => console.log("[engine]", line),
      stderr: (line) => console.warn("[engine]", line),
    });
  } finally {
    restore();
  }
  if (!snapshot) {
    try {
      installWheel(py, await got.wheel());
    } catch (error) {
      throw new EngineError("install", `The engine wheel could not be unpacked: ${describe(error)}`);
    }
  }
  return { py, ...importEngine(py, manifest.engine, manifest.rules_version) };
}

// The wasm compiles while it downloads. A host that serves it with another
// content type than application/wasm refuses streaming compilation: then it
// compiles from the bytes once they are checked.
function compileWhileFetching(response) {
  return WebAssembly.compileStreaming(response).catch(() => null);
}

// Progress at most every PROGRESS_MS (and at the end): every chunk would be
// a message and a repaint on the page's main thread, hundreds a second. A
// report held back is sent when its interval is up, so that the bar never
// stays behind the bytes when the next ones are slow to come; none is sent
// once the start has ended, either way.
function progressReports(post) {
  let shown = 0;
  let held = 0;
  let ended = false;
  const report = (loaded, total) => {
    clearTimeout(held);
    shown = performance.now();
    post({ type: "progress", loaded, total });
  };
  return {
    onProgress(loaded, total) {
      if (ended) return;
      const wait = shown + PROGRESS_MS - performance.now();
      if (wait <= 0 || loaded >= total) report(loaded, total);
      else {
        clearTimeout(held);
        held = setTimeout(() => report(loaded, total), wait);
      }
    },
    end() {
      ended = true;
      clearTimeout(held);
    },
  };
}

async function startEngine(post, fresh) {
  const progress = progressReports(post);
  try {
    return await startWith(progress.onProgress, fresh);
  } finally {
    progress.end();
  }
}

async function startWith(onProgress, fresh) {
  const t0 = performance.now();
  const manifest = await readManifest();
  const downloads = new Downloads({ stallMs: manifest.stall_timeout_ms || 15_000, onProgress });
  const get = (file) => downloads.get(ASSETS, file);
  const rt = manifest.runtime;
  if (fresh) forgetStored(manifest.snapshot); // not awaited: storage that hangs must not hold the retry
  const stored = fresh ? null : await storedSnapshot(manifest.snapshot);
  const cachedSnapshot = !stored && (await snapshotInCache(manifest.snapshot));
  // Where the snapshot comes from, once chosen: "stored", "cached" or "downloaded".
  let from = stored ? "stored" : cachedSnapshot ? "cached" : "downloaded";
  let snapshot = null;
  // The wasm's checked bytes, once its download (started below) has them:
  // a downloaded snapshot is the memory less the wasm's data.
  const wasmBytes = () => pending.wasm;
  // A stored copy that cannot be read or fails its check is deleted; then
  // as if it had never been stored: the parts from the HTTP cache, or from
  // the network if they are worth it on this connection.
  const storedFailed = async (error) => {
    console.warn("[engine] the stored snapshot was not used:", describe(error));
    forgetStored(manifest.snapshot);
    const inCache = await snapshotInCache(manifest.snapshot);
    from = inCache ? "cached" : "downloaded";
    if (!inCache && !(await snapshotWorthIt(manifest, downloads, pending.wasm).catch(() => false))) {
      throw new EngineError("snapshot", "the stored copy was damaged, and the parts are not worth their download on this connection");
    }
    return snapshotDownload(downloads, manifest.snapshot, wasmBytes);
  };
  if (stored) {
    snapshot = readStored(stored, manifest.snapshot).catch(storedFailed);
  } else if (cachedSnapshot) snapshot = snapshotDownload(downloads, manifest.snapshot, wasmBytes);
  const wasm = downloads.getWhile(ASSETS, rt["pyodide.asm.wasm"], compileWhileFetching);
  const pending = {
    mjs: get(rt["pyodide.mjs"]),
    asm: get(rt["pyodide.asm.mjs"]),
    wasm: wasm.then(({ bytes }) => bytes),
    lock: get(rt["pyodide-lock.json"]),
  };
  for (const promise of Object.values(pending)) promise.catch(() => {}); // awaited below
  // What only a plain start needs (see stdlibFor), downloaded once asked for.
  const onDemand = (file) => {
    let download = null;
    return () => (download ??= get(file));
  };
  const plainOnly = { stdlib: onDemand(manifest.stdlib), wheel: onDemand(manifest.engine) };
  // (A stored or cached snapshot is not judged: no await between its start and the catch below.)
  const useSnapshot = Boolean(snapshot) || (await snapshotWorthIt(manifest, downloads, pending.wasm).catch(() => false));
  snapshot ??= useSnapshot ? snapshotDownload(downloads, manifest.snapshot, wasmBytes) : null;
  snapshot?.catch(() => {}); // awaited below
  if (!useSnapshot) for (const start of Object.values(plainOnly)) start().catch(() => {}); // awaited when used

  // pyodide.asm.mjs (1.2 MB of JavaScript) is imported once its bytes are
  // checked, so that it compiles while the wasm and the snapshot arrive;
  // loadPyodide imports the same URL and gets this module.
  const asmURL = new URL(rt["pyodide.asm.mjs"].path, ASSETS).href;
  const asmImported = pending.asm.then(() => import(asmURL));
  asmImported.catch(() => {}); // loadPyodide's own import reports a failure

  await pending.mjs;
  let module;
  try {
    module = await import(new URL(rt["pyodide.mjs"].path, ASSETS).href);
  } catch (error) {
    throw new EngineError("runtime", `The Python runtime (pyodide.mjs) could not be loaded: ${describe(error)}`);
  }
  const got = { ...plainOnly };
  [, got.wasm, got.lock] = await Promise.all([pending.asm, pending.wasm, pending.lock]);
  await asmImported.catch(() => {});
  // Compiled from the checked bytes when streaming compilation was refused.
  got.compiled = wasm.then(({ work }) => work ?? WebAssembly.compile(got.wasm));
  got.compiled.catch(() => {}); // instantiation reports it

  let engine = null;
  let fallback = useSnapshot
    ? ""
    : (manifest.snapshotProblem ?? (manifest.snapshot ? "the snapshot was not worth its download on this connection" : "the site has no snapshot"));
  if (useSnapshot) {
    try {
      let memory = await snapshot;
      if (from === "stored") {
        // Started while the copy is checked; a copy that fails the check
        // gives way to the parts, whatever its start did.
        const checked = storedCheck(memory, manifest.snapshot);
        const first = await startFrom(module.loadPyodide, manifest, got, memory).then((value) => ({ value }), (error) => ({ error }));
        const problem = await checked.then(() => null, (error) => error);
        if (!problem && first.error) throw first.error;
        if (!problem) engine = first.value;
        else memory = await storedFailed(problem);
      }
      engine ??= await startFrom(module.loadPyodide, manifest, got, memory);
      // Kept for the next visit once this one is answering (after the ready message).
      if (from !== "stored") setTimeout(() => storeSnapshot(manifest.snapshot, memory), 0);
    } catch (error) {
      if (error?.stage === "stalled") throw error;
      fallback = `the snapshot could not be used (${describe(error)})`;
      console.warn("[engine] starting without the snapshot:", fallback);
    }
  }
  engine ??= await startFrom(module.loadPyodide, manifest, got, null);
  downloads.stop();
  // Other builds' stored copies go, whichever way this start went (a copy
  // that failed its check is gone already; one whose start failed for some
  // other reason is still good and stays).
  if (fallback || from === "stored") setTimeout(() => pruneStored(manifest.snapshot), 0);
  // How it started: "snapshot" (stored, cached or downloaded) or "plain" (and why).
  const how = fallback ? { start: "plain", snapshot: "" } : { start: "snapshot", snapshot: from };
  return { ...engine, ...how, manifest, fallback, seconds: (performance.now() - t0) / 1000 };
}

// Once ready, the worker answers the practice requests (the default inputs
// and the presets, from the engine: calculator/worker_support.py) in its
// idle time, one per task, so that a reader's request never waits behind more
// than one. The optimizing compiler then has the interpreter's hot code ready
// before the reader's first edits.
const PRACTICE_ANSWERS = 40;

function practise({ py, manifest, answer }) {
  let requests;
  try {
    requests = JSON.parse(py.pyimport(manifest.engine.support).practice_requests());
  } catch (error) {
    console.warn("[engine] no practice:", describe(error));
    return;
  }
  let left = requests.length ? PRACTICE_ANSWERS : 0;
  const step = () => {
    if (left <= 0) return;
    left -= 1;
    try {
      answer(requests[left % requests.length]);
    } catch (error) {
      console.warn("[engine] practice stopped:", describe(error));
      return;
    }
    setTimeout(step, 0);
  };
  setTimeout(step, 0);
}

let engine = null; // the start-up promise, made on the first message

function start(fresh = false) {
  if (engine) return engine;
  postMessage({ type: "status", status: "loading", message: "Loading the Python engine…" });
  engine = startEngine(postMessage, fresh);
  engine.then(practise, () => {});
  engine.then(
    ({ py, info, manifest, start, snapshot, fallback, seconds }) =>
      postMessage({
        type: "status",
        status: "ready",
        message: `Python engine ready (Pyodide ${py.version}, rules ${info.rules_version}) in ${seconds.toFixed(1)} s`,
        start,
        fallback,
        snapshot,
        pyodide_version: py.version,
        rules_version: info.rules_version,
        engine: manifest.engine.path,
      }),
    (error) => postMessage({ type: "status", status: "error", message: describe(error), stage: error?.stage ?? "unknown" }),
  );
  return engine;
}

function onMessage({ data }) {
  if (!data || typeof data !== "object") return;
  if (data.type === "warm") {
    start(data.fresh === true).catch(() => {}); // reported by a status message
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
      if (typeof response !== "string") postMessage({ type: "answer", id, error: "The engine returned no text" });
      else postMessage({ type: "answer", id, response });
    },
    (error) => postMessage({ type: "answer", id, error: `No engine: ${describe(error)}` }),
  );
}

self.addEventListener("message", onMessage);
