"""How honest the verdict is: the grader against the labelled calibration corpus
(``services/grader/src/greenroom_grader/bank/calibration``), per answer kind and overall, on
the half the thresholds were tuned on and on the held-out half (questions the tuning never
saw).

A third set, ``bench/data/grading_probes.json`` (171 answers written on 2026-12-02 without
sight of the corpus or the key points' other wordings: two vague answers and one correct
answer in plain words per question), is reported as ``probes``; no threshold was chosen on it.

A fourth, ``bench/data/grading_right_answers.json`` (342 correct answers written on
2026-12-02 evening from each question's prompt alone, six per question in six styles:
precise, spoken, a recogniser's unpunctuated transcript, one that contrasts the right idea
with wrong ones, a work story, an expert aside), is reported as ``right answers``, per style.
It was used to find detectors that fire on correct answers (a development set for
precision, not a held-out figure).

A fifth, ``bench/data/grading_wrong_answers.json`` (228 subtly wrong answers written on
2026-12-02 night by an author who saw each question's prompt and key points but neither the
corpus nor a detector: four per question, in four styles: one core point wrong, plain words,
a spoken transcript, a popular myth), is reported as ``wrong answers``: how often the verdict
fails them. The detectors written afterwards were written without sight of it.

A sixth, ``bench/data/grading_minimal_pairs.json`` (written on 2026-12-03 by an author who
saw each question's prompt and key points but nothing of the grader: per question one
correct answer and three copies of it with exactly one key point's mechanism flipped, the
rest word for word the same), is reported as ``minimal pairs``: ``right`` (the correct
answer passes) and ``wrong`` (the flipped copy fails). It is the hardest test of a wrong
mechanism: the vocabulary and every other sentence are right. Its correct answers were
used to find false alarms (precision), its wrong ones for nothing.

Run: ``make bench-grading`` (with the other grading benchmarks), or
``bench/grading_calibration.py --show-errors`` to list every answer graded against its label.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from greenroom_common.documents import GradeDoc
from greenroom_grader.bank import Question, question
from greenroom_grader.calibration import halves, load_corpus
from greenroom_grader.scoring import grade

PROBES = Path(__file__).resolve().parent / "data" / "grading_probes.json"
RIGHT = Path(__file__).resolve().parent / "data" / "grading_right_answers.json"
WRONG = Path(__file__).resolve().parent / "data" / "grading_wrong_answers.json"
PAIRS = Path(__file__).resolve().parent / "data" / "grading_minimal_pairs.json"
KIND_ORDER = ("strong", "paraphrase", "asr", "borderline", "stuffed", "wrong", "vague",
              "off_topic", "precise", "spoken", "contrast", "story", "expert", "one-core-point",
              "plain-words", "popular-myth", "right")


def _count(rows: dict[str, list[int]], kind: str, agree: bool, passed: bool) -> None:
    for key in (kind, "overall"):
        rows[key][0] += 1
        rows[key][1] += int(agree)
        rows[key][2] += int(passed)


def _question(path: Path, item: dict[str, str]) -> Question:
    q = question(item["question"])
    if q is None:
        raise SystemExit(f"{path.name}: unknown question {item['question']}")
    return q


def _graded(path: Path) -> Iterator[tuple[dict[str, str], GradeDoc]]:
    """Each answer of a JSON set (``question``, ``text``, ...) with its grade."""
    for n, item in enumerate(json.loads(path.read_text())):
        yield item, grade(f"{path.stem}-{n}", _question(path, item), item["text"])


def evaluate(show_errors: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    """Agreement with the labels: {half: {kind or "overall": {"n", "agree", "pass_rate"}}}."""
    half_of = halves()
    tally: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for qid, corpus in load_corpus().items():
        q = question(qid)
        if q is None:
            raise SystemExit(f"calibration file for unknown question {qid}")
        for item in corpus.answers:
            doc = grade(item.id, q, item.text)
            agree = doc.verdict == item.label
            for half in (half_of[qid], "all"):
                _count(tally[half], item.kind, agree, doc.verdict == "pass")
            if show_errors and not agree:
                print(f"{half_of[qid]:8} {item.id:22} label {item.label} got {doc.verdict} "
                      f"({doc.score:.0f}) {doc.rule.split('Not met:')[-1][:200]}",
                      file=sys.stderr)
    for probe, doc in _graded(PROBES):
        _count(tally["probes"], probe["kind"], doc.verdict == probe["label"],
               doc.verdict == "pass")
    for right, doc in _graded(RIGHT):
        _count(tally["right answers"], right["style"], doc.verdict == "pass",
               doc.verdict == "pass")
        if show_errors and doc.verdict != "pass":
            print(f"right    {right['question']:8} {right['style']:8} got fail ({doc.score:.0f}) "
                  f"{doc.rule.split('Not met:')[-1][:200]}", file=sys.stderr)
    for wrong, doc in _graded(WRONG):
        _count(tally["wrong answers"], wrong["style"], doc.verdict == "fail",
               doc.verdict == "pass")
    graded_right: set[str] = set()
    for n, pair in enumerate(json.loads(PAIRS.read_text())):
        q = _question(PAIRS, pair)
        if pair["right"] not in graded_right:  # a question's three pairs share one right answer
            graded_right.add(pair["right"])
            passed = grade(f"pair-right-{n}", q, pair["right"]).verdict == "pass"
            _count(tally["minimal pairs"], "right", passed, passed)
        flipped = grade(f"pair-wrong-{n}", q, pair["wrong"])
        _count(tally["minimal pairs"], "wrong", flipped.verdict == "fail",
               flipped.verdict == "pass")
    return {half: {kind: {"n": n, "agree": round(100 * a / n, 1),
                          "pass_rate": round(100 * p / n, 1)}
                   for kind, (n, a, p) in sorted(rows.items(), key=lambda kv: (
                       KIND_ORDER.index(kv[0]) if kv[0] in KIND_ORDER else 99))}
            for half, rows in tally.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    print(json.dumps(evaluate(args.show_errors), indent=2))


if __name__ == "__main__":
    main()
