// The calculator's view: puts the engine's strings on the page.
//
// No rule lives here and no input is parsed here: the engine
// (calculator.page.answer) returns the HTML of the answer and its detail
// (escaped by the engine), the text for each form control, the canonical
// query, the per-field errors and the Markdown record. The view inserts them.

export function calculatorView(root) {
  const el = {
    form: root.querySelector("#bvb-form"),
    status: root.querySelector("#calculator-status"),
    announce: root.querySelector("#calculator-announce"),
    answer: root.querySelector("#calculator-answer"),
    result: root.querySelector("#calculator-result"),
    diagram: root.querySelector("#bvb-live-diagram"),
    load: root.querySelector("#bvb-engine-load"),
    progress: root.querySelector("#bvb-engine-progress"),
    progressText: root.querySelector("#bvb-engine-progress-text"),
    retry: root.querySelector("#bvb-engine-retry"),
    shareButtons: [root.querySelector("#bvb-copy-markdown"), root.querySelector("#bvb-copy-link")],
    fullPage: root.querySelector("#bvb-embed-full"),
  };

  // The visible status line follows every keystroke ("Computing…", then the
  // answer). Screen readers hear the hidden live region instead, and only
  // once the input has settled: SETTLE_MS after the last change, never a
  // loading note, never the same words twice in a row.
  const SETTLE_MS = 500;
  let settling = 0;
  let spoken = "";

  function say(state, text, heard = text) {
    el.status.dataset.state = state;
    el.status.textContent = text;
    window.clearTimeout(settling);
    if (state === "loading") return;
    settling = window.setTimeout(() => {
      if (heard === spoken) return;
      spoken = heard;
      el.announce.textContent = heard;
    }, SETTLE_MS);
  }

  // What a listener needs of a ready answer: the recommendation and its
  // cost, as the summary shows them (the engine's text), before the status.
  function heardAnswer(status) {
    const part = (selector) => el.answer.querySelector(selector)?.textContent.trim() || "";
    return [part(".bvb-summary-title"), part(".bvb-summary-cost"), status].filter(Boolean).join(". ");
  }

  // Both the summary and the detail carry the status and the leaf they show.
  // A scenario link's first answer stays pending (the build's default answer
  // hidden) until the engine answers; if the engine cannot load, it stays
  // hidden, and so does any answer once the reader has edited or picked a
  // preset (`unanswered`): an answer for other inputs must not stand as
  // theirs. `live`: the engine has answered on this page at least once.
  let edited = false;
  let live = false;

  function mark(status, leaf, { unanswered = false } = {}) {
    for (const box of [el.answer, el.result]) {
      box.dataset.status = status;
      box.dataset.recommendation = leaf;
      if (unanswered) box.setAttribute("data-pending", "");
      else if (status !== "loading") box.removeAttribute("data-pending");
    }
    el.result.setAttribute("aria-busy", String(status === "loading"));
  }

  function fillForm(texts) {
    for (const radio of el.form.querySelectorAll("input[data-values]")) {
      // Checked only when the engine's texts match all its values; none is
      // checked for answers no choice stands for.
      radio.checked = Object.entries(JSON.parse(radio.dataset.values)).every(([name, text]) => (texts || {})[name] === text);
    }
    for (const [name, text] of Object.entries(texts || {})) {
      const control = el.form.elements.namedItem(name);
      if (!control) continue;
      if (control.type === "checkbox") control.checked = text === "true";
      else control.value = text;
    }
  }

  function showFieldErrors(errors) {
    for (const box of el.form.querySelectorAll(".bvb-field")) {
      const name = box.dataset.field;
      const error = (errors || []).find((e) => e.field === name);
      const slot = box.querySelector(".bvb-field-error");
      const control = el.form.elements.namedItem(name);
      box.classList.toggle("is-invalid", Boolean(error));
      slot.hidden = !error;
      slot.textContent = error ? error.message : "";
      if (control?.setAttribute) control.setAttribute("aria-invalid", error ? "true" : "false");
      if (error) box.closest("details")?.setAttribute("open", "");
    }
  }

  function highlight(path, leaf) {
    const diagram = el.diagram;
    for (const node of diagram.querySelectorAll(".is-on-path, .is-answer")) node.classList.remove("is-on-path", "is-answer");
    for (const step of path || []) {
      diagram.querySelector(`[data-node="${step.node}"][data-kind="question"]`)?.classList.add("is-on-path");
      diagram.querySelector(`[data-from="${step.node}"][data-answer="${step.answer}"]`)?.classList.add("is-on-path");
    }
    if (leaf) diagram.querySelector(`[data-node="${leaf}"][data-kind="leaf"]`)?.classList.add("is-on-path", "is-answer");
    diagram.querySelector("svg")?.classList.toggle("has-path", Boolean(leaf));
  }

  function setShareable(ok) {
    for (const button of el.shareButtons) button.disabled = !ok;
  }

  // What the answer on show was made from: the engine's canonical query and
  // the link's ignored names (the only inputs of its HTML). The build's
  // answer for the default inputs carries its query (data-query), so the
  // live engine's first answer for the same inputs, the same HTML by
  // construction, replaces nothing; nor does an edit that changes no input.
  let shown = el.result.dataset.status === "prerendered" ? `${el.result.dataset.query}\n[]` : null;

  // The address follows the answer, written in the next frame's callback:
  // replaceState lays the page out (Chrome saves the scroll position into
  // the history entry), and there that is the layout the frame needs anyway,
  // where during the answer it was a second one (2 ms a recompute here).
  // Whatever reads the address first (the copy-link button) flushes it.
  let address = null;
  let addressFrame = 0;

  function flushAddress() {
    window.cancelAnimationFrame(addressFrame);
    addressFrame = 0;
    // A page that instant navigation has replaced keeps its hands off the address.
    if (address !== null && el.form.isConnected) {
      window.history.replaceState(window.history.state, "", `?${address}${window.location.hash}`);
    }
    address = null;
  }

  function writeAddress(query) {
    address = query;
    if (!addressFrame) addressFrame = window.requestAnimationFrame(flushAddress);
  }

  // The engine's answer, parsed once; returns it for the caller's bookkeeping.
  function render(answer, { fill }) {
    window.clearTimeout(busy);
    edited = false;
    live = true;
    const ready = answer.status === "ready";
    const made = ready ? `${answer.query}\n${JSON.stringify(answer.ignored || [])}` : null;
    if (fill) fillForm(answer.form);
    showFieldErrors(answer.errors);
    if (ready) writeAddress(answer.query);
    if (made === null || made !== shown) {
      el.answer.innerHTML = answer.summary_html; // made and escaped by the engine
      el.result.innerHTML = answer.html;
    }
    shown = made;
    mark(ready ? "ready" : "error", ready ? answer.recommendation : "");
    setShareable(ready);
    if (ready) {
      // The embed's credit opens this scenario on the full page.
      const full = new URLSearchParams(answer.query);
      full.delete("embed");
      el.fullPage.href = `./?${full}`;
    }
    const notice = (answer.notices || []).map((text) => " " + text).join("");
    if (ready) {
      // A notice (a link made with other rules) leads the detail below: the
      // status stays short, since the answer's panel stays in view.
      const noted = notice ? " The link was made with another version of the rules: what changed is noted below the answer." : "";
      highlight(answer.path, answer.recommendation);
      // Names the link carried that are not inputs: counted here, never
      // repeated (they are the link's text, not ours); the answer's note
      // lists them, escaped by the engine.
      const ignored = (answer.ignored || []).length
        ? " Some parameters in the link are not inputs and were ignored (listed below the answer)."
        : "";
      const status = `Live answer for these inputs.${ignored}${noted}`;
      say("ready", status, heardAnswer(status));
    } else {
      highlight([], null);
      // The engine names what to fix in the form's words (labels, at most a few).
      const fields = (answer.fix || []).join(", ");
      say("error", `No answer yet: fix the inputs marked below (${fields}).${notice}`);
    }
  }

  // A ready engine answers most edits within a frame or two: the busy state
  // shows only if the answer takes longer than BUSY_DELAY_MS, so that a
  // keystroke does not flash "Computing…" (and restyle the page) for nothing.
  const BUSY_DELAY_MS = 150;
  let busy = 0;

  function showBusy(whose, engineReady) {
    mark("loading", "");
    setShareable(false);
    say("loading", engineReady ? "Computing…" : `Loading the engine to work out the answer for ${whose}…`);
  }

  // The reader changed the inputs (an edit or a preset): until the engine
  // answers them, what is on show is not their answer; with the engine down
  // it steps aside at once.
  function noteEdit(engineDown) {
    edited = true;
    if (engineDown) standAside();
  }

  // No answer stands for the inputs on show: the summary and detail step
  // aside (data-pending) and the diagram draws no path.
  function standAside() {
    mark("error", "", { unanswered: true });
    highlight([], null);
  }

  function computing(engineReady, whose = "these inputs") {
    window.clearTimeout(busy);
    if (engineReady) busy = window.setTimeout(() => showBusy(whose, true), BUSY_DELAY_MS);
    else showBusy(whose, false);
  }

  function answerFailed(message) {
    window.clearTimeout(busy);
    standAside();
    say("error", `The engine could not answer these inputs: ${sentence(message)}`);
  }

  const mb = (n) => (n / 1e6).toFixed(1);
  // A message that may lack its full stop, ended as a sentence.
  const sentence = (text) => (/[.!?…]$/.test(String(text).trim()) ? String(text).trim() : `${String(text).trim()}.`);

  // The engine's start-up: progress while it downloads, a retry when it failed.
  function engineState(state, detail) {
    el.load.hidden = !(state === "loading" && detail.total);
    // The download's own bar shows it is under way: the status line's
    // spinner stops meanwhile (a second, endless animation that costs the
    // compositor a frame every vsync while the page's cores start Python).
    el.status.toggleAttribute("data-downloading", !el.load.hidden);
    el.retry.hidden = state !== "error";
    // How the engine started, for the curious and for the tests: "snapshot"
    // (stored on an earlier visit, from the HTTP cache, or downloaded:
    // data-engine-snapshot), or "plain"
    // with the reason in data-engine-fallback.
    if (state === "ready") {
      root.dataset.engineStart = detail.start;
      root.dataset.engineFallback = detail.fallback || "";
      root.dataset.engineSnapshot = detail.snapshot || "";
    }
    if (state === "loading" && detail.total) {
      el.progress.max = detail.total;
      el.progress.value = detail.loaded;
      el.progressText.textContent =
        detail.loaded < detail.total ? `${mb(detail.loaded)} of ${mb(detail.total)} MB` : `${mb(detail.total)} MB downloaded; starting Python…`;
    }
    if (state === "error") {
      window.clearTimeout(busy);
      setShareable(false);
      const unanswered = el.answer.hasAttribute("data-pending") || edited;
      if (unanswered) standAside();
      else if (el.result.dataset.status !== "ready") mark("error", "");
      const shown = unanswered
        ? " Your inputs are kept: try again to work out their answer."
        : !live && el.result.querySelector(".bvb-result") && !el.result.querySelector(".bvb-result--error")
          ? " The answer shown is the one worked out for the default inputs when the site was built, not a live answer for your inputs."
          : "";
      say("error", `The live engine could not load: ${sentence(detail.message)}${shown}`);
    } else if (state === "loading" && el.result.dataset.status === "prerendered") {
      say("loading", "For the default inputs, worked out when this site was built. Loading the live engine…");
    }
  }

  return { el, render, computing, noteEdit, answerFailed, engineState, flushAddress };
}
