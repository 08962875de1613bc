// The calculator page, as a chain: the engine client (engine-client.mjs)
// answers strings with strings, the view (calculator-view.mjs) puts them on
// the page, and this file wires the two to the form, the presets and the
// buttons. No rule lives here and no input is parsed here.

import { engine } from "./engine-client.mjs";
import { calculatorView } from "./calculator-view.mjs";

const DIAGRAM_URL = new URL("../diagrams/decision-tree.svg", import.meta.url);
// Set before first paint by overrides/main.html (layout only; the engine
// still reads every input). Kept in the address the engine writes back.
const EMBED = document.documentElement.classList.contains("bvb-embed");
const pageQuery = (query) => query + (EMBED ? "&embed=1" : "");

function formQuery(form) {
  const params = new URLSearchParams();
  for (const control of form.elements) {
    if (!control.name || control.closest(".bvb-presets")) continue;
    if (control.type === "radio" && !control.checked) continue;
    params.append(control.name, control.type === "checkbox" ? String(control.checked) : control.value);
  }
  return pageQuery(params.toString());
}

// The calculator, wired afresh for each page load or instant navigation.
function initCalculator(root) {
  const view = calculatorView(root);
  const { form } = view.el;
  const pageUrl = window.location.origin + window.location.pathname;
  let latest = 0;
  let markdown = "";

  // Each question gets a number; only the newest one's answer is shown, so
  // the last edit wins however the answers arrive.
  function compute(query, { fill = false, quiet = false, whose } = {}) {
    const id = ++latest;
    if (!quiet) view.computing(engine.state === "ready", whose);
    engine.ask(JSON.stringify({ query, page_url: pageUrl })).then(
      (response) => {
        // Ignore answers for a view that instant navigation has replaced.
        if (id !== latest || !root.isConnected) return;
        const answer = JSON.parse(response);
        view.render(answer, { fill });
        markdown = answer.status === "ready" ? answer.markdown : "";
      },
      (error) => {
        // A failed start-up is reported by the engine's state change.
        if (id === latest && root.isConnected && engine.state !== "error") view.answerFailed(error.message);
      },
    );
  }

  engine.listen((state, detail) => root.isConnected && view.engineState(state, detail));
  engine.start();
  view.engineState(engine.state, engine.detail);

  // The address may hold a scenario (its values are in the form already,
  // copied there before the first paint): the engine reads it and fills the
  // form with its own reading, unless the reader has edited meanwhile.
  // Without one, the build's answer for the default inputs stays on show
  // until the live engine confirms it.
  const initial = window.location.search.replace(/^\?/, "");
  compute(initial, { fill: true, quiet: !initial, whose: "this link's inputs" });

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
    compute(formQuery(form));
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  for (const button of presets) {
    button.addEventListener("click", () => {
      markPreset(button);
      compute(pageQuery(button.dataset.query), { fill: true });
    });
  }
  view.el.retry.addEventListener("click", () => {
    engine.retry();
    compute(formQuery(form));
  });

  const actionStatus = root.querySelector("#bvb-action-status");
  root.querySelector("#bvb-copy-markdown").addEventListener("click", () => copyText(markdown, "Markdown copied.", actionStatus));
  root.querySelector("#bvb-copy-link").addEventListener("click", () => copyText(window.location.href, "Link copied.", actionStatus));
  root.querySelector("#bvb-print").addEventListener("click", () => window.print());
  root.querySelector("#bvb-download-diagram").addEventListener("click", () =>
    downloadDiagram(view.el.diagram, view.el.result.dataset.recommendation || "default", actionStatus),
  );
}

// In an iframe (?embed=1), tell the embedding page how tall the calculator
// is, so that its frame can fit it (the documented snippet listens for this).
function reportEmbedHeight() {
  if (!EMBED || window.parent === window) return;
  let last = 0;
  const post = () => {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "bvb-embed-height", height }, "*");
  };
  new ResizeObserver(post).observe(document.body);
  post();
}

// ---------------------------------------------------------------------------
// Sharing helpers.

async function copyText(text, done, statusElement) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Older browsers and insecure origins: a selected textarea still copies.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) {
      statusElement.textContent = "Copying failed: select the text and copy it by hand.";
      return;
    }
  }
  statusElement.textContent = done;
}

async function downloadDiagram(liveDiagram, leaf, statusElement) {
  try {
    const response = await fetch(DIAGRAM_URL);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const svg = new DOMParser().parseFromString(await response.text(), "image/svg+xml").documentElement;
    // Carry the live diagram's highlighted path over to the standalone file.
    for (const marked of liveDiagram.querySelectorAll(".is-on-path")) {
      const selector = ["data-node", "data-kind", "data-from", "data-answer"]
        .filter((name) => marked.hasAttribute(name))
        .map((name) => `[${name}="${marked.getAttribute(name)}"]`)
        .join("");
      const twin = selector && svg.querySelector(selector);
      if (twin) twin.classList.add(...[...marked.classList].filter((c) => c.startsWith("is-")));
    }
    const blob = new Blob([new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `decision-tree-${leaf}.svg`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    statusElement.textContent = "Diagram downloaded.";
  } catch (error) {
    statusElement.textContent = `The diagram could not be downloaded (${error.message}).`;
  }
}

function initCopyMermaid() {
  for (const button of document.querySelectorAll(".bvb-copy-mermaid")) {
    button.addEventListener("click", async () => {
      try {
        const response = await fetch(new URL(button.dataset.src, window.location.href));
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        await copyText(await response.text(), "Mermaid source copied.", button);
      } catch (error) {
        button.textContent = `Copy failed (${error.message})`;
      }
    });
  }
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
      link.addEventListener(kind, () => engine.start(), { once: true, passive: true });
    }
  }
}

// ---------------------------------------------------------------------------

document.documentElement.classList.add("bvb-js");

function onPage() {
  engine.listen(null);
  const root = document.getElementById("bvb-calculator");
  if (root) initCalculator(root);
  else warmOnIntent();
  initCopyMermaid();
  initDiagramLinks();
}

reportEmbedHeight();

// Material re-renders pages without reloading (instant navigation); its
// document$ observable fires on every page, the first one included.
if (window.document$) window.document$.subscribe(onPage);
else document.addEventListener("DOMContentLoaded", onPage);
