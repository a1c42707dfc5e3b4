"""Domain constants that several services, or a service and the web app, must agree on.

Each is defined once, here. The transcriber measures with them, the grader judges with them,
and the gateway serves them to the web app (``GET /api/rules``), so that the browser's
transcript marks, plots and labels cannot disagree with the feedback printed beside them.
Thresholds a single module owns stay in that module; what is here is shared by at least two.
"""

from __future__ import annotations

from enum import StrEnum

from greenroom_common.contracts import AnswerMode, Stage


class Round(StrEnum):
    """The rounds of an interview, in the order a full mock interview runs them."""

    RECRUITER = "recruiter"
    FUNDAMENTALS = "fundamentals"
    CODING = "coding"
    DOMAIN = "domain"
    BEHAVIOURAL = "behavioural"


ROUNDS: tuple[Round, ...] = tuple(Round)

PUBLIC_TENANT = "public"
"""The tenant of the web app's practice sessions. Every other tenant is a hiring team, whose
sessions get observations to review (a second face or voice, pasted text, pages left)."""

# -- delivery ---------------------------------------------------------------------------------

LONG_PAUSE_S = 2.0
"""A silence inside the speaking span of at least this long is a long pause (DESIGN.md:
"pauses over 2 s"). Use :func:`is_long_pause`, so every reader compares the same way."""

PACE_LOW_WPM = 110.0
PACE_HIGH_WPM = 170.0
"""The comfortable pace, in words per minute: a listener follows without effort."""

FILLER_SOUNDS: frozenset[str] = frozenset({
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "eh", "hmm", "mm", "mhm"})
"""Sounds that are fillers wherever they occur, as Whisper spells them (lower case, no
punctuation). Words that are fillers only in some positions ("like", "you know") are told
apart by the transcriber's rules (``greenroom_transcribe.fillers``), not by this list."""

FILLERS_PER_MINUTE_OK = 2.0
"""Fillers per minute a listener does not notice: delivery and confidence deduct above it."""

MONOTONE_SEMITONES = 2.0
"""A pitch spread (standard deviation, semitones) under this reads as monotone."""


def is_long_pause(seconds: float) -> bool:
    """Whether a silence of ``seconds`` counts as a long pause (at least ``LONG_PAUSE_S``)."""
    return seconds >= LONG_PAUSE_S


def in_pace_band(wpm: float) -> bool:
    return PACE_LOW_WPM <= wpm <= PACE_HIGH_WPM


def pace_band_words() -> str:
    """The band as feedback prints it: ``110–170``."""
    return f"{PACE_LOW_WPM:.0f}–{PACE_HIGH_WPM:.0f}"


# -- processing stages ---------------------------------------------------------------------------

MEDIA_STAGES: tuple[Stage, ...] = (Stage.INGEST, Stage.TRANSCRIBE, Stage.VISION, Stage.GRADE)
WRITTEN_STAGES: tuple[Stage, ...] = (Stage.GRADE,)

STAGE_NEEDS: dict[Stage, tuple[Stage, ...]] = {
    Stage.INGEST: (),
    Stage.TRANSCRIBE: (Stage.INGEST,),
    Stage.VISION: (Stage.INGEST,),
    Stage.GRADE: (Stage.INGEST, Stage.TRANSCRIBE, Stage.VISION),
}
"""The stages whose output a stage reads: it can run once they are done (of those the
answer goes through; a typed answer goes straight to grading)."""


def stages_for(mode: AnswerMode) -> tuple[Stage, ...]:
    """The stages an answer of this mode goes through, in order. A recording goes through
    all four (vision runs on an audio-only answer too, and reports that there is no
    picture); a typed answer or code is graded directly."""
    return MEDIA_STAGES if mode.has_media else WRITTEN_STAGES


EMPTY_UPLOAD = ("The uploaded file is empty. Record your answer again and check that the "
                "recording started before you stopped it.")
