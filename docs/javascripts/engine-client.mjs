// The page's side of the engine: one worker per browser tab, kept across
// instant navigation, asked with strings and answering with strings.
//
//   engine.start()           start loading (no-op once started)
//   engine.ask(requestJson)  -> Promise<responseJson>
//   engine.retry()           after a failed start: a new worker, a new try
//   engine.listen(fn)        fn(state, detail) on every change; one listener
//
// state is "idle" | "loading" | "ready" | "error"; detail carries the
// worker's message, and while loading the bytes downloaded of the total.

const WORKER_URL = new URL("./engine-worker.mjs", import.meta.url);
// The worker watches its downloads for stalls; this catches a worker that
// falls silent altogether (no message at all for this long while loading).
const SILENCE_MS = 120_000;

// The page's search worker builds its index once the engine has settled
// (javascripts/search-worker.js): say so on this channel, and again whenever
// that worker asks; and say when the reader opens the search before.
const CHANNEL = "bvb-engine";

class EngineClient {
  constructor() {
    this.worker = null;
    this.state = "idle";
    this.detail = {};
    this.nextId = 1;
    this.pending = new Map();
    this.listener = null;
    this.silence = null;
    this.settled = false;
    this.searchOpened = false;
    this.channel = null;
  }

  // Opened with the engine (on the calculator page). A reader who opens the
  // search before the engine has settled gets the index at once; both are
  // said again when the search worker asks (it may start after them). The
  // channel reaches every tab of the site, so it stays open: another tab's
  // search worker saying it has its index says nothing of this page's.
  _openChannel() {
    if (this.channel || typeof BroadcastChannel !== "function") return;
    const channel = (this.channel = new BroadcastChannel(CHANNEL));
    channel.onmessage = ({ data }) => {
      if (data?.type === "search-waiting") this._announce();
    };
    const opened = (target) => target instanceof Element && target.matches(".md-search__input");
    this.searchOpened = opened(document.activeElement);
    document.addEventListener("focusin", ({ target }) => {
      if (this.searchOpened || !opened(target)) return;
      this.searchOpened = true;
      this._announce();
    });
  }

  _announce() {
    try {
      if (this.settled) this.channel?.postMessage({ type: "engine-settled" });
      else if (this.searchOpened) this.channel?.postMessage({ type: "search-opened" });
    } catch {
      // the channel is closed (the page is going away): nobody to tell
    }
  }

  listen(fn) {
    this.listener = fn;
  }

  _set(state, detail = {}) {
    this.state = state;
    this.detail = detail;
    if ((state === "ready" || state === "error") && !this.settled) {
      this.settled = true;
      this._announce();
    }
    if (state === "error") {
      for (const { reject } of this.pending.values()) reject(new Error(detail.message));
      this.pending.clear();
    }
    this._watchSilence();
    this.listener?.(state, detail);
  }

  _watchSilence() {
    clearTimeout(this.silence);
    if (this.state !== "loading") return;
    this.silence = setTimeout(
      () => this._set("error", { message: `The engine gave no sign of life for ${SILENCE_MS / 1000} s.` }),
      SILENCE_MS,
    );
  }

  _onMessage(message) {
    if (message.type === "progress") {
      if (this.state !== "loading") return;
      this.detail = { ...this.detail, loaded: message.loaded, total: message.total };
      this._watchSilence();
      this.listener?.(this.state, this.detail);
    } else if (message.type === "status") {
      if (this.state !== "error") this._set(message.status, message);
    } else if (message.type === "answer") {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (!waiter) return;
      if (typeof message.response === "string") waiter.resolve(message.response);
      else waiter.reject(new Error(message.error || "the engine gave no answer"));
    }
  }

  start({ fresh = false } = {}) {
    if (this.worker) return;
    this._openChannel();
    this._set("loading", { message: "Loading the engine…" });
    // The calculator page starts the worker before its scripts load
    // (overrides/main.html) and keeps what it said meanwhile.
    const early = window.bvbEngineWorker;
    let worker = early?.worker;
    if (!worker) {
      try {
        worker = new Worker(WORKER_URL, { type: "module" });
      } catch (error) {
        this.worker = { postMessage() {}, terminate() {} };
        this._set("error", { message: `This browser cannot start the engine's worker (${error.message}).` });
        return;
      }
    }
    this.worker = worker;
    window.bvbEngineWorker = null; // adopted: what it said is replayed below
    const failed = (message) => this.worker === worker && this._set("error", { message: `The engine's worker failed: ${message || "it could not be loaded"}.` });
    worker.onmessage = (event) => this.worker === worker && this._onMessage(event.data || {});
    worker.onerror = (event) => failed(event.message);
    // A retry starts afresh: the worker drops the snapshot it stored on an
    // earlier visit, in case that copy is what made the last start fail.
    if (!early) worker.postMessage({ type: "warm", fresh });
    // What the worker said meanwhile, in order; of its progress reports only
    // the latest counts.
    const said = early?.messages ?? [];
    const lastProgress = said.findLastIndex((message) => message?.type === "progress");
    said.forEach((message, i) => (message?.type !== "progress" || i === lastProgress) && this._onMessage(message || {}));
    if (early?.failed) failed(early.failed);
  }

  retry() {
    this.worker?.terminate();
    this.worker = null;
    this.state = "idle";
    this.start({ fresh: true });
  }

  ask(requestJson) {
    this.start();
    if (this.state === "error") return Promise.reject(new Error(this.detail.message));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: "answer", id, request: requestJson });
    });
  }
}

export const engine = new EngineClient();
