// @ts-check
// The devices: every screen that leaves the interview room turns the camera and microphone
// off through here, so that none stays on behind the candidate's back (and the
// interviewer's voice stops with them).

import { $, clock, input } from "./dom.js";
import { state } from "./store.js";
import { stopSpeaking } from "./voice.js";

/** Turn the camera and microphone off (and drop a narration under way, stop the voice). */
export function closeMedia() {
  stopSpeaking();
  if (state.recorder) state.recorder.close();
  state.recorder = null;
  const preview = /** @type {HTMLVideoElement | null} */ ($("#preview"));
  if (preview) preview.srcObject = null;
  stopNarration(true);
}

/** Forget the current recording (its object URL too, unless an answer's report plays it). */
export function resetTake() {
  const url = state.take && state.take.url;
  if (url && ![...state.answers.values()].some((a) => a.recording && a.recording.url === url)) {
    URL.revokeObjectURL(url);
  }
  state.take = null;
  const playback = /** @type {HTMLVideoElement} */ ($("#playback"));
  playback.removeAttribute("src");
  playback.load();
}

/**
 * Stop narrating a coding answer; keep the take unless `discard`.
 * @param {boolean} discard
 * @param {string} [message] what to say instead of "Narration recorded"
 * @returns {Promise<import("./store.js").Take | null>}
 */
export async function stopNarration(discard, message) {
  const narration = state.narration;
  if (!narration || !narration.recorder) return null;
  const recorder = narration.recorder;
  narration.recorder = null;
  const take = await recorder.stop();
  recorder.close();
  input("#narrate").checked = false;
  if (discard || !take || !take.blob.size) {
    state.narration = null;
    return null;
  }
  take.url = URL.createObjectURL(take.blob);
  take.video = false;
  narration.take = take;
  const status = $("#narration-status");
  status.hidden = false;
  status.textContent = message || `Narration recorded (${clock(take.seconds)}); you can replay it in the report.`;
  return take;
}
