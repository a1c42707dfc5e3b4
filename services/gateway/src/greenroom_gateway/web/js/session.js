// @ts-check
// Screen 6, the session report, and the session's live events: the stream (SSE) redraws
// answers and the report as the pipeline moves; a slow poll covers reconnects.

import { openAnswer, refreshAnswer, renderAnswer } from "./answer.js";
import { api, watchSession } from "./api.js";
import { $, announce, show } from "./dom.js";
import { followUpsSection } from "./exchange.js";
import { remember } from "./history.js";
import { closeMedia } from "./media.js";
import { sessionReport } from "./report.js";
import { enterRoom } from "./room.js";
import { currentScreen, fail, screen, state } from "./store.js";

const POLL_MS = 8000;

/**
 * A session the API just created becomes the current one (and one of this device's).
 * @param {{session_id: string, token: string, questions: import("./store.js").Question[],
 *   observations?: boolean}} body
 * @param {string} label
 */
export function beginSession(body, label) {
  endSession();
  state.session = {
    id: body.session_id, token: body.token, questions: body.questions, label,
    started_at: new Date().toISOString(), observations: !!body.observations,
  };
  for (const q of body.questions) state.byId.set(q.id, q);
  state.index = 0;
  state.overrides = new Map();
  state.drafts = new Map();
  state.followUp = null;
  state.answers = new Map();
  state.current = null;
  state.sessionView = null;
  state.consented = false;
  remember({ session_id: body.session_id, token: body.token, started_at: state.session.started_at,
    label, count: body.questions.length, mode: state.mode });
  watch();
}

export function endSession() {
  if (state.stopWatch) state.stopWatch();
  state.stopWatch = null;
  closeMedia();
  state.session = null;
}

/** Follow the current session's live events. */
export function watch() {
  const session = state.session;
  if (!session) return;
  state.stopWatch = watchSession(session.id, session.token, (/** @type {string} */ topic, /** @type {any} */ data) => {
    if (state.session !== session) return;
    if (topic === "snapshot") {
      for (const view of data.answers || []) {
        const entry = state.answers.get(view.answer_id);
        if (entry) {
          entry.view = view;
          if (state.current === view.answer_id) renderAnswer(view.answer_id);
        }
      }
      if (data.report) onSessionView(data);
      return;
    }
    if (topic === "sessions.completed") {
      refreshSession();
      return;
    }
    if (data && state.answers.has(data.answer_id)) refreshAnswer(data.answer_id);
  }, (/** @type {boolean} */ open) => {
    state.sseOpen = open;
    document.body.dataset.live = open ? "open" : "closed";
  });
}

/** Safety net while the event stream reconnects (or a proxy buffers it). */
function poll() {
  if (!state.session) return;
  for (const entry of state.answers.values()) {
    const done = entry.view && (entry.view.status === "graded" || entry.view.status === "failed");
    if (!done) refreshAnswer(entry.answer_id);
  }
  if (!state.sseOpen && state.answers.size && !(state.sessionView && state.sessionView.complete)) refreshSession();
}

/** @returns {Promise<import("./store.js").SessionView | null>} */
export async function refreshSession() {
  if (!state.session) return null;
  try {
    const view = await api.session(state.session.id, state.session.token);
    onSessionView(view);
    return view;
  } catch (error) {
    if (currentScreen() === "session") fail($("#session-status"), error.message);
    return null;
  }
}

/** A new view of the session: kept, remembered on this device once complete (with the
 * dimension means the API computed), and drawn if its screen is shown. */
function onSessionView(/** @type {import("./store.js").SessionView} */ view) {
  const before = state.sessionView && state.sessionView.complete;
  state.sessionView = view;
  if (view.report) {
    remember({ session_id: view.session_id, verdict: view.report.verdict, score: view.report.score,
      dimensions: view.dimension_scores || {}, completed_at: view.report.completed_at });
    if (!before) {
      announce(`All answers are graded. Session verdict: ${view.report.verdict === "pass" ? "pass" : "fail"}.`);
      $("#btn-session").textContent = "Session report (ready)";
    }
  }
  if (currentScreen() === "session") renderSession();
}

export function renderSession() {
  const view = state.sessionView;
  const status = $("#session-status");
  const box = $("#session-report");
  box.textContent = "";
  if (!view) {
    status.textContent = "Loading…";
    return;
  }
  const total = view.question_ids.length;
  const answered = new Set(view.answers.map((a) => a.question_id)).size;
  const graded = view.answers.filter((a) => a.status === "graded" && !a.follow_up_of).length;
  status.textContent = view.complete
    ? (total === 1 ? "Your answer is graded." : `All ${total} answers are graded.`)
    : `${answered} of ${total} questions answered; ${graded} graded so far. The verdict appears when every answer is graded.`;
  box.append(sessionReport(view, { questions: state.byId, openAnswer }));
  // Each follow-up the interviewer asked: the first answer, the question and why, the answer.
  const followUps = followUpsSection(view, { questions: state.byId, openAnswer });
  if (followUps) box.append(followUps);
  const unanswered = view.question_ids.findIndex((qid) => !view.answers.some((a) => a.question_id === qid));
  const resume = $("#btn-resume");
  show(resume, unanswered >= 0 && !!state.session && !!state.session.questions);
  resume.onclick = () => enterRoom(unanswered);
}

export async function showSession() {
  closeMedia();
  $("#btn-session").textContent = "Session report";
  screen("session");
  renderSession();
  await refreshSession();
}

export function setupSession() {
  setInterval(poll, POLL_MS);
}
