// @ts-check
// The candidate's web app: start, consent, interview room, upload and live progress,
// answer and session reports, progress over time. Plain ES modules, no build step: one
// module per screen (start.js, consent.js, room.js, answer.js, session.js, progress.js)
// around one store (store.js). This one loads what the platform serves (settings, rules,
// question bank), routes links (#session/<id>, #progress, #privacy) and wires the buttons
// that lead from one screen to another.

import { api } from "./api.js";
import { setupConsent, showPrivacy } from "./consent.js";
import { $ } from "./dom.js";
import { findSession } from "./history.js";
import { openFromHistory, setupProgress, showProgress } from "./progress.js";
import { enterRoom, setupRoom } from "./room.js";
import { endSession, setupSession, showSession } from "./session.js";
import { loadBank, setupStart, updateCount } from "./start.js";
import { currentScreen, delay, fail, reveal, screen, state } from "./store.js";

const SESSION_LINK = /^#session\/([\w-]+)$/;

/** The platform's rules (GET /api/rules), retried until they load: the start screen orders
 * rounds by them, the answer screen lists stages and marks transcripts with them. */
async function loadRules() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      state.rules = await api.rules();
      return state.rules;
    } catch {
      await delay(Math.min(10000, 2000 * (attempt + 1)));
    }
  }
}

function route() {
  const link = SESSION_LINK.exec(location.hash);
  if (link) {
    if (state.session && state.session.id === link[1]) {
      if (currentScreen() !== "session") showSession();
      return;
    }
    const entry = findSession(link[1]);
    if (entry) {
      openFromHistory(entry);
    } else {
      screen("start");
      fail($("#start-error"), "That report is not on this device. Reports open on the device that took the interview, from My progress.");
      reveal();
    }
    return;
  }
  if (location.hash === "#progress") showProgress();
  else if (location.hash === "#privacy") showPrivacy();
}

function nextQuestion() {
  if (!state.session) return;
  const next = state.index + 1;
  if (next >= state.session.questions.length) showSession();
  else enterRoom(next);
}

/** Leave a follow-up unanswered: the first answer's result counts. */
function skipFollowUp() {
  const asked = state.followUp;
  const entry = asked && state.answers.get(asked.of);
  if (entry) entry.skipped = true;
  nextQuestion();
}

function newInterview() {
  endSession();
  screen("start");
}

async function init() {
  // Settings, rules, question bank and (for a link to a report) the session are fetched at once.
  const config = api.config().then((body) => { state.config = { ...state.config, ...body }; }, () => {});
  state.rulesReady = loadRules();
  state.bankReady = loadBank();
  setupStart();
  setupConsent();
  setupRoom();
  setupSession();
  setupProgress();
  $("#btn-leave").addEventListener("click", showSession);
  $("#btn-next").addEventListener("click", nextQuestion);
  $("#btn-skip-follow-up").addEventListener("click", skipFollowUp);
  $("#btn-session").addEventListener("click", showSession);
  $("#btn-new").addEventListener("click", newInterview);
  $("#btn-new-2").addEventListener("click", newInterview);
  window.addEventListener("hashchange", route);
  document.body.dataset.ready = "1";
  if (SESSION_LINK.test(location.hash)) route(); // needs no settings
  await config;
  updateCount();
  if (location.hash && !SESSION_LINK.test(location.hash)) route();
  await state.bankReady;
}

init();
