// @ts-check
// Follow-up exchanges in the reports. When an answer misses a core key point, states a
// misconception or lands in the borderline band, its result asks one follow-up
// (`result.follow_up`: the question and why it was asked); the answer to it names the answer
// it follows (`follow_up_of`), and its result covers both answers together (`lifted` when it
// turned a fail into a pass): for the question, that result counts. This module pairs the
// answers of a session that way and draws an exchange: the first answer, the follow-up and
// why it was asked, the answer to it and its result.

import { h, rich } from "./dom.js";

/** @typedef {import("./store.js").AnswerView} AnswerView */
/** @typedef {{first: AnswerView, follow: AnswerView | null}} Exchange */

export function verdictTag(/** @type {string} */ verdict) {
  const pass = verdict === "pass";
  return h("span", { class: `verdict-tag ${pass ? "pass" : "fail"}` }, pass ? "✓ Pass" : "✗ Fail");
}

/**
 * Per question: its latest answer (not one to a follow-up) and the answer to that answer's
 * follow-up, if any.
 * @param {AnswerView[]} answers in the order the API lists them
 * @returns {Map<string, Exchange>}
 */
export function exchanges(answers) {
  /** @type {Map<string, Exchange>} */
  const out = new Map();
  for (const a of answers) if (!a.follow_up_of) out.set(a.question_id, { first: a, follow: null });
  for (const a of answers) {
    const pair = a.follow_up_of ? out.get(a.question_id) : undefined;
    if (pair && pair.first.answer_id === a.follow_up_of) pair.follow = a;
  }
  return out;
}

/**
 * The answer that counts for each question: the one the session report names, else the
 * graded answer to a follow-up (its result covers both answers), else the latest answer.
 * @param {{answers?: AnswerView[], report?: any}} view
 * @returns {Map<string, AnswerView>}
 */
export function countedAnswers(view) {
  const all = view.answers || [];
  const named = (view.report && view.report.answers) || {};
  /** @type {Map<string, AnswerView>} */
  const out = new Map();
  for (const [qid, pair] of exchanges(all)) {
    const chosen = all.find((a) => a.answer_id === named[qid]);
    out.set(qid, chosen || (pair.follow && pair.follow.result ? pair.follow : pair.first));
  }
  return out;
}

/** "48 / 100" */
const score = (/** @type {any} */ result) => ` ${Math.round(result.score)} / 100`;

/** What became of an answer that has no result (yet). */
function pending(/** @type {AnswerView} */ a) {
  return a.status === "failed" ? "could not be graded" : "being graded…";
}

/**
 * One exchange: the first answer, the follow-up with why it was asked, the answer to it and
 * the result of both. `open(answerId)` opens an answer's report; `ids` gives the elements
 * ids (the answer screen's copy only: the session report holds several).
 * @param {Exchange} pair
 * @param {{open?: ((answerId: string) => void) | null, ids?: boolean, skipped?: boolean}} [options]
 * @returns {(HTMLElement | null)[]}
 */
export function exchangeBody({ first, follow }, { open = null, ids = false, skipped = false } = {}) {
  const asked = first.result && first.result.follow_up;
  if (!asked) return [];
  const id = (/** @type {string} */ name) => (ids ? name : null);
  const openButton = (/** @type {AnswerView} */ a, /** @type {string} */ what) => (open
    ? [" ", h("button", { type: "button", class: "button small", onclick: () => open(a.answer_id) },
      "Open", h("span", { class: "visually-hidden" }, ` ${what}`))]
    : null);
  const result = follow && follow.result;
  /** @type {any[]} */
  const outcome = !follow
    ? [skipped ? "Skipped: the first answer's result counts." : "Not answered: the first answer's result counts."]
    : !result
      ? [pending(follow)]
      : [verdictTag(result.verdict), score(result),
        result.lifted
          ? [" ", h("span", { class: "badge lifted", id: id("follow-up-lifted") }, "Lifted the verdict to a pass")]
          : null,
        openButton(follow, "the report of the answer to the follow-up")];
  return [
    h("p", { class: "exchange-first" }, h("strong", {}, "Your first answer: "),
      first.result ? [verdictTag(first.result.verdict), score(first.result)] : pending(first),
      openButton(first, "the report of the first answer")),
    h("p", { class: "exchange-question", id: id("exchange-question") },
      h("strong", {}, "The interviewer asked: "), "“", rich(asked.question), "”"),
    h("p", { class: "hint exchange-reason", id: id("exchange-reason") }, `Why it was asked: ${asked.reason}`),
    h("p", { class: "exchange-follow", id: id("exchange-follow"), "data-lifted": result && result.lifted ? "true" : null },
      h("strong", {}, "Your answer to the follow-up: "), outcome),
    result
      ? h("p", { class: "hint" }, result.lifted
        ? "Graded together with your first answer: it now covers what was missing, so the question is passed."
        : `Graded together with your first answer: the verdict for the question is a ${result.verdict}.`)
      : null,
  ];
}

/**
 * The session report's follow-ups: every exchange of the session, in question order.
 * @param {{question_ids: string[], answers?: AnswerView[]}} view
 * @param {{questions: Map<string, import("./store.js").Question>, openAnswer: (answerId: string) => void}} ctx
 * @returns {HTMLElement | null}
 */
export function followUpsSection(view, ctx) {
  const pairs = exchanges(view.answers || []);
  const items = view.question_ids.map((qid, i) => {
    const pair = pairs.get(qid);
    if (!pair || !pair.first.result || !pair.first.result.follow_up) return null;
    const q = ctx.questions.get(qid);
    const lifted = !!(pair.follow && pair.follow.result && pair.follow.result.lifted);
    return h("li", { class: "exchange", "data-question": qid, "data-lifted": lifted ? "true" : null },
      h("p", { class: "exchange-title" }, h("strong", {}, `Question ${i + 1}: `), q ? rich(q.prompt) : qid),
      exchangeBody(pair, { open: ctx.openAnswer }));
  }).filter(Boolean);
  if (!items.length) return null;
  return h("section", { class: "card", id: "follow-ups", "aria-labelledby": "follow-ups-title" },
    h("h2", { id: "follow-ups-title" }, "Follow-ups"),
    h("p", { class: "hint" }, "When an answer missed a core point, stated a misconception or was a close call, "
      + "the interviewer asked one follow-up about it. The answer to it is graded together with the first "
      + "answer, and that result counts for the question."),
    h("ol", { class: "exchanges" }, items));
}
