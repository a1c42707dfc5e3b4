// @ts-check
// The code editor of coding questions: CodeMirror 5 with the Python mode (vendor/), or the
// plain textarea if the script did not load. Tab indents; Esc then Tab leaves the editor, so
// keyboard users are never trapped. CodeMirror (400 KB) is loaded on first use only: the
// first coding question, or the report of a coded answer; no other screen pays for it.

import { h } from "./dom.js";

const VENDOR = new URL("../vendor/codemirror-5.65.21/", import.meta.url);
/** CodeMirror 5 (a classic script: it sets a global), typed loosely. */
const cmGlobal = () => /** @type {any} */ (window).CodeMirror;
let loading = null;

function load(tag, attrs) {
  return new Promise((resolve, reject) => {
    const el = document.createElement(tag);
    Object.assign(el, attrs);
    el.onload = resolve;
    el.onerror = () => reject(new Error(`${attrs.src || attrs.href} did not load`));
    if (tag === "link") {
      // Before the app's own styles, which refine CodeMirror's.
      document.head.insertBefore(el, document.querySelector('link[rel="stylesheet"]'));
    } else {
      document.head.append(el);
    }
  });
}

/** CodeMirror with its Python mode and runMode, loaded once; null if it cannot load. */
export function loadCodeMirror() {
  if (cmGlobal() && cmGlobal().runMode) return Promise.resolve(cmGlobal());
  if (!loading) {
    const script = (name) => load("script", { src: new URL(name, VENDOR).href, async: false });
    loading = Promise.all([
      load("link", { rel: "stylesheet", href: new URL("codemirror.css", VENDOR).href }),
      script("codemirror.js").then(() => Promise.all([script("python.js"), script("runmode.js")])),
    ]).then(() => cmGlobal() || null, () => {
      loading = null; // try again next time
      return null;
    });
  }
  return loading;
}

/**
 * @param {HTMLTextAreaElement} textarea
 * @param {{label?: string, describedBy?: string}} [options]
 * @returns {Promise<import("./store.js").Editor>}
 */
export async function createEditor(textarea, { label, describedBy } = {}) {
  const CM = await loadCodeMirror();
  if (!CM) {
    return {
      getValue: () => textarea.value,
      setValue: (v) => { textarea.value = v; },
      focus: () => textarea.focus(),
      refresh: () => {},
      element: textarea,
    };
  }
  let escaped = false;
  const cm = CM.fromTextArea(textarea, {
    mode: { name: "python", version: 3 },
    lineNumbers: true,
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    inputStyle: "contenteditable", // readable by screen readers
    screenReaderLabel: label || "Code editor",
    viewportMargin: Infinity,
    extraKeys: {
      Tab: (editor) => {
        if (editor.somethingSelected()) editor.indentSelection("add");
        else editor.replaceSelection(" ".repeat(editor.getOption("indentUnit")), "end");
        return undefined;
      },
      "Shift-Tab": (editor) => editor.indentSelection("subtract"),
      Esc: () => { escaped = true; },
    },
  });
  cm.on("keydown", (_, event) => {
    // After Esc, Tab is the browser's again: CodeMirror ignores the event, focus moves on.
    if (event.key === "Tab" && escaped) event.codemirrorIgnore = true;
    else if (event.key !== "Escape" && event.key !== "Shift") escaped = false;
  });
  cm.on("focus", () => { escaped = false; });
  const input = cm.getInputField();
  if (describedBy) input.setAttribute("aria-describedby", describedBy);
  input.setAttribute("aria-multiline", "true");
  input.setAttribute("role", "textbox");
  // The <label for="code-input"> no longer points at a focusable field: clicking it focuses CodeMirror.
  const labelEl = document.querySelector(`label[for="${textarea.id}"]`);
  if (labelEl) {
    input.setAttribute("aria-labelledby", labelEl.id || (labelEl.id = `${textarea.id}-label`));
    labelEl.addEventListener("click", () => cm.focus());
  }
  return {
    getValue: () => cm.getValue(),
    setValue: (v) => cm.setValue(v),
    focus: () => cm.focus(),
    refresh: () => cm.refresh(),
    element: cm.getWrapperElement(),
    cm,
  };
}

/** Read-only code for reports: plain text at once, highlighted by CodeMirror's runMode as
 * soon as it is loaded (the same text, so nothing moves). */
export function highlightedCode(code) {
  // Focusable: a long line scrolls sideways, and keyboard users must be able to scroll it.
  const pre = h("pre", { class: "code cm-s-default", tabindex: "0", role: "region", "aria-label": "Your code" });
  const codeEl = h("code", {}, code);
  pre.append(codeEl);
  loadCodeMirror().then((CM) => {
    if (!CM || !CM.runMode) return;
    const spans = [];
    CM.runMode(code, { name: "python", version: 3 }, (text, style) => {
      spans.push(style ? h("span", { class: style.split(" ").map((c) => `cm-${c}`).join(" ") }, text) : text);
    });
    codeEl.textContent = "";
    codeEl.append(...spans);
  });
  return pre;
}
