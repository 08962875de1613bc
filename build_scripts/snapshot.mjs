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

import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { importEngine, installWheel, startPyodide, warmUp } from "../docs/javascripts/engine-start.mjs";

function fail(message) {
  process.stderr.write(`snapshot: ${message}\n`);
  process.exit(1);
}

async function main() {
  const [mode, engineJson, pyodideDir, wheelPath, stdlibPath, out] = process.argv.slice(2);
  if (!["modules", "snapshot"].includes(mode) || !stdlibPath || (mode === "snapshot" && !out)) {
    fail("usage: node build_scripts/snapshot.mjs modules|snapshot ENGINE_JSON PYODIDE_DIR WHEEL STDLIB_ZIP [OUT]");
  }
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
