// @ts-check
// The transcript of a spoken answer, marked (fillers, long pauses, key terms, times to replay
// from), and its delivery figures: pace over time and the speech metrics. What counts as a
// filler sound, a long pause and a comfortable pace comes from the platform's rules
// (GET /api/rules, greenroom_common.domain), never from a copy here.

import { clock, h, pct } from "./dom.js";
import { lineChart } from "./plots.js";

/** @typedef {import("./store.js").Rules} Rules */

const norm = (/** @type {string} */ word) => String(word).toLowerCase().replace(/^[^\w*]+|[^\w]+$/g, "");

/** @param {Rules | null | undefined} rules */
const fillerSounds = (rules) => new Set(rules ? rules.filler_sounds : []);

/** Which words are fillers, and the filler moments no word covers (Whisper drops many). */
function fillerMarks(words, speech, rules) {
  const marked = new Set();
  const orphans = [];
  if (speech && Array.isArray(speech.fillers)) {
    for (const moment of speech.fillers) {
      let covered = false;
      words.forEach((w, i) => {
        const overlap = Math.min(w.end, moment.end) - Math.max(w.start, moment.start);
        if (overlap > 0.5 * Math.max(0.01, w.end - w.start) || (w.start >= moment.start - 0.05 && w.end <= moment.end + 0.05)) {
          marked.add(i);
          covered = true;
        }
      });
      if (!covered) orphans.push(moment);
    }
  } else {
    const sounds = fillerSounds(rules);
    words.forEach((w, i) => { if (sounds.has(norm(w.word))) marked.add(i); });
  }
  return { marked, orphans };
}

function pauseMoments(words, speech, rules) {
  if (speech && Array.isArray(speech.pauses)) return speech.pauses;
  const pauses = [];
  if (!rules) return pauses;
  for (let i = 1; i < words.length; i += 1) {
    const gap = words[i].start - words[i - 1].end;
    if (gap >= rules.long_pause_s) pauses.push({ start: words[i - 1].end, end: words[i].start, label: "pause" });
  }
  return pauses;
}

function termMatcher(vocabulary) {
  const singles = new Set();
  const phrases = [];
  for (const term of vocabulary || []) {
    const parts = String(term).split(/\s+/).map(norm).filter(Boolean);
    if (parts.length === 1) singles.add(parts[0]);
    else if (parts.length > 1) phrases.push(parts);
  }
  const single = (w) => singles.has(w) || (w.endsWith("s") && singles.has(w.slice(0, -1)))
    || (w.endsWith("es") && singles.has(w.slice(0, -2)));
  return (normWords) => {
    const hits = new Set();
    normWords.forEach((w, i) => { if (w && single(w)) hits.add(i); });
    for (const phrase of phrases) {
      for (let i = 0; i + phrase.length <= normWords.length; i += 1) {
        if (phrase.every((p, j) => normWords[i + j] === p)) for (let j = 0; j < phrase.length; j += 1) hits.add(i + j);
      }
    }
    return hits;
  };
}

/** Lines of words, each led by its time: Whisper's segments, split at sentence ends so that
 * every sentence can be replayed. */
function lines(/** @type {{start: number, end: number, word: string}[]} */ words, /** @type {{end: number}[] | undefined} */ segments) {
  /** @type {number[][]} */
  const out = [[]];
  const lastLine = () => out[out.length - 1];
  let s = 0;
  words.forEach((w, i) => {
    let boundary = false;
    if (segments && segments.length) {
      let next = s;
      while (next < segments.length - 1 && w.start >= segments[next].end - 0.01) next += 1;
      boundary = next !== s;
      s = next;
    }
    const previous = i > 0 ? words[i - 1].word.trim() : "";
    if (/[.?!]$/.test(previous) && lastLine().length >= 6) boundary = true;
    if (boundary && lastLine().length) out.push([]);
    lastLine().push(i);
  });
  return out.filter((l) => l.length);
}

