// Starting the engine in Pyodide: the steps the browser worker, the parity
// test (tests/node/parity.mjs) and the snapshot build
// (build_scripts/snapshot.mjs) share. Nothing here fetches: callers hand in
// bytes they have checked.
//
// `engine` is the manifest's description of the engine (written by
// build_scripts/bundle.py): {module, support, distribution, ...}; no package
// name is written here.

export class EngineError extends Error {
  constructor(stage, message) {
    super(message);
    this.name = "EngineError";
    this.stage = stage;
  }
}

export const describe = (error) => String(error?.message ?? error);

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// pyodide.mjs does not reject when pyodide.asm.wasm cannot be compiled or
// instantiated: it console.warn()s "wasm instantiation failed!", then the
// error, and loadPyodide() never settles. Turn that into a rejection.
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

// loadPyodide with every file from indexURL: nothing may come from a CDN.
// Pyodide keeps its options after the start (as its private API's config),
// a snapshot's memory among them, which it has copied into its own by then:
// that reference is dropped, so the worker does not hold the memory twice.
export async function startPyodide(loadPyodide, indexURL, options = {}) {
  const watch = watchWasmFailure();
  try {
    const py = await Promise.race([loadPyodide({ indexURL, packageBaseUrl: indexURL, ...options }), watch.failed]);
    if (options._loadSnapshot && py._api?.config) delete py._api.config._loadSnapshot;
    return py;
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError("runtime", `The Python runtime failed to start: ${describe(error)}`);
  } finally {
    watch.restore();
  }
}

// Unpack a checked wheel into site-packages (unpackArchive's default is the
// working directory). Pyodide's unpacking already tells the import system
// about the new files.
export function installWheel(py, bytes) {
  const purelib = py.pyimport("site").getsitepackages().toJs()[0];
  py.unpackArchive(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), "wheel", { extractDir: purelib });
  return purelib;
}

function pythonError(error) {
  const lines = describe(error).trim().split("\n");
  return lines[lines.length - 1];
}

// Import the engine's page door and check it is the engine the manifest
// describes: imported from site-packages (the wheel, not a stray copy) and
// holding the rules the site was built with. Returns its answer().
export function importEngine(py, engine, rulesVersion = null) {
  let info;
  let answer;
  try {
    const support = py.pyimport(engine.support);
    info = JSON.parse(support.engine_info(engine.distribution));
    answer = py.pyimport(engine.module).answer;
  } catch (error) {
    throw new EngineError("import", `Python could not import the engine (${engine.module}): ${pythonError(error)}`);
  }
  if (!info.file.startsWith(info.purelib + "/")) {
    throw new EngineError("import", `the engine was imported from ${info.file}, not from the installed wheel`);
  }
  if (rulesVersion && info.rules_version !== rulesVersion) {
    throw new EngineError("import", `the engine holds rules ${info.rules_version}, the manifest says ${rulesVersion}`);
  }
  return { answer, info };
}

// Import everything an answer needs and answer once (the snapshot is taken
// after this, so that a restored engine has nothing left to compile).
export function warmUp(py, engine) {
  try {
    py.pyimport(engine.support).warm_up();
  } catch (error) {
    throw new EngineError("import", `The engine failed its first answers: ${pythonError(error)}`);
  }
}

// The snapshot's memory, less what the runtime's own wasm holds. A memory
// snapshot copies the whole of Pyodide's memory, and its first megabytes are
// the static data that pyodide.asm.wasm's data segments lay down when it is
// instantiated (1.5 MB gzip-compressed, in the wasm already downloaded). The
// build (build_scripts/snapshot.mjs) XORs those segments' bytes into the
// snapshot, so that the data the runtime never changed is zeros there and
// costs almost nothing compressed; the worker and the parity run XOR them
// out again. XOR is its own inverse: one function does both. The memory
// starts after the snapshot's header, whose length is its second word.
export function xorDataSegments(snapshot, wasm) {
  const header = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength).getUint32(4, true);
  const memory = snapshot.subarray(header);
  for (const { offset, bytes } of dataSegments(wasm)) {
    if (offset + bytes.length > memory.length) throw new Error(`a data segment of the wasm ends past the snapshot's memory (${offset + bytes.length} > ${memory.length})`);
    for (let i = 0; i < bytes.length; i += 1) memory[offset + i] ^= bytes[i];
  }
  return snapshot;
}

// The active data segments of a wasm module: [{offset, bytes}]. Pyodide's
// main module places each at a constant address (i32.const); any other form
// is refused, since its address would only be known at run time.
export function dataSegments(wasm) {
  const bytes = wasm instanceof Uint8Array ? wasm : new Uint8Array(wasm);
  let at = 8; // after the magic number and the version
  const uleb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return value;
      if (at >= bytes.length) throw new Error("the wasm ends inside a number");
    }
  };
  const sleb32 = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    return shift < 32 && byte & 0x40 ? value | (-1 << shift) : value;
  };
  const segments = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = uleb();
    const end = at + size;
    if (id !== 11) {
      at = end;
      continue;
    }
    const count = uleb();
    for (let n = 0; n < count; n += 1) {
      const flags = uleb();
      if (flags !== 0 || bytes[at] !== 0x41) throw new Error(`data segment ${n} of the wasm has no constant address (flags ${flags})`);
      at += 1;
      const offset = sleb32() >>> 0;
      if (bytes[at++] !== 0x0b) throw new Error(`data segment ${n} of the wasm has an address that is not a plain constant`);
      const length = uleb();
      segments.push({ offset, bytes: bytes.subarray(at, at + length) });
      at += length;
    }
    if (at !== end) throw new Error("the wasm's data section does not end where its size says");
  }
  return segments;
}
