"""What an answer's status is made of: the documents its stages stored, read back.

A stored grade wins over a failure record; observations (a second face or voice, away from
the camera, pasted text, pages left) are gathered for hiring-team sessions only and never
reach a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from greenroom_common.contracts import Stage
from greenroom_common.documents import (
    AnswerDoc,
    FailureDoc,
    GradeDoc,
    Observation,
    TranscriptDoc,
    VisionDoc,
    VisionSummary,
)
from greenroom_common.keys import AnswerKeys
from greenroom_common.storage import ObjectStore

from greenroom_gateway.editor_events import observations as editor_observations
from greenroom_gateway.tenancy import PUBLIC_TENANT

Status = Literal["queued", "processing", "graded", "failed"]

STAGE_DOCS: tuple[tuple[Stage, str], ...] = (
    (Stage.INGEST, "ingest"), (Stage.TRANSCRIBE, "transcript"), (Stage.VISION, "vision"),
    (Stage.GRADE, "grade"),
)


@dataclass
class AnswerStatus:
    answer: AnswerDoc
    status: Status
    stages: list[Stage]
    result: GradeDoc | None
    error: FailureDoc | None
    transcript: TranscriptDoc | None = None
    vision: VisionSummary | None = None
    # Observations to review (second face or voice, away from the camera, pasted text, pages
    # left): hiring-team sessions only, never part of a verdict; empty for practice sessions.
    observations: list[Observation] = field(default_factory=list)


async def read_status(store: ObjectStore, doc: AnswerDoc) -> AnswerStatus:
    """Where an answer stands, from what the stages stored: the stored documents are the
    only state, so every gateway replica answers the same."""
    keys = AnswerKeys.of(doc)
    names = {k.rsplit("/", 1)[-1] for k in await store.list(keys.prefix, recursive=False)}
    stages = [stage for stage, name in STAGE_DOCS if f"{name}.json" in names]
    error = await store.get_model(keys.failure, FailureDoc) if "failure.json" in names else None
    result = await store.get_model(keys.grade, GradeDoc) if "grade.json" in names else None
    transcript = await store.get_model(keys.transcript, TranscriptDoc) \
        if "transcript.json" in names else None
    vision = await store.get_model(keys.vision, VisionDoc) if "vision.json" in names else None
    status: Status
    if result is not None:  # a stored grade wins over any later failure record
        status = "graded"
        error = None
    elif error is not None:
        status = "failed"
    elif stages:
        status = "processing"
    else:
        status = "queued"
    observations: list[Observation] = []
    if doc.tenant != PUBLIC_TENANT:  # off for practice sessions
        observations = sorted(
            [*(transcript.observations if transcript else []),
             *(vision.observations if vision else []),
             *editor_observations(doc.editor_events, len(doc.text or ""))],
            key=lambda o: (o.start_s, o.kind))
    elif transcript is not None and transcript.observations:
        transcript = transcript.model_copy(update={"observations": []})
    return AnswerStatus(doc, status, stages, result, error, transcript,
                        vision.summary if vision else None, observations)
