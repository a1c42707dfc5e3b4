// @ts-check
// Screen 3, the interview room: the question, read aloud by the interviewer (voice.js; its
// text always on screen as the caption), then a recording (camera or microphone, with a
// countdown and a level meter) once the voice has finished, a typed answer, or code in the
// editor (with an optional spoken narration). A follow-up (answer.js offers it) is asked and
// answered here the same way, in its own shorter time. Submitting leads to the answer screen.

import { submitAnswer } from "./answer.js";
import { $, announce, clock, duration, input, setRich, show } from "./dom.js";
import { createEditor } from "./editor.js";
import { EditorWatch } from "./editorwatch.js";
import { closeMedia, resetTake, stopNarration } from "./media.js";
import { MediaProblem, Recorder } from "./recorder.js";
import { currentScreen, fail, limitFor, nav, question, roundName, screen, state } from "./store.js";
import { recStateChanged, setupVoice, speak } from "./voice.js";

/** Pastes and pages left while code is written: hiring-team sessions only. */
const editorWatch = new EditorWatch();

/** How question `index` is answered: its modes, the candidate's choice and consent. */
function answerModeFor(/** @type {number} */ index) {
  const modes = question(index).answer_modes || [];
  if (modes.includes("code")) return "code";
  if (state.overrides.get(index) === "text" && modes.includes("text")) return "text";
  const preferred = state.mode === "text" || state.consented ? state.mode : "text";
  if (modes.includes(preferred)) return preferred;
  if (preferred === "video" && modes.includes("audio")) return "audio";
  if (modes.includes("text")) return "text";
  return modes[0] || "text";
}

/** Seconds to answer what the room asks: the question's limit, or the follow-up's. */
function roomLimit() {
  const limit = limitFor(question());
  return state.followUp ? Math.max(1, Math.min(limit, state.followUp.ask.time_limit_s || limit)) : limit;
}

/**
 * Open the room on question `index` of the session, or on the follow-up `followUp` asks
 * about an answer to it; the interviewer reads it aloud unless `ask` is false (the same
 * question again, in another mode).
 * @param {number} index
 * @param {import("./store.js").Asked | null} [followUp]
 * @param {{ask?: boolean}} [options]
 */
export function enterRoom(index, followUp = null, { ask = true } = {}) {
  if (!state.session) return;
  state.index = index;
  state.followUp = followUp;
  const q = question();
  const n = state.session.questions.length;
  const mode = followUp ? followUp.mode : answerModeFor(index);
  $("#room-step").textContent = `${followUp ? "Follow-up on question" : "Question"} ${index + 1} of ${n} · ${roundName(q.round)}`;
  const caption = followUp ? followUp.ask.question : q.prompt;
  setRich($("#question-text"), caption);
  show($("#follow-up-intro"), !!followUp);
  $("#follow-up-why").textContent = followUp ? `Why it was asked: ${followUp.ask.reason}` : "";
  show($("#follow-up-why"), !!followUp);
  show($("#btn-skip-follow-up"), !!followUp);
  $("#screen-room").dataset.mode = mode;
  $("#screen-room").dataset.followUp = followUp ? "true" : "";
  show($("#room-media"), mode === "video" || mode === "audio");
  show($("#typed-form"), mode === "text");
  show($("#code-form"), mode === "code");
  fail($("#typed-error"), "");
  fail($("#code-error"), "");
  screen("room");
  if (mode === "video" || mode === "audio") {
    show($("#switch-typed"), (q.answer_modes || []).includes("text"));
    resetTake();
    setCountdown(roomLimit());
    openMedia(mode === "video");
  } else {
    closeMedia();
    if (mode === "text") {
      const text = /** @type {HTMLTextAreaElement} */ ($("#typed-text"));
      text.value = (!followUp && state.drafts.get(index)) || "";
      text.maxLength = state.config.max_text_chars;
      updateTypedCount();
    } else {
      setupEditor(q, index);
    }
  }
  // A follow-up is free text: the server's voice reads bank questions only (voice.js).
  if (ask) speak(followUp ? { text: caption } : { text: q.prompt, questionId: q.id });
}
nav.room = enterRoom;

