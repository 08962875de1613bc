// Sharing and exports: copy, download (SVG and PNG), print.
//
// What leaves the page must work where it lands: in a deck, a wiki, on
// paper. So every address given out is the site's public one (the page's
// canonical link, which the build writes from SITE_URL), the diagram files
// carry their credit line and absolute links (both made at build time by
// build_scripts/diagram_export.py), and the print record says where, when
// and under which rules its answer was made. No rule lives here.

const DIAGRAM_URL = new URL("../diagrams/decision-tree.svg", import.meta.url);
const SVG_NS = "http://www.w3.org/2000/svg";
// Three times the diagram's own size, as the site's own PNG: sharp on slides.
const PNG_SCALE = 3;

// ---------------------------------------------------------------------------
// Addresses.

/** The public address of this page: its canonical link, which the build writes from SITE_URL. */
export function publicPageUrl(location = window.location) {
  const canonical = document.querySelector('link[rel="canonical"]')?.href;
  const url = new URL(canonical || location.href, location.href);
  url.search = "";
  url.hash = "";
  return url.href;
}

/** The public address of this page with the current query, without `embed`. */
export function publicLink(location = window.location) {
  const url = new URL(publicPageUrl(location));
  const params = new URLSearchParams(location.search);
  params.delete("embed");
  const query = params.toString();
  url.search = query ? `?${query}` : "";
  return url.href;
}

// ---------------------------------------------------------------------------
// Copying.

export async function copyText(text, done, statusElement) {
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

/** Copy buttons on any page: the Mermaid source, and the addresses of the documents page. */
export function initCopyButtons() {
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
  for (const button of document.querySelectorAll("button.bvb-copy[data-copy]")) {
    button.addEventListener("click", () => copyText(button.dataset.copy, "Copied", button));
  }
}

// ---------------------------------------------------------------------------
// The diagram with the reader's path, as SVG and as PNG.

/** The site's standalone diagram, with the live diagram's path marked on it. */
async function diagramWithPath(liveDiagram) {
  const response = await fetch(DIAGRAM_URL);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const svg = new DOMParser().parseFromString(await response.text(), "image/svg+xml").documentElement;
  if (svg.namespaceURI !== SVG_NS) throw new Error("the diagram file is not SVG");
  for (const marked of liveDiagram.querySelectorAll(".is-on-path")) {
    const selector = ["data-node", "data-kind", "data-from", "data-answer"]
      .filter((name) => marked.hasAttribute(name))
      .map((name) => `[${name}="${marked.getAttribute(name)}"]`)
      .join("");
    const twin = selector && svg.querySelector(selector);
    if (twin) twin.classList.add(...[...marked.classList].filter((c) => c.startsWith("is-")));
  }
  if (svg.querySelector(".is-answer")) svg.classList.add("has-path");
  return svg;
}

function saveBlob(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export async function downloadDiagram(liveDiagram, leaf, statusElement) {
  try {
    const svg = await diagramWithPath(liveDiagram);
    saveBlob(new Blob([new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" }), `decision-tree-${leaf}.svg`);
    statusElement.textContent = "Diagram downloaded.";
  } catch (error) {
    statusElement.textContent = `The diagram could not be downloaded (${error.message}).`;
  }
}

/**
 * The diagram with the path as a PNG, drawn by the browser on a canvas. The
 * SVG is self-contained (its style is inline, it loads nothing), and goes to
 * the image as a data: URL, so the canvas stays untainted and can be saved.
 * Light palette always: a PNG is pasted onto slides, mostly white ones.
 */
export async function downloadPng(liveDiagram, leaf, statusElement) {
  try {
    const svg = await diagramWithPath(liveDiagram);
    for (const dark of svg.querySelectorAll("style.bvb-palette-dark")) dark.remove();
    const width = Number(svg.getAttribute("width"));
    const height = Number(svg.getAttribute("height"));
    if (!(width > 0 && height > 0)) throw new Error("the diagram has no size");
    const image = new Image();
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(svg));
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * PNG_SCALE);
    canvas.height = Math.round(height * PNG_SCALE);
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser made no PNG"))), "image/png"),
    );
    saveBlob(blob, `decision-tree-${leaf}.png`);
    statusElement.textContent = "PNG downloaded.";
  } catch (error) {
    statusElement.textContent = `The PNG could not be made (${error.message}).`;
  }
}

// ---------------------------------------------------------------------------
// The print record: where, when and under which rules this answer was made.

function printRecord(root) {
  let record = root.querySelector(".bvb-print-record");
  if (!record) {
    record = document.createElement("p");
    record.className = "bvb-print-only bvb-print-record";
    const title = root.querySelector(".bvb-print-title");
    if (title) title.after(record);
    else root.prepend(record);
  }
  return record;
}

function fillPrintRecord(root) {
  const record = printRecord(root);
  const link = publicLink();
  const date = new Date().toLocaleDateString("en-CA"); // YYYY-MM-DD, the reader's day
  const version = root.dataset.rulesVersion || "unknown";
  const anchor = document.createElement("a");
  anchor.href = link;
  anchor.textContent = link;
  record.replaceChildren(
    "Printed ",
    Object.assign(document.createElement("time"), { dateTime: date, textContent: date }),
    ` · rules version ${version} · this scenario: `,
    anchor,
  );
}

/** The calculator's export buttons: print, SVG, and a PNG button made here. */
let printListener = null; // the window's beforeprint listener, for the calculator on screen

export function initExports(root, { diagram, result, status }) {
  const leaf = () => result.dataset.recommendation || "default";
  const svgButton = root.querySelector("#bvb-download-diagram");
  svgButton.addEventListener("click", () => downloadDiagram(diagram, leaf(), status));
  let pngButton = root.querySelector("#bvb-download-png");
  if (!pngButton) {
    pngButton = document.createElement("button");
    pngButton.type = "button";
    pngButton.className = "md-button";
    pngButton.id = "bvb-download-png";
    pngButton.textContent = "Download PNG";
    svgButton.after(pngButton);
  }
  pngButton.addEventListener("click", () => downloadPng(diagram, leaf(), status));

  // Kept current with every answer (the address changes with it), so a
  // print started any way at all (the button, the browser's menu) has it.
  fillPrintRecord(root);
  new MutationObserver(() => fillPrintRecord(root)).observe(result, { attributes: true, attributeFilter: ["data-status"] });
  // One listener for the page on screen: instant navigation replaces the
  // calculator, and the previous page's listener goes with it.
  printListener?.abort();
  printListener = new AbortController();
  window.addEventListener("beforeprint", () => root.isConnected && fillPrintRecord(root), { signal: printListener.signal });
  root.querySelector("#bvb-print").addEventListener("click", () => {
    fillPrintRecord(root);
    window.print();
  });
}
