// @ts-check
// Answer and session reports. Everything is built from whatever the API returned: each
// part is optional (older grades, audio-only or typed answers, measurements not made), and
// a missing part is left out rather than shown empty.

import { clock, h, pct, rich, title } from "./dom.js";
import { highlightedCode } from "./editor.js";
import { countedAnswers, verdictTag } from "./exchange.js";
import { stripChart } from "./plots.js";
import { fillersIn, legend, pacePlot, speechMetrics, transcriptView } from "./transcript.js";
import { decidingConditions, failedRounds, tidy, tidyPunctuation } from "./verdict.js";

const DIMENSION_ORDER = ["content", "structure", "clarity", "delivery", "confidence", "presence"];
const DIMENSION_HELP = {
  content: "what you said: the key points, correctness and depth",
  structure: "how the answer is organised",
  clarity: "how easy it is to follow",
  delivery: "pace, pauses and filler words",
  confidence: "how assured you sound and look",
  presence: "on camera; coaching only",
};


/** Text with "m:ss" times turned into buttons that seek the recording (when there is one). */
export function linkTimes(text, seek) {
  return rich(text, (part) => timeButtons(tidyPunctuation(part), seek));
}

function timeButtons(text, seek) {
  const out = [];
  const re = /\b(\d{1,2}):([0-5]\d)\b/g;
  let last = 0;
  let match;
  while ((match = re.exec(text))) {
    out.push(text.slice(last, match.index));
    const at = Number(match[1]) * 60 + Number(match[2]);
    out.push(seek ? h("button", { type: "button", class: "ts", "aria-label": `Play the recording from ${match[0]}`, onclick: () => seek(at) }, match[0]) : match[0]);
    last = match.index + match[0].length;
  }
  out.push(text.slice(last));
  return out;
}

/** The distance to the pass line in words: 3.2 -> "3 points above the pass line". */
export function marginWords(margin) {
  if (!Number.isFinite(margin)) return "";
  const points = Math.round(Math.abs(margin));
  const side = margin > 0 ? "above" : "below";
  if (margin === 0) return "exactly on the pass line";
  if (points === 0) return `less than a point ${side} the pass line`;
  return `${points} point${points === 1 ? "" : "s"} ${side} the pass line`;
}

function borderlineBadge(attrs = {}) {
  return h("span", { class: "badge borderline", ...attrs }, "Borderline");
}

/**
 * The verdict banner, read in two seconds: the verdict, the score, the distance to the pass
 * line and the one or two conditions that decided it, in plain words; the whole rule behind
 * "Why". Borderline verdicts add a badge and what would tip them. `id` prefixes every id
 * inside ("verdict" for an answer, "session-verdict" for the session), so the answer and
 * session reports, both in the page, never share one.
 */
/**
 * @param {string} verdict
 * @param {number} score
 * @param {{id?: string, rule?: string, heading?: string, margin?: number,
 *   borderline?: boolean, tipping?: string[], deciding?: string[], more?: number,
 *   ruleParts?: {rule: string, all: string[]} | null}} options
 */
