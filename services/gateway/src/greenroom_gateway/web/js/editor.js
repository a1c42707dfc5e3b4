// The code editor of coding questions: CodeMirror 5 with the Python mode (vendor/), or the
// plain textarea if the script did not load. Tab indents; Esc then Tab leaves the editor, so
// keyboard users are never trapped.

import { h } from "./dom.js";

export function createEditor(textarea, { label, describedBy } = {}) {
  const CM = window.CodeMirror;
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

/** Read-only highlighted code for reports (CodeMirror's runMode), or plain text. */
export function highlightedCode(code) {
  const pre = h("pre", { class: "code cm-s-default" });
  const codeEl = h("code", {});
  pre.append(codeEl);
  const CM = window.CodeMirror;
  if (CM && CM.runMode) {
    CM.runMode(code, { name: "python", version: 3 }, (text, style) => {
      if (style) codeEl.append(h("span", { class: style.split(" ").map((c) => `cm-${c}`).join(" ") }, text));
      else codeEl.append(text);
    });
  } else {
    codeEl.textContent = code;
  }
  return pre;
}
