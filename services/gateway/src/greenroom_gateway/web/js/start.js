// @ts-check
// Screen 1, start: the round (filled in from the question bank, in the platform's order of
// rounds), the number of questions and the way of answering; then a new session.

import { api } from "./api.js";
import { showConsent } from "./consent.js";
import { $, $$, duration, h, input, title } from "./dom.js";
import { enterRoom } from "./room.js";
import { beginSession } from "./session.js";
import { fail, roundName, state } from "./store.js";

/** The rounds the bank has, in the order of an interview (the platform's, /api/rules). */
function roundsInBank() {
  const order = state.rules ? state.rules.rounds : [];
  const rounds = [...new Set(state.bank.map((q) => q.round))];
  return rounds.sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}

/** The rounds are already in the page: fill in how many questions each has, hide those the
 * bank lacks, add any the page does not know, and keep them in the platform's order. */
function fillRounds() {
  const box = $("#round-choices");
  const known = new Set($$('input[name="round"]', box).map((el) => /** @type {HTMLInputElement} */ (el).value));
  const counts = new Map([["mock", state.bank.length]]);
  for (const q of state.bank) counts.set(q.round, (counts.get(q.round) || 0) + 1);
  for (const round of roundsInBank()) {
    if (known.has(round)) continue;
    box.append(h("label", { class: "choice" },
      h("input", { type: "radio", name: "round", value: round }),
      h("span", {}, h("strong", {}, title(round)), h("span", { class: "choice-count" }))));
  }
  const order = ["mock", ...roundsInBank()];
  const inputs = /** @type {HTMLInputElement[]} */ ($$('input[name="round"]', box));
  for (const el of [...inputs].sort((a, b) => order.indexOf(a.value) - order.indexOf(b.value))) {
    const label = el.closest("label");
    if (label && order.includes(el.value)) box.append(label); // the same order: nothing moves
  }
  for (const el of inputs) {
    const available = counts.get(el.value) || 0;
    const label = /** @type {HTMLElement} */ (el.closest("label"));
    el.dataset.available = String(available);
    label.hidden = available === 0;
    $(".choice-count", label).textContent = `${available} question${available === 1 ? "" : "s"}`;
  }
  const checked = input('input[name="round"]:checked', box);
  if (!checked || checked.closest("label")?.hidden) input('input[name="round"][value="mock"]', box).checked = true;
  updateCount();
  document.body.dataset.bank = "1";
}

function chosenRound() {
  const checked = input('input[name="round"]:checked');
  return checked ? checked.value : "mock";
}

/** The number of questions: a default per round, at most what the round has. */
export function updateCount() {
  const round = chosenRound();
  const available = Number(input('input[name="round"]:checked')?.dataset.available || 20);
  const count = input("#count");
  count.max = String(Math.min(20, available));
  count.value = String(Math.min(round === "mock" ? 5 : 3, available));
  const limit = state.config.answer_limit_s;
  const minutes = Math.max(1, Math.round((Number(count.value) * limit) / 60));
  $("#count-hint").textContent = `At most ${duration(limit)} each (about ${minutes} minute${minutes === 1 ? "" : "s"} in all).`;
}

/** The question bank (and the rules that order its rounds), retried until it loads. */
export async function loadBank() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const [body] = await Promise.all([api.questions(), state.rulesReady]);
      state.bank = body.questions || [];
      for (const q of state.bank) state.byId.set(q.id, q);
      fillRounds();
      if (attempt) fail($("#start-error"), "");
      return;
    } catch (error) {
      fail($("#start-error"), `The question bank did not load: ${error.message} Retrying…`);
      await new Promise((r) => setTimeout(r, Math.min(10000, 2000 * (attempt + 1))));
    }
  }
}

/** A mock interview: the rounds in interview order, one question each, cycling if more. */
function pickMock(/** @type {number} */ count) {
  const pools = new Map(roundsInBank().map((r) => [r, state.bank.filter((q) => q.round === r)]));
  const rounds = [...pools.keys()];
  /** @type {string[]} */
  const chosen = [];
  for (let i = 0; chosen.length < count && i < count * rounds.length + 1; i += 1) {
    const pool = pools.get(rounds[i % rounds.length]) || [];
    if (!pool.length) continue;
    const [q] = pool.splice(Math.floor(Math.random() * pool.length), 1);
    chosen.push(q.id);
  }
  return chosen;
}

async function startInterview(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  const error = $("#start-error");
  fail(error, "");
  const count = input("#count");
  const n = Number(count.value);
  const max = Number(count.max);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    count.setAttribute("aria-invalid", "true");
    fail(error, `Choose a number of questions between 1 and ${max}.`);
    count.focus();
    return;
  }
  count.removeAttribute("aria-invalid");
  if (!state.bank.length) {
    fail(error, "The question bank is not loaded yet; wait a moment and try again.");
    return;
  }
  const round = chosenRound();
  state.mode = input('input[name="mode"]:checked').value;
  const button = /** @type {HTMLButtonElement} */ ($("#start-button"));
  button.disabled = true;
  try {
    const body = round === "mock"
      ? await api.createSession({ question_ids: pickMock(n) })
      : await api.createSession({ round, count: n });
    beginSession(body, round === "mock" ? "Mock interview" : roundName(round));
  } catch (err) {
    fail(error, err.message);
    return;
  } finally {
    button.disabled = false;
  }
  // Consent is asked before a device turns on: not at all when nothing will be recorded.
  const questions = state.session ? state.session.questions : [];
  const records = questions.some((q) => (q.answer_modes || []).some((m) => m === "video" || m === "audio"));
  if (state.mode === "text" || !records) enterRoom(0);
  else showConsent(false);
}

export function setupStart() {
  $("#start-form").addEventListener("submit", (event) => startInterview(/** @type {SubmitEvent} */ (event)));
}