function verdictBanner(verdict, score, { id = "verdict", rule, heading, margin,
  borderline, tipping, deciding = [], more = 0, ruleParts = null }) {
  const pass = verdict === "pass";
  const close = marginWords(margin);
  const tips = Array.isArray(tipping) ? tipping.filter(Boolean) : [];
  const sub = (name) => (id === "verdict" ? name : `${id}-${name}`);
  const parts = ruleParts || { rule: tidy(rule || ""), all: [] };
  return h("div", {
    class: `verdict ${pass ? "pass" : "fail"}${borderline ? " is-borderline" : ""}`, id,
    "data-verdict": verdict, "data-borderline": borderline ? "true" : null,
  },
    h("span", { class: "verdict-word" },
      h("span", { class: "verdict-icon", "aria-hidden": "true" }, pass ? "✓" : "✗"),
      h("span", {}, heading ? `${heading}: ` : "", pass ? "Pass" : "Fail")),
    Number.isFinite(score) ? h("span", { class: "verdict-score" }, `Score ${Math.round(score)} / 100`) : null,
    borderline ? borderlineBadge({ id: sub("borderline-badge") }) : null,
    close || borderline
      ? h("p", { class: "verdict-margin", id: sub("verdict-margin") },
        close ? `${title(close)}${!pass && Number(margin) > 0 ? ", but another condition of the rule was not met" : ""}.` : "",
        borderline ? `${close ? " " : ""}A close call: the verdict is still a ${pass ? "pass" : "fail"}, but a small change would turn it.` : "")
      : null,
    deciding.length
      ? h("ul", { class: "verdict-reasons", id: sub("verdict-reasons"), "aria-label": "What decided it" },
        deciding.map((d) => h("li", {}, rich(d))),
        more ? h("li", { class: "verdict-more" }, `And ${more} more: see why.`) : null)
      : null,
    borderline && tips.length
      ? h("div", { class: "verdict-tipping" },
        h("p", { class: "verdict-tipping-title", id: sub("tipping-title") }, `What would turn it into a ${pass ? "fail" : "pass"}`),
        h("ul", { id: sub("tipping"), "aria-labelledby": sub("tipping-title") }, tips.map((t) => h("li", {}, rich(tidy(String(t)))))))
      : null,
    parts.rule || parts.all.length
      ? h("details", { class: "verdict-why", id: sub("verdict-why") },
        h("summary", {}, "Why: the grading rule"),
        parts.rule ? h("p", { class: "verdict-rule" }, parts.rule) : null,
        parts.all.length
          ? [h("p", { class: "verdict-rule" }, "Not met:"), h("ul", { class: "verdict-rule" }, parts.all.map((t) => h("li", {}, rich(t))))]
          : null)
      : null);
}

/** The filled part of a score bar: its width set through the CSSOM, never a style attribute
 * (a strict Content-Security-Policy refuses those). */
function barFill(score) {
  const fill = h("span", {});
  fill.style.width = `${Math.max(0, Math.min(100, score))}%`;
  return fill;
}

