// The calculator page, as a chain: the engine client (engine-client.mjs)
// answers strings with strings, the view (calculator-view.mjs) puts them on
// the page, and this file wires the two to the form, the presets and the
// buttons. No rule lives here and no input is parsed here.

import { engine } from "./engine-client.mjs";
import { calculatorView } from "./calculator-view.mjs";
import { copyText, initCopyButtons, initExports, publicLink, publicPageUrl } from "./exports.mjs";

// Set before first paint by overrides/main.html (layout only; the engine
// still reads every input). Kept in the address the engine writes back.
const EMBED = document.documentElement.classList.contains("bvb-embed");
const EMBED_MARGIN_PX = 16; // room below the calculator inside the frame
const pageQuery = (query) => query + (EMBED ? "&embed=1" : "");

function formQuery(form) {
  const params = new URLSearchParams();
  for (const control of form.elements) {
    if (!control.name || control.closest(".bvb-presets")) continue;
    if (control.dataset.values) {
      // A form choice: its checked radio stands for several fields at once.
      if (control.checked) for (const [name, text] of Object.entries(JSON.parse(control.dataset.values))) params.append(name, text);
      continue;
    }
    if (control.type === "radio" && !control.checked) continue;
    params.append(control.name, control.type === "checkbox" ? String(control.checked) : control.value);
  }
  return pageQuery(params.toString());
}

// The calculator, wired afresh for each page load or instant navigation.
function initCalculator(root) {
  const view = calculatorView(root);
  const { form } = view.el;
  const pageUrl = publicPageUrl(); // the Markdown record links back to the public page
  let latest = 0;
  let markdown = "";

  // Each question gets a number; only the newest one's answer is shown, so
  // the last edit wins however the answers arrive. The last question is
  // kept for a retry (a preset's, say, which only the answer fills in).
  let last = null;
  function compute(query, { fill = false, quiet = false, whose, edit = false } = {}) {
    const id = ++latest;
    last = { query, fill, whose };
    if (edit) view.noteEdit(engine.state === "error");
    // After a failed start the status keeps saying so (with the retry
    // button) rather than that the engine is loading.
    if (!quiet && engine.state !== "error") view.computing(engine.state === "ready", whose);
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
    compute(formQuery(form), { edit: true });
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  for (const button of presets) {
    button.addEventListener("click", () => {
      markPreset(button);
      compute(pageQuery(button.dataset.query), { fill: true, edit: true });
    });
  }
  view.el.retry.addEventListener("click", () => {
    engine.retry();
    compute(last.query, { fill: last.fill, whose: last.whose }); // the page asks once at start, so there is one
  });

  const actionStatus = root.querySelector("#bvb-action-status");
  root.querySelector("#bvb-copy-markdown").addEventListener("click", () => copyText(markdown, "Markdown copied.", actionStatus));
  root.querySelector("#bvb-copy-link").addEventListener("click", () => {
    view.flushAddress(); // the link is the latest answer's
    copyText(publicLink(), "Link copied.", actionStatus);
  });
  initExports(root, { diagram: view.el.diagram, result: view.el.result, status: actionStatus });
}

// In an iframe (?embed=1), tell the embedding page how tall the calculator
// is, so that its frame can fit it (the documented snippet listens for this).
function reportEmbedHeight() {
  if (!EMBED || window.parent === window) return;
  let last = 0;
  const post = () => {
    // The calculator's own extent, not the document's: the page's frame
    // fills at least the viewport, so measuring the document would make the
    // iframe grow each time it is resized to fit.
    const root = document.getElementById("bvb-calculator");
    if (!root) return;
    const height = Math.ceil(root.getBoundingClientRect().bottom + window.scrollY + EMBED_MARGIN_PX);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "bvb-embed-height", height }, "*");
  };
  new ResizeObserver(post).observe(document.body);
  post();
}

// The inline diagram's nodes are SVG links written with xlink:href: Material's
// instant navigation rewrites every [href] of a page it loads, and an SVG
// link's href cannot be set (it throws); it also leaves SVG links alone on a
// click. Clicks are routed here instead. Another page is reached through a
// plain link clicked for the reader, so that it goes exactly as any other
// link of the page goes: Material's instant navigation when it takes it (its
// history entry, the section scrolled to), else the browser's own.
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
      } else {
        const proxy = document.createElement("a");
        proxy.href = url.href;
        proxy.hidden = true;
        document.body.append(proxy);
        proxy.click();
        proxy.remove();
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

function onPage() {
  engine.listen(null);
  const root = document.getElementById("bvb-calculator");
  if (root) initCalculator(root);
  else warmOnIntent();
  initCopyButtons();
  initDiagramLinks();
}

reportEmbedHeight();

// Material re-renders pages without reloading (instant navigation); its
// document$ observable fires on every page, the first one included.
if (window.document$) window.document$.subscribe(onPage);
else document.addEventListener("DOMContentLoaded", onPage);
