// Build-time helper for build_scripts/bundle.py: run the engine in Pyodide
// under Node (no network) and either list the standard-library files it
// imports, or take a memory snapshot with the engine imported and warm.
//
//   node build_scripts/snapshot.mjs modules  ENGINE_JSON PYODIDE_DIR WHEEL STDLIB_ZIP
//   node build_scripts/snapshot.mjs snapshot ENGINE_JSON PYODIDE_DIR WHEEL STDLIB_ZIP OUT
//
// ENGINE_JSON is the manifest's engine entry ({"module", "support",
// "distribution"}). "modules" prints the support module's stdlib_files()
// JSON; "snapshot" writes the raw snapshot to OUT. The snapshot must be taken
// with the very standard-library zip the page will load (zipimport keeps the
// archive's table of contents in memory), so bundle.py trims the zip first
// and then asks for the snapshot with the trimmed one.
// A failure prints "snapshot: <message>" on stderr and exits with status 1.

import nodeCrypto from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { importEngine, installWheel, sha256Hex, startPyodide, warmUp, xorDataSegments } from "../docs/javascripts/engine-start.mjs";

function fail(message) {
  process.stderr.write(`snapshot: ${message}\n`);
  process.exit(1);
}

// A memory snapshot holds whatever the runtime had read from the clock and
// the random source, and the program's path: file times in the in-memory file system, the random
// module's state, the hash secret. For the same inputs to give the same
// bytes on any day and any machine, the build gives the runtime a fixed
// clock and a seeded random source. (The page that starts from the snapshot
// runs the engine only; nothing in it relies on these being unpredictable.)
function makeDeterministic() {
  // The runtime keeps its program name (this script's path) in memory: not
  // the checkout's path, which differs between machines.
  process.argv[1] = "snapshot.mjs";
  const epoch = Number(process.env.SOURCE_DATE_EPOCH || 315532800) * 1000;
  let ticks = 0;
  Date.now = () => epoch + ticks;
  performance.now = () => (ticks += 1);
  let state = 0x9e3779b9;
  const next = () => {
    // xorshift32: any fixed sequence will do.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const fill = (array) => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = next() & 0xff;
    return array;
  };
  // Pyodide under Node reads node:crypto's randomFillSync; browsers' code
  // paths read crypto.getRandomValues.
  crypto.getRandomValues = fill;
  nodeCrypto.randomFillSync = fill;
}

// Memory that was used and freed keeps what it last held: the standard
// library's compiled modules read while importing, the first answers'
// work. A snapshot copies it all, and gzip has to carry those stale bytes
// (about a sixth of the compressed snapshot). Zeroed, they cost nothing:
// Python's garbage is collected; what lies past the allocator's break is
// never handed out without being set first; and the allocator's free blocks
// are taken with calloc (which clears them) in ever smaller sizes, each size
// until the allocator would have to extend its heap for it, then all given
// back. A margin past the break keeps the memory from growing: its size,
// and so the snapshot's, stays what it was.
const GROWTH_MARGIN = 1 << 18;

function zeroFreeMemory(py) {
  py.runPython("import gc; gc.collect()");
  const m = py._module;
  const size = m.HEAPU8.length;
  const brk = () => m._sbrk(0) >>> 0;
  const held = [];
  for (let block = 1 << 22; block >= 16; block >>= 1) {
    while (block + GROWTH_MARGIN <= m.HEAPU8.length - brk()) {
      const before = brk();
      const at = m._calloc(block, 1) >>> 0;
      if (!at) break;
      if (at + block > before) {
        m._free(at); // carved from a heap extension, not from freed memory
        break;
      }
      held.push(at);
    }
  }
  for (const at of held) m._free(at);
  m.HEAPU8.fill(0, brk());
  if (m.HEAPU8.length !== size) throw new Error(`zeroing the free memory grew it from ${size} to ${m.HEAPU8.length} bytes`);
}

async function main() {
  const [mode, engineJson, pyodideDir, wheelPath, stdlibPath, out] = process.argv.slice(2);
  if (!["modules", "snapshot"].includes(mode) || !stdlibPath || (mode === "snapshot" && !out)) {
    fail("usage: node build_scripts/snapshot.mjs modules|snapshot ENGINE_JSON PYODIDE_DIR WHEEL STDLIB_ZIP [OUT]");
  }
  if (mode === "snapshot") makeDeterministic();
  const engine = JSON.parse(engineJson);
  const indexURL = path.resolve(pyodideDir) + path.sep;
  const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);
  const quiet = () => {};
  const py = await startPyodide(loadPyodide, indexURL, {
    stdLibURL: path.resolve(stdlibPath),
    _makeSnapshot: mode === "snapshot",
    stdout: quiet,
    stderr: (line) => process.stderr.write(`[pyodide] ${line}\n`),
  });
  installWheel(py, new Uint8Array(await readFile(wheelPath)));
  importEngine(py, engine);
  warmUp(py, engine);
  if (mode === "modules") {
    process.stdout.write(py.pyimport(engine.support).stdlib_files() + "\n");
    return;
  }
  zeroFreeMemory(py);
  const snapshot = py.makeMemorySnapshot();
  const rawSha256 = await sha256Hex(snapshot);
  xorDataSegments(snapshot, new Uint8Array(await readFile(path.join(indexURL, "pyodide.asm.wasm"))));
  await writeFile(out, snapshot);
  process.stdout.write(JSON.stringify({ raw_sha256: rawSha256 }) + "\n");
}

main().then(
  () => process.exit(0),
  (error) => fail(String(error?.stack ?? error)),
);
