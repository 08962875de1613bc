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

import { importEngine, installWheel, startPyodide, warmUp } from "../docs/javascripts/engine-start.mjs";

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
  await writeFile(out, py.makeMemorySnapshot());
}

main().then(
  () => process.exit(0),
  (error) => fail(String(error?.stack ?? error)),
);
