// Run the engine's wheel in Pyodide under Node, for tests/test_pyodide_parity.py.
//
//   node tests/node/parity.mjs WHEEL INPUTS_JSON
//
// INPUTS_JSON is {"sha256": "<hex>", "evaluate": ["<json>", ...], "answer": ["<request json>", ...]}.
// Loads Pyodide from node_modules/pyodide (no network), checks the wheel's
// sha256, unpacks and imports it with the browser worker's own helpers
// (docs/javascripts/engine-worker.mjs), then prints one JSON object:
//   {"pyodide": "...", "python": "...", "engine": {...},
//    "evaluate": [calculator.evaluate_json(x), ...], "answer": [calculator.page.answer(r), ...]}
// A failure prints "parity: <message>" on stderr and exits with status 1.

import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { importEngine, installWheel, startPyodide, verifyWheel } from "../../docs/javascripts/engine-worker.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYODIDE_DIR = path.join(ROOT, "node_modules", "pyodide") + path.sep;

function fail(message) {
  process.stderr.write(`parity: ${message}\n`);
  process.exit(1);
}

async function main() {
  const [wheelPath, inputsPath] = process.argv.slice(2);
  if (!wheelPath || !inputsPath) fail("usage: node tests/node/parity.mjs WHEEL INPUTS_JSON");
  if (!existsSync(path.join(PYODIDE_DIR, "pyodide.mjs"))) {
    fail(`Pyodide is not installed (${PYODIDE_DIR} has no pyodide.mjs): run \`npm ci\` in ${ROOT}`);
  }
  const inputs = JSON.parse(await readFile(inputsPath, "utf8"));

  const { loadPyodide } = await import(pathToFileURL(path.join(PYODIDE_DIR, "pyodide.mjs")).href);
  const log = (line) => process.stderr.write(`[pyodide] ${line}\n`);
  const py = await startPyodide(loadPyodide, PYODIDE_DIR, { stdout: log, stderr: log });

  // Uint8Array, not a Buffer: unpackArchive refuses a Buffer.
  const bytes = new Uint8Array(await readFile(wheelPath));
  await verifyWheel(bytes, inputs.sha256, path.basename(wheelPath));
  installWheel(py, bytes);
  const { answer, info } = importEngine(py, null);
  const evaluateJson = py.pyimport("calculator").evaluate_json;

  const run = (fn, text) => {
    try {
      return fn(text);
    } catch (error) {
      return { python_error: String(error?.message ?? error) };
    }
  };
  const out = {
    pyodide: py.version,
    python: py.runPython("import sys; sys.version.split()[0]"),
    engine: info,
    evaluate: inputs.evaluate.map((text) => run(evaluateJson, text)),
    answer: inputs.answer.map((text) => run(answer, text)),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((error) => fail(String(error?.stack ?? error)));
