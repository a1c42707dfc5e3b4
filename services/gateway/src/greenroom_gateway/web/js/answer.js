// @ts-check
// Screens 4 and 5, one answer: its upload, its progress through the pipeline (the stages
// and their states come from the API), then its report. When the result asks a follow-up,
// this screen offers it (the question, why it was asked, answer or skip); the room asks it.

import { api, ApiError } from "./api.js";
import { $, announce, duration, h, setRich, show, title } from "./dom.js";
import { exchangeBody } from "./exchange.js";
import { closeMedia } from "./media.js";
import { answerReport } from "./report.js";
import { currentScreen, fail, nav, question, screen, state } from "./store.js";

/** @typedef {import("./store.js").AnswerView} AnswerView */
/** @typedef {import("./store.js").Recording} Recording */
/** @typedef {{file: Blob, filename: string} | {text: string}
 *   | {code: string, editorEvents?: import("./editorwatch.js").EditorEvent[]}} Payload */

/** @type {Record<string, string>} */
const STAGE_LABELS = {
  ingest: "Reading the recording", transcribe: "Transcribing your words",
  vision: "On-camera analysis", grade: "Grading",
};
const ICONS = { done: "✓", failed: "✗", working: "…", waiting: "○", skipped: "–" };
const WORDS = { done: "done", failed: "failed", working: "in progress", waiting: "waiting", skipped: "not run" };

function stageLabel(/** @type {string} */ stage, /** @type {string} */ mode) {
  if (stage === "vision" && mode === "audio") return "Video check (microphone only)";
  if (stage === "grade" && mode === "code") return "Running your code and grading";
  return STAGE_LABELS[stage] || title(stage);
}

/** The stages of an answer of `mode`: their states from the API once there is a view, all
 * waiting before (the list of stages comes from the platform's rules). */
function renderStages(/** @type {string} */ mode, /** @type {AnswerView | null} */ view) {
  const list = $("#stages");
  list.textContent = "";
  /** @type {import("./store.js").StageProgress[]} */
  const progress = view && view.progress && view.progress.length ? view.progress
    : ((state.rules && state.rules.stages[mode]) || []).map((stage) => ({ stage, state: "waiting" }));
  for (const { stage, state: status } of progress) {
    list.append(h("li", { class: status, "data-stage": stage, "data-state": status },
      h("span", { class: "stage-icon", "aria-hidden": "true" }, ICONS[status]),
      h("span", {}, stageLabel(stage, mode)), h("span", { class: "stage-state" }, `— ${WORDS[status]}`)));
  }
}

/**
 * Upload one answer of the current question (or of the follow-up the room asked) and follow
 * it on the answer screen.
 * @param {Payload} payload
 * @param {string} kind the answer's mode
 * @param {Recording | null} recording what the report plays back
 * @param {import("./store.js").Asked | null} [asked] the follow-up it answers
 */
export async function submitAnswer(payload, kind, recording, asked = state.followUp) {
  if (!state.session) return;
  const session = state.session;
  const q = question();
  const index = state.index;
  const followUpOf = asked ? asked.of : null;
  state.current = null;
  showAnswerScreen(index, kind, asked && asked.ask);
  const bar = /** @type {HTMLProgressElement} */ ($("#upload-progress"));
  show($("#upload-box"), true);
  bar.value = 0;
  $("#upload-pct").textContent = "0%";
  $("#upload-label").textContent = "file" in payload
    ? `Uploading your recording (${(payload.file.size / 1048576).toFixed(1)} MB)` : "Sending your answer";
  let accepted;
  try {
    accepted = await api.submit(session.id, session.token, q.id, payload, (/** @type {number} */ share) => {
      const value = Math.round(share * 100);
      bar.value = value;
      $("#upload-pct").textContent = `${value}%`;
    }, followUpOf);
  } catch (error) {
    const retry = $("#btn-retry");
    fail($("#answer-error"), `${error.message}`);
    if (error.status === 0) {
      retry.textContent = "Try the upload again";
      retry.onclick = () => submitAnswer(payload, kind, recording, asked);
    } else {
      retry.textContent = asked ? "Answer the follow-up again" : "Answer this question again";
      retry.onclick = () => nav.room(index, asked);
    }
    show(retry, error.status !== 429); // 429: this follow-up is answered already
    if (error.answerId) trackAnswer(error.answerId, q.id, index, kind, recording, followUpOf);
    return;
  }
  $("#upload-label").textContent = "file" in payload ? "Recording uploaded" : "Answer sent";
  bar.value = 100;
  $("#upload-pct").textContent = "100%";
  announce("Uploaded. Your answer is being processed.");
  state.current = accepted.answer_id;
  trackAnswer(accepted.answer_id, q.id, index, kind, recording, followUpOf);
  show($("#btn-next"), true);
  refreshAnswer(accepted.answer_id);
}

