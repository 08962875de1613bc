// Run the engine in Pyodide under Node, the way the browser worker does, for
// tests/test_pyodide_parity.py.
//
//   node tests/node/parity.mjs ASSETS_DIR INPUTS_JSON plain|snapshot
//
// ASSETS_DIR is a built site's assets/ (build_scripts/bundle.py). Every file
// the manifest names is read from there and checked against its sha256, as
// the worker does; then Pyodide (from node_modules/pyodide, no network) starts
// with the bundle's trimmed standard library, either the plain way (unpack the
// wheel, import) or from the bundle's memory snapshot, with the worker's own
// helpers. INPUTS_JSON is {"evaluate": ["<json>", ...], "answer": ["<request json>", ...]}.
// Prints one JSON object:
//   {"pyodide", "python", "start", "engine", "evaluate": [...], "answer": [...]}
// A failure prints "parity: <message>" on stderr and exits with status 1.

import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { importEngine, installWheel, sha256Hex, startPyodide, xorDataSegments } from "../../docs/javascripts/engine-start.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYODIDE_DIR = path.join(ROOT, "node_modules", "pyodide") + path.sep;

function fail(message) {
  process.stderr.write(`parity: ${message}\n`);
  process.exit(1);
}

async function checked(assets, file) {
  const bytes = new Uint8Array(await readFile(path.join(assets, file.path)));
  const got = await sha256Hex(bytes);
  if (got !== file.sha256) fail(`${file.path} does not match the manifest (sha256 expected ${file.sha256}, got ${got})`);
  return bytes;
}

// A snapshot part, checked and inflated to the size the manifest says.
async function inflated(assets, part) {
  const raw = gunzipSync(await checked(assets, part));
  if (raw.length !== part.raw_size) fail(`${part.path} inflates to ${raw.length} bytes, not the ${part.raw_size} the manifest says`);
  return raw;
}

async function main() {
  const [assets, inputsPath, mode] = process.argv.slice(2);
  if (!assets || !inputsPath || !["plain", "snapshot"].includes(mode)) {
    fail("usage: node tests/node/parity.mjs ASSETS_DIR INPUTS_JSON plain|snapshot");
  }
  if (!existsSync(path.join(PYODIDE_DIR, "pyodide.mjs"))) {
    fail(`Pyodide is not installed (${PYODIDE_DIR} has no pyodide.mjs): run \`npm ci\` in ${ROOT}`);
  }
  const manifest = JSON.parse(await readFile(path.join(assets, "engine", "manifest.json"), "utf8"));
  const inputs = JSON.parse(await readFile(inputsPath, "utf8"));
  await checked(assets, manifest.stdlib);
  const wheel = await checked(assets, manifest.engine);
  // The snapshot's parts, each checked and inflated, end to end, with its
  // base (the wasm's data segments) XORed back in, as the worker does.
  const snapshot =
    mode === "snapshot"
      ? xorDataSegments(
          new Uint8Array(Buffer.concat(await Promise.all(manifest.snapshot.parts.map((part) => inflated(assets, part))))),
          await checked(assets, manifest.runtime[manifest.snapshot.base]),
        )
      : null;
  // The whole memory matches the manifest's raw_sha256, which a returning
  // visitor's stored copy is checked against.
  if (snapshot) {
    const got = await sha256Hex(new Uint8Array(snapshot));
    if (got !== manifest.snapshot.raw_sha256) fail(`the snapshot's parts end to end, less their base, do not match the manifest's raw_sha256 (expected ${manifest.snapshot.raw_sha256}, got ${got})`);
  }

  // From a snapshot, the worker hands Pyodide zeros the size of the
  // standard-library zip instead of downloading it (engine-worker.mjs
  // stdlibFor): every module the zip holds was imported before the snapshot
  // was taken. The same here, so the answers below show it changes nothing.
  let stdLibURL = path.join(assets, manifest.stdlib.path);
  if (snapshot) {
    stdLibURL = path.join(await mkdtemp(path.join(tmpdir(), "parity-")), "python_stdlib.zip");
    await writeFile(stdLibURL, new Uint8Array(manifest.stdlib.size));
  }
  const { loadPyodide } = await import(pathToFileURL(path.join(PYODIDE_DIR, "pyodide.mjs")).href);
  const log = (line) => process.stderr.write(`[pyodide] ${line}\n`);
  const py = await startPyodide(loadPyodide, PYODIDE_DIR, {
    stdLibURL,
    ...(snapshot ? { _loadSnapshot: new Uint8Array(snapshot) } : {}),
    stdout: log,
    stderr: log,
  });
  if (!snapshot) installWheel(py, wheel);
  const { answer, info } = importEngine(py, manifest.engine, manifest.rules_version);
  const evaluateJson = py.pyimport(manifest.engine.module.split(".")[0]).evaluate_json;

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
    start: mode,
    // Whether Pyodide still holds the snapshot's input (startPyodide drops it).
    // (null: Pyodide no longer keeps its config there, and the check means nothing)
    snapshot_input_kept: py._api?.config ? "_loadSnapshot" in py._api.config : null,
    engine: info,
    evaluate: inputs.evaluate.map((text) => run(evaluateJson, text)),
    answer: inputs.answer.map((text) => run(answer, text)),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((error) => fail(String(error?.stack ?? error)));
