// Downloads for the engine's worker: every file checked against the
// manifest's sha256 before anything uses it, with progress and a stall watch.
//
// A download reports its bytes as they arrive (progress: bytes of total), and
// the whole batch fails when no byte has arrived for `stallMs` while any
// download is still open: a slow network keeps going, a dead one stops. The
// time the worker spends compiling or starting Python is not a download and
// never counts.

import { EngineError, describe, sha256Hex } from "./engine-start.mjs";

export class Downloads {
  constructor({ stallMs, onProgress }) {
    this.stallMs = stallMs;
    this.onProgress = onProgress;
    this.total = 0; // bytes expected, summed over the files asked for
    this.loaded = 0;
    this.open = 0;
    this.lastByte = 0;
    this.aborter = new AbortController();
    this.failure = new Promise((_, reject) => (this.fail = reject));
    this.failure.catch(() => {});
    this.timer = null;
    this.timings = new Map();
    this.waiting = new Map(); // path -> [{count, resolve}], see arrived()
    this.ended = new Set(); // paths whose download has ended, either way
  }

  // When a file's first and latest bytes arrived (performance.now()), and
  // how many bytes so far.
  timing(file) {
    return this.timings.get(file.path);
  }

  // Resolves once `count` bytes of `file` have arrived, or once its download
  // has ended either way (its own promise then says how).
  arrived(file, count) {
    if (this.ended.has(file.path) || this.timings.get(file.path)?.bytes >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const waiting = this.waiting.get(file.path) ?? [];
      waiting.push({ count, resolve });
      this.waiting.set(file.path, waiting);
    });
  }

  _wake(path, bytes) {
    const waiting = this.waiting.get(path) ?? [];
    const still = waiting.filter((waiter) => bytes < waiter.count);
    for (const waiter of waiting) if (bytes >= waiter.count) waiter.resolve();
    if (still.length) this.waiting.set(path, still);
    else this.waiting.delete(path);
  }

  _tick(bytes) {
    this.lastByte = performance.now();
    if (bytes) {
      this.loaded += bytes;
      this.onProgress?.(this.loaded, this.total);
    }
  }

  _watch() {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.open === 0 || performance.now() - this.lastByte < this.stallMs) return;
      const mb = (n) => (n / 1e6).toFixed(1);
      const error = new EngineError(
        "stalled",
        `The download stalled: no data for ${Math.round(this.stallMs / 1000)} s ` +
          `(${mb(this.loaded)} of ${mb(this.total)} MB arrived). Check the connection and try again.`,
      );
      this.stop();
      this.aborter.abort(error);
      this.fail(error);
    }, Math.min(1000, this.stallMs / 4));
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  // The file's bytes, checked against `file.sha256`. `file` is a manifest
  // entry: {path, sha256, size}; `base` the URL its path is relative to.
  get(base, file) {
    return this.getWhile(base, file, null).then(({ bytes }) => bytes);
  }

  // The same, while `work(response)` reads a copy of the response as it
  // arrives (compiling the wasm, inflating the snapshot), so that the work is
  // done when the last byte is: {bytes, work} once both have finished. The
  // work must not use what it made before `bytes` is there, that is, checked.
  // `signal` (optional) stops this download alone.
  getWhile(base, file, work, signal = null) {
    this.total += file.size;
    this.open += 1;
    this._tick(0);
    this._watch();
    const url = new URL(file.path, base);
    const done = this._read(url, file, work, signal).finally(() => {
      this.open -= 1;
      this._tick(0);
      this.ended.add(file.path);
      this._wake(file.path, Infinity);
    });
    return Promise.race([done, this.failure]);
  }

  async _read(url, file, work, own) {
    const name = url.pathname.split("/").pop();
    // (A browser without AbortSignal.any cannot stop one download alone.)
    const signal = own && AbortSignal.any ? AbortSignal.any([this.aborter.signal, own]) : this.aborter.signal;
    let response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new EngineError("fetch", `${name} could not be fetched from ${url}: ${describe(error)}`);
    }
    if (!response.ok) throw new EngineError("fetch", `${name} is missing: HTTP ${response.status} for ${url}`);
    const alongside = work ? Promise.resolve(work(response.clone())) : null;
    alongside?.catch(() => {}); // awaited below, once the bytes are checked
    return { bytes: await this._check(response, url, file, name, signal), work: await alongside };
  }

  async _check(response, url, file, name, signal) {
    const bytes = new Uint8Array(file.size);
    const timing = { first: null, last: null, bytes: 0 };
    this.timings.set(file.path, timing);
    let at = 0;
    const reader = response.body.getReader();
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw new EngineError("fetch", `${name}: the download broke off: ${describe(error)}`);
      }
      if (chunk.done) break;
      if (at + chunk.value.length > bytes.length) {
        await reader.cancel();
        throw new EngineError("sha256", `${name} is larger than the manifest says (${file.size} bytes): not the file this site was built with`);
      }
      bytes.set(chunk.value, at);
      at += chunk.value.length;
      this._tick(chunk.value.length);
      timing.first ??= this.lastByte;
      timing.last = this.lastByte;
      timing.bytes = at;
      this._wake(file.path, at);
    }
    const got = at === bytes.length ? await sha256Hex(bytes) : `${at} bytes`;
    if (got !== file.sha256) {
      throw new EngineError("sha256", `${name} does not match the site's manifest (sha256 expected ${file.sha256}, got ${got}): it was changed or damaged on the way`);
    }
    return bytes;
  }
}

// The snapshot's parts are stored gzip-compressed as files (served as they
// are, never compressed again), so the worker inflates each, as it arrives,
// into its stretch of the snapshot's memory: `target`, which the part must
// fill exactly.
export async function gunzipInto(response, target) {
  const reader = response.body.pipeThrough(new DecompressionStream("gzip")).getReader();
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > target.length) {
      await reader.cancel();
      throw new Error(`it inflates to more than the ${target.length} bytes the manifest says`);
    }
    target.set(value, at);
    at += value.length;
  }
  if (at !== target.length) throw new Error(`it inflates to ${at} bytes, not the ${target.length} the manifest says`);
  return target;
}