/**
 * @param {number} index
 * @param {string} kind
 * @param {import("./store.js").FollowUp | null} [asked] the follow-up the answer answers
 */
function showAnswerScreen(index, kind, asked = null) {
  const q = question(index);
  const n = state.session ? state.session.questions.length : 1;
  $("#answer-step").textContent = `${asked ? "Follow-up on question" : "Question"} ${index + 1} of ${n}`;
  $("#answer-title").textContent = asked ? `Your answer to the follow-up on question ${index + 1}` : `Your answer to question ${index + 1}`;
  setRich($("#answer-question"), asked ? asked.question : q.prompt);
  show($("#follow-up-offer"), false);
  show($("#progress-card"), true);
  const report = $("#answer-report");
  show(report, false);
  report.textContent = "";
  delete report.dataset.drawn; // what it showed is gone: renderAnswer draws it again
  fail($("#answer-error"), "");
  show($("#btn-retry"), false);
  const last = index + 1 >= n;
  $("#btn-next").textContent = last ? "Finish: session report" : "Next question";
  show($("#btn-next"), false);
  show($("#btn-session"), !last);
  closeMedia();
  renderStages(kind, null);
  screen("answer");
}

/**
 * @param {string} answerId
 * @param {string} questionId
 * @param {number} index
 * @param {string} kind
 * @param {Recording | null} recording
 * @param {string | null} followUpOf
 */
function trackAnswer(answerId, questionId, index, kind, recording, followUpOf) {
  state.answers.set(answerId, {
    answer_id: answerId, question_id: questionId, index, mode: kind, view: null, recording,
    presence: undefined, announced: false, follow_up_of: followUpOf,
  });
}

/** The latest view of an answer of this session: followed here, or in the session's view. */
function viewOf(/** @type {string | null | undefined} */ answerId) {
  if (!answerId) return null;
  const entry = state.answers.get(answerId);
  const listed = state.sessionView ? state.sessionView.answers.find((a) => a.answer_id === answerId) : null;
  return (entry && entry.view) || listed || null;
}

/** The answer to the follow-up of `answerId`, if the candidate gave one. */
function followUpAnswer(/** @type {string} */ answerId) {
  const tracked = [...state.answers.values()].find((a) => a.follow_up_of === answerId);
  if (tracked) return tracked.view || /** @type {AnswerView} */ ({ answer_id: tracked.answer_id,
    question_id: tracked.question_id, mode: tracked.mode, status: "queued", stages: [], follow_up_of: answerId });
  return (state.sessionView && state.sessionView.answers.find((a) => a.follow_up_of === answerId)) || null;
}

/** The mode a follow-up is answered in: the first answer's (code questions: in words). */
function followUpMode(/** @type {import("./store.js").Tracked} */ entry) {
  const q = state.session && state.session.questions[entry.index];
  return entry.mode === "code" && q && (q.answer_modes || []).includes("text") ? "text" : entry.mode;
}

/** Offer the follow-up an answer's result asks, while it is the latest answer and neither
 * answered nor skipped; hide the offer otherwise. */
function offerFollowUp(/** @type {import("./store.js").Tracked} */ entry, /** @type {AnswerView} */ view) {
  const box = $("#follow-up-offer");
  const asked = view.status === "graded" && view.result ? view.result.follow_up : null;
  const later = [...state.answers.values()].some((a) => a.index > entry.index);
  const open = !!asked && !entry.follow_up_of && !entry.skipped && !later
    && !followUpAnswer(entry.answer_id) && !!state.session;
  if (!open || !asked) {
    show(box, false);
    return;
  }
  const wasHidden = box.hidden;
  setRich($("#follow-up-question"), asked.question);
  $("#follow-up-reason").textContent = `Why it was asked: ${asked.reason}`;
  const mode = followUpMode(entry);
  const how = mode === "text" || mode === "code" ? "in writing" : "on the recording, as before";
  $("#follow-up-limit").textContent = `You have up to ${duration(asked.time_limit_s)} to answer, ${how}. `
    + "It is graded together with your first answer and can lift its verdict; skip it and the first answer counts.";
  $("#btn-follow-up").onclick = () => nav.room(entry.index, { of: entry.answer_id, index: entry.index, ask: asked, mode });
  $("#btn-follow-up-skip").onclick = () => {
    entry.skipped = true;
    show(box, false);
    announce("Follow-up skipped.");
    $("#btn-next").focus();
  };
  show(box, true);
  if (wasHidden) announce(`The interviewer asks a follow-up: ${asked.question}`);
}

