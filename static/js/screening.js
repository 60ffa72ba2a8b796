// Keyboard screening and quoting for review pages. Everything here is an enhancement: the forms it
// presses and the fields it fills work without it.
(function () {
  "use strict";

  const rows = () => Array.from(document.querySelectorAll(".screening-row"));
  const current = () => document.querySelector(".screening-row.is-current") || rows()[0];

  function select(row) {
    if (!row) return;
    rows().forEach((r) => r.classList.toggle("is-current", r === row));
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    const index = all.indexOf(current());
    select(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }

  function press(selector) {
    const row = current();
    const button = row && row.querySelector(selector);
    if (button) button.click();
  }

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
      const focusWhenLoaded = (event) => {
        if (!details.contains(event.target)) return;
        const loaded = row.querySelector(selector);
        if (!loaded) return;
        row.removeEventListener("htmx:afterSettle", focusWhenLoaded);
        loaded.focus();
      };
      row.addEventListener("htmx:afterSettle", focusWhenLoaded);
      details.open = true;
    }
  }

  const typing = (element) =>
    element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && typing(document.activeElement)) {
      const row = document.activeElement.closest(".screening-row");
      document.activeElement.blur();
      if (row) select(row);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const help = document.getElementById("keyboard-help");
    const actions = {
      j: () => move(1),
      k: () => move(-1),
      i: () => press('button[data-key="i"]'),
      m: () => press('button[data-key="m"]'),
      e: () => press('button[data-key="e"]'),
      t: () => focusField('input[data-key="t"]', false),
      c: () => focusField('textarea[data-key="c"]', true),
      "?": () => (help.open ? help.close() : help.showModal()),
    };
    for (const n of "12345") actions[n] = () => press(`button[data-key="${n}"]`);
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  document.addEventListener("click", (event) => {
    const row = event.target.closest(".screening-row");
    if (row && !row.classList.contains("is-current")) {
      rows().forEach((r) => r.classList.toggle("is-current", r === row));
    }
  });

  // After a swap the row keeps keyboard focus unless the user is typing somewhere.
  document.addEventListener("htmx:afterSettle", (event) => {
    const row = event.target.closest && event.target.closest(".screening-row");
    if (row && !typing(document.activeElement)) row.focus({ preventScroll: true });
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

  document.addEventListener("DOMContentLoaded", () => {
    const first = document.querySelector(".screening-row.is-current") || rows()[0];
    if (first) first.classList.add("is-current");
  });
})();
