"""Optional wording from an OpenAI-compatible endpoint the operator runs.

It rephrases the offline feedback as a short coaching note (``GradeDoc.coaching``). It never
sees a score it could change and its reply is never parsed for one: the verdict, scores and
evidence stay those of the deterministic grader. Off unless ``GREENROOM_GRADER_LLM_URL`` is
set; any failure (unreachable, slow, malformed) leaves the note out and is logged.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from urllib.parse import urlparse

from greenroom_common.config import Settings
from greenroom_common.documents import GradeDoc

log = logging.getLogger(__name__)
MAX_NOTE = 1200
SYSTEM = ("You are an interview coach for Python developers. Rewrite the feedback below as "
          "a short, warm, direct note to the candidate (at most 4 sentences). Use only the "
          "facts given; do not add claims, scores or a different verdict.")


def coaching_note(doc: GradeDoc, prompt: str, settings: Settings) -> str | None:
    url = settings.grader_llm_url
    if not url:
        return None
    if urlparse(url).scheme not in {"http", "https"}:
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
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url.rstrip("/") + "/chat/completions", data=json.dumps(body).encode(),
        headers=headers, method="POST")
    try:
        with urllib.request.urlopen(  # noqa: S310 - scheme checked above
                request, timeout=settings.grader_llm_timeout_s) as response:
            reply = json.loads(response.read(256 * 1024))
        text = str(reply["choices"][0]["message"]["content"]).strip()
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("coaching endpoint failed, grade kept without a note: %s", exc)
        return None
    return text[:MAX_NOTE] or None