/** Fetch an answer's view again (one request at a time per answer) and redraw it. */
export async function refreshAnswer(/** @type {string} */ answerId) {
  const entry = state.answers.get(answerId);
  if (!entry || !state.session) return;
  if (state.refreshing.get(answerId)) {
    state.refreshing.set(answerId, "again");
    return;
  }
  state.refreshing.set(answerId, "busy");
  try {
    const view = await api.answer(answerId, state.session.token);
    entry.view = view;
    if (view.status === "graded" && view.vision && entry.presence === undefined) {
      entry.presence = await api.presence(answerId, state.session.token).catch(() => null);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) state.answers.delete(answerId);
  } finally {
    const again = state.refreshing.get(answerId) === "again";
    state.refreshing.delete(answerId);
    if (state.current === answerId) renderAnswer(answerId);
    if (again) refreshAnswer(answerId);
  }
}

/** Draw an answer's progress and, once graded, its report (the rules first: they mark the
 * transcript). */
export function renderAnswer(/** @type {string} */ answerId) {
  const entry = state.answers.get(answerId);
  if (!entry || !entry.view || currentScreen() !== "answer") return;
  const rules = state.rules;
  if (!rules) {
    state.rulesReady.then(() => renderAnswer(answerId));
    return;
  }
  const view = entry.view;
  renderStages(entry.mode, view);
  offerFollowUp(entry, view);
  // Skip only a redraw of what the report shows now: showAnswerScreen empties it (and its
  // mark) whenever the screen is opened again, for this answer or another.
  const container = $("#answer-report");
  const key = `${answerId}:${view.status}:${view.stages.join(",")}:${entry.presence ? 1 : 0}`;
  if (container.dataset.drawn === key) return;
  container.dataset.drawn = key;
  const error = $("#answer-error");
  if (view.status === "failed" && view.error) {
    const what = entry.mode === "text" || entry.mode === "code" ? "this answer" : "this recording";
    fail(error, `We could not grade ${what}: ${view.error.message}`);
    const retry = $("#btn-retry");
    retry.textContent = "Answer this question again";
    retry.onclick = () => nav.room(entry.index);
    show(retry, !!state.session && state.session.questions[entry.index]?.id === entry.question_id);
  } else if (view.status === "graded") {
    fail(error, "");
    container.textContent = "";
    const recording = entry.recording;
    const seek = recording && recording.url ? (/** @type {number} */ t) => {
      const media = /** @type {HTMLMediaElement | null} */ (document.getElementById("report-media"));
      if (!media) return;
      media.currentTime = t;
      media.play().catch(() => {});
      media.focus();
    } : null;
    const report = answerReport(view, {
      question: state.byId.get(view.question_id), recording, presence: entry.presence, seek, rules,
    });
    // A follow-up exchange this answer belongs to, after the verdict (which covers both).
    const first = entry.follow_up_of ? viewOf(entry.follow_up_of) : view;
    const follow = entry.follow_up_of ? view : followUpAnswer(answerId);
    if (first && follow) {
      report.insertBefore(h("section", { class: "card exchange", id: "exchange", "aria-labelledby": "exchange-title" },
        h("h2", { id: "exchange-title" }, "The follow-up"),
        exchangeBody({ first, follow }, { ids: true, open: (/** @type {string} */ id) => { openAnswer(id); } })),
      report.children[1] || null);
    }
    container.append(report);
    show(container, true);
    show($("#upload-box"), false);
    if (!entry.announced) {
      entry.announced = true;
      const result = view.result;
      const verdict = result ? `${result.verdict === "pass" ? "Pass" : "Fail"}${result.borderline ? " (borderline)" : ""}, score ${Math.round(result.score)} out of 100` : "done";
      const lifted = result && result.lifted ? " The follow-up lifted it to a pass." : "";
      announce(`Your answer is graded: ${verdict}.${lifted}${result && result.follow_up ? " The interviewer asks a follow-up." : ""}`);
    }
  }
}

/** Open the report of an answer of this session (from the session report). */
export async function openAnswer(/** @type {string} */ answerId) {
  if (!state.session) return;
  let entry = state.answers.get(answerId);
  if (!entry) {
    const view = state.sessionView && state.sessionView.answers.find((a) => a.answer_id === answerId);
    const index = state.session.questions.findIndex((q) => q.id === (view && view.question_id));
    entry = { answer_id: answerId, question_id: view ? view.question_id : "", index: Math.max(0, index),
      mode: view ? view.mode : "text", view: null, recording: null, presence: undefined, announced: true,
      follow_up_of: view ? view.follow_up_of : null };
    state.answers.set(answerId, entry);
  }
  state.current = answerId;
  const first = viewOf(entry.follow_up_of);
  showAnswerScreen(entry.index, entry.mode, (first && first.result && first.result.follow_up) || null);
  show($("#upload-box"), false);
  show($("#btn-next"), false);
  show($("#btn-session"), true); // back to where it was opened from
  await refreshAnswer(answerId);
}
