// The candidate's web app: start, consent, interview room, upload and live progress,
// answer and session reports, progress over time. Plain ES modules, no build step.

import { api, ApiError, watchSession } from "./api.js";
import { $, $$, announce, clock, duration, h, setRich, show, title } from "./dom.js";
import { createEditor } from "./editor.js";
import { findSession, forget, forgetAll, loadHistory, remember } from "./history.js";
import { MediaProblem, Recorder } from "./recorder.js";
import { answerReport, progressView, sessionReport } from "./report.js";

const STAGES = {
  media: [["ingest", "Reading the recording"], ["transcribe", "Transcribing your words"],
    ["vision", "On-camera analysis"], ["grade", "Grading"]],
  text: [["grade", "Grading"]],
  code: [["grade", "Running your code and grading"]],
};
const POLL_MS = 8000;

const state = {
  config: { answer_limit_s: 180, retention_days: 30, max_text_chars: 20000, token_ttl_hours: 168 },
  bank: [],
  byId: new Map(),
  mode: "video", // the candidate's choice: video | audio | text
  session: null, // {id, token, questions, label, started_at}
  index: 0,
  overrides: new Map(), // question index -> "text" when the candidate chose to type it
  drafts: new Map(), // question index -> typed text or code
  recorder: null,
  take: null, // the current recording: {blob, url, seconds, filename, video}
  recState: "idle",
  answers: new Map(), // answer_id -> {answer_id, question_id, index, mode, view, recording}
  current: null, // answer_id shown on the answer screen
  stopWatch: null,
  sseOpen: false,
  refreshing: new Map(),
  bankReady: null, // resolves once the question bank is loaded
  editor: null,
  editorLoading: null,
  narration: null, // {recorder, take}
  sessionView: null,
  consented: false,
};

// -- screens ----------------------------------------------------------------------------

const TITLES = {
  start: "Greenroom — mock interviews for Python developers",
  consent: "Before you record — Greenroom",
  room: "Interview room — Greenroom",
  answer: "Your answer — Greenroom",
  session: "Session report — Greenroom",
  progress: "My progress — Greenroom",
};

function screen(name, { focus = true } = {}) {
  for (const el of $$(".screen")) el.hidden = el.dataset.screen !== name;
  document.title = TITLES[name] || TITLES.start;
  document.body.dataset.screen = name;
  if (name === "session" && state.session) {
    // A link to this report: reloading the page, or opening the link again, returns here.
    const link = `#session/${state.session.id}`;
    if (location.hash !== link) history.replaceState(null, "", link);
  } else if (name !== "progress" && name !== "consent" && location.hash) {
    history.replaceState(null, "", location.pathname);
  }
  if (focus) {
    const heading = $(`#screen-${name} h1`);
    if (heading) heading.focus({ preventScroll: false });
  }
  window.scrollTo(0, 0);
}

function currentScreen() {
  return document.body.dataset.screen || "start";
}

function fail(el, message) {
  el.textContent = message;
  el.hidden = !message;
  if (message) announce(message, true);
}

// -- start --------------------------------------------------------------------------------

/** A round's name, from the start form: index.html holds the one list of rounds. */
function roundName(round) {
  const input = $$('#round-choices input[name="round"]').find((el) => el.value === round);
  const name = input && $("strong", input.closest("label"));
  return name ? name.textContent : title(round);
}

function roundsInBank() {
  const order = $$('#round-choices input[name="round"]').map((el) => el.value).filter((r) => r !== "mock");
  const rounds = [...new Set(state.bank.map((q) => q.round))];
  return rounds.sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}

/** The rounds are already in the page: fill in how many questions each has, hide those the
 * bank lacks, add any the page does not know. */