// -- recording ------------------------------------------------------------------------------

function setRecState(/** @type {import("./store.js").RecState} */ next, /** @type {string} */ message) {
  state.recState = next;
  $("#screen-room").dataset.rec = next;
  show($("#btn-start"), next === "ready" || next === "opening" || next === "error");
  // Recording starts once the interviewer has finished: the microphone would hear the voice.
  /** @type {HTMLButtonElement} */ ($("#btn-start")).disabled = next !== "ready" || state.speaking;
  show($("#btn-stop"), next === "recording");
  show($("#btn-submit"), next === "recorded");
  show($("#btn-rerecord"), next === "recorded");
  show($("#rec-badge"), next === "recording");
  show($("#playback"), next === "recorded" && !!state.take);
  show($("#preview-box"), next !== "error" && (next !== "recorded" || !state.take));
  show($("#meter-row"), next !== "error");
  $("#rec-status").textContent = next === "ready" && state.speaking
    ? "Listen to the question: you can start recording when the interviewer has finished." : message;
  recStateChanged();
}

function setCountdown(/** @type {number} */ remaining) {
  const el = $("#countdown");
  el.textContent = clock(Math.ceil(remaining - 1e-6));
  el.classList.toggle("low", state.recState === "recording" && remaining <= 30);
}

async function openMedia(/** @type {boolean} */ video) {
  const device = video ? "camera" : "microphone";
  $("#preview-box").classList.toggle("audio-only", !video);
  show($("#media-error"), false);
  show($("#mic-hint"), false);
  if (state.recorder && state.recorder.stream && state.recorder.video === video) {
    state.recorder.attach($("#preview"));
    setRecState("ready", readyMessage());
    return;
  }
  closeMedia();
  setRecState("opening", `Getting your ${device} ready…`);
  const recorder = new Recorder({ video });
  state.recorder = recorder;
  try {
    await recorder.open();
  } catch (error) {
    if (state.recorder !== recorder) return;
    state.recorder = null;
    const problem = error instanceof MediaProblem ? error : new MediaProblem("failed", String(error));
    const devices = video ? "Camera and microphone" : "Microphone";
    /** @type {Record<string, string>} */
    const titles = {
      denied: `${devices} blocked`,
      missing: video ? "No camera or microphone found" : "No microphone found",
      busy: `${devices} busy`,
      unsupported: "Recording is not available here",
    };
    $("#media-error-title").textContent = titles[problem.kind] || `${devices} could not start`;
    $("#media-error-text").textContent = problem.message;
    $("#media-error").dataset.kind = problem.kind;
    show($("#media-error"), true);
    show($("#media-typed"), (question().answer_modes || []).includes("text"));
    setRecState("error", `The ${device} is not available.`);
    announce(problem.message, true);
    return;
  }
  if (state.recorder !== recorder || currentScreen() !== "room") {
    recorder.close();
    return;
  }
  recorder.attach($("#preview"));
  watchLevel(recorder);
  setRecState("ready", readyMessage());
}

/** The microphone meter, and a hint when nothing is heard while recording. */
function watchLevel(/** @type {Recorder} */ recorder) {
  const meter = $("#mic-meter");
  const fill = $(".meter-fill", meter);
  let lastValue = -1;
  let quietSince = performance.now();
  recorder.onLevel = (/** @type {number} */ level) => {
    const value = Math.round(level * 100);
    fill.style.width = `${value}%`;
    if (Math.abs(value - lastValue) >= 5) {
      meter.setAttribute("aria-valuenow", String(value));
      meter.setAttribute("aria-valuetext", value < 5 ? "silent" : value < 40 ? "quiet" : "good");
      lastValue = value;
    }
    const now = performance.now();
    if (level > 0.08) quietSince = now;
    const quiet = state.recState === "recording" && now - quietSince > 6000;
    const hint = $("#mic-hint");
    if (quiet && hint.hidden) {
      hint.textContent = "We hear nothing from your microphone: check that it is not muted and is the one your browser uses.";
      hint.hidden = false;
      announce(hint.textContent, true);
    } else if (!quiet && !hint.hidden) {
      hint.hidden = true;
    }
  };
}

