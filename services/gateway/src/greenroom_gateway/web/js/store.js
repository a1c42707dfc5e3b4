// @ts-check
// The web app's one store: what the screens share (settings and rules of the platform, the
// question bank, the session under way, its answers, the recorder), the screen switch and a
// few helpers every screen uses. Each screen is a module of its own (start.js, consent.js,
// room.js, answer.js, session.js, progress.js); app.js wires them. Screens import the
// screens they lead to; the one way back that would close a cycle (a failed answer's
// "Answer this question again" back into the room) goes through `nav`.

import { $, $$, announce, title } from "./dom.js";

/**
 * @typedef {{answer_limit_s: number, retention_days: number, max_text_chars: number,
 *   token_ttl_hours: number, max_upload_bytes?: number, server_voice?: boolean}} Config
 *   server_voice: the platform reads bank questions aloud (else the browser's own voice)
 * @typedef {{rounds: string[], long_pause_s: number, pace: {low_wpm: number, high_wpm: number},
 *   filler_sounds: string[], stages: Record<string, string[]>}} Rules
 *   The platform's rules (GET /api/rules): defined once in greenroom_common.domain.
 * @typedef {{id: string, round: string, prompt: string, answer_modes?: string[],
 *   time_limit_s?: number, vocabulary?: string[], category?: string}} Question
 * @typedef {{stage: string, state: "done" | "working" | "waiting" | "failed" | "skipped"}} StageProgress
 * @typedef {{stage: string, reason: string, message: string}} Failure
 * @typedef {{kind: string, target: string, question: string, reason: string,
 *   time_limit_s: number}} FollowUp  the interviewer's one follow-up on an answer (its result)
 * @typedef {{of: string, index: number, ask: FollowUp, mode: string}} Asked  a follow-up being
 *   answered: the answer it follows, that answer's question index, the question, the mode
 * @typedef {{answer_id: string, session_id?: string, question_id: string, mode: string,
 *   follow_up_of?: string | null,
 *   status: "queued" | "processing" | "graded" | "failed", stages: string[], result?: any,
 *   error?: Failure | null, transcript?: any, vision?: any, progress?: StageProgress[]}} AnswerView
 * @typedef {{session_id: string, question_ids: string[], complete: boolean,
 *   answers: AnswerView[], report: any, dimension_scores?: Record<string, number>}} SessionView
 * @typedef {{id: string, token: string, questions: Question[], label: string,
 *   started_at: string, observations?: boolean}} Session  observations: a hiring-team
 *   session, whose coding editor reports pastes and pages left (editorwatch.js)
 * @typedef {{url: string, video: boolean}} Recording
 * @typedef {{blob: Blob, seconds: number, filename: string, type?: string, url?: string,
 *   video?: boolean}} Take
 * @typedef {{answer_id: string, question_id: string, index: number, mode: string,
 *   view: AnswerView | null, recording: Recording | null, presence: any,
 *   announced: boolean, follow_up_of?: string | null, skipped?: boolean}} Tracked
 *   An answer of this session that the app follows; follow_up_of: the answer whose follow-up
 *   it answers; skipped: the candidate declined its follow-up.
 * @typedef {{getValue(): string, setValue(value: string): void, focus(): void,
 *   refresh(): void, element?: HTMLElement, cm?: any}} Editor  CodeMirror, or the plain field
 * @typedef {"idle" | "opening" | "ready" | "recording" | "stopping" | "recorded" | "error"} RecState
 */

