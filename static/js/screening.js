// Keyboard screening and quoting for review pages (the list, a paper's page, screening mode). Everything here is an enhancement: the forms it
// presses and the fields it fills work without it, and the links j/k follow on a paper's page are real links.
(function () {
  "use strict";

  const rows = () => Array.from(document.querySelectorAll(".screening-row"));
  const current = () => document.querySelector(".screening-row.is-current") || rows()[0];

  // The user's preferences, drawn into the keyboard help dialog by the server (reviews.ScreeningPreferences).
  function preference(name) {
    const help = document.getElementById("keyboard-help");
    return !help || help.dataset[name] !== "false";
  }

  // top: scroll the row to the top of the viewport (after a decision, on resuming); otherwise only into view.
  function select(row, { top = false } = {}) {
    if (!row) return;
    if (row !== reasonRow) forgetReason();
    if (row !== commentRow) commentText = null;
    rows().forEach((r) => r.classList.toggle("is-current", r === row));
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: top ? "start" : "nearest" });
  }

  function follow(selector) {
    const link = document.querySelector(selector);
    if (link) link.click();
    return Boolean(link);
  }

  // A paper's page lists its similar papers, each a screening row of its own: `s` goes to them and back.
  const similarRows = () => Array.from(document.querySelectorAll(".similar-papers .screening-row"));
  const inSimilar = (row) => Boolean(row && row.closest(".similar-papers"));

  function toggleSimilar() {
    if (inSimilar(current())) select(document.querySelector(".paper-detail.screening-row"));
    else select(similarRows()[0]);
  }

  function move(step) {
    // Among the similar papers, j/k go from one to the next.
    if (inSimilar(current())) {
      const all = similarRows();
      const index = all.indexOf(current());
      select(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
      return;
    }
    // A paper's page has one row: j/k follow its Next/Previous links, which keep the list's filters.
    if (document.querySelector(".paper-pager")) {
      follow(`.paper-pager a[rel="${step > 0 ? "next" : "prev"}"]`);
      return;
    }
    const all = rows();
    const index = all.indexOf(current());
    select(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }

  // After a decision: the next paper becomes current, at the top of the viewport (the next page's first
  // paper after the last of a page), if the user wants it so.
  let advancingPage = false;
  function advanceFrom(row) {
    if (!preference("autoAdvance")) return;
    if (inSimilar(row)) {
      // The next similar paper; the page itself stays.
      const all = similarRows();
      const next = all[all.indexOf(row) + 1];
      if (next) select(next);
      return;
    }
    if (document.querySelector(".paper-pager")) {
      follow('.paper-pager a[rel="next"]');
      return;
    }
    const all = rows();
    const next = all[all.indexOf(row) + 1];
    if (next) select(next, { top: true });
    else advancingPage = follow('#results .pagination a[rel="next"]');
  }

  function press(selector, row = current()) {
    const button = row && row.querySelector(selector);
    if (button) button.click();
    return button;
  }

  // A decision by key moves on at once when the next paper is on this page, so keys typed faster than the
  // server answers land on the papers meant; the answer then only draws the decided row (and, if it was
  // refused, brings that row back). Elsewhere (a paper's page, a page's last paper) the move waits for the
  // answer: leaving the page earlier could drop a request still queued.
  const movedEarly = new Map();
  function decideAndMove(row, selector) {
    if (!press(selector, row)) return;
    // Screening mode's next paper, and the list's next page, are known only from the answer: keys typed
    // meanwhile wait for it (hold) rather than landing on the paper just decided.
    if (document.getElementById("screen")) {
      hold();
      return;
    }
    const all = rows();
    const next = all[all.indexOf(row) + 1];
    if (!preference("autoAdvance") || document.querySelector(".paper-pager")) return;
    if (!next) {
      hold();
      return;
    }
    movedEarly.set(row, (movedEarly.get(row) || 0) + 1);
    select(next, { top: true });
  }

  // Keys that arrive while the page cannot yet tell which paper they are for (an answer that brings the next
  // paper, or an exclusion's reasons, is on its way) wait here and run in order once it has come.
  const SHORTCUT = /^[jkimexstcu?1-9]$/;
  const HOLD_AT_MOST_MS = 8000; // an answer lost on the way must not leave the keys dead
  const held = [];
  let holding = false;
  let heldSince = 0;

  function hold() {
    holding = true;
    heldSince = Date.now();
  }

  function release() {
    holding = false;
    while (held.length && !holding && !waitingForReasons) handleKey(held.shift());
  }

  function dropHeld() {
    holding = false;
    held.length = 0;
  }

  // Exclude, then a digit: the digit picks from the numbered reasons the answer shows. A digit typed before
  // the answer arrives waits for it.
  let reasonRow = null;
  let waitingForReasons = false;
  let queuedReason = null;

  // Moving to another paper, by key or mouse, ends the wait for the last one's reason.
  function forgetReason() {
    reasonRow = null;
    waitingForReasons = false;
    queuedReason = null;
  }

  function awaitsReason(row) {
    const reasons = row.querySelector(".reason-buttons");
    return Boolean(
      reasons && !reasons.querySelector('button[aria-pressed="true"]') &&
        row.querySelector('button[data-key="e"][aria-pressed="true"]'),
    );
  }

  function pressReason(digit) {
    const row = reasonRow;
    if (row && row.querySelector(`.reason-buttons button[data-reason-key="${digit}"]`)) {
      reasonRow = null;
      decideAndMove(row, `.reason-buttons button[data-reason-key="${digit}"]`);
    }
  }

  function exclude() {
    const row = current();
    if (!row || !row.querySelector(".decision-buttons[data-has-reasons]")) {
      decideAndMove(row, 'button[data-key="e"]');
      return;
    }
    if (!press('button[data-key="e"]', row)) return;
    reasonRow = row;
    waitingForReasons = true;
    queuedReason = null;
  }

  // What is typed after `c` while the comment box is still loading goes into the box once it has come, rather
  // than being taken for shortcuts (an "interesting" would have included the paper at its "i").
  let commentText = null;
  let commentRow = null;

  function focusField(selector, openComments) {
    const row = current();
    if (!row) return;
    const field = row.querySelector(selector);
    if (field) {
      field.focus();
      return;
    }
    // In the list the thread loads when its <details> opens; focus the box once it has arrived.
    const details = openComments && row.querySelector("details.comments-toggle");
    if (details) {
      commentText = "";
      commentRow = row;
      const focusWhenLoaded = (event) => {
        if (!details.contains(event.target)) return;
        const loaded = row.querySelector(selector);
        if (!loaded) return;
        row.removeEventListener("htmx:afterSettle", focusWhenLoaded);
        if (commentText === null || commentRow !== row) return; // the user went elsewhere meanwhile
        loaded.focus();
        if (commentText) {
          loaded.value += commentText;
          loaded.dispatchEvent(new Event("input", { bubbles: true }));
        }
        commentText = null;
      };
      row.addEventListener("htmx:afterSettle", focusWhenLoaded);
      details.open = true;
    }
  }

  function typeIntoComment(event) {
    if (event.key === "Escape") commentText = null;
    else if (event.ctrlKey || event.metaKey || event.altKey) return;
    else if (event.key.length === 1) commentText += event.key;
    else if (event.key === "Enter") commentText += "\n";
    else if (event.key === "Backspace") commentText = commentText.slice(0, -1);
    else return;
    event.preventDefault();
  }

  function toggleAbstract() {
    const details = current() && current().querySelector("details.abstract-toggle");
    if (details) details.open = !details.open;
  }

  const typing = (element) =>
    element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));

  // A text box sent with Enter (tag) or Ctrl+Enter (comment) gives focus back to its paper once saved.
  let returnFocusTo = null;

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (commentText !== null && !typing(document.activeElement)) {
      typeIntoComment(event);
      return;
    }
    if (event.key === "Escape" && typing(document.activeElement)) {
      const row = document.activeElement.closest(".screening-row");
      document.activeElement.blur();
      if (row) select(row);
      return;
    }
    if (event.key === "Enter" && typing(target) && target.closest(".screening-row")) {
      const row = target.closest(".screening-row");
      if (target.matches('input[data-key="t"]') && !event.isComposing) {
        returnFocusTo = row; // the form submits itself
      } else if (target.tagName === "TEXTAREA" && (event.ctrlKey || event.metaKey) && target.form) {
        event.preventDefault();
        returnFocusTo = row;
        target.form.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(target)) return;
    // WCAG 2.1.4: a user can turn every single-character shortcut off.
    if (event.key.length !== 1 || !preference("singleKeys")) return;
    if (handleKey(event.key)) event.preventDefault();
  });

  // One shortcut key, typed or held and replayed; whether it was one.
  function handleKey(key) {
    if (reasonRow && /^[1-9]$/.test(key)) {
      if (waitingForReasons && queuedReason) held.push(key);
      else if (waitingForReasons) queuedReason = key;
      else pressReason(key);
      return true;
    }
    if (holding && Date.now() - heldSince > HOLD_AT_MOST_MS) dropHeld();
    if ((holding || waitingForReasons) && SHORTCUT.test(key)) {
      held.push(key);
      return true;
    }
    forgetReason();

    const help = document.getElementById("keyboard-help");
    const actions = {
      j: () => move(1),
      k: () => move(-1),
      i: () => decideAndMove(current(), 'button[data-key="i"]'),
      m: () => decideAndMove(current(), 'button[data-key="m"]'),
      e: exclude,
      x: toggleAbstract,
      s: toggleSimilar,
      t: () => focusField('input[data-key="t"]', false),
      c: () => focusField('textarea[data-key="c"]', true),
      "?": () => help && (help.open ? help.close() : help.showModal()),
      // Screening mode's Undo button (the only element with this key); elsewhere u does nothing.
      u: () => {
        const undo = document.querySelector('.undo-form button[data-key="u"]');
        if (undo) {
          undo.click();
          hold(); // the paper undone comes back in the answer
        }
      },
    };
    for (const n of "12345") actions[n] = () => press(`button[data-key="${n}"]`);
    const action = actions[key];
    if (action) action();
    return Boolean(action);
  }

  document.addEventListener("click", (event) => {
    const row = event.target.closest(".screening-row");
    if (row && !row.classList.contains("is-current")) {
      if (row !== reasonRow) forgetReason();
      if (row !== commentRow) commentText = null;
      rows().forEach((r) => r.classList.toggle("is-current", r === row));
    }
  });

  function decisionSettled(section, detail) {
    const row = section.closest(".screening-row");
    if (!row) return;
    const fromReasons = detail.elt && detail.elt.classList && detail.elt.classList.contains("reason-buttons");
    const refused = detail.xhr && detail.xhr.status >= 400;
    const early = movedEarly.get(row);
    if (early) {
      if (early > 1) movedEarly.set(row, early - 1);
      else movedEarly.delete(row);
      if (refused) select(row); // back to the paper whose decision was refused, to read why
      return;
    }
    const keyedExclude = row === reasonRow && waitingForReasons && !fromReasons;
    if (keyedExclude) waitingForReasons = false;
    if (refused) {
      // The keys typed after a refused decision were meant for the papers after it: they are dropped, and
      // the paper stays to show why.
      if (keyedExclude) reasonRow = null;
      queuedReason = null;
      dropHeld();
      return;
    }
    if (!section.querySelector('.decision-buttons button[aria-pressed="true"]')) return release();
    const reasons = section.querySelector(".reason-buttons");
    // `e` waits for its digit (any other key goes on without a reason); so does a click on Exclude while
    // no reason is chosen.
    if (keyedExclude && reasons) {
      const queued = queuedReason;
      queuedReason = null;
      if (queued) pressReason(queued);
      return release();
    }
    if (!fromReasons && reasons && !reasons.querySelector('button[aria-pressed="true"]')) {
      if (row === current()) reasonRow = row; // unless the user has moved on meanwhile
      return release();
    }
    if (row === reasonRow) reasonRow = null;
    if (row === current()) advanceFrom(row);
    if (!advancingPage) release(); // else once the next page has come
  }

  // Screening mode swaps the whole #screen for the next paper (or the same one, showing an exclusion's
  // reasons): a digit typed after e waits for that paper's reasons, and the new paper takes the focus.
  function screenSettled() {
    holding = false;
    // The event may name the #screen that was swapped out; read the one now in the page.
    const screen = document.getElementById("screen");
    const row = screen && screen.querySelector(".screening-row");
    const samePaper = row && reasonRow && row.dataset.paper === reasonRow.dataset.paper;
    if (samePaper && waitingForReasons && row.querySelector(".reason-buttons")) {
      reasonRow = row;
      waitingForReasons = false;
      const queued = queuedReason;
      queuedReason = null;
      if (queued) pressReason(queued);
    } else if (row && awaitsReason(row)) {
      // The paper came back excluded with its reasons still to choose without `e` having asked (a click on
      // Exclude, whose answer screening mode swaps in as the whole #screen): a digit picks one, as in the list.
      reasonRow = row;
      waitingForReasons = false;
      queuedReason = null;
    } else {
      forgetReason();
    }
    if (row && !typing(document.activeElement)) {
      row.focus({ preventScroll: true });
      screen.scrollIntoView({ block: "nearest" });
    }
    release();
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    const settled = event.target;
    if (!settled.closest) return;
    if (settled.id === "screen") {
      screenSettled();
      return;
    }
    if (settled.id === "results") {
      // A new page of the list: its first paper I have not screened is current.
      const first = rows().find((r) => !r.dataset.screened) || rows()[0];
      if (first && advancingPage) select(first, { top: true });
      else if (first) rows().forEach((r) => r.classList.toggle("is-current", r === first));
      advancingPage = false;
      release();
      return;
    }
    const row = settled.closest(".screening-row");
    if (returnFocusTo && row === returnFocusTo && settled.classList.contains("panel-section")) {
      const refused = settled.querySelector(".error");
      if (!refused) {
        if (typing(document.activeElement)) document.activeElement.blur();
        select(returnFocusTo);
      }
      returnFocusTo = null;
    }
    if (settled.classList.contains("panel-decision")) decisionSettled(settled, event.detail);
    // After a swap the current row keeps keyboard focus unless the user is typing somewhere.
    const now = current();
    if (row && now && !typing(document.activeElement) && !now.contains(document.activeElement)) {
      now.focus({ preventScroll: true });
    }
  });

  // An answer that never came (the network, or the server, down): nothing will settle, so nothing waits.
  document.addEventListener("htmx:sendError", () => {
    dropHeld();
    forgetReason();
    advancingPage = false;
    commentText = null;
  });

  // Quoting: a selection inside the abstract fills the comment form's hidden quote fields.
  function quoteFromSelection() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    const abstract = document.querySelector(".abstract-text");
    if (!abstract || !abstract.contains(selection.anchorNode) || !abstract.contains(selection.focusNode)) return;
    const text = selection.toString().trim();
    if (!text) return;
    const before = document.createRange();
    before.setStart(abstract, 0);
    const range = selection.getRangeAt(0);
    before.setEnd(range.startContainer, range.startOffset);
    const form = document.querySelector(abstract.dataset.quoteTarget + " .comment-form");
    if (!form) return;
    form.querySelector(".quote-text").value = text;
    form.querySelector(".quote-near").value = before.toString().replace(/^\s+/, "").length;
    const preview = form.querySelector(".quote-preview");
    preview.querySelector("q").textContent = text.length > 160 ? text.slice(0, 157) + "…" : text;
    preview.hidden = false;
  }

  document.addEventListener("mouseup", quoteFromSelection);
  document.addEventListener("keyup", (event) => {
    if (event.shiftKey) quoteFromSelection();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.classList.contains("quote-clear")) return;
    const form = event.target.closest(".comment-form");
    form.querySelector(".quote-text").value = "";
    form.querySelector(".quote-near").value = "";
    form.querySelector(".quote-preview").hidden = true;
  });

  // The review list's filters ask as soon as a field other than the search box changes (the search box asks
  // as one types). Decided here rather than in an hx-trigger filter, which htmx would have to eval: the
  // Content-Security-Policy forbids eval.
  document.addEventListener("change", (event) => {
    const form = event.target.closest && event.target.closest("form.review-filters");
    if (form && event.target.type !== "search" && window.htmx) window.htmx.trigger(form, "filters-changed");
  });

  // On loading the list, resume at my first unscreened paper on the page. A page that comes back from a plain
  // Exclude (no htmx yet, or none at all) showing its reasons to choose takes a digit for one, as after the swap.
  document.addEventListener("DOMContentLoaded", () => {
    const marked = document.querySelector(".screening-row.is-current");
    if (marked) {
      if (awaitsReason(marked)) reasonRow = marked;
      return;
    }
    const all = rows();
    const resume = all.find((r) => !r.dataset.screened);
    if (resume && resume !== all[0]) select(resume, { top: true });
    else if (all[0]) all[0].classList.add("is-current");
  });
})();