function readyMessage() {
  return `Ready. You have ${duration(roomLimit())}; press Start recording when you are.`;
}

function startRecording() {
  const recorder = state.recorder;
  if (!recorder || !recorder.stream) return;
  const limit = roomLimit();
  const warned = new Set();
  recorder.start(limit, {
    onTick: (/** @type {number} */ remaining) => {
      setCountdown(remaining);
      for (const mark of [60, 30, 10]) {
        if (remaining <= mark && limit > mark && !warned.has(mark)) {
          warned.add(mark);
          announce(`${duration(mark)} left.`);
        }
      }
    },
    onLimit: () => stopRecording(true),
  });
  setRecState("recording", "Recording… Press Stop recording when you have finished.");
  announce("Recording started.");
  $("#btn-stop").focus();
}

async function stopRecording(timeUp = false) {
  const recorder = state.recorder;
  if (!recorder || state.recState !== "recording") return;
  setRecState("stopping", "Finishing the recording…");
  /** @type {import("./store.js").Take | null} */
  const take = await recorder.stop();
  if (!take || !take.blob.size) {
    setRecState("ready", "Nothing was recorded. Check your camera and microphone, then press Start recording again.");
    return;
  }
  take.url = URL.createObjectURL(take.blob);
  take.video = recorder.video;
  state.take = take;
  const playback = /** @type {HTMLVideoElement} */ ($("#playback"));
  playback.src = take.url;
  playback.dataset.seconds = take.seconds.toFixed(2);
  const limit = roomLimit();
  const message = timeUp
    ? `Time is up: the recording stopped at ${clock(limit)}. Watch it back, then submit it or re-record.`
    : `Recorded ${clock(take.seconds)}. Watch it back, then submit it or re-record.`;
  if (timeUp) setCountdown(0);
  setRecState("recorded", message);
  $("#screen-room").dataset.stopped = timeUp ? "time-up" : "stopped";
  announce(message, timeUp);
  $("#btn-submit").focus();
}

function rerecord() {
  resetTake();
  setCountdown(roomLimit());
  $("#screen-room").dataset.stopped = "";
  setRecState("ready", readyMessage());
  $("#btn-start").focus();
}

function submitTake() {
  const take = state.take;
  if (!take) return;
  submitAnswer({ file: take.blob, filename: take.filename }, take.video ? "video" : "audio",
    { url: take.url || "", video: !!take.video });
  state.take = null; // kept by the answer for its report
}

// -- typed answers and code -------------------------------------------------------------------

function switchToTyped() {
  const followUp = state.followUp;
  if (!followUp) state.overrides.set(state.index, "text");
  closeMedia();
  resetTake();
  enterRoom(state.index, followUp && { ...followUp, mode: "text" }, { ask: false });
  $("#typed-text").focus();
}

function updateTypedCount() {
  const text = /** @type {HTMLTextAreaElement} */ ($("#typed-text"));
  if (!state.followUp) state.drafts.set(state.index, text.value);
  $("#typed-count").textContent = `${text.value.length} of ${state.config.max_text_chars} characters`;
}

/** "def name(args):" from a prompt that names the function to write. */
function starterCode(/** @type {import("./store.js").Question} */ q) {
  const match = /function\s+([A-Za-z_]\w*\([^)]*\)(?:\s*->\s*.+?)?)\s+(?:that|which|returning|to)\b/.exec(q.prompt || "");
  return match ? `def ${match[1]}:\n    ` : "";
}

