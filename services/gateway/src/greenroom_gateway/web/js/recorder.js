// @ts-check
// Camera and microphone: the preview, the level meter and MediaRecorder with a hard time
// limit. Nothing is recorded until start() is called; close() turns the devices off.

const VIDEO_TYPES = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm",
  "video/mp4;codecs=avc1,mp4a", "video/mp4"];
const AUDIO_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];

export class MediaProblem extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // denied | missing | busy | unsupported | failed
  }
}

function pickType(candidates) {
  if (typeof MediaRecorder === "undefined") return null;
  return candidates.find((t) => MediaRecorder.isTypeSupported(t)) || "";
}

function extensionFor(type, video) {
  if (type.includes("webm")) return ".webm";
  if (type.includes("ogg")) return ".ogg";
  if (type.includes("mp4")) return video ? ".mp4" : ".m4a";
  return video ? ".webm" : ".ogg";
}

async function countDevices() {
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return {
      cameras: devices.filter((d) => d.kind === "videoinput").length,
      microphones: devices.filter((d) => d.kind === "audioinput").length,
    };
  } catch {
    return { cameras: -1, microphones: -1 };
  }
}

/** Turn a getUserMedia failure into a message a person can act on. */
export async function explain(error, video) {
  if (error instanceof MediaProblem) return error;
  const name = error && error.name;
  const what = video ? "camera and microphone" : "microphone";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return new MediaProblem("denied", `Access to your ${what} was denied. Allow it for this site `
      + "(the camera icon in the address bar, or the browser's site settings), then press "
      + "Try again, or type this answer instead.");
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
    const found = await countDevices();
    let missing = `No ${what} was found`;
    if (video && found.cameras === 0 && found.microphones > 0) missing = "No camera was found";
    else if (found.microphones === 0 && (found.cameras > 0 || !video)) missing = "No microphone was found";
    const alternative = video && found.microphones > 0
      ? "answer with the microphone only (go back and choose it), or type this answer instead."
      : "type this answer instead.";
    return new MediaProblem("missing", `${missing} on this device. Connect one and press Try `
      + `again, or ${alternative}`);
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return new MediaProblem("busy", `Your ${what} could not be started: another application `
      + "may be using it. Close that application, then press Try again.");
  }
  return new MediaProblem("failed", `Your ${what} could not be started (${name || "unknown "
    + "error"}). Press Try again, or type this answer instead.`);
}

export class Recorder {
  /** @param {{video: boolean}} options */
  constructor({ video }) {
    this.video = video;
    this.stream = null;
    this.audioContext = null;
    this.analyser = null;
    this.mediaRecorder = null;
    this.chunks = [];
    this.onLevel = null;
    this.level = 0;
    this._raf = 0;
    this._timer = 0;
  }

  get supported() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)
      && typeof MediaRecorder !== "undefined";
  }

  get recording() {
    return !!this.mediaRecorder && this.mediaRecorder.state === "recording";
  }

  async open() {
    if (!window.isSecureContext) {
      throw new MediaProblem("unsupported", "The browser allows the camera and microphone "
        + "only on a secure page: open Greenroom at http://localhost:… or over HTTPS.");
    }
    if (!this.supported) {
      throw new MediaProblem("unsupported", "This browser cannot record audio or video. Use a "
        + "recent Chrome, Edge, Firefox or Safari, or type this answer instead.");
    }
    const constraints = {
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      video: this.video ? { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 },
        facingMode: "user" } : false,
    };
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      throw await explain(error, this.video);
    }
    this._startMeter();
    return this.stream;
  }

  attach(videoElement) {
    if (!this.stream || !videoElement) return;
    videoElement.srcObject = this.video ? this.stream : null;
    if (this.video) videoElement.play().catch(() => {});
  }

  _startMeter() {
    const Context = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
    if (!Context || !this.stream || !this.stream.getAudioTracks().length) return;
    try {
      this.audioContext = new Context();
      const source = this.audioContext.createMediaStreamSource(this.stream);
      this.analyser = this.audioContext.createAnalyser();
      this.analyser.fftSize = 1024;
      source.connect(this.analyser);
    } catch {
      this.analyser = null;
      return;
    }
    const analyser = this.analyser;
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      const rms = Math.sqrt(sum / samples.length);
      const db = 20 * Math.log10(rms + 1e-9);
      // -60 dBFS (silence) .. -10 dBFS (loud speech) onto 0..1, smoothed a little.
      const level = Math.min(1, Math.max(0, (db + 60) / 50));
      this.level = 0.6 * this.level + 0.4 * level;
      if (this.onLevel) this.onLevel(this.level);
      this._raf = requestAnimationFrame(tick);
    };
    this._raf = requestAnimationFrame(tick);
  }

  resumeAudio() {
    if (this.audioContext && this.audioContext.state === "suspended") {
      this.audioContext.resume().catch(() => {});
    }
  }

  /**
   * Start recording; `onTick(remaining_s)` runs a few times a second and `onLimit()` once
   * when the limit stops the recording.
   */
  /**
   * @param {number} limitS
   * @param {{onTick?: (remaining: number, elapsed: number) => void, onLimit?: () => void}} [callbacks]
   */
  start(limitS, { onTick, onLimit } = {}) {
    if (!this.stream) throw new Error("the recorder is not open");
    const type = pickType(this.video ? VIDEO_TYPES : AUDIO_TYPES);
    const options = type ? { mimeType: type } : {};
    if (this.video) options.videoBitsPerSecond = 800_000;
    options.audioBitsPerSecond = 64_000;
    this.chunks = [];
    const mediaRecorder = new MediaRecorder(this.stream, options);
    this.mediaRecorder = mediaRecorder;
    mediaRecorder.ondataavailable = (event) => {
      if (event.data && event.data.size) this.chunks.push(event.data);
    };
    this._stopped = new Promise((resolve) => { mediaRecorder.onstop = resolve; });
    this.resumeAudio();
    mediaRecorder.start(1000);
    this.startedAt = performance.now();
    this.elapsed = 0;
    const startedAt = this.startedAt;
    const tick = () => {
      this.elapsed = (performance.now() - startedAt) / 1000;
      const remaining = Math.max(0, limitS - this.elapsed);
      if (onTick) onTick(remaining, this.elapsed);
      if (remaining <= 0) {
        clearInterval(this._timer);
        this._timer = 0;
        if (onLimit) onLimit();
      }
    };
    this._timer = setInterval(tick, 200);
    tick();
  }

  /** Stop recording; resolves to {blob, seconds, filename, type}. */
  async stop() {
    clearInterval(this._timer);
    this._timer = 0;
    const recorder = this.mediaRecorder;
    if (!recorder) return null;
    if (recorder.state !== "inactive") recorder.stop();
    await this._stopped;
    const seconds = (performance.now() - (this.startedAt || performance.now())) / 1000;
    const full = recorder.mimeType || (this.video ? "video/webm" : "audio/webm");
    const type = full.split(";")[0];
    const blob = new Blob(this.chunks, { type });
    this.chunks = [];
    this.mediaRecorder = null;
    return { blob, seconds, type, filename: `answer${extensionFor(type, this.video)}` };
  }

  close() {
    clearInterval(this._timer);
    cancelAnimationFrame(this._raf);
    if (this.mediaRecorder && this.mediaRecorder.state !== "inactive") {
      try { this.mediaRecorder.stop(); } catch { /* already stopped */ }
    }
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.audioContext) this.audioContext.close().catch(() => {});
    this.stream = null;
    this.audioContext = null;
    this.analyser = null;
    this.onLevel = null;
  }
}