function fillRounds() {
  const box = $("#round-choices");
  const known = new Set($$('input[name="round"]', box).map((el) => el.value));
  const counts = new Map([["mock", state.bank.length]]);
  for (const q of state.bank) counts.set(q.round, (counts.get(q.round) || 0) + 1);
  for (const round of roundsInBank()) {
    if (known.has(round)) continue;
    box.append(h("label", { class: "choice" },
      h("input", { type: "radio", name: "round", value: round }),
      h("span", {}, h("strong", {}, title(round)), h("span", { class: "choice-count" }))));
  }
  for (const input of $$('input[name="round"]', box)) {
    const available = counts.get(input.value) || 0;
    const label = input.closest("label");
    input.dataset.available = String(available);
    label.hidden = available === 0;
    $(".choice-count", label).textContent = `${available} question${available === 1 ? "" : "s"}`;
  }
  const checked = $('input[name="round"]:checked', box);
  if (!checked || checked.closest("label").hidden) $('input[name="round"][value="mock"]', box).checked = true;
  updateCount();
  document.body.dataset.bank = "1";
}

function chosenRound() {
  const input = $('input[name="round"]:checked');
  return input ? input.value : "mock";
}

function updateCount() {
  const round = chosenRound();
  const available = Number($('input[name="round"]:checked')?.dataset.available || 20);
  const count = $("#count");
  count.max = String(Math.min(20, available));
  count.value = String(Math.min(round === "mock" ? 5 : 3, available));
  const minutes = Math.max(1, Math.round((Number(count.value) * state.config.answer_limit_s) / 60));
  $("#count-hint").textContent = `At most ${duration(state.config.answer_limit_s)} each (about ${minutes} minute${minutes === 1 ? "" : "s"} in all).`;
}

async function loadBank() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const body = await api.questions();
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
function pickMock(count) {
  const pools = new Map(roundsInBank().map((r) => [r, state.bank.filter((q) => q.round === r)]));
  const rounds = [...pools.keys()];
  const chosen = [];
  for (let i = 0; chosen.length < count && i < count * rounds.length + 1; i += 1) {
    const pool = pools.get(rounds[i % rounds.length]);
    if (!pool.length) continue;
    const [q] = pool.splice(Math.floor(Math.random() * pool.length), 1);
    chosen.push(q.id);
  }
  return chosen;
}

async function startInterview(event) {
  event.preventDefault();
  const error = $("#start-error");
  fail(error, "");
  const count = $("#count");
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
  state.mode = $('input[name="mode"]:checked').value;
  const button = $("#start-button");
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
  const records = state.session.questions.some((q) => (q.answer_modes || []).some((m) => m === "video" || m === "audio"));
  if (state.mode === "text" || !records) enterRoom(0);
  else showConsent(false);
}

function beginSession(body, label) {
  endSession();
  state.session = {
    id: body.session_id, token: body.token, questions: body.questions, label,
    started_at: new Date().toISOString(),
  };
  for (const q of body.questions) state.byId.set(q.id, q);
  state.index = 0;
  state.overrides = new Map();
  state.drafts = new Map();
  state.answers = new Map();
  state.current = null;
  state.sessionView = null;
  state.consented = false;
  remember({ session_id: body.session_id, token: body.token, started_at: state.session.started_at,
    label, count: body.questions.length, mode: state.mode });
  watch();
}

function endSession() {
  if (state.stopWatch) state.stopWatch();
  state.stopWatch = null;
  closeMedia();
  state.session = null;
}

// -- consent ------------------------------------------------------------------------------

