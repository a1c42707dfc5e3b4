"""The session report: per-round results, the session rule, the most valuable advice."""

from __future__ import annotations

from answers import ANSWERS, OFF_TOPIC
from greenroom_grader.bank import question
from greenroom_grader.report import session_report
from greenroom_grader.scoring import grade


def graded(qid: str, text: str):
    found = question(qid)
    assert found is not None
    return grade(f"ans-{qid}", found, text)


def test_every_round_passing_passes_the_session() -> None:
    grades = {qid: graded(qid, ANSWERS[qid]["strong"]) for qid in ANSWERS}
    report = session_report("s1", grades)
    assert report.verdict == "pass"
    assert [r.round for r in report.rounds] == ["recruiter", "fundamentals", "domain",
                                                "behavioural"]
    fundamentals = next(r for r in report.rounds if r.round == "fundamentals")
    assert (fundamentals.answers, fundamentals.passed) == (2, 2)
    assert report.answers == {qid: f"ans-{qid}" for qid in ANSWERS}
    assert report.strengths and len(report.strengths) <= 3


def test_a_failed_round_fails_the_session_and_drives_the_advice() -> None:
    grades = {"lf-01": graded("lf-01", ANSWERS["lf-01"]["wrong"]),
              "lf-02": graded("lf-02", ANSWERS["lf-02"]["vague"]),
              "ds-01": graded("ds-01", ANSWERS["ds-01"]["strong"]),
              "bh-01": graded("bh-01", OFF_TOPIC)}
    report = session_report("s1", grades)
    verdicts = {r.round: r.verdict for r in report.rounds}
    assert verdicts == {"fundamentals": "fail", "domain": "pass", "behavioural": "fail"}
    assert report.verdict == "fail"
    assert len(report.improvements) == 3
    assert any("misconception" in tip for tip in report.improvements)
    assert "two thirds" in report.rule


def test_recurring_advice_ranks_first_and_says_so() -> None:
    grades = {qid: graded(qid, ANSWERS[qid]["vague"]) for qid in ("lf-01", "lf-02", "ds-01")}
    report = session_report("s1", grades)
    assert report.improvements[0].startswith("In 3 answers: ")
    assert "Missing:" in report.improvements[0]
