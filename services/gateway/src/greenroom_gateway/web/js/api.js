// The gateway's public HTTP API (README "Try it with curl"), as the web app uses it.

export class ApiError extends Error {
  constructor(status, reason, message) {
    super(message);
    this.status = status;
    this.reason = reason;
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

async function call(path, { method = "GET", token, json } = {}) {
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
  questions: (round) => call(`/api/questions${round ? `?round=${encodeURIComponent(round)}` : ""}`),
  createSession: (body) => call("/api/sessions", { method: "POST", json: body }),
  session: (sid, token) => call(`/api/sessions/${sid}`, { token }),
  answer: (aid, token) => call(`/api/answers/${aid}`, { token }),
  presence: (aid, token) => call(`/api/answers/${aid}/presence`, { token }),
  deleteSession: (sid, token) => call(`/api/sessions/${sid}`, { method: "DELETE", token }),

  /**
   * Submit one answer. `payload` is {file: Blob, filename} or {text} or {code}.
   * XMLHttpRequest rather than fetch: it reports upload progress.
   */
  submit(sid, token, questionId, payload, onProgress) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      form.append("question_id", questionId);
      if (payload.file) form.append("file", payload.file, payload.filename);
      else if (payload.code !== undefined) form.append("code", payload.code);
      else form.append("text", payload.text);
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
 * pipeline event; `onState(open)` tells whether the stream is connected. EventSource
 * reconnects by itself; the caller polls as a safety net while it is not open.
 */
export function watchSession(sid, token, onEvent, onState) {
  const url = `/api/sessions/${sid}/events?token=${encodeURIComponent(token)}`;
  const source = new EventSource(url);
  const topics = ["snapshot", "answers.submitted", "answers.ingested", "answers.transcribed",
    "answers.observed", "answers.graded", "answers.failed", "sessions.completed"];
  for (const topic of topics) {
    source.addEventListener(topic, (event) => {
      let data = null;
      try { data = JSON.parse(event.data); } catch { return; }
      onEvent(topic, data);
    });
  }
  source.onopen = () => onState && onState(true);
  source.onerror = () => onState && onState(source.readyState === EventSource.OPEN);
  return () => source.close();
}
