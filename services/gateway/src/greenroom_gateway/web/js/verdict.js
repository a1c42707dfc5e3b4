// @ts-check
// The verdict in words a person takes in at a glance: which conditions of the grading rule
// decided it, in plain words, from the grader's rule text ("<rule> Not met: a; b." or
// "<rule> All met."). The full rule stays available behind a "why" disclosure (report.js).
// Pure functions: no DOM.

// How each reason the grader writes (greenroom_grader/verdict.py) starts. A piece of the
// "Not met" list that starts otherwise continues the reason before it: the grader joins the
// core key points of one reason with "; " too.
const REASON_HEADS = [
  /^the (answer|story|code)\b/i,
  /^core key points missed:/i,
  /^\d+ misconception/i,
  /^\d+ of \d+ hidden tests/i,
  /^[a-z][a-z ]*? \d+ is under \d+$/i,
];

/** Stray punctuation out of a piece of text: ".;" "..", ";." ",." and a space before a
 * full stop or comma; spaces at the ends are kept (the piece may sit between others). */
export function tidyPunctuation(text) {
  return String(text ?? "")
    .replace(/[ \t]+([.;,])(?=\s|$)/g, "$1")
    .replace(/([.;:,])[.;,]+(?=\s|$)/g, "$1")
    .replace(/[ \t]{2,}/g, " ");
}

/** A whole text tidied: punctuation as above, no space at either end. */
export function tidy(text) {
  return tidyPunctuation(text).trim();
}

const bare = (text) => String(text).trim().replace(/[\s.;:,]+$/, "");
const sentence = (text) => {
  const t = bare(text);
  return t ? `${t.charAt(0).toUpperCase()}${t.slice(1)}.` : "";
};

/** "<rule> Not met: a; b." -> {rule, reasons: ["a", "b"], met} */
export function parseRule(text) {
  const s = String(text ?? "").trim();
  const at = s.lastIndexOf("Not met:");
  if (at < 0) {
    const met = /\bAll met\.?$/.test(s);
    return { rule: tidy(s.replace(/\s*All met\.?$/, "")), reasons: [], met };
  }
  const reasons = [];
  for (const piece of s.slice(at + "Not met:".length).split(/;\s*/)) {
    const part = bare(piece);
    if (!part) continue;
    if (reasons.length && !REASON_HEADS.some((re) => re.test(part))) {
      reasons[reasons.length - 1] += `; ${part}`;
    } else {
      reasons.push(part);
    }
  }
  return { rule: tidy(s.slice(0, at)), reasons, met: false };
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/**
 * One reason in plain words. `missedListed`: the missed key points are listed elsewhere on
 * the page, so this names how many, not which (each point appears once).
 */
export function plainReason(reason, { missedListed = false } = {}) {
  const r = bare(reason);
  let m;
  if ((m = /^core key points missed:\s*(.*)$/is.exec(r))) {
    // Not counted: a key point may itself hold "; ", so the pieces are not the points.
    if (missedListed || !bare(m[1])) return "It missed core key points of the question (see “Key points you missed”).";
    return `It missed core key points of the question: ${bare(m[1])}.`;
  }
  if ((m = /^overall (\d+) is under (\d+)$/i.exec(r))) return `Overall score ${m[1]}; a pass needs ${m[2]}.`;
  if ((m = /^(.+?) (\d+) is under (\d+)$/i.exec(r))) return `${sentence(m[1]).slice(0, -1)} scored ${m[2]}; a pass needs ${m[3]}.`;
  if ((m = /^(\d+) misconception/i.exec(r))) return `The answer stated ${Number(m[1]) === 1 ? "a misconception" : plural(Number(m[1]), "misconception", "misconceptions")}.`;
  if ((m = /^(\d+) of (\d+) hidden tests passed$/i.exec(r))) {
    return Number(m[1]) === 0 ? `None of the ${m[2]} hidden tests passed.` : `Only ${m[1]} of ${m[2]} hidden tests passed.`;
  }
  if ((m = /^the code hit sandbox limits:\s*(.+)$/i.exec(r))) {
    const limits = m[1].split(/,\s*/).map(bare).filter(Boolean);
    const named = limits.length > 1 ? `${limits.slice(0, -1).join(", ")} and ${limits.at(-1)} limits` : `${limits[0]} limit`;
    return `The code hit the sandbox's ${named}.`;
  }
  if ((m = /^the answer is (.+)$/i.exec(r))) return `The answer was ${m[1]}.`;
  return sentence(r);
}

/** The deciding conditions of a grade: at most `limit` in plain words, and how many more. */
export function decidingConditions(ruleText, { missedListed = false, limit = 2 } = {}) {
  const { rule, reasons, met } = parseRule(ruleText);
  const plain = reasons.map((r) => tidy(plainReason(r, { missedListed })));
  return { rule, met, all: plain, shown: plain.slice(0, limit), more: Math.max(0, plain.length - limit) };
}

/** The session's deciding rounds: those that failed, from the session report's rounds. */
export function failedRounds(rounds, name = (r) => r) {
  return (rounds || []).filter((r) => r.verdict === "fail").map((r) =>
    `${name(r.round)}: ${r.passed} of ${plural(r.answers, "answer", "answers")} passed.`);
}
