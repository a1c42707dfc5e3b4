// @ts-check
// What the answer's editor measures for hiring-team sessions: text pasted from outside the
// interview page, and the page hidden behind another tab or window. These become observations for a
// person to review, never part of a verdict (greenroom_gateway/editor_events.py says which).
// Figures only: the pasted text never leaves the browser. Practice sessions send nothing
// (room.js asks `session.observations`), so this runs for hiring-team sessions only.

/**
 * @typedef {{kind: "paste", at_s: number, chars: number, lines: number, from_page: boolean}
 *   | {kind: "left_page", at_s: number, away_s: number}} EditorEvent
 */

const MAX_EVENTS = 500; // what the gateway reads
const KEEP_COPIED = 20; // recent copies and cuts on this page, to tell moving code from pasting

const tenths = (/** @type {number} */ s) => Math.round(s * 10) / 10;
const normal = (/** @type {string} */ text) => text.replace(/\r\n?/g, "\n").trim();

export class EditorWatch {
  constructor() {
    /** @type {EditorEvent[]} */
    this.events = [];
    /** @type {string[]} */
    this.copied = [];
    this.started = 0;
    /** @type {number | null} */
    this.hiddenAt = null;
    this.active = false;
    /** @type {WeakSet<HTMLElement>} */
    this.attached = new WeakSet();
    document.addEventListener("visibilitychange", () => this.visibility());
    // Copies anywhere on the page (the question's text, a field): quoting is not pasting.
    const fromPage = (/** @type {Event} */ event) => {
      const field = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (event.target);
      const inField = field && typeof field.selectionStart === "number" && field.value !== undefined;
      this.remember(inField
        ? field.value.slice(field.selectionStart || 0, field.selectionEnd || 0)
        : String(document.getSelection() || ""));
    };
    document.addEventListener("copy", fromPage);
    document.addEventListener("cut", fromPage);
  }

  /** @param {string} selected text just copied or cut on this page */
  remember(selected) {
    if (!this.active) return; // practice sessions: nothing is kept, not even in memory
    const text = normal(selected);
    if (!text) return;
    this.copied.push(text);
    if (this.copied.length > KEEP_COPIED) this.copied.shift();
  }

  /** Seconds since the question was shown. */
  now() {
    return (performance.now() - this.started) / 1000;
  }

  /** A new question: forget the last one's events (what was copied on the page still counts). */
  start() {
    this.events = [];
    this.hiddenAt = document.visibilityState === "hidden" ? 0 : null;
    this.started = performance.now();
    this.active = true;
  }

  /** The answer is submitted: what was measured while it was written. */
  stop() {
    this.active = false;
    return this.events.slice(0, MAX_EVENTS);
  }

  /**
   * Listen to an editor's element (the capture phase runs before the editor's own handlers).
   * @param {HTMLElement} element
   * @param {(() => string) | null} [selection] the editor's own selection, where a copy
   *   takes it rather than the DOM's (CodeMirror); plain fields are covered page-wide
   */
  attach(element, selection = null) {
    if (this.attached.has(element)) return;
    this.attached.add(element);
    if (selection) {
      const remember = () => this.remember(selection());
      element.addEventListener("copy", remember, true);
      element.addEventListener("cut", remember, true);
    }
    element.addEventListener("paste", (event) => {
      if (!this.active || !event.clipboardData) return;
      const raw = event.clipboardData.getData("text/plain");
      const text = normal(raw);
      if (!text) return;
      this.events.push({
        kind: "paste", at_s: tenths(this.now()), chars: raw.length,
        lines: text.split("\n").length,
        from_page: this.copied.some((c) => c.includes(text)),
      });
    }, true);
  }

  visibility() {
    if (!this.active) return;
    if (document.visibilityState === "hidden") {
      this.hiddenAt = this.now();
    } else if (this.hiddenAt !== null) {
      const at = this.hiddenAt;
      this.hiddenAt = null;
      this.events.push({ kind: "left_page", at_s: tenths(at), away_s: tenths(this.now() - at) });
    }
  }
}