export const state = {
  /** @type {Config} */
  config: { answer_limit_s: 180, retention_days: 30, max_text_chars: 20000, token_ttl_hours: 168 },
  /** @type {Rules | null} */
  rules: null,
  /** @type {Promise<Rules | null>} resolves once the rules are loaded (app.js) */
  rulesReady: new Promise(() => {}),
  /** @type {Question[]} */
  bank: [],
  /** @type {Map<string, Question>} */
  byId: new Map(),
  /** @type {Promise<void> | null} resolves once the question bank is loaded */
  bankReady: null,
  /** the candidate's choice: video | audio | text */
  mode: "video",
  /** @type {Session | null} */
  session: null,
  index: 0,
  /** @type {Map<number, string>} question index -> "text" when the candidate chose to type it */
  overrides: new Map(),
  /** @type {Map<number, string>} question index -> typed text or code */
  drafts: new Map(),
  /** @type {Asked | null} the follow-up the room asks (null: the question itself) */
  followUp: null,
  /** whether the interviewer's voice is reading the question (voice.js) */
  speaking: false,
  /** @type {import("./recorder.js").Recorder | null} */
  recorder: null,
  /** @type {Take | null} the current recording */
  take: null,
  /** @type {RecState} */
  recState: "idle",
  /** @type {Map<string, Tracked>} */
  answers: new Map(),
  /** @type {string | null} answer_id shown on the answer screen */
  current: null,
  /** @type {(() => void) | null} */
  stopWatch: null,
  sseOpen: false,
  /** @type {Map<string, string>} */
  refreshing: new Map(),
  /** @type {Editor | null} */
  editor: null,
  /** @type {Promise<void> | null} */
  editorLoading: null,
  /** @type {{recorder: import("./recorder.js").Recorder | null, take: Take | null} | null} */
  narration: null,
  /** @type {SessionView | null} */
  sessionView: null,
  consented: false,
};

/** Ways back that would make an import cycle; room.js fills them in. */
export const nav = {
  /** @type {(index: number, followUp?: Asked | null) => void} */
  room: () => { throw new Error("room.js is not loaded"); },
};

// -- screens ------------------------------------------------------------------------------

const TITLES = {
  start: "Greenroom — mock interviews for Python developers",
  consent: "Before you record — Greenroom",
  room: "Interview room — Greenroom",
  answer: "Your answer — Greenroom",
  session: "Session report — Greenroom",
  progress: "My progress — Greenroom",
};

/** @typedef {keyof typeof TITLES} Screen */

/** Show one screen (and only it), give it its title and, unless told not to, the focus. */
export function screen(/** @type {Screen} */ name, { focus = true } = {}) {
  for (const el of $$(".screen")) el.hidden = el.dataset.screen !== name;
  document.title = TITLES[name] || TITLES.start;
  document.body.dataset.screen = name;
  if (name === "session" && state.session) {
    // A link to this report: reloading the page, or opening the link again, returns here.
    const link = `#session/${state.session.id}`;
    if (location.hash !== link) history.replaceState(null, "", link);
  } else if (name !== "progress" && name !== "consent" && location.hash) {
    history.replaceState(null, "", location.pathname);
  }
  if (focus) {
    const heading = $(`#screen-${name} h1`);
    if (heading) heading.focus({ preventScroll: false });
  }
  window.scrollTo(0, 0);
}

/** @returns {Screen} */
export function currentScreen() {
  return /** @type {Screen} */ (document.body.dataset.screen || "start");
}

/** Show a problem in `el` (and say it), or hide it when `message` is empty. */
export function fail(/** @type {HTMLElement} */ el, /** @type {string} */ message) {
  el.textContent = message;
  el.hidden = !message;
  if (message) announce(message, true);
}

/** Show the page that a link to a report kept hidden until drawn (boot.js), focused as
 * screen() would have. */
export function reveal() {
  if (!document.documentElement.dataset.boot) return;
  delete document.documentElement.dataset.boot;
  const heading = $(`#screen-${currentScreen()} h1`);
  if (heading) heading.focus();
}

export const delay = (/** @type {number} */ ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// -- the session's questions --------------------------------------------------------------

/** The session's question at `index` (the current one by default). */
export function question(index = state.index) {
  if (!state.session) throw new Error("no session");
  return state.session.questions[index];
}

/** Seconds to answer `q`: its own limit, never over the deployment's. */
export function limitFor(/** @type {Question} */ q) {
  const limit = state.config.answer_limit_s;
  return Math.max(1, Math.min(limit, q.time_limit_s || limit));
}

/** A round's name as the start form shows it (index.html labels the rounds). */
export function roundName(/** @type {string} */ round) {
  const input = $$('#round-choices input[name="round"]')
    .find((el) => /** @type {HTMLInputElement} */ (el).value === round);
  const label = input && input.closest("label");
  const name = label && $("strong", label);
  return name ? name.textContent || title(round) : title(round);
}
