"""Optional wording from an OpenAI-compatible endpoint the operator runs.

It rephrases the offline feedback as a short coaching note (``GradeDoc.coaching``). It never
sees a score it could change and its reply is never parsed for one: the verdict, scores and
evidence stay those of the deterministic grader. Off unless ``GREENROOM_GRADER_LLM_URL`` is
set; any failure (unreachable, slow, malformed) leaves the note out and is logged.

A note that contradicts the verdict (it calls a failed answer passed or correct, a passed
one failed or wrong) or that states a score is dropped, whatever made the model write it
(an instruction smuggled into the answer's text reaches the model only through the quoted
feedback, and cannot get past this check).

The call has one total deadline (``GREENROOM_GRADER_LLM_TIMEOUT_S``: connecting, sending and
the whole reply; a server that drips bytes is cut off when it passes), and redirects are
never followed, so the bearer token goes to the configured host only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import re
import socket
import threading
import time
from urllib.parse import urlsplit

from greenroom_common.config import Settings
from greenroom_common.documents import GradeDoc

log = logging.getLogger(__name__)
_SAYS_PASSED = re.compile(
    r"\b(you(?:'ve| have)? passed|(?:this|your) answer (?:passes|passed|is correct|is right)|"
    r"pass(?:es|ed)? (?:this|the) (?:question|interview|round)|congratulations|"
    r"(?:perfect|flawless|excellent|outstanding) (?:answer|score|response))\b", re.I)
_SAYS_FAILED = re.compile(
    r"\b(you(?:'ve| have)? failed|(?:this|your) answer (?:fails|failed|is wrong|is incorrect)|"
    r"fail(?:s|ed)? (?:this|the) (?:question|interview|round)|did(?: not|n't) pass)\b", re.I)
_SCORE = re.compile(r"\b\d{1,3}\s*(?:/\s*100|%|points?|out of)\b|\bscore[sd]? (?:of|is|was)\b",
                    re.I)


def consistent(note: str, verdict: str) -> bool:
    """Whether a coaching note can stand beside ``verdict``: it claims neither the other
    verdict nor a score (the grader's own figures are shown beside it)."""
    if _SCORE.search(note):
        return False
    if verdict == "fail":
        return not _SAYS_PASSED.search(note)
    return not _SAYS_FAILED.search(note)
MAX_NOTE = 1200
MAX_REPLY = 256 * 1024
SYSTEM = ("You are an interview coach for Python developers. Rewrite the feedback below as "
          "a short, warm, direct note to the candidate (at most 4 sentences). Use only the "
          "facts given; do not add claims, scores or a different verdict.")


def coaching_note(doc: GradeDoc, prompt: str, settings: Settings) -> str | None:
    url = settings.grader_llm_url
    if not url:
        return None
    if urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).hostname:
        log.warning("GREENROOM_GRADER_LLM_URL must be an http(s) URL; ignoring %s", url)
        return None
    facts = {"question": prompt, "verdict": doc.verdict, "strengths": doc.strengths,
             "improvements": doc.improvements, "missed_key_points": doc.missed,
             "misconceptions": doc.misconceptions}
    body = {"model": settings.grader_llm_model, "temperature": 0, "max_tokens": 250,
            "messages": [{"role": "system", "content": SYSTEM},
                         {"role": "user", "content": json.dumps(facts)}]}
    headers = {"content-type": "application/json"}
    if settings.grader_llm_api_key:
        headers["authorization"] = f"Bearer {settings.grader_llm_api_key}"
    try:
        reply = json.loads(_post(url.rstrip("/") + "/chat/completions",
                                 json.dumps(body).encode(), headers,
                                 settings.grader_llm_timeout_s))
        text = str(reply["choices"][0]["message"]["content"]).strip()
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("coaching endpoint failed, grade kept without a note: %s", exc)
        return None
    if not consistent(text, doc.verdict):
        log.warning("coaching note dropped: it contradicts the %s verdict or states a score",
                    doc.verdict)
        return None
    return text[:MAX_NOTE] or None


def _post(url: str, body: bytes, headers: dict[str, str], deadline_s: float) -> bytes:
    """POST ``body`` and return the reply's body, all within ``deadline_s`` seconds. Any
    status but 200 is an error, redirects included: they are never followed (a redirect
    would carry the bearer token to wherever it points)."""
    parts = urlsplit(url)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" \
        else http.client.HTTPConnection
    connection = connection_type(parts.hostname or "", parts.port, timeout=deadline_s)
    expired = threading.Event()
    started = time.monotonic()
    connection.connect()  # within deadline_s (the socket's timeout)
    sock = connection.sock  # kept: the connection drops its reference once a reply is read

    def cut_off() -> None:  # wakes a blocked read on the socket, whatever it waits for
        expired.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(0.0, deadline_s - (time.monotonic() - started)), cut_off)
    timer.daemon = True
    timer.start()
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path or "/", body=body, headers=headers)
        response = connection.getresponse()
        if response.status != 200:
            where = " (redirects are not followed)" if 300 <= response.status < 400 else ""
            raise OSError(f"the endpoint answered {response.status}{where}")
        data = response.read(MAX_REPLY)
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise TimeoutError(f"no complete reply within {deadline_s:g} s") from exc
        raise OSError(str(exc)) from exc
    finally:
        timer.cancel()
        connection.close()
    if expired.is_set() or time.monotonic() - started > deadline_s:
        raise TimeoutError(f"no complete reply within {deadline_s:g} s")
    return data
