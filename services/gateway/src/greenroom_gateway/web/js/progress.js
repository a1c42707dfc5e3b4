// @ts-check
// Screen 7, "My progress": this device's past sessions (history.js), their scores over time,
// reopening a report, and deleting a session's data or all of it.

import { api, ApiError } from "./api.js";
import { $, announce, formatDate, h, show, title } from "./dom.js";
import { findSession, forget, forgetAll, loadHistory } from "./history.js";
import { closeMedia } from "./media.js";
import { lineChart } from "./plots.js";
import { listTable, verdictTag } from "./report.js";
import { endSession, refreshSession, renderSession, watch } from "./session.js";
import { delay, fail, reveal, screen, state } from "./store.js";

/** @typedef {{session_id: string, token: string, started_at?: string, label?: string,
 *   count?: number, mode?: string, verdict?: string, score?: number,
 *   dimensions?: Record<string, number>, completed_at?: string}} Entry */

const DIMENSIONS = ["content", "structure", "clarity", "delivery", "confidence"];

/**
 * Scores of past sessions on this device, then the list.
 * @param {Entry[]} entries
 * @param {{open(entry: Entry): void, remove(entry: Entry): void}} actions
 */
export function progressView(entries, { open, remove }) {
  const root = h("div", {});
  if (!entries.length) {
    root.append(h("p", { class: "callout info" }, "No sessions on this device yet. Finish an interview and it appears here."));
    return root;
  }
  const done = entries.filter((e) => Number.isFinite(e.score));
  if (done.length) {
    const score = (/** @type {Entry} */ e, /** @type {string} */ n) => (e.dimensions && Number.isFinite(e.dimensions[n]) ? e.dimensions[n] : NaN);
    const names = DIMENSIONS.filter((n) => done.some((e) => Number.isFinite(score(e, n))));
    const series = [{ name: "Overall", points: done.map((e, i) => ({ x: i + 1, y: Number(e.score) })) },
      ...names.map((n) => ({ name: title(n), points: done.map((e, i) => ({ x: i + 1, y: score(e, n) })) }))];
    const first = Number(done[0].score);
    const last = Number(done[done.length - 1].score);
    root.append(h("section", { class: "card" }, lineChart({
      title: "Scores over your sessions",
      summary: `${done.length} sessions; overall score from ${Math.round(first)} to ${Math.round(last)}.`,
      series, legend: true, xLabel: "session", tableX: "Session", yMin: 0, yMax: 100,
      xTicks: done.map((_, i) => i + 1), xFormat: (/** @type {number} */ x) => `#${x}`,
    }), done.length === 1 ? h("p", { class: "hint" }, "One finished session so far: the lines appear from the second one.") : null));
  }
  root.append(h("section", { class: "card" }, h("h2", {}, "Sessions"),
    listTable(["#", "Started", "Interview", "Verdict", "Score", { label: "Actions", hidden: true }], entries.map((e, i) => ({
      attrs: { "data-session": e.session_id },
      cells: [String(i + 1), formatDate(e.started_at || ""),
        [e.label || "Interview", e.count ? ` · ${e.count} question${e.count === 1 ? "" : "s"}` : ""],
        e.verdict ? verdictTag(e.verdict) : "not finished",
        Number.isFinite(e.score) ? String(Math.round(Number(e.score))) : "—",
        h("div", { class: "actions actions-inline" },
          h("button", { type: "button", class: "button small", onclick: () => open(e) }, "Open", h("span", { class: "visually-hidden" }, ` session ${i + 1}`)),
          h("button", { type: "button", class: "button small danger", onclick: () => remove(e) }, "Delete", h("span", { class: "visually-hidden" }, ` session ${i + 1}`)))],
    })), { id: "history-table" })));
  return root;
}

export function showProgress() {
  closeMedia();
  const body = $("#progress-body");
  body.textContent = "";
  const entries = loadHistory();
  body.append(progressView(entries, { open: openFromHistory, remove: (e) => deleteSessions([e]) }));
  show($("#btn-delete-all"), entries.length > 0);
  screen("progress");
}

/** Reopen a past session's report (and follow it, if not complete). */
export async function openFromHistory(/** @type {Entry} */ entry) {
  endSession();
  state.session = { id: entry.session_id, token: entry.token, questions: [], label: entry.label || "",
    started_at: entry.started_at || "" };
  state.answers = new Map();
  state.sessionView = null;
  screen("session");
  renderSession();
  // The prompts come from the question bank: wait for it (a little) to draw the report once.
  const [view] = await Promise.all([refreshSession(), Promise.race([state.bankReady, delay(4000)])]);
  if (!view) {
    fail($("#session-status"), "This session's data is no longer on the server (deleted or expired).");
    reveal();
    return;
  }
  state.session.questions = view.question_ids.map((id) => state.byId.get(id) || { id, prompt: id, round: "", answer_modes: ["text"] });
  if (!view.complete) watch();
  renderSession();
  reveal();
}

/** @returns {Promise<boolean>} whether the candidate confirmed */
function confirmDialog(/** @type {string} */ text) {
  const dialog = /** @type {HTMLDialogElement} */ ($("#confirm-dialog"));
  $("#confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

/** Delete sessions' data on the server and forget them on this device, once confirmed. */
async function deleteSessions(/** @type {Entry[]} */ entries) {
  if (!entries.length) return;
  const one = entries.length === 1;
  const ok = await confirmDialog(one
    ? "This deletes the recordings, transcripts and results of this session from the server, and removes it from this device. It cannot be undone."
    : `This deletes the recordings, transcripts and results of all ${entries.length} sessions on this device from the server, and clears your progress. It cannot be undone.`);
  if (!ok) return;
  /** @type {string[]} */
  const failures = [];
  for (const entry of entries) {
    try {
      await api.deleteSession(entry.session_id, entry.token);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) {
        failures.push(error.message);
        continue;
      }
    }
    forget(entry.session_id);
    if (state.session && state.session.id === entry.session_id) {
      endSession();
      state.answers = new Map();
      state.sessionView = null;
    }
  }
  if (!one && !failures.length) forgetAll();
  showProgress();
  const message = failures.length
    ? `Some data could not be deleted: ${failures[0]} Try again.`
    : one ? "The session's data was deleted." : "All your data was deleted.";
  const note = h("p", { class: failures.length ? "callout error" : "callout info", id: "delete-result", role: "status" }, message);
  $("#progress-body").prepend(note);
  announce(message, !!failures.length);
}

export function setupProgress() {
  $("#btn-delete-all").addEventListener("click", () => deleteSessions(loadHistory()));
  $("#btn-delete-session").addEventListener("click", () => {
    if (!state.session) return;
    deleteSessions([findSession(state.session.id) || { session_id: state.session.id, token: state.session.token }]);
  });
}
