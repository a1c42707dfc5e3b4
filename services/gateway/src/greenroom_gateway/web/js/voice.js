// @ts-check
// The interviewer's voice: the room reads each question (and each follow-up) aloud before
// the candidate answers. A bank question is spoken by the server's voice when the platform
// has one (GET /api/questions/{id}/speech, Opus in Ogg, rendered once and cached; the
// browser caches it too); a follow-up (free text, not from the bank: the server renders
// bank questions only, by design), a platform without a voice, a voice that fails (502,
// 504) and a browser that cannot play Ogg Opus (older Safari) all fall back on the browser's
// own speech synthesis. The caption, the question's text on screen, is always shown; while
// the voice speaks it is marked as spoken. "Read it myself" (kept on this device) turns the
// voice off: the room then starts at once.

import { $, announce, input } from "./dom.js";
import { state } from "./store.js";

const READ_MYSELF_KEY = "greenroom.read-myself.v1";
/** How long the server's audio may take to start (a first render on a busy server) before
 * the browser's own voice reads the question instead. */
const AUDIO_START_MS = 15000;
/** How long speech synthesis may take to start: a browser without any voice installed may
 * never start, nor tell. */
const SYNTH_START_MS = 4000;

/** @typedef {{text: string, questionId?: string}} Speakable  the caption; a bank question's id */
/** @typedef {"spoken" | "muted" | "stopped" | "failed" | "blocked"} Outcome */

let generation = 0;
/** @type {() => void} */
let stopCurrent = () => {};
/** @type {Speakable | null} what Replay reads */
let current = null;
/** @type {(speaking: boolean) => void} */
let onChange = () => {};

/** Whether the candidate chose to read the questions (no voice), on this device. */
export function readMyself() {
  try {
    return localStorage.getItem(READ_MYSELF_KEY) === "1";
  } catch {
    return false;
  }
}

function setReadMyself(/** @type {boolean} */ on) {
  try {
    if (on) localStorage.setItem(READ_MYSELF_KEY, "1");
    else localStorage.removeItem(READ_MYSELF_KEY);
  } catch { /* storage refused: the choice lasts until the page is left */ }
}

/** The voice's state on the page: the caption marked as spoken, the polite status line. */
function setSpeaking(/** @type {boolean} */ speaking, /** @type {string} */ how = "") {
  state.speaking = speaking;
  const caption = $("#question-text");
  if (speaking) caption.dataset.speaking = "true";
  else delete caption.dataset.speaking;
  $("#screen-room").dataset.voice = speaking ? "speaking" : how;
  $("#voice-state").textContent = speaking ? "The interviewer is reading the question aloud…"
    : how === "blocked" ? "Your browser did not let the voice play: press Replay to hear the question."
      : how === "failed" ? "No voice is available in this browser: the question is written above." : "";
  /** @type {HTMLButtonElement} */ ($("#btn-replay")).disabled = speaking || !canSpeak();
  onChange(speaking);
}

/** No voice while the microphone records: it would hear it. */
function canSpeak() {
  return state.recState !== "recording" && state.recState !== "stopping";
}

/** Stop the voice (the caption stays); what waited for it goes on at once. */
export function stopSpeaking() {
  stopCurrent();
}

/**
 * Read `what` aloud, unless the candidate reads it (or `force`: Replay); resolves when the
 * voice has finished, failed, was stopped or muted (never rejects).
 * @param {Speakable} what
 * @param {{force?: boolean}} [options]
 * @returns {Promise<Outcome>}
 */
export function speak(what, { force = false } = {}) {
  stopCurrent();
  current = what;
  const mine = ++generation;
  if (readMyself() && !force) {
    setSpeaking(false, "muted");
    return Promise.resolve("muted");
  }
  setSpeaking(true);
  return new Promise((resolve) => {
    let done = false;
    const cleanups = /** @type {(() => void)[]} */ ([]);
    const finish = (/** @type {Outcome} */ how) => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups) cleanup();
      if (generation === mine) {
        stopCurrent = () => {};
        setSpeaking(false, how);
      }
      resolve(how);
    };
    stopCurrent = () => finish("stopped");
    const synthesize = () => { if (!done) speakWithBrowser(what.text, finish, cleanups); };
    if (state.config.server_voice && what.questionId) {
      playFromServer(what.questionId, finish, synthesize, cleanups);
    } else {
      synthesize();
    }
  });
}

