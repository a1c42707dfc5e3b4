"""How long the grader's core takes per answer: typed, spoken (with word timings) and coding
(hidden tests in the sandbox). Uses the answers written for the grading tests.

Run: ``make bench-grading`` (the grader's environment; sandbox runs need Linux namespaces or
root).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from greenroom_common.documents import Word
from greenroom_grader.bank import load_bank, question
from greenroom_grader.scoring import grade

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "grader" / "tests"))
from answers import ANSWERS, CODE  # the tests' answers (a folder, not a package)


def timed_words(text: str, wpm: float = 140.0) -> list[Word]:
    step = 60.0 / wpm
    return [Word(word=w, start=i * step, end=i * step + 0.8 * step, probability=0.9)
            for i, w in enumerate(text.split())]


def measure(label: str, runs: list[float]) -> dict[str, float | str | int]:
    ordered = sorted(runs)
    return {"answer": label, "runs": len(runs),
            "median_ms": round(1000 * statistics.median(ordered), 2),
            "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 2)}


def main() -> None:
    started = time.perf_counter()
    load_bank()
    load_ms = 1000 * (time.perf_counter() - started)
    typed, spoken, coding = [], [], []
    for _ in range(5):
        for qid, answers in {**ANSWERS, **CODE}.items():
            q = question(qid)
            assert q is not None
            for text in answers.values():
                t0 = time.perf_counter()
                grade("bench", q, text)
                elapsed = time.perf_counter() - t0
                if q.round == "coding":
                    coding.append(elapsed)
                    continue
                typed.append(elapsed)
                words = timed_words(text)
                t0 = time.perf_counter()
                grade("bench", q, text, words, words[-1].end + 1.0)
                spoken.append(time.perf_counter() - t0)
    print(json.dumps({"bank_load_ms": round(load_ms, 1),
                      "results": [measure("typed", typed), measure("spoken", spoken),
                                  measure("coding (sandbox)", coding)]}, indent=2))


if __name__ == "__main__":
    main()
