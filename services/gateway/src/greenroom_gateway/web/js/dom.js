// @ts-check
// Small DOM helpers: element building without innerHTML (no markup injection from results),
// screen-reader announcements and formatting.

/**
 * The page's own element (assumed there: index.html has it). Form controls: input().
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {HTMLElement}
 */
export const $ = (selector, root = document) => /** @type {HTMLElement} */ (root.querySelector(selector));

/**
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {HTMLElement[]}
 */
export const $$ = (selector, root = document) => /** @type {HTMLElement[]} */ ([...root.querySelectorAll(selector)]);

/** A form control of the page. */
export const input = (/** @type {string} */ selector, /** @type {ParentNode} */ root = document) => /** @type {HTMLInputElement} */ (/** @type {unknown} */ ($(selector, root)));

/** @typedef {Node | string | number | boolean | null | undefined | any[]} Children  nested lists flatten */

/**
 * h("p", {class: "x", onclick: fn}, "text", child, [more]) -> Element
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...Children} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "text") {
      el.textContent = value;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @template {Element} T
 * @param {T} el
 * @param {Children[]} children
 * @returns {T}
 */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * An SVG element, as h() builds HTML ones.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...Children} children
 * @returns {SVGElement}
 */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let announceSeq = 0;

/** Say something to screen-reader users (polite by default). */
export function announce(message, assertive = false) {
  const region = document.getElementById(assertive ? "announce-assertive" : "announce-polite");
  if (!region) return;
  // Re-setting the same text is not announced again: alternate an invisible suffix.
  announceSeq += 1;
  region.textContent = message + (announceSeq % 2 ? "" : "\u200b");
}

/** 75.4 -> "1:15" */
export function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds + 1e-6));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/** A duration in words for people: 180 -> "3 minutes", 12 -> "12 seconds". */
export function duration(/** @type {number} */ seconds) {
  const whole = Math.round(seconds);
  if (whole >= 60 && whole % 60 === 0) return `${whole / 60} minute${whole === 60 ? "" : "s"}`;
  if (whole > 60) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${whole} second${whole === 1 ? "" : "s"}`;
}

export function pct(share) {
  return share === null || share === undefined ? "—" : `${Math.round(share * 100)}%`;
}

export function title(word) {
  return word ? word.charAt(0).toUpperCase() + word.slice(1) : "";
}

export function show(el, visible = true) {
  if (el) el.hidden = !visible;
}

export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })
    + " " + d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** Text with `backticked` spans as inline code (prompts and feedback quote code that way). */
export function rich(text, plain = (part) => part) {
  const out = [];
  String(text ?? "").split(/(`[^`\n]+`)/).forEach((part, i) => {
    if (i % 2) out.push(h("code", { class: "inline-code" }, part.slice(1, -1)));
    else if (part) out.push(...[].concat(plain(part)));
  });
  return out;
}

/** Replace an element's content with rich text. */
export function setRich(el, text) {
  el.textContent = "";
  append(el, rich(text));
}