function setupEditor(/** @type {import("./store.js").Question} */ q, /** @type {number} */ index) {
  const draft = state.followUp ? "" : state.drafts.get(index);
  const value = draft !== undefined ? draft : starterCode(q);
  input("#narrate").checked = false;
  show($("#narration-status"), false);
  const textarea = /** @type {HTMLTextAreaElement} */ ($("#code-input"));
  if (state.session && state.session.observations) {
    editorWatch.start();
    editorWatch.attach(textarea);
  }
  if (state.editor) {
    state.editor.setValue(value);
    state.editor.refresh();
    return;
  }
  // The plain field works at once; the editor takes it over (and what is typed) when loaded.
  textarea.value = value;
  if (!state.editorLoading) {
    state.editorLoading = createEditor(textarea, { label: "Your code (Python)", describedBy: "code-hint" })
      .then((editor) => {
        state.editor = editor;
        const cm = editor.cm;
        if (editor.element && cm) editorWatch.attach(editor.element, () => cm.getSelection());
        editor.refresh();
      });
  }
}

async function toggleNarration() {
  const box = input("#narrate");
  const status = $("#narration-status");
  if (!box.checked) {
    await stopNarration(false);
    return;
  }
  const recorder = new Recorder({ video: false });
  state.narration = { recorder, take: null };
  status.hidden = false;
  status.textContent = "Turning on your microphone…";
  try {
    await recorder.open();
  } catch (error) {
    box.checked = false;
    state.narration = null;
    status.textContent = error.message;
    announce(error.message, true);
    return;
  }
  const limit = roomLimit();
  recorder.start(limit, { onLimit: () => { stopNarration(false, "Narration stopped at the time limit."); } });
  status.textContent = `Narrating (recording your microphone, at most ${duration(limit)}). Untick to stop.`;
  announce("Narration recording started.");
}

function submitTyped(/** @type {Event} */ event) {
  event.preventDefault();
  const text = /** @type {HTMLTextAreaElement} */ ($("#typed-text")).value;
  if (!text.trim()) {
    fail($("#typed-error"), "Write your answer first.");
    $("#typed-text").focus();
    return;
  }
  submitAnswer({ text }, "text", null);
}

async function submitCode(/** @type {Event} */ event) {
  event.preventDefault();
  const code = state.editor ? state.editor.getValue() : /** @type {HTMLTextAreaElement} */ ($("#code-input")).value;
  if (!code.trim()) {
    fail($("#code-error"), "Write your code first.");
    if (state.editor) state.editor.focus();
    return;
  }
  if (!state.followUp) state.drafts.set(state.index, code);
  const narration = (await stopNarration(false)) || (state.narration && state.narration.take);
  state.narration = null;
  const editorEvents = state.session && state.session.observations ? editorWatch.stop() : undefined;
  submitAnswer({ code, editorEvents }, "code", narration && narration.url ? { url: narration.url, video: false } : null);
}

export function setupRoom() {
  // When the voice stops, a camera or microphone that is ready lets the candidate record.
  setupVoice(() => { if (state.recState === "ready") setRecState("ready", readyMessage()); });
  $("#btn-start").addEventListener("click", startRecording);
  $("#btn-stop").addEventListener("click", () => stopRecording(false));
  $("#btn-rerecord").addEventListener("click", rerecord);
  $("#btn-submit").addEventListener("click", submitTake);
  $("#switch-typed").addEventListener("click", switchToTyped);
  $("#media-typed").addEventListener("click", switchToTyped);
  $("#media-retry").addEventListener("click", () => openMedia($("#screen-room").dataset.mode === "video"));
  $("#typed-text").addEventListener("input", updateTypedCount);
  $("#typed-form").addEventListener("submit", submitTyped);
  $("#code-form").addEventListener("submit", submitCode);
  $("#narrate").addEventListener("change", toggleNarration);
  window.addEventListener("beforeunload", (event) => {
    if (state.recState === "recording" || (state.take && currentScreen() === "room")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
