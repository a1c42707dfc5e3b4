"""Observations from the editor of a typed or coded answer: pasted text and pages left.

The candidate's browser measures two things while the answer is written (the web app's
``editorwatch.js``, or a hiring team's own front end through the API):

- ``paste``: text pasted into the answer, with its size and whether it was copied or cut on
  the answer's own page. Moving one's own code around or quoting the question is normal and
  never reported; a paste from elsewhere of at least ``PASTE_MIN_CHARS`` characters is.
  Short pastes (a name, an import line copied from documentation) are normal too.
- ``left_page``: the page hidden behind another tab or window (the browser's
  ``visibilitychange``) and for how long. Away for at least ``LEFT_MIN_S``: an observation,
  with how many times and how long in total the candidate left while answering.

Like the camera's and the voice's observations, these are for a person to review, never
inputs to a verdict (the grader never sees them), and kept for hiring-team sessions only.
What they cannot see: a second screen or a phone, text typed from another window, a window
beside the page that never hides it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from greenroom_common.documents import EditorEvent, Observation
from pydantic import TypeAdapter, ValidationError

from greenroom_gateway.errors import Invalid

PASTE_MIN_CHARS = 50  # a pasted line of code or more; shorter pastes are names and imports
LEFT_MIN_S = 2.0  # a glance at a notification is not worth a look; two seconds away is
MAX_EVENTS = 500  # a candidate who pastes more than this is reported by the first 500

PASTE_NOTE = ("Text pasted into the answer from outside the interview page. To review with the "
              "candidate: people paste their own notes or a line of documentation; it may "
              "also be code they did not write. Not part of the verdict.")
LEFT_NOTE = ("The page was hidden behind another tab or window while the candidate answered. "
             "To review: people check the time or a message; they may also look things up. "
             "Not part of the verdict.")

_events = TypeAdapter(list[EditorEvent])


def parse(raw: str) -> list[EditorEvent]:
    """The ``editor_events`` form field (a JSON array) as events; :class:`Invalid` with the
    first problem otherwise."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise Invalid("editor_events", "editor_events must be a JSON array of events "
                      "such as {\"kind\": \"paste\", \"at_s\": 12.5, \"chars\": 80}.") from None
    return validate(value)


def validate(value: object) -> list[EditorEvent]:
    if isinstance(value, list) and len(value) > MAX_EVENTS:
        value = value[:MAX_EVENTS]
    try:
        return _events.validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Invalid("editor_events", f"editor_events[{where}]: {first['msg']}.") from None


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def observations(events: Sequence[EditorEvent], answer_chars: int) -> list[Observation]:
    """The pastes from outside the editor and the pages left worth a look, in time order."""
    found: list[Observation] = []
    for event in events:
        if event.kind == "paste" and not event.from_page and event.chars >= PASTE_MIN_CHARS:
            share = (f"; the submitted answer has {answer_chars} characters"
                     if answer_chars else "")
            lines = f" ({event.lines} lines)" if event.lines > 1 else ""
            found.append(Observation(
                kind="paste", start_s=event.at_s, end_s=event.at_s,
                figure=f"{event.chars} characters{lines} pasted from outside the page at "
                       f"{_clock(event.at_s)}{share}",
                note=PASTE_NOTE))
    left = [e for e in events if e.kind == "left_page" and e.away_s >= LEFT_MIN_S]
    total = sum(e.away_s for e in left)
    for number, event in enumerate(left, start=1):
        found.append(Observation(
            kind="tab_switch", start_s=event.at_s, end_s=event.at_s + event.away_s,
            figure=f"left the page for {event.away_s:.0f} s at {_clock(event.at_s)} "
                   f"({number} of {len(left)}, {total:.0f} s away in total)",
            note=LEFT_NOTE))
    return sorted(found, key=lambda o: (o.start_s, o.kind))
