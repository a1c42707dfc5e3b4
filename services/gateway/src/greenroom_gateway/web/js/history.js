// @ts-check
// Past sessions on this device (localStorage): what "My progress" plots and lists. Each
// entry keeps the session token so that its report can be reopened and its data deleted.

const KEY = "greenroom.history.v1";

export function loadHistory() {
  try {
    const entries = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(entries) ? entries.filter((e) => e && e.session_id) : [];
  } catch {
    return [];
  }
}

function save(entries) {
  try {
    localStorage.setItem(KEY, JSON.stringify(entries));
  } catch { /* storage full or disabled: history is a convenience */ }
}

/** Insert or update one session's entry (merging fields). */
export function remember(entry) {
  const entries = loadHistory();
  const found = entries.find((e) => e.session_id === entry.session_id);
  if (found) Object.assign(found, entry);
  else entries.push(entry);
  entries.sort((a, b) => String(a.started_at).localeCompare(String(b.started_at)));
  save(entries);
}

export function forget(sessionId) {
  save(loadHistory().filter((e) => e.session_id !== sessionId));
}

export function forgetAll() {
  try { localStorage.removeItem(KEY); } catch { /* nothing to do */ }
}

export function findSession(sessionId) {
  return loadHistory().find((e) => e.session_id === sessionId) || null;
}
