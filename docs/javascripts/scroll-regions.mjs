// Two repairs to Material's markup, on every page.
//
// Material wraps every plain table in a .md-typeset__scrollwrap that scrolls
// sideways on narrow screens, but gives it no way in for the keyboard
// (axe-core: scrollable-region-focusable). Each wrapper becomes a named,
// focusable region, so Tab reaches it and the arrow keys scroll it.
// Material's document$ fires on every page, instant navigation included,
// after Material itself has wrapped the page's tables.

function nameOf(wrapper) {
  // The nearest heading above the table names it; failing that, a plain word.
  for (let el = wrapper.previousElementSibling; el; el = el.previousElementSibling) {
    if (/^H[1-6]$/.test(el.tagName)) return `Table: ${el.textContent.replace(/¶$/, "").trim()}`;
  }
  return "Table";
}

function markScrollRegions() {
  // Landmarks need distinct names: a second table under one heading is "(2)".
  const seen = new Map();
  for (const wrapper of document.querySelectorAll(".md-typeset__scrollwrap")) {
    const name = nameOf(wrapper);
    const count = (seen.get(name) || 0) + 1;
    seen.set(name, count);
    wrapper.tabIndex = 0;
    wrapper.setAttribute("role", "region");
    wrapper.setAttribute("aria-label", count > 1 ? `${name} (${count})` : name);
  }
}

// Material puts each code block's copy button in a <nav class="md-code__nav">:
// a navigation landmark per code block, several on a page, none with a name
// (axe-core: landmark-unique). A copy button is no navigation, so rather
// than list "Code block 1..n" among the page's landmarks, the wrapper is made
// a plain container (role="none" is allowed on <nav>); the button inside
// keeps its own name and stays in the Tab order.
function unmarkCodeNavs(root) {
  for (const nav of root.querySelectorAll?.(".md-code__nav:not([role])") || []) nav.setAttribute("role", "none");
  if (root.matches?.(".md-code__nav:not([role])")) root.setAttribute("role", "none");
}

if (window.document$) window.document$.subscribe(markScrollRegions);
else markScrollRegions();

// Material adds the code navs as it mounts each block, which may come after
// document$ (lazily, or on instant navigation), so added nodes are watched.
unmarkCodeNavs(document);
new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes) if (node.nodeType === 1) unmarkCodeNavs(node);
}).observe(document.body, { childList: true, subtree: true });
