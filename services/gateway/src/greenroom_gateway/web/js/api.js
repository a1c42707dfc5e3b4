// @ts-check
// The gateway's public HTTP API (README "Try it with curl"), as the web app uses it.

export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status; 0 when the server could not be reached
   * @param {string} reason the error body's stable code (``too_long``, ``offline`` …)
   * @param {string} message what to tell the candidate
   */
  constructor(status, reason, message) {
    super(message);
    this.status = status;
    this.reason = reason;
    /** @type {string | undefined} the answer a refused upload was still recorded as */
    this.answerId = undefined;
  }
}

async function parseError(response) {
  let reason = "error";
  let message = `The server answered ${response.status}.`;
  try {
    const body = await response.json();
    if (body && body.error) {
      reason = body.error.reason || reason;
      message = body.error.message || message;
    } else if (body && body.detail) {
      message = Array.isArray(body.detail)
        ? body.detail.map((d) => d.msg).join("; ") : String(body.detail);
    }
  } catch { /* not JSON */ }
  return new ApiError(response.status, reason, message);
}

/**
 * @param {string} path
 * @param {{method?: string, token?: string, json?: unknown}} [options]
 * @returns {Promise<any>} the JSON body; null for 204
 */
async function call(path, { method = "GET", token, json } = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: json === undefined ? undefined : JSON.stringify(json),
    });
  } catch {
    throw new ApiError(0, "offline", "The server cannot be reached; check your connection and try again.");
  }
  if (!response.ok) throw await parseError(response);
  if (response.status === 204) return null;
  return response.json();
}

export const api = {
  config: () => call("/config.json"),
  rules: () => call("/api/rules"),
  questions: (round) => call(`/api/questions${round ? `?round=${encodeURIComponent(round)}` : ""}`),
  createSession: (body) => call("/api/sessions", { method: "POST", json: body }),
  session: (sid, token) => call(`/api/sessions/${sid}`, { token }),
  answer: (aid, token) => call(`/api/answers/${aid}`, { token }),
  presence: (aid, token) => call(`/api/answers/${aid}/presence`, { token }),
  deleteSession: (sid, token) => call(`/api/sessions/${sid}`, { method: "DELETE", token }),

  /**
   * Submit one answer. `payload` is {file: Blob, filename} or {text} or {code}; an answer to
   * a follow-up names the answer it follows (`followUpOf`: the server takes the question from
   * it). XMLHttpRequest rather than fetch: it reports upload progress.
   * @param {string} sid
   * @param {string} token
   * @param {string} questionId
   * @param {any} payload
   * @param {((share: number) => void) | null} onProgress
   * @param {string | null} [followUpOf]
   * @returns {Promise<any>}
   */
  submit(sid, token, questionId, payload, onProgress, followUpOf = null) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      if (followUpOf) form.append("follow_up_of", followUpOf);
      else form.append("question_id", questionId);
      if (payload.file) form.append("file", payload.file, payload.filename);
      else if (payload.code !== undefined) form.append("code", payload.code);
      else form.append("text", payload.text);
      if (payload.editorEvents) form.append("editor_events", JSON.stringify(payload.editorEvents));
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `/api/sessions/${sid}/answers`);
      xhr.setRequestHeader("authorization", `Bearer ${token}`);
      xhr.responseType = "json";
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        const body = xhr.response;
        if (xhr.status === 202) {
          if (onProgress) onProgress(1);
          resolve(body);
          return;
        }
        const error = body && body.error ? body.error : {};
        const err = new ApiError(xhr.status, error.reason || "error",
          error.message || `The upload failed (${xhr.status}).`);
        err.answerId = error.answer_id;
        reject(err);
      };
      xhr.onerror = () => reject(new ApiError(0, "offline",
        "The upload was interrupted; check your connection and submit again."));
      xhr.send(form);
    });
  },
};

/**
 * Live events of a session (SSE). `onEvent(topic, data)` gets the snapshot and every
 * pipeline event; `onState(open)` tells whether the stream is connected. Read with fetch,
 * not EventSource: the token goes in the Authorization header, never in the URL (where it
 * would land in proxy logs). It reconnects after a drop, and stops for good when the
 * session is gone or its link expired (401/404); the caller polls while it is not open.
 */
export function watchSession(sid, token, onEvent, onState) {
  const stop = new AbortController();
  const state = (open) => onState && onState(open);
  const dispatch = (block) => {
    let topic = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) topic = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (!data.length) return; // a keep-alive comment
    let parsed;
    try { parsed = JSON.parse(data.join("\n")); } catch { return; }
    onEvent(topic, parsed);
  };
  (async () => {
    let delay = 1000;
    while (!stop.signal.aborted) {
      try {
        const response = await fetch(`/api/sessions/${sid}/events`, {
          headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
          signal: stop.signal, cache: "no-store",
        });
        if (response.status === 401 || response.status === 404) { state(false); return; }
        if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
        state(true);
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch { /* dropped or refused: try again below */ }
      if (stop.signal.aborted) return;
      state(false);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  })();
  return () => stop.abort();
}
