// The calculator page's glue: start the engine's worker, pass strings, render.
//
// No rule lives here and no input is parsed here. The worker runs the Python
// engine (calculator.page.answer), which returns everything the page shows:
// the result's HTML (escaped by the engine), the text for each form control,
// the canonical query for the address bar, the per-field errors and the
// Markdown decision record.

import { copyText, initCopyButtons, initExports, publicLink, publicPageUrl } from "./exports.mjs";

const WORKER_URL = new URL("./engine-worker.mjs", import.meta.url);
// The worker has its own timeout; this one catches a worker that never speaks.
const PAGE_WATCHDOG_MS = 120_000;

// ---------------------------------------------------------------------------
// The engine: one worker per browser tab, kept across instant navigation.

const engine = {
  worker: null,
  state: "idle", // idle | loading | ready | error
  message: "",
  nextId: 1,
  pending: new Map(),
  onState: null, // the calculator view on screen, if any
};

function setEngineState(state, message = "") {
  engine.state = state;
  engine.message = message;
  if (state === "error") {
    for (const { reject } of engine.pending.values()) reject(new Error(message));
    engine.pending.clear();
  }
  if (engine.onState) engine.onState(state, message);
}

function startEngine() {
  if (engine.worker) return engine;
  setEngineState("loading");
  try {
    engine.worker = new Worker(WORKER_URL, { type: "module" });
  } catch (error) {
    engine.worker = { postMessage() {} };
    setEngineState("error", `This browser cannot start the engine's worker (${error.message}).`);
    return engine;
  }
  engine.worker.addEventListener("message", (event) => {
    const message = event.data || {};
    if (message.type === "status") {
      if (engine.state !== "error") setEngineState(message.status, message.message || "");
    } else if (message.type === "answer") {
      const waiter = engine.pending.get(message.id);
      engine.pending.delete(message.id);
      if (!waiter) return;
      if (typeof message.response === "string") waiter.resolve(message.response);
      else waiter.reject(new Error(message.error || "the engine gave no answer"));
    }
  });
  engine.worker.addEventListener("error", (event) => {
    setEngineState("error", `The engine's worker failed: ${event.message || "it could not be loaded"}.`);
  });
  setTimeout(() => {
    if (engine.state === "loading") {
      setEngineState("error", "The engine did not start within two minutes.");
    }
  }, PAGE_WATCHDOG_MS);
  engine.worker.postMessage({ type: "warm" });
  return engine;
}

function ask(requestJson) {
  startEngine();
  if (engine.state === "error") return Promise.reject(new Error(engine.message));
  const id = engine.nextId++;
  return new Promise((resolve, reject) => {
    engine.pending.set(id, { resolve, reject });
    engine.worker.postMessage({ type: "answer", id, request: requestJson });
  });
}

// ---------------------------------------------------------------------------
// The calculator view, built afresh for each page load or instant navigation.