function dimensionList(dimensions, seek) {
  const sorted = [...dimensions].sort((a, b) => {
    const ia = DIMENSION_ORDER.indexOf(a.name);
    const ib = DIMENSION_ORDER.indexOf(b.name);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  return h("ul", { class: "dims" }, sorted.map((dim) => {
    const score = Math.round(dim.score);
    const coaching = dim.weight === 0;
    return h("li", { class: "dim", "data-dimension": dim.name },
      h("div", { class: "dim-head" },
        h("span", {}, title(dim.name), coaching ? h("span", { class: "badge badge-after" }, "coaching only") : null),
        h("span", {}, `${score} / 100`)),
      h("div", { class: `dim-bar${score < 50 ? " low" : ""}`, "aria-hidden": "true" }, barFill(score)),
      DIMENSION_HELP[dim.name] ? h("div", { class: "hint dim-help" }, DIMENSION_HELP[dim.name]) : null,
      dim.evidence && dim.evidence.length
        ? h("details", {}, h("summary", {}, `Evidence (${dim.evidence.length})`),
          h("ul", {}, dim.evidence.map((e) => h("li", {}, linkTimes(e, seek)))))
        : null);
  }));
}


function presenceSpans(frames, get) {
  const spans = [];
  const step = frames.length > 1 ? (frames.at(-1).t - frames[0].t) / (frames.length - 1) : 0.5;
  frames.forEach((f, i) => {
    const state = get(f);
    const to = i + 1 < frames.length ? frames[i + 1].t : f.t + step;
    const last = spans.at(-1);
    if (last && last.state === state && Math.abs(last.to - f.t) < 1e-6) last.to = to;
    else spans.push({ from: f.t, to, state });
  });
  return spans;
}

function presencePlot(presence, duration) {
  const frames = presence && Array.isArray(presence.frames) ? presence.frames : [];
  if (frames.length < 2) return null;
  const end = Math.max(duration || 0, frames.at(-1).t);
  const faceSpans = presenceSpans(frames, (f) => f.faces > 0);
  const facingSpans = presenceSpans(frames, (f) => (f.facing === null || f.facing === undefined ? null : !!f.facing));
  const seen = frames.filter((f) => f.faces > 0).length;
  const rows = [{ name: "Face in picture", spans: faceSpans }];
  if (frames.some((f) => f.facing !== null && f.facing !== undefined)) rows.push({ name: "Facing camera", spans: facingSpans });
  return stripChart({
    title: "On camera over time",
    summary: `A face was in the picture in ${seen} of ${frames.length} sampled frames.`,
    duration: end, rows, xFormat: clock, trueLabel: "yes", falseLabel: "no",
  });
}

function visionMetrics(vision) {
  const items = [];
  const add = (label, value) => { if (value !== null && value !== undefined && value !== "—") items.push(h("div", {}, h("dt", {}, label), h("dd", {}, value))); };
  add("Face in picture", pct(vision.face_share));
  add("Facing the camera", vision.facing_share != null ? pct(vision.facing_share) : null);
  add("Steadiness", vision.steadiness != null ? pct(vision.steadiness) : null);
  add("Smiling", vision.smile_share != null ? pct(vision.smile_share) : null);
  add("Framing", vision.framing ? vision.framing.replace("_", " ") : null);
  add("Lighting", vision.lighting ? vision.lighting.replace("_", " ") : null);
  if (vision.multi_face_share) add("Several faces", pct(vision.multi_face_share));
  return h("dl", { class: "metrics" }, items);
}

function listSection(heading, items, cls, seek) {
  if (!items || !items.length) return null;
  return [h("h3", {}, heading), h("ul", { class: cls }, items.map((t) => h("li", {}, linkTimes(String(t), seek))))];
}

/**
 * The answer report.
 * @param {import("./store.js").AnswerView} answer
 * @param {{question?: import("./store.js").Question, recording?: import("./store.js").Recording | null,
 *   presence?: any, seek?: ((t: number) => void) | null, rules?: import("./store.js").Rules | null}} ctx
 *   the rules (GET /api/rules) mark a transcript's long pauses, fillers and pace band
 */
export function answerReport(answer, ctx) {
  const root = h("div", {});
  const result = answer.result;
  const seek = ctx.seek || null;
  if (result) {
    const missedListed = Array.isArray(result.missed) && result.missed.length > 0;
    const decided = decidingConditions(result.rule, { missedListed });
    root.append(verdictBanner(result.verdict, result.score, {
      rule: result.rule,
      margin: result.margin, borderline: !!result.borderline, tipping: result.tipping,
      deciding: result.verdict === "pass" ? [] : decided.shown, more: decided.more, ruleParts: decided,
    }));
    if (result.off_topic) root.append(h("p", { class: "callout warn" }, "This answer seems to be about something else than the question."));
  }
  const grid = h("div", { class: "report-grid" });
  root.append(grid);
  if (result && Array.isArray(result.dimensions) && result.dimensions.length) {
    grid.append(h("section", { class: "card", "aria-labelledby": "dims-title" },
      h("h2", { id: "dims-title" }, "Scores"), dimensionList(result.dimensions, seek)));
  }
  const answerCard = h("section", { class: "card", "aria-labelledby": "your-answer-title" }, h("h2", { id: "your-answer-title" }, "Your answer"));
  grid.append(answerCard);
  if (ctx.recording && ctx.recording.url) {
    const media = h(ctx.recording.video ? "video" : "audio", {
      id: "report-media", class: "playback", controls: true, playsinline: true, preload: "metadata",
      src: ctx.recording.url, "aria-label": "Your recorded answer",
    });
    answerCard.append(media);
  }
  const transcript = answer.transcript;
  const rules = ctx.rules || null;
  if (transcript) {
    const vocabulary = (ctx.question && ctx.question.vocabulary) || [];
    answerCard.append(h("h3", {}, "Transcript"),
      legend(fillersIn(transcript, rules), true, vocabulary.length > 0, rules),
      transcriptView(transcript, { vocabulary, seek, rules }));
  } else if (answer.mode === "code" && result && result.transcript) {
    answerCard.append(h("h3", {}, "Your code"), highlightedCode(result.transcript));
  } else if (result && result.transcript) {
    answerCard.append(h("h3", {}, "What you wrote"), h("p", { class: "typed-answer", id: "typed-answer" }, result.transcript));
  }

  if (transcript) {
    const pace = pacePlot(transcript, rules);
    const metrics = speechMetrics(transcript, rules);
    if (pace || metrics) root.append(h("section", { class: "card", "aria-labelledby": "delivery-title" }, h("h2", { id: "delivery-title" }, "Delivery"), metrics, pace));
  }
  if (answer.vision && answer.vision.frames > 0) {
    const plot = presencePlot(ctx.presence, transcript && transcript.duration_s);
    root.append(h("section", { class: "card", "aria-labelledby": "camera-title" },
      h("h2", { id: "camera-title" }, "On camera"),
      h("p", { class: "hint" }, "Coaching only: never part of the verdict. Age, gender and race are never inferred."),
      visionMetrics(answer.vision), plot));
  }

  if (result) {
    const feedback = h("section", { class: "card feedback", "aria-labelledby": "feedback-title" }, h("h2", { id: "feedback-title" }, "Feedback"));
    /** @type {any[]} */
    const parts = [
      listSection("What went well", result.strengths, "strengths", seek),
      listSection("What to improve", result.improvements, "improvements", seek),
      listSection("Key points you covered", result.covered, "strengths", seek),
      listSection("Key points you missed", result.missed, "improvements", seek),
      listSection("Misconceptions", result.misconceptions, "improvements", seek),
      listSection("Code review", result.findings, "improvements", seek),
    ].filter(Boolean);
    if (Number.isFinite(result.tests_total) && result.tests_total > 0) {
      parts.push(h("p", {}, h("strong", {}, `Hidden tests: ${result.tests_passed ?? 0} of ${result.tests_total} passed`), result.sandbox ? ` (${result.sandbox})` : ""));
    }
    if (result.coaching) parts.push(h("h3", {}, "Coach's note"), h("p", {}, result.coaching));
    if (!parts.length) parts.push(h("p", { class: "hint" }, "No further feedback for this answer."));
    feedback.append(...parts.flat());
    root.append(feedback);
  }
  return root;
}

/** The session report. ctx: {questions: Map id->question, openAnswer(answerId)} */
export function sessionReport(view, ctx) {
  const root = h("div", {});
  const report = view.report;
  if (report) {
    const failed = failedRounds(report.rounds, title);
    root.append(verdictBanner(report.verdict, report.score, {
      id: "session-verdict", rule: report.rule, heading: "Session",
      deciding: failed.slice(0, 2), more: Math.max(0, failed.length - 2),
    }));
    if (report.improvements && report.improvements.length) {
      root.append(h("section", { class: "card feedback", "aria-labelledby": "top-improve" },
        h("h2", { id: "top-improve" }, "Top improvements"),
        h("ol", { class: "improvements", id: "top-improvements" }, report.improvements.slice(0, 3).map((t) => h("li", {}, rich(t, tidyPunctuation))))));
    }
    if (report.strengths && report.strengths.length) {
      root.append(h("section", { class: "card feedback", "aria-labelledby": "top-strengths" },
        h("h2", { id: "top-strengths" }, "Strengths"),
        h("ul", { class: "strengths" }, report.strengths.slice(0, 3).map((t) => h("li", {}, rich(t, tidyPunctuation))))));
    }
    if (report.rounds && report.rounds.length) {
      root.append(h("section", { class: "card", "aria-labelledby": "rounds-title" },
        h("h2", { id: "rounds-title" }, "By round"),
        listTable(["Round", "Answers", "Passed", "Score", "Verdict"], report.rounds.map((r) => ({
          cells: [title(r.round), String(r.answers), String(r.passed), String(Math.round(r.score)), verdictTag(r.verdict)],
        })))));
    }
  }
  // The answer that counts per question: the latest, or the answer to its follow-up (whose
  // result covers both); the follow-ups themselves are listed after the table (session.js).
  const answered = countedAnswers(view);
  // Borderline answers: the session report's list once complete, else each grade's own flag.
  const borderline = new Set(report && Array.isArray(report.borderline) ? report.borderline : []);
  for (const a of answered.values()) if (a.result && a.result.borderline) borderline.add(a.question_id);
  const closeCalls = view.question_ids.filter((qid) => borderline.has(qid) && answered.get(qid)?.result);
  if (closeCalls.length) {
    root.append(h("p", { class: "callout warn", id: "borderline-note" },
      h("strong", {}, "Borderline: "),
      `question${closeCalls.length === 1 ? "" : "s"} ${listWords(closeCalls.map((qid) => `#${view.question_ids.indexOf(qid) + 1}`))} `,
      `${closeCalls.length === 1 ? "was" : "were"} close to the pass line. Open ${closeCalls.length === 1 ? "it" : "them"} to see what would tip the verdict.`));
  }
  const rows = view.question_ids.map((qid, i) => {
    const q = ctx.questions.get(qid);
    const a = answered.get(qid);
    /** @type {string | null} */
    let state = "not answered";
    if (a) state = a.status === "graded" ? null : a.status === "failed" ? "failed" : "processing…";
    const tight = !!(a && a.result && borderline.has(qid));
    const close = tight ? marginWords(a.result.margin) : "";
    return {
      attrs: { "data-question": qid, "data-borderline": tight ? "true" : null,
        "data-follow-up": a && a.follow_up_of ? "true" : null },
      cells: [String(i + 1), q ? rich(q.prompt) : qid,
        a && a.result
          ? [verdictTag(a.result.verdict), tight ? [" ", borderlineBadge()] : null,
            close ? h("span", { class: "verdict-tag-margin" }, close) : null,
            a.follow_up_of ? [" ", h("span", { class: "badge" }, a.result.lifted ? "lifted by the follow-up" : "with the follow-up")] : null]
          : state,
        a && a.result ? String(Math.round(a.result.score)) : "—",
        a ? h("button", { type: "button", class: "button small", onclick: () => ctx.openAnswer(a.answer_id) }, "Open", h("span", { class: "visually-hidden" }, ` the report of question ${i + 1}`)) : ""],
    };
  });
  root.append(h("section", { class: "card", "aria-labelledby": "answers-title" },
    h("h2", { id: "answers-title" }, "Answers"),
    listTable(["#", "Question", "Verdict", "Score", { label: "Report", hidden: true }], rows, { id: "answers-table" })));
  return root;
}

/** ["#1", "#2", "#3"] -> "#1, #2 and #3" */
function listWords(items) {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** A table that stacks into labelled rows on narrow screens (CSS uses data-label). A column
 * given as {label, hidden: true} (buttons) has a header for screen readers only, and no label
 * on narrow screens. */
export function listTable(columns, rows, attrs = {}) {
  const cols = columns.map((c) => (typeof c === "string" ? { label: c, hidden: false } : c));
  return h("div", { class: "table-wrap" }, h("table", { class: "list", ...attrs },
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" },
      c.hidden ? h("span", { class: "visually-hidden" }, c.label) : c.label)))),
    h("tbody", {}, rows.map((row) => h("tr", row.attrs || {},
      row.cells.map((cell, i) => h("td", { "data-label": cols[i].hidden ? "" : cols[i].label }, cell)))))));
}

export { verdictTag }; // exchange.js draws it too