export function transcriptView(transcript, { vocabulary, seek, rules }) {
  const words = (transcript.words || []).filter((w) => w && typeof w.word === "string");
  const speech = transcript.speech || null;
  const box = h("div", { class: "transcript", id: "transcript" });
  if (!words.length) {
    box.append(h("p", {}, transcript.text || "No words were recognised."));
    return box;
  }
  const { marked, orphans } = fillerMarks(words, speech, rules);
  const pauses = pauseMoments(words, speech, rules);
  const hits = termMatcher(vocabulary)(words.map((w) => norm(w.word)));
  // Events between words: long pauses and fillers no word covers, placed by time.
  const between = [
    ...pauses.map((p) => ({ at: p.start, node: () => h("span", { class: "pause", title: `Silence from ${clock(p.start)} to ${clock(p.end)}` }, `‖ pause ${(p.end - p.start).toFixed(1)} s`) })),
    ...orphans.map((f) => ({ at: f.start, node: () => h("span", { class: "filler", title: "filler (not in the transcript text)" }, `(${f.label || "filler"})`, h("span", { class: "filler-tag", "aria-hidden": "true" }, "F")) })),
  ].sort((a, b) => a.at - b.at);
  let next = 0;
  for (const line of lines(words, transcript.segments)) {
    const first = words[line[0]];
    const p = h("p", {});
    p.append(seek
      ? h("button", { type: "button", class: "ts", "aria-label": `Play the recording from ${clock(first.start)}`, onclick: () => seek(first.start) }, clock(first.start))
      : h("span", { class: "ts" }, clock(first.start)));
    for (const i of line) {
      const w = words[i];
      while (next < between.length && between[next].at <= w.start + 0.01) {
        p.append(" ", between[next].node(), " ");
        next += 1;
      }
      const text = w.word.trim();
      let node;
      if (marked.has(i)) {
        node = h("span", { class: "filler", title: "filler word" }, text, h("span", { class: "filler-tag", "aria-hidden": "true" }, "F"),
          h("span", { class: "visually-hidden" }, " (filler)"));
      } else if (hits.has(i)) {
        node = h("mark", { class: "term", title: "key term" }, text);
      } else {
        node = document.createTextNode(text);
      }
      p.append(node, " ");
    }
    box.append(p);
  }
  while (next < between.length) {
    /** @type {HTMLElement} */ (box.lastElementChild).append(" ", between[next].node());
    next += 1;
  }
  return box;
}

export function legend(hasFillers, hasPauses, hasTerms, rules) {
  return h("ul", { class: "legend", "aria-label": "How the transcript is marked" },
    hasTerms ? h("li", {}, h("mark", { class: "term" }, "term"), " key term of the topic") : null,
    hasFillers ? h("li", {}, h("span", { class: "filler" }, "um", h("span", { class: "filler-tag" }, "F")), " filler word") : null,
    hasPauses ? h("li", {}, h("span", { class: "pause" }, "‖ pause"), rules ? ` silence over ${rules.long_pause_s} s` : " long silence") : null,
    h("li", {}, h("span", { class: "ts" }, "0:12"), " play from that moment"));
}

/** Words per minute over time: the transcriber's timeline, else from the word times. */
function paceSeries(transcript) {
  const timeline = transcript.speech && transcript.speech.pace_timeline;
  if (Array.isArray(timeline) && timeline.length >= 2) return timeline.map((p) => ({ x: p.t, y: p.value }));
  const words = transcript.words || [];
  if (words.length < 4) return [];
  const end = Math.max(transcript.duration_s || 0, words.at(-1).end);
  const half = 5;
  const points = [];
  for (let t = 0; t <= end + 1e-6; t += 2) {
    const from = Math.max(0, t - half);
    const to = Math.min(end, t + half);
    const n = words.filter((w) => w.start >= from && w.start < to).length;
    if (to - from >= 2) points.push({ x: t, y: (n * 60) / (to - from) });
  }
  return points;
}

export function pacePlot(transcript, rules) {
  const points = paceSeries(transcript);
  if (points.length < 2) return null;
  const avg = transcript.speech && Number.isFinite(transcript.speech.words_per_minute)
    ? transcript.speech.words_per_minute
    : points.reduce((a, p) => a + p.y, 0) / points.length;
  const average = `Average ${Math.round(avg)} words per minute`;
  const options = {
    title: "Speaking pace over time", series: [{ name: "Words per minute", points }],
    xLabel: "time in the answer", yLabel: "words per minute", tableX: "Time",
    xFormat: clock, xMin: 0, yMin: 0,
  };
  if (!rules) return lineChart({ ...options, summary: `${average}.` });
  const { low_wpm: low, high_wpm: high } = rules.pace;
  const fast = points.filter((p) => p.y > high).length;
  const slow = points.filter((p) => p.y > 0 && p.y < low).length;
  return lineChart({
    ...options,
    summary: `${average}; ${fast} of ${points.length} points above ${high}, ${slow} below ${low}. The comfortable range is ${low} to ${high}.`,
    band: { from: low, to: high, label: `comfortable ${low}–${high}` },
  });
}

export function speechMetrics(transcript, rules) {
  const sp = transcript.speech;
  if (!sp) return null;
  const items = [];
  const add = (label, value) => items.push(h("div", {}, h("dt", {}, label), h("dd", {}, value)));
  if (Number.isFinite(sp.words_per_minute)) add("Pace", `${Math.round(sp.words_per_minute)} wpm`);
  if (Array.isArray(sp.pauses)) add(rules ? `Pauses over ${rules.long_pause_s} s` : "Long pauses", String(sp.pauses.length));
  if (Array.isArray(sp.fillers)) add("Filler words", String(sp.fillers.length));
  if (Number.isFinite(sp.speech_ratio)) add("Time speaking", pct(sp.speech_ratio));
  if (sp.monotone === true) add("Intonation", "monotone");
  return h("dl", { class: "metrics" }, items);
}

/** Whether the transcript has fillers to mark (the legend lists the mark only then). */
export function fillersIn(transcript, rules) {
  const sp = transcript.speech;
  if (sp) return (sp.fillers || []).length > 0;
  const sounds = fillerSounds(rules);
  return (transcript.words || []).some((w) => sounds.has(norm(w.word)));
}
