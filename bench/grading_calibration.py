"""How honest the verdict is: the grader against the labelled calibration corpus
(``services/grader/src/greenroom_grader/bank/calibration``), per answer kind and overall, on
the half the thresholds were tuned on and on the held-out half (questions the tuning never
saw).

Run: ``make bench-grading`` (with the other grading benchmarks), or
``bench/grading_calibration.py --show-errors`` to list every answer graded against its label.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict

from greenroom_grader.bank import question
from greenroom_grader.calibration import halves, load_corpus
from greenroom_grader.scoring import grade

KIND_ORDER = ("strong", "paraphrase", "asr", "borderline", "stuffed", "wrong", "vague",
              "off_topic")


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
                for key in (item.kind, "overall"):
                    row = tally[half][key]
                    row[0] += 1
                    row[1] += int(agree)
                    row[2] += int(doc.verdict == "pass")
            if show_errors and not agree:
                print(f"{half_of[qid]:8} {item.id:22} label {item.label} got {doc.verdict} "
                      f"({doc.score:.0f}) {doc.rule.split('Not met:')[-1][:200]}",
                      file=sys.stderr)
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