/**
 * The server's voice through the page's <audio> element; `fallBack` on any failure.
 * @param {string} questionId
 * @param {(how: Outcome) => void} finish
 * @param {() => void} fallBack
 * @param {(() => void)[]} cleanups
 */
function playFromServer(questionId, finish, fallBack, cleanups) {
  const audio = /** @type {HTMLAudioElement} */ ($("#voice-audio"));
  const events = new AbortController();
  let timer = 0;
  let failed = false;
  const stop = () => {
    events.abort();
    clearTimeout(timer);
    audio.pause();
    audio.removeAttribute("src");
    audio.load();
  };
  cleanups.push(stop);
  const fail = () => {
    if (failed) return;
    failed = true;
    stop();
    cleanups.splice(cleanups.indexOf(stop), 1);
    fallBack();
  };
  const on = (/** @type {string} */ name, /** @type {() => void} */ handler) => audio.addEventListener(name, handler, { signal: events.signal });
  on("ended", () => finish("spoken"));
  on("error", fail); // 503 no voice, 502/504 voice failed, or a format this browser cannot play
  on("playing", () => {
    clearTimeout(timer);
    // A stalled stream must not hold the room: end at the audio's length and a margin.
    const left = Number.isFinite(audio.duration) ? audio.duration - audio.currentTime : 60;
    timer = window.setTimeout(() => finish("spoken"), (left + 5) * 1000);
  });
  timer = window.setTimeout(fail, AUDIO_START_MS);
  audio.src = `/api/questions/${encodeURIComponent(questionId)}/speech`;
  audio.play().catch((/** @type {any} */ error) => {
    if (error && error.name === "NotAllowedError") {
      finish("blocked"); // no autoplay here: speech synthesis would be refused as well
    } else if (!events.signal.aborted) {
      fail();
    }
  });
}

/** Prompts quote code in backticks: read the code, not the marks. */
function spokenText(/** @type {string} */ text) {
  return String(text || "").replace(/`/g, "");
}

/**
 * The browser's own speech synthesis.
 * @param {string} text
 * @param {(how: Outcome) => void} finish
 * @param {(() => void)[]} cleanups
 */
function speakWithBrowser(text, finish, cleanups) {
  const synth = window.speechSynthesis;
  if (!synth || typeof SpeechSynthesisUtterance === "undefined") {
    finish("failed");
    return;
  }
  const utterance = new SpeechSynthesisUtterance(spokenText(text));
  utterance.lang = "en-US";
  const voices = typeof synth.getVoices === "function" ? synth.getVoices() : [];
  const english = voices.find((v) => v.lang === "en-US" && v.localService)
    || voices.find((v) => /^en\b/i.test(v.lang));
  if (english) utterance.voice = english;
  // A browser may never start (no voice installed) or never end (long texts in some
  // versions): the room must not wait forever on either.
  const words = utterance.text.split(/\s+/).filter(Boolean).length;
  let timer = window.setTimeout(() => finish("failed"), SYNTH_START_MS);
  utterance.onstart = () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => finish("spoken"), (words / 2 + 5) * 1000);
  };
  utterance.onend = () => finish("spoken");
  utterance.onerror = () => finish("failed");
  cleanups.push(() => {
    clearTimeout(timer);
    utterance.onstart = null;
    utterance.onend = null;
    utterance.onerror = null;
    synth.cancel();
  });
  synth.cancel();
  synth.speak(utterance);
}

/** Read the current question again (not while recording: the microphone would hear it). */
function replay() {
  if (current && canSpeak()) speak(current, { force: true });
}

/** The room's recording state changed: Replay is off while the microphone records. */
export function recStateChanged() {
  if (!canSpeak()) stopSpeaking();
  /** @type {HTMLButtonElement} */ ($("#btn-replay")).disabled = state.speaking || !canSpeak();
}

/**
 * Wire Replay and "Read it myself"; `changed(speaking)` runs whenever the voice starts or stops.
 * @param {(speaking: boolean) => void} changed
 */
export function setupVoice(changed) {
  onChange = changed;
  const box = input("#read-myself");
  box.checked = readMyself();
  box.addEventListener("change", () => {
    setReadMyself(box.checked);
    if (box.checked) {
      stopSpeaking();
      announce("The questions will not be read aloud.");
    }
  });
  $("#btn-replay").addEventListener("click", replay);
}
