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

if (window.document$) window.document$.subscribe(markScrollRegions);
else markScrollRegions();
