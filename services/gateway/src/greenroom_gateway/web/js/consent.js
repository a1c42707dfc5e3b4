// @ts-check
// Screen 2, consent: what is recorded, analysed and kept, asked before a device turns on.
// The same screen, without its buttons to agree, is the privacy page (#privacy).

import { api } from "./api.js";
import { openAnswer } from "./answer.js";
import { $, $$, duration, show } from "./dom.js";
import { forget } from "./history.js";
import { closeMedia } from "./media.js";
import { showProgress } from "./progress.js";
import { enterRoom } from "./room.js";
import { endSession, showSession } from "./session.js";
import { currentScreen, screen, state } from "./store.js";

/** @type {import("./store.js").Screen} where the privacy page returns to */
let infoReturn = "start";

/** Fill the screen in for the chosen device and this deployment's settings, and show it;
 * `infoOnly` shows it as the privacy page. */
export function showConsent(/** @type {boolean} */ infoOnly) {
  closeMedia();
  const audioOnly = !infoOnly && state.mode === "audio";
  for (const el of $$("[data-device]")) el.textContent = audioOnly ? "microphone" : "camera";
  for (const el of $$("[data-recorded]")) {
    el.textContent = audioOnly ? "your microphone's sound (no picture)" : "your camera's picture and your microphone's sound";
  }
  for (const el of $$("[data-video-only]")) el.hidden = audioOnly;
  for (const el of $$("[data-limit]")) el.textContent = duration(state.config.answer_limit_s);
  const days = state.config.retention_days;
  const hours = state.config.token_ttl_hours;
  const access = hours > 0
    ? ` This browser can open and delete it for ${hours % 24 ? `${hours} hours` : `${hours / 24} days`}; after that its link expires.`
    : "";
  for (const el of $$("[data-retention]")) {
    el.textContent = (days > 0
      ? `${days} days, then it is deleted automatically. You can delete it sooner at any time.`
      : "Until you delete it.") + access;
  }
  show($("#consent-agree"), !infoOnly);
  show($("#consent-typed"), !infoOnly);
  $("#consent-back").textContent = infoOnly ? "Back" : "Back to the start";
  $("#screen-consent").dataset.info = infoOnly ? "1" : "";
  screen("consent");
}

/** The privacy page (#privacy), remembering where the candidate was. */
export function showPrivacy() {
  if (currentScreen() !== "consent") infoReturn = currentScreen();
  showConsent(true);
}

/** Back from the privacy page to where the candidate was (the room reopens its devices). */
function leaveInfo() {
  if (infoReturn === "room" && state.session) enterRoom(state.index);
  else if (infoReturn === "progress") showProgress();
  else if (infoReturn === "session" && state.session) showSession();
  else if (infoReturn === "answer" && state.current) openAnswer(state.current);
  else screen("start");
}

export function setupConsent() {
  $("#consent-agree").addEventListener("click", () => { state.consented = true; enterRoom(state.index); });
  $("#consent-typed").addEventListener("click", () => { state.mode = "text"; enterRoom(state.index); });
  $("#consent-back").addEventListener("click", () => {
    if ($("#screen-consent").dataset.info) {
      history.replaceState(null, "", location.pathname);
      leaveInfo();
      return;
    }
    // Declined before anything was recorded: the new session is not kept.
    const session = state.session;
    endSession();
    if (session) {
      api.deleteSession(session.id, session.token).catch(() => {});
      forget(session.id);
    }
    screen("start");
  });
}