function initCalculator(root) {
  const form = root.querySelector("#bvb-form");
  const status = root.querySelector("#calculator-status");
  const result = root.querySelector("#calculator-result");
  const diagram = root.querySelector("#bvb-live-diagram");
  const copyMarkdown = root.querySelector("#bvb-copy-markdown");
  const copyLink = root.querySelector("#bvb-copy-link");
  const actionStatus = root.querySelector("#bvb-action-status");
  const pageUrl = publicPageUrl(); // the Markdown record links back to the public page
  // Set before first paint by overrides/main.html (layout only; the engine
  // still reads every input). Kept in the address the engine writes back.
  const embed = document.documentElement.classList.contains("bvb-embed");
  const pageQuery = (query) => query + (embed ? "&embed=1" : "");
  let latest = 0;
  let markdown = "";

  function say(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function formQuery() {
    const params = new URLSearchParams();
    for (const control of form.elements) {
      if (!control.name || control.closest(".bvb-presets")) continue;
      if (control.dataset.values) {
        // A form choice: its checked radio stands for several fields at once.
        if (control.checked) for (const [name, text] of Object.entries(JSON.parse(control.dataset.values))) params.append(name, text);
        continue;
      }
      params.append(control.name, control.type === "checkbox" ? String(control.checked) : control.value);
    }
    return pageQuery(params.toString());
  }

  function fillForm(texts) {
    for (const radio of form.querySelectorAll("input[data-values]")) {
      // Checked only when the engine's texts match all its values; none is
      // checked for answers no choice stands for.
      radio.checked = Object.entries(JSON.parse(radio.dataset.values)).every(([name, text]) => (texts || {})[name] === text);
    }
    for (const [name, text] of Object.entries(texts || {})) {
      const control = form.elements.namedItem(name);
      if (!control) continue;
      if (control.type === "checkbox") control.checked = text === "true";
      else control.value = text;
    }
  }

  function showFieldErrors(errors) {
    for (const box of form.querySelectorAll(".bvb-field")) {
      const name = box.dataset.field;
      const error = (errors || []).find((e) => e.field === name);
      const slot = box.querySelector(".bvb-field-error");
      const control = form.elements.namedItem(name);
      box.classList.toggle("is-invalid", Boolean(error));
      slot.hidden = !error;
      slot.textContent = error ? error.message : "";
      if (control) control.setAttribute("aria-invalid", error ? "true" : "false");
      if (error) box.closest("details")?.setAttribute("open", "");
    }
  }

  function highlight(path, leaf) {
    for (const el of diagram.querySelectorAll(".is-on-path, .is-answer")) {
      el.classList.remove("is-on-path", "is-answer");
    }
    for (const step of path || []) {
      diagram.querySelector(`[data-node="${step.node}"][data-kind="question"]`)?.classList.add("is-on-path");
      diagram.querySelector(`[data-from="${step.node}"][data-answer="${step.answer}"]`)?.classList.add("is-on-path");
    }
    if (leaf) diagram.querySelector(`[data-node="${leaf}"][data-kind="leaf"]`)?.classList.add("is-on-path", "is-answer");
    diagram.querySelector("svg")?.classList.toggle("has-path", Boolean(leaf));
  }

  function render(response, { fill }) {
    const answer = JSON.parse(response);
    form.inert = false;
    if (fill) fillForm(answer.form);
    showFieldErrors(answer.errors);
    // The address first: replaceState after the new HTML would force a layout.
    if (answer.status === "ready") {
      window.history.replaceState(window.history.state, "", `?${answer.query}${window.location.hash}`);
    }
    result.innerHTML = answer.html; // made and escaped by the engine
    result.setAttribute("aria-busy", "false");
    const ready = answer.status === "ready";
    result.dataset.status = ready ? "ready" : "error";
    result.dataset.recommendation = ready ? answer.recommendation : "";
    markdown = ready ? answer.markdown : "";
    copyMarkdown.disabled = copyLink.disabled = !ready;
    const notice = (answer.notices || []).map((text) => " " + text).join("");
    if (ready) {
      highlight(answer.path, answer.recommendation);
      say("ready", `Live answer for these inputs: ${answer.title}.${notice}`);
    } else {
      highlight([], null);
      const fields = (answer.errors || []).map((e) => e.field).join(", ");
      say("error", `No answer yet: fix the inputs marked below (${fields}).${notice}`);
    }
  }

  function compute(query, { fill = false, initial = false } = {}) {
    if (engine.state === "error") {
      onEngineState("error", engine.message);
      return;
    }
    const id = ++latest;
    copyMarkdown.disabled = copyLink.disabled = true;
    // Before the first live answer, the default inputs keep their build-time
    // answer (still correct); anything else is being computed.
    if (!(initial && !query)) {
      result.dataset.status = "loading";
      result.setAttribute("aria-busy", "true");
      say("loading", engine.state === "ready" ? "Computing…" : "Loading the engine to compute these inputs…");
    }
    ask(JSON.stringify({ query, page_url: pageUrl })).then(
      (response) => {
        // Ignore answers for a view that instant navigation has replaced, and
        // answers overtaken by a newer question.
        if (id === latest && root.isConnected) render(response, { fill });
      },
      (error) => {
        // A failed start-up is reported by the engine's state change; an
        // answer that failed on its own is reported here.
        if (id !== latest || !root.isConnected || engine.state === "error") return;
        result.dataset.status = "error";
        result.dataset.recommendation = "";
        result.setAttribute("aria-busy", "false");
        say("error", `The engine could not answer these inputs: ${error.message}`);
      },
    );
  }

  function onEngineState(state, message) {
    if (!root.isConnected) return;
    if (state === "error") {
      form.inert = false;
      result.dataset.status = "error";
      result.setAttribute("aria-busy", "false");
      result.dataset.recommendation = "";
      copyMarkdown.disabled = copyLink.disabled = true;
      const shown =
        result.querySelector(".bvb-result") && !result.querySelector(".bvb-result--error")
          ? " The answer below is the one worked out for the default inputs when the site was built, not a live answer for your inputs."
          : "";
      say("error", `The live engine could not load: ${message}${shown}`);
    } else if (state === "loading" && result.dataset.status === "prerendered") {
      say("loading", "Showing the answer for the default inputs, worked out when this site was built. Loading the live engine…");
    }
  }

  engine.onState = onEngineState;
  startEngine();
  onEngineState(engine.state, engine.message);

  // The address may hold a scenario: compute it, and fill the form from the
  // engine's reading of it. Until then the form is inert, so that an edit
  // cannot replace the shared scenario with the defaults. Without a
  // scenario, the live engine confirms the default answer.
  const initial = window.location.search.replace(/^\?/, "");
  if (initial && engine.state !== "error") form.inert = true;
  compute(initial, { fill: true, initial: true });

  const presets = [...root.querySelectorAll(".bvb-preset")];
  const presetNote = root.querySelector("#bvb-preset-description");
  function markPreset(active) {
    for (const button of presets) button.setAttribute("aria-pressed", String(button === active));
    presetNote.textContent = active ? active.dataset.description : "";
  }

  // "input" fires for text, checkboxes and selects alike: one answer per edit.
  form.addEventListener("input", (event) => {
    if (event.target.closest(".bvb-presets")) return;
    markPreset(null);
    compute(formQuery());
  });
  form.addEventListener("submit", (event) => event.preventDefault());

  for (const button of presets) {
    button.addEventListener("click", () => {
      markPreset(button);
      compute(pageQuery(button.dataset.query), { fill: true });
    });
  }

  copyMarkdown.addEventListener("click", () => copyText(markdown, "Markdown copied.", actionStatus));
  copyLink.addEventListener("click", () => copyText(publicLink(), "Link copied.", actionStatus));
  initExports(root, { diagram, result, status: actionStatus });
}

// The inline diagram's nodes are SVG links written with xlink:href: Material's
// instant navigation rewrites every [href] of a page it loads, and an SVG
// link's href cannot be set (it throws). Clicks are routed here instead, to
// Material's own navigation when the target is another page.
function initDiagramLinks() {
  for (const link of document.querySelectorAll("svg.bvb-tree a")) {
    link.addEventListener("click", (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const href = link.getAttributeNS("http://www.w3.org/1999/xlink", "href") || link.getAttribute("href");
      if (!href) return;
      event.preventDefault();
      event.stopPropagation();
      const url = new URL(href, window.location.href);
      if (url.pathname === window.location.pathname) {
        window.history.pushState(window.history.state, "", url.hash);
        const section = document.getElementById(decodeURIComponent(url.hash.slice(1)));
        if (section) {
          // Move focus with the view, so keyboard users continue from there.
          if (!section.hasAttribute("tabindex")) section.setAttribute("tabindex", "-1");
          section.scrollIntoView();
          section.focus({ preventScroll: true });
        }
      } else if (window.location$) {
        window.location$.next(url);
      } else {
        window.location.assign(url);
      }
    });
  }
}

// Other pages start the engine when a reader shows they are heading for the
// calculator, so it is warm when they arrive (the worker survives instant
// navigation).
function warmOnIntent() {
  for (const link of document.querySelectorAll('a[href*="calculator/"]')) {
    for (const kind of ["pointerenter", "focus"]) {
      link.addEventListener(kind, () => startEngine(), { once: true, passive: true });
    }
  }
}

// ---------------------------------------------------------------------------

document.documentElement.classList.add("bvb-js");

function onPage() {
  engine.onState = null;
  const root = document.getElementById("bvb-calculator");
  if (root) initCalculator(root);
  else warmOnIntent();
  initCopyButtons();
  initDiagramLinks();
}

// Material re-renders pages without reloading (instant navigation); its
// document$ observable fires on every page, the first one included.
if (window.document$) window.document$.subscribe(onPage);
else document.addEventListener("DOMContentLoaded", onPage);