function showConsent(infoOnly) {
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

// -- interview room -----------------------------------------------------------------------

function question(index = state.index) {
  return state.session.questions[index];
}

function answerModeFor(index) {
  const q = question(index);
  const modes = q.answer_modes || [];
  if (modes.includes("code")) return "code";
  if (state.overrides.get(index) === "text" && modes.includes("text")) return "text";
  const preferred = state.mode === "text" || state.consented ? state.mode : "text";
  if (modes.includes(preferred)) return preferred;
  if (preferred === "video" && modes.includes("audio")) return "audio";
  if (modes.includes("text")) return "text";
  return modes[0] || "text";
}

function limitFor(q) {
  return Math.max(1, Math.min(state.config.answer_limit_s, q.time_limit_s || 180));
}

function enterRoom(index) {
  state.index = index;
  const q = question();
  const n = state.session.questions.length;
  const mode = answerModeFor(index);
  $("#room-step").textContent = `Question ${index + 1} of ${n} · ${roundName(q.round)}`;
  setRich($("#question-text"), q.prompt);
  $("#screen-room").dataset.mode = mode;
  show($("#room-media"), mode === "video" || mode === "audio");
  show($("#typed-form"), mode === "text");
  show($("#code-form"), mode === "code");
  fail($("#typed-error"), "");
  fail($("#code-error"), "");
  screen("room");
  if (mode === "video" || mode === "audio") {
    show($("#switch-typed"), (q.answer_modes || []).includes("text"));
    resetTake();
    setCountdown(limitFor(q));
    openMedia(mode === "video");
  } else {
    closeMedia();
    if (mode === "text") {
      const text = $("#typed-text");
      text.value = state.drafts.get(index) || "";
      text.maxLength = state.config.max_text_chars;
      updateTypedCount();
    } else {
      setupEditor(q, index);
    }
  }
}

function setRecState(next, message) {
  state.recState = next;
  const room = $("#screen-room");
  room.dataset.rec = next;
  show($("#btn-start"), next === "ready" || next === "opening" || next === "error");
  $("#btn-start").disabled = next !== "ready";
  show($("#btn-stop"), next === "recording");
  show($("#btn-submit"), next === "recorded");
  show($("#btn-rerecord"), next === "recorded");
  show($("#rec-badge"), next === "recording");
  show($("#playback"), next === "recorded" && !!state.take);
  show($("#preview-box"), next !== "error" && (next !== "recorded" || !state.take));
  show($("#meter-row"), next !== "error");
  if (message !== undefined) $("#rec-status").textContent = message;
}

function setCountdown(remaining) {
  const el = $("#countdown");
  el.textContent = clock(Math.ceil(remaining - 1e-6));
  el.classList.toggle("low", state.recState === "recording" && remaining <= 30);
}

async function openMedia(video) {
  const device = video ? "camera" : "microphone";
  const preview = $("#preview-box");
  preview.classList.toggle("audio-only", !video);
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
    $("#media-error-title").textContent = {
      denied: `${devices} blocked`,
      missing: video ? "No camera or microphone found" : "No microphone found",
      busy: `${devices} busy`,
      unsupported: "Recording is not available here",
    }[problem.kind] || `${devices} could not start`;
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
  const meter = $("#mic-meter");
  const fill = $(".meter-fill", meter);
  let lastValue = -1;
  let quietSince = performance.now();
  recorder.onLevel = (level) => {
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
  setRecState("ready", readyMessage());
}

function readyMessage() {
  return `Ready. You have ${duration(limitFor(question()))}; press Start recording when you are.`;
}

function closeMedia() {
  if (state.recorder) state.recorder.close();
  state.recorder = null;
  const preview = $("#preview");
  if (preview) preview.srcObject = null;
  stopNarration(true);
}

function resetTake() {
  if (state.take && state.take.url && !isTakeInUse(state.take.url)) URL.revokeObjectURL(state.take.url);
  state.take = null;
  const playback = $("#playback");
  playback.removeAttribute("src");
  playback.load();
}

function isTakeInUse(url) {
  return [...state.answers.values()].some((a) => a.recording && a.recording.url === url);
}

function startRecording() {
  const recorder = state.recorder;
  if (!recorder || !recorder.stream) return;
  const limit = limitFor(question());
  let warned = new Set();
  recorder.start(limit, {
    onTick: (remaining) => {
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
  warned = new Set();
  setRecState("recording", "Recording… Press Stop recording when you have finished.");
  announce("Recording started.");
  $("#btn-stop").focus();
}

async function stopRecording(timeUp = false) {
  const recorder = state.recorder;
  if (!recorder || state.recState !== "recording") return;
  setRecState("stopping", "Finishing the recording…");
  const take = await recorder.stop();
  if (!take || !take.blob.size) {
    setRecState("ready", "Nothing was recorded. Check your camera and microphone, then press Start recording again.");
    return;
  }
  take.url = URL.createObjectURL(take.blob);
  take.video = recorder.video;
  state.take = take;
  const playback = $("#playback");
  playback.src = take.url;
  playback.dataset.seconds = take.seconds.toFixed(2);
  const limit = limitFor(question());
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
  setCountdown(limitFor(question()));
  $("#screen-room").dataset.stopped = "";
  setRecState("ready", readyMessage());
  $("#btn-start").focus();
}

function switchToTyped() {
  state.overrides.set(state.index, "text");
  closeMedia();
  resetTake();
  enterRoom(state.index);
  $("#typed-text").focus();
}

function updateTypedCount() {
  const text = $("#typed-text");
  state.drafts.set(state.index, text.value);
  $("#typed-count").textContent = `${text.value.length} of ${state.config.max_text_chars} characters`;
}

function starterCode(q) {
  const match = /function\s+([A-Za-z_]\w*\([^)]*\)(?:\s*->\s*.+?)?)\s+(?:that|which|returning|to)\b/.exec(q.prompt || "");
  return match ? `def ${match[1]}:\n    ` : "";
}

function setupEditor(q, index) {
  const draft = state.drafts.get(index);
  const value = draft !== undefined ? draft : starterCode(q);
  $("#narrate").checked = false;
  show($("#narration-status"), false);
  if (state.editor) {
    state.editor.setValue(value);
    state.editor.refresh();
    return;
  }
  // The plain field works at once; the editor takes it over (and what is typed) when loaded.
  const textarea = $("#code-input");
  textarea.value = value;
  if (!state.editorLoading) {
    state.editorLoading = createEditor(textarea, { label: "Your code (Python)", describedBy: "code-hint" })
      .then((editor) => {
        state.editor = editor;
        editor.refresh();
      });
  }
}

async function toggleNarration() {
  const box = $("#narrate");
  const status = $("#narration-status");
  if (box.checked) {
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
    const limit = limitFor(question());
    recorder.start(limit, { onLimit: () => { stopNarration(false, "Narration stopped at the time limit."); } });
    status.textContent = `Narrating (recording your microphone, at most ${duration(limit)}). Untick to stop.`;
    announce("Narration recording started.");
  } else {
    await stopNarration(false);
  }
}

async function stopNarration(discard, message) {
  const narration = state.narration;
  if (!narration || !narration.recorder) return null;
  const recorder = narration.recorder;
  narration.recorder = null;
  const take = await recorder.stop();
  recorder.close();
  $("#narrate").checked = false;
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

// -- submitting, progress, answer report -------------------------------------------------

function stageList(kind) {
  if (kind === "audio") return STAGES.media.map(([s, label]) => [s, s === "vision" ? "Video check (microphone only)" : label]);
  return STAGES[kind === "video" ? "media" : kind] || STAGES.text;
}

function renderStages(kind, view) {
  const list = $("#stages");
  list.textContent = "";
  const done = new Set(view ? view.stages : []);
  const failedStage = view && view.error ? view.error.stage : null;
  const stages = stageList(kind);
  for (const [stage, label] of stages) {
    let status = "waiting";
    if (failedStage === stage) status = "failed";
    else if (done.has(stage)) status = "done";
    else if (view && !failedStage) {
      const before = stage === "grade" ? stages.filter(([s]) => s !== "grade").map(([s]) => s)
        : stage === "ingest" ? [] : ["ingest"];
      if (before.every((s) => done.has(s))) status = "working";
    }
    if (failedStage && status === "waiting") status = "skipped";
    const icon = { done: "✓", failed: "✗", working: "…", waiting: "○", skipped: "–" }[status];
    const word = { done: "done", failed: "failed", working: "in progress", waiting: "waiting", skipped: "not run" }[status];
    list.append(h("li", { class: status, "data-stage": stage, "data-state": status },
      h("span", { class: "stage-icon", "aria-hidden": "true" }, icon),
      h("span", {}, label), h("span", { class: "stage-state" }, `— ${word}`)));
  }
}

async function submitAnswer(payload, kind, recording) {
  const q = question();
  const index = state.index;
  state.current = null;
  showAnswerScreen(index, kind);
  const box = $("#upload-box");
  const bar = $("#upload-progress");
  show(box, true);
  bar.value = 0;
  $("#upload-pct").textContent = "0%";
  $("#upload-label").textContent = payload.file
    ? `Uploading your recording (${(payload.file.size / 1048576).toFixed(1)} MB)` : "Sending your answer";
  renderStages(kind, null);
  let accepted;
  try {
    accepted = await api.submit(state.session.id, state.session.token, q.id, payload, (share) => {
      const value = Math.round(share * 100);
      bar.value = value;
      $("#upload-pct").textContent = `${value}%`;
    });
  } catch (error) {
    const retry = $("#btn-retry");
    fail($("#answer-error"), `${error.message}`);
    if (error.status === 0) {
      retry.textContent = "Try the upload again";
      retry.onclick = () => submitAnswer(payload, kind, recording);
    } else {
      retry.textContent = "Answer this question again";
      retry.onclick = () => enterRoom(index);
    }
    show(retry, true);
    if (error.answerId) trackAnswer(error.answerId, q.id, index, kind, recording);
    return;
  }
  $("#upload-label").textContent = payload.file ? "Recording uploaded" : "Answer sent";
  bar.value = 100;
  $("#upload-pct").textContent = "100%";
  announce("Uploaded. Your answer is being processed.");
  state.current = accepted.answer_id;
  trackAnswer(accepted.answer_id, q.id, index, kind, recording);
  show($("#btn-next"), true);
  refreshAnswer(accepted.answer_id);
}

function showAnswerScreen(index, kind) {
  const q = question(index);
  const n = state.session.questions.length;
  $("#answer-step").textContent = `Question ${index + 1} of ${n}`;
  $("#answer-title").textContent = `Your answer to question ${index + 1}`;
  setRich($("#answer-question"), q.prompt);
  show($("#progress-card"), true);
  const report = $("#answer-report");
  show(report, false);
  report.textContent = "";
  delete report.dataset.drawn; // what it showed is gone: renderAnswer draws it again
  fail($("#answer-error"), "");
  show($("#btn-retry"), false);
  const last = index + 1 >= n;
  $("#btn-next").textContent = last ? "Finish: session report" : "Next question";
  show($("#btn-next"), false);
  show($("#btn-session"), !last);
  closeMedia();
  renderStages(kind, null);
  screen("answer");
}

function trackAnswer(answerId, questionId, index, kind, recording) {
  state.answers.set(answerId, {
    answer_id: answerId, question_id: questionId, index, mode: kind, view: null, recording,
    presence: undefined, announced: false,
  });
}

async function refreshAnswer(answerId) {
  const entry = state.answers.get(answerId);
  if (!entry || !state.session) return;
  if (state.refreshing.get(answerId)) {
    state.refreshing.set(answerId, "again");
    return;
  }
  state.refreshing.set(answerId, "busy");
  try {
    entry.view = await api.answer(answerId, state.session.token);
    if (entry.view.status === "graded" && entry.view.vision && entry.presence === undefined) {
      entry.presence = await api.presence(answerId, state.session.token).catch(() => null);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) state.answers.delete(answerId);
  } finally {
    const again = state.refreshing.get(answerId) === "again";
    state.refreshing.delete(answerId);
    if (state.current === answerId) renderAnswer(answerId);
    if (again) refreshAnswer(answerId);
  }
}

function renderAnswer(answerId) {
  const entry = state.answers.get(answerId);
  if (!entry || !entry.view || currentScreen() !== "answer") return;
  const view = entry.view;
  renderStages(entry.mode, view);
  // Skip only a redraw of what the report shows now: showAnswerScreen empties it (and its
  // mark) whenever the screen is opened again, for this answer or another.
  const container = $("#answer-report");
  const key = `${answerId}:${view.status}:${view.stages.join(",")}:${entry.presence ? 1 : 0}`;
  if (container.dataset.drawn === key) return;
  container.dataset.drawn = key;
  const error = $("#answer-error");
  if (view.status === "failed" && view.error) {
    const what = entry.mode === "text" || entry.mode === "code" ? "this answer" : "this recording";
    fail(error, `We could not grade ${what}: ${view.error.message}`);
    const retry = $("#btn-retry");
    retry.textContent = "Answer this question again";
    retry.onclick = () => enterRoom(entry.index);
    show(retry, state.session && state.session.questions[entry.index]?.id === entry.question_id);
  } else if (view.status === "graded") {
    fail(error, "");
    container.textContent = "";
    const recording = entry.recording;
    const seek = recording && recording.url ? (t) => {
      const media = $("#report-media");
      if (!media) return;
      media.currentTime = t;
      media.play().catch(() => {});
      media.focus();
    } : null;
    container.append(answerReport(view, {
      question: state.byId.get(view.question_id), recording, presence: entry.presence, seek,
    }));
    show(container, true);
    show($("#upload-box"), false);
    if (!entry.announced) {
      entry.announced = true;
      const verdict = view.result ? `${view.result.verdict === "pass" ? "Pass" : "Fail"}${view.result.borderline ? " (borderline)" : ""}, score ${Math.round(view.result.score)} out of 100` : "done";
      announce(`Your answer is graded: ${verdict}.`);
    }
  }
}

async function openAnswer(answerId) {
  let entry = state.answers.get(answerId);
  if (!entry) {
    const view = state.sessionView && state.sessionView.answers.find((a) => a.answer_id === answerId);
    const index = state.session.questions.findIndex((q) => q.id === (view && view.question_id));
    entry = { answer_id: answerId, question_id: view ? view.question_id : "", index: Math.max(0, index),
      mode: view ? view.mode : "text", view: null, recording: null, presence: undefined, announced: true };
    state.answers.set(answerId, entry);
  }
  state.current = answerId;
  showAnswerScreen(entry.index, entry.mode);
  show($("#upload-box"), false);
  show($("#btn-next"), false);
  show($("#btn-session"), true); // back to where it was opened from
  await refreshAnswer(answerId);
}

// -- session report, live events, history -----------------------------------------------

function watch() {
  const session = state.session;
  state.stopWatch = watchSession(session.id, session.token, (topic, data) => {
    if (state.session !== session) return;
    if (topic === "snapshot") {
      for (const view of data.answers || []) {
        const entry = state.answers.get(view.answer_id);
        if (entry) {
          entry.view = view;
          if (state.current === view.answer_id) renderAnswer(view.answer_id);
        }
      }
      if (data.report) onSessionView(data);
      return;
    }
    if (topic === "sessions.completed") {
      refreshSession();
      return;
    }
    if (data && state.answers.has(data.answer_id)) refreshAnswer(data.answer_id);
  }, (open) => {
    state.sseOpen = open;
    document.body.dataset.live = open ? "open" : "closed";
  });
}

// Safety net while the event stream reconnects (or a proxy buffers it).
setInterval(() => {
  if (!state.session) return;
  for (const entry of state.answers.values()) {
    const done = entry.view && (entry.view.status === "graded" || entry.view.status === "failed");
    if (!done) refreshAnswer(entry.answer_id);
  }
  if (!state.sseOpen && state.answers.size && !(state.sessionView && state.sessionView.complete)) refreshSession();
}, POLL_MS);

async function refreshSession() {
  if (!state.session) return null;
  try {
    const view = await api.session(state.session.id, state.session.token);
    onSessionView(view);
    return view;
  } catch (error) {
    if (currentScreen() === "session") fail($("#session-status"), error.message);
    return null;
  }
}

function onSessionView(view) {
  const before = state.sessionView && state.sessionView.complete;
  state.sessionView = view;
  if (view.report) {
    const dims = {};
    const counts = {};
    for (const a of view.answers) {
      for (const d of (a.result && a.result.dimensions) || []) {
        dims[d.name] = (dims[d.name] || 0) + d.score;
        counts[d.name] = (counts[d.name] || 0) + 1;
      }
    }
    for (const name of Object.keys(dims)) dims[name] = dims[name] / counts[name];
    remember({ session_id: view.session_id, verdict: view.report.verdict, score: view.report.score,
      dimensions: dims, completed_at: view.report.completed_at });
    if (!before) {
      announce(`All answers are graded. Session verdict: ${view.report.verdict === "pass" ? "pass" : "fail"}.`);
      $("#btn-session").textContent = "Session report (ready)";
    }
  }
  if (currentScreen() === "session") renderSession();
}

function renderSession() {
  const view = state.sessionView;
  const status = $("#session-status");
  const box = $("#session-report");
  box.textContent = "";
  if (!view) {
    status.textContent = "Loading…";
    return;
  }
  const total = view.question_ids.length;
  const answered = new Set(view.answers.map((a) => a.question_id)).size;
  const graded = view.answers.filter((a) => a.status === "graded").length;
  status.textContent = view.complete
    ? (total === 1 ? "Your answer is graded." : `All ${total} answers are graded.`)
    : `${answered} of ${total} questions answered; ${graded} graded so far. The verdict appears when every answer is graded.`;
  box.append(sessionReport(view, { questions: state.byId, openAnswer }));
  const unanswered = view.question_ids.findIndex((qid) => !view.answers.some((a) => a.question_id === qid));
  const resume = $("#btn-resume");
  show(resume, unanswered >= 0 && !!state.session.questions);
  resume.onclick = () => enterRoom(unanswered);
}

async function showSession() {
  closeMedia();
  $("#btn-session").textContent = "Session report";
  screen("session");
  renderSession();
  await refreshSession();
}

function showProgress() {
  closeMedia();
  const body = $("#progress-body");
  body.textContent = "";
  const entries = loadHistory();
  body.append(progressView(entries, { open: openFromHistory, remove: (e) => deleteSessions([e]) }));
  show($("#btn-delete-all"), entries.length > 0);
  screen("progress");
}

async function openFromHistory(entry) {
  endSession();
  state.session = { id: entry.session_id, token: entry.token, questions: [], label: entry.label, started_at: entry.started_at };
  state.answers = new Map();
  state.sessionView = null;
  screen("session");
  renderSession();
  // The prompts come from the question bank: wait for it (a little) to draw the report once.
  const [view] = await Promise.all([refreshSession(), Promise.race([state.bankReady, delay(4000)])]);
  if (!view) {
    fail($("#session-status"), "This session's data is no longer on the server (deleted or expired).");
    reveal();
    return;
  }
  state.session.questions = view.question_ids.map((id) => state.byId.get(id) || { id, prompt: id, round: "", answer_modes: ["text"] });
  if (!view.complete) watch();
  renderSession();
  reveal();
}

const delay = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Show the page that a link to a report kept hidden until drawn (boot.js), focused as
 * screen() would have. */
function reveal() {
  if (!document.documentElement.dataset.boot) return;
  delete document.documentElement.dataset.boot;
  const heading = $(`#screen-${currentScreen()} h1`);
  if (heading) heading.focus();
}

function confirmDialog(text) {
  const dialog = $("#confirm-dialog");
  $("#confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

async function deleteSessions(entries) {
  if (!entries.length) return;
  const one = entries.length === 1;
  const ok = await confirmDialog(one
    ? "This deletes the recordings, transcripts and results of this session from the server, and removes it from this device. It cannot be undone."
    : `This deletes the recordings, transcripts and results of all ${entries.length} sessions on this device from the server, and clears your progress. It cannot be undone.`);
  if (!ok) return;
  const failures = [];
  for (const entry of entries) {
    try {
      await api.deleteSession(entry.session_id, entry.token);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) {
        failures.push(error.message);
        continue;
      }
    }
    forget(entry.session_id);
    if (state.session && state.session.id === entry.session_id) {
      endSession();
      state.answers = new Map();
      state.sessionView = null;
    }
  }
  if (!one && !failures.length) forgetAll();
  showProgress();
  const message = failures.length
    ? `Some data could not be deleted: ${failures[0]} Try again.`
    : one ? "The session's data was deleted." : "All your data was deleted.";
  const note = h("p", { class: failures.length ? "callout error" : "callout info", id: "delete-result", role: "status" }, message);
  $("#progress-body").prepend(note);
  announce(message, !!failures.length);
}

async function deleteCurrentSession() {
  if (!state.session) return;
  const entry = findSession(state.session.id) || { session_id: state.session.id, token: state.session.token };
  await deleteSessions([entry]);
}

// -- wiring ---------------------------------------------------------------------------------

function nextQuestion() {
  const n = state.session.questions.length;
  const next = state.index + 1;
  if (next >= n) {
    showSession();
    return;
  }
  enterRoom(next);
}

let infoReturn = "start";

const SESSION_LINK = /^#session\/([\w-]+)$/;

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
  else if (location.hash === "#privacy") {
    if (currentScreen() !== "consent") infoReturn = currentScreen();
    showConsent(true);
  }
}

/** Back from the privacy page to where the candidate was (the room reopens its devices). */
function leaveInfo() {
  if (infoReturn === "room" && state.session) enterRoom(state.index);
  else if (infoReturn === "progress") showProgress();
  else if (infoReturn === "session" && state.session) showSession();
  else if (infoReturn === "answer" && state.current) openAnswer(state.current);
  else screen("start");
}

async function init() {
  // Settings, question bank and (for a link to a report) the session are fetched at once.
  const config = api.config().then((body) => { state.config = { ...state.config, ...body }; }, () => {});
  state.bankReady = loadBank();
  $("#start-form").addEventListener("submit", startInterview);
  $("#consent-agree").addEventListener("click", () => { state.consented = true; enterRoom(state.index); });
  $("#consent-typed").addEventListener("click", () => { state.mode = "text"; enterRoom(state.index); });
  $("#consent-back").addEventListener("click", () => {
    if ($("#screen-consent").dataset.info) {
      history.replaceState(null, "", location.pathname);
      leaveInfo();
      return;
    }
    const session = state.session;
    endSession();
    if (session) {
      api.deleteSession(session.id, session.token).catch(() => {});
      forget(session.id);
    }
    screen("start");
  });
  $("#btn-start").addEventListener("click", startRecording);
  $("#btn-stop").addEventListener("click", () => stopRecording(false));
  $("#btn-rerecord").addEventListener("click", rerecord);
  $("#btn-submit").addEventListener("click", () => {
    const take = state.take;
    if (!take) return;
    submitAnswer({ file: take.blob, filename: take.filename }, take.video ? "video" : "audio",
      { url: take.url, video: take.video });
    state.take = null; // kept by the answer for its report
  });
  $("#switch-typed").addEventListener("click", switchToTyped);
  $("#media-typed").addEventListener("click", switchToTyped);
  $("#media-retry").addEventListener("click", () => openMedia(answerModeFor(state.index) === "video"));
  $("#typed-text").addEventListener("input", updateTypedCount);
  $("#typed-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("#typed-text").value;
    if (!text.trim()) {
      fail($("#typed-error"), "Write your answer first.");
      $("#typed-text").focus();
      return;
    }
    submitAnswer({ text }, "text", null);
  });
  $("#code-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = state.editor ? state.editor.getValue() : $("#code-input").value;
    if (!code.trim()) {
      fail($("#code-error"), "Write your code first.");
      if (state.editor) state.editor.focus();
      return;
    }
    state.drafts.set(state.index, code);
    const narration = (await stopNarration(false)) || (state.narration && state.narration.take);
    state.narration = null;
    submitAnswer({ code }, "code", narration ? { url: narration.url, video: false } : null);
  });
  $("#narrate").addEventListener("change", toggleNarration);
  $("#btn-leave").addEventListener("click", showSession);
  $("#btn-next").addEventListener("click", nextQuestion);
  $("#btn-session").addEventListener("click", showSession);
  $("#btn-new").addEventListener("click", () => { endSession(); screen("start"); });
  $("#btn-new-2").addEventListener("click", () => { endSession(); screen("start"); });
  $("#btn-delete-session").addEventListener("click", deleteCurrentSession);
  $("#btn-delete-all").addEventListener("click", () => deleteSessions(loadHistory()));
  window.addEventListener("hashchange", route);
  window.addEventListener("beforeunload", (event) => {
    if (state.recState === "recording" || (state.take && currentScreen() === "room")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  document.body.dataset.ready = "1";
  if (SESSION_LINK.test(location.hash)) route(); // needs no settings
  await config;
  updateCount();
  if (location.hash && !SESSION_LINK.test(location.hash)) route();
  await state.bankReady;
}

init();
