// Material's search worker, as the calculator page starts it: the same
// worker (its URL is this script's `worker` parameter), but it builds its
// index only once the page's engine has started or failed, or as soon as the
// reader opens the search, whichever comes first.
//
// Why: the page starts the engine's worker at once, and on a 2-core machine
// the search index's build (about 0.3 s of a third thread's time) competed
// with it and with the page's own start. A returning visitor's engine was
// ready 0.12 s sooner without it (benchmarks, interleaved runs).
//
// How: Material's first message to its worker is the setup, with the whole
// index; it is held back here, and handed on (re-dispatched to Material's
// own listener) when the page says on the "bvb-engine" BroadcastChannel that
// its engine has settled or that the reader opened the search
// (engine-client.mjs), or after WAIT_MS in case the page never says.
// (Material sends no query before its worker has answered the setup.) This is a classic worker, as Material
// starts it; its listener is added before Material's script is imported.
"use strict";

(() => {
  const CHANNEL = "bvb-engine";
  const WAIT_MS = 30_000;
  const real = new URL(new URL(self.location.href).searchParams.get("worker") || "", self.location.href);
  if (real.origin !== self.location.origin || !real.pathname.endsWith(".js")) {
    throw new Error(`search-worker.js: not a search worker of this site: ${real.href}`);
  }
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;
  let held = []; // null once handed on
  let timer = 0;

  const release = (reason) => {
    if (!held) return;
    const messages = held;
    held = null;
    clearTimeout(timer);
    if (channel) {
      channel.postMessage({ type: "search-released", reason });
      channel.close();
    }
    for (const data of messages) self.dispatchEvent(new MessageEvent("message", { data }));
  };

  self.addEventListener("message", (event) => {
    if (!held || !event.isTrusted) return; // handed on, or one of ours: Material's listener takes it
    event.stopImmediatePropagation();
    held.push(event.data);
  });
  if (!channel) {
    held = null; // nothing could say when: Material's worker as it is
  } else {
    channel.onmessage = ({ data }) => {
      if (data?.type === "engine-settled") release("engine");
      else if (data?.type === "search-opened") release("search");
    };
    channel.postMessage({ type: "search-waiting" }); // a page whose engine has settled already says so again
  }
  if (held) timer = setTimeout(() => release("timeout"), WAIT_MS);

  importScripts(real.href);
})();
