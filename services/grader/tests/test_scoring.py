"""Provisional scoring: deterministic, honest about being provisional, blind to the face."""

from __future__ import annotations

from greenroom_common.documents import VisionSummary, Word
from greenroom_grader.bank import load_bank, question
from greenroom_grader.scoring import grade, session_report

Q = question("lf-02")
LONG = ("A tuple is immutable so its hash is stable and it can be a dictionary key. " * 6).strip()


def spoken(text: str, wpm: float) -> list[Word]:
    step = 60.0 / wpm
    return [Word(word=w, start=i * step, end=i * step + step * 0.8, probability=0.9)
            for i, w in enumerate(text.split())]


def test_bank_ids_are_unique_and_known() -> None:
    ids = [q.id for q in load_bank().questions]
    assert len(ids) == len(set(ids)) and Q is not None


def test_same_evidence_same_result() -> None:
    assert Q is not None
    words = spoken(LONG, 140)
    first = grade("a1", Q, LONG, words, 40.0)
    again = grade("a1", Q, LONG, words, 40.0)
    assert first.model_dump(exclude={"graded_at"}) == again.model_dump(exclude={"graded_at"})
    assert first.provisional and "Provisional" in first.rule


def test_face_never_changes_the_verdict() -> None:
    assert Q is not None
    words = spoken(LONG, 140)
    seen = grade("a1", Q, LONG, words, 40.0, VisionSummary(
        frames=10, face_frames=10, no_face_frames=0, multi_face_frames=0, face_share=1.0))
    unseen = grade("a1", Q, LONG, words, 40.0, VisionSummary(
        frames=10, face_frames=0, no_face_frames=10, multi_face_frames=0, face_share=0.0))
    no_video = grade("a1", Q, LONG, words, 40.0)
    assert seen.verdict == unseen.verdict == no_video.verdict
    assert seen.score == unseen.score == no_video.score


def test_feedback_states_the_measured_pace() -> None:
    assert Q is not None
    fast = grade("a1", Q, LONG, spoken(LONG, 220), 30.0)
    delivery = next(d for d in fast.dimensions if d.name == "delivery")
    assert delivery.evidence[0].startswith("22")  # ~220 words per minute, stated first
    assert any("slow down" in tip for tip in fast.improvements)


def test_short_answer_fails_and_says_why() -> None:
    assert Q is not None
    result = grade("a1", Q, "Tuples are hashable.")
    assert result.verdict == "fail"
    assert "3 words" in result.improvements[0]


def test_session_verdict_needs_half_the_answers() -> None:
    assert Q is not None
    good, bad = grade("a", Q, LONG), grade("b", Q, "No.")
    assert session_report("s", {"q1": good, "q2": bad}).verdict == "pass"
    assert session_report("s", {"q1": bad, "q2": bad}).verdict == "fail"
