"""The question bank's schema: complete questions, unique ids, rubrics that hold together,
and coding problems whose reference solutions pass their own hidden tests in the sandbox."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from greenroom_common.contracts import AnswerMode
from greenroom_grader.bank import ROUNDS, _with_wordings, load_bank, question
from greenroom_grader.rubric import assess, misconceptions
from greenroom_grader.sandbox import run_code
from greenroom_grader.text import co_occur, from_text

BANK = load_bank()
CODING = [q for q in BANK.questions if q.round == "coding"]
SPOKEN = [q for q in BANK.questions if q.round != "coding"]


def test_bank_size_and_rounds() -> None:
    per_round = Counter(q.round for q in BANK.questions)
    assert len(BANK.questions) >= 48
    assert set(per_round) == set(ROUNDS)
    assert per_round["coding"] >= 10
    assert min(per_round.values()) >= 5
    assert {q.category for q in BANK.questions if q.round == "domain"} == {
        "web", "data", "automation"}


def test_ids_are_unique_and_the_tested_ones_stay() -> None:
    ids = [q.id for q in BANK.questions]
    assert len(ids) == len(set(ids))
    for kept in ("lf-01", "lf-02"):
        found = question(kept)
        assert found is not None and found.round == "fundamentals"
        assert {AnswerMode.TEXT, AnswerMode.VIDEO, AnswerMode.AUDIO} <= set(found.answer_modes)
    assert "decorator" in question("lf-01").prompt.lower()
    assert "tuple" in question("lf-02").prompt.lower()


@pytest.mark.parametrize("q", BANK.questions, ids=lambda q: q.id)
def test_every_question_is_complete(q) -> None:
    assert q.prompt.strip().endswith(("?", "."))
    assert q.time_limit_s == 180
    assert q.difficulty in {"easy", "medium", "hard"}
    if q.round == "coding":
        assert q.answer_modes == [AnswerMode.CODE]
        assert q.code is not None and len(q.code.tests) >= 5
        assert q.code.entry in q.code.reference
        assert q.code.scale is not None
    else:
        assert q.structure == "star" or q.round != "behavioural"
        assert q.vocabulary
        assert len(q.key_points) >= 4 and q.core and q.misconceptions
        assert AnswerMode.TEXT in q.answer_modes


@pytest.mark.parametrize("q", SPOKEN, ids=lambda q: q.id)
def test_each_key_point_statement_satisfies_its_own_concepts(q) -> None:
    """A rubric whose own wording does not match its concepts is mis-specified."""
    for point in q.key_points:
        assert co_occur(from_text(point.point), point.requires, point.window), point.id


@pytest.mark.parametrize("q", SPOKEN, ids=lambda q: q.id)
def test_misconception_detectors_catch_the_claim_and_spare_the_correction(q) -> None:
    for item in q.misconceptions:
        alone = q.model_copy(update={"misconceptions": [item]})
        assert not misconceptions(from_text(item.correction), alone), item.id
        if q.structure == "technical":  # stories' red flags are described, not quoted
            assert misconceptions(from_text(item.claim), alone), item.id


@pytest.mark.parametrize("q", SPOKEN, ids=lambda q: q.id)
def test_no_misconception_is_heard_in_a_right_wording(q) -> None:
    """A misconception costs a verdict: neither a detector nor a contrary statement (a key
    point said the wrong way, found by meaning) may fire on a right wording of any of the
    question's key points (the point and its other wordings in ``bank/meaning``), said alone."""
    for point in q.key_points:
        for wording in (point.point, *point.says):
            found = [f.misconception.claim for f in assess(from_text(wording), q).misconceptions]
            assert not found, (point.id, wording, found)


def test_misconceptions_may_be_added_beside_the_wordings(tmp_path: Path) -> None:
    """``bank/meaning/<id>.toml`` may carry further misconceptions: they join the rubric's,
    and an id used twice is an error."""
    (tmp_path / "meaning").mkdir()
    extra = tmp_path / "meaning" / "x-01.toml"
    rubric = {"id": "x-01", "key_points": [{"id": "p"}], "misconceptions": [{"id": "a"}]}
    extra.write_text('[[points]]\nid = "p"\nsays = ["other words"]\n\n'
                     '[[misconceptions]]\nid = "b"\nclaim = "c"\ncorrection = "d"\n'
                     'detect = [["e"]]\n')
    merged = _with_wordings(rubric, tmp_path)
    assert [m["id"] for m in merged["misconceptions"]] == ["a", "b"]
    assert merged["key_points"][0]["says"] == ["other words"]
    extra.write_text(extra.read_text().replace('id = "b"', 'id = "a"'))
    with pytest.raises(ValueError, match="misconception ids repeat"):
        _with_wordings(rubric, tmp_path)


@pytest.mark.parametrize("q", CODING, ids=lambda q: q.id)
def test_reference_solution_passes_its_hidden_tests(q) -> None:
    assert q.code is not None
    run = run_code(q.code.reference, q.code)
    assert run.outcome == "completed", run
    assert run.passed == len(q.code.tests), [t for t in run.tests if not t.passed]
    assert run.growth is not None and not run.limits_hit


def test_public_view_hides_rubrics_and_tests() -> None:
    public = BANK.public().model_dump_json()
    assert "top_words" in public  # the prompt
    assert "requires" not in public and "most_common(n)" not in public
    assert "expect" not in public
    views = {v.id: v for v in BANK.public().questions}
    assert "functools.wraps" in views["lf-01"].vocabulary  # transcription's decoding hints
    assert not views["cc-01"].vocabulary  # naming Counter would give the answer away
