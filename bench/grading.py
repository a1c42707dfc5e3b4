"""How long the grader's core takes per answer, and what it holds in memory: the language
models' load time, 3-minute spoken answers (with word timings; each text new to the grader,
so nothing comes from its caches), typed answers and coding answers (hidden tests in the
sandbox), and the process's peak RSS.

Run: ``make bench-grading`` (the grader's environment; sandbox runs need Linux namespaces or
root).
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

from greenroom_common.documents import Word
from greenroom_grader import meaning
from greenroom_grader.bank import load_bank, question
from greenroom_grader.calibration import load_corpus
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


def three_minute_answers() -> list[tuple[str, str]]:
    """Per question, its calibration answers joined into one ~3-minute monologue (about
    450 words at 150 words per minute): long, natural and never seen before."""
    answers = []
    for qid, corpus in load_corpus().items():
        words: list[str] = []
        for item in corpus.answers:
            if item.label == "pass" and len(words) < 450:
                words += item.text.split()
        answers.append((qid, " ".join(words[:450])))
    return answers


def main() -> None:
    started = time.perf_counter()
    load_bank()
    load_ms = 1000 * (time.perf_counter() - started)
    started = time.perf_counter()
    meaning.models()
    models_ms = 1000 * (time.perf_counter() - started)
    long_spoken = []
    for qid, text in three_minute_answers():
        q = question(qid)
        assert q is not None
        words = timed_words(text, wpm=150.0)
        grade("warm", q, "A first answer to this question.")  # its rubric's vectors
        t0 = time.perf_counter()
        grade("bench", q, text, words, words[-1].end + 1.0)
        long_spoken.append(time.perf_counter() - t0)
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
    print(json.dumps({"bank_load_ms": round(load_ms, 1), "models_load_ms": round(models_ms),
                      "results": [measure("spoken, 3 minutes (450 words), first sight",
                                          long_spoken),
                                  measure("typed (repeated: parses and vectors cached)", typed),
                                  measure("spoken (repeated)", spoken),
                                  measure("coding (sandbox)", coding)],
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                           / 1024)}, indent=2))


if __name__ == "__main__":
    main()
