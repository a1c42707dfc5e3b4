"""The calibration corpus and what the grader makes of it: the corpus's schema, the held-out
figures the README reports (a regression guard), keyword lists that earn nothing, borderline
verdicts, and candidate input that is never an internal error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from greenroom_grader.bank import load_bank, question
from greenroom_grader.calibration import REQUIRED_KINDS, halves, load_corpus
from greenroom_grader.rubric import misconceptions, negates
from greenroom_grader.scoring import grade
from greenroom_grader.text import from_text

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from grading_calibration import evaluate  # the benchmark's own measurement

SPOKEN_QUESTIONS = [q.id for q in load_bank().questions if q.round != "coding"]
# Held-out agreement (%) measured when the thresholds were last tuned (grader README), less
# two points, or enough for one answer to turn (3.6 points) where they are near 100; a change
# that lowers one of them must say why. Keyword lists never pass.
# Measured 2026-12-02 (evening) on 28 held-out questions (280 answers), after 386 more
# misconception detectors (written without the corpus), claims read inside one sentence and
# reported or retracted beliefs ("people often say X, which is wrong") no longer held
# against the candidate: overall 84.6, strong 96.4, paraphrase 89.3, asr 100, wrong 62.5,
# vague 85.7; after four more wordings per story key point, paraphrase 92.9 and wrong 60.7
# (a subtly wrong story now passes). After a third round of detectors and contrary statements
# (2026-12-02 night, written without the corpus or the blind wrong answers): overall 85.4,
# wrong 66.1, asr 96.4 (one mangled transcript, lf-08, is now denied core key points).
# After a fourth round, 295 detectors of reversed mechanisms (2026-12-03): overall 85.7,
# wrong 67.9.
HELD_OUT_FLOOR = {"overall": 83.5, "stuffed": 100.0, "strong": 94.0, "paraphrase": 87.0,
                  "asr": 96.0, "wrong": 65.5, "vague": 83.5, "off_topic": 100.0}


def test_every_spoken_question_has_a_labelled_corpus() -> None:
    corpus = load_corpus()
    assert sorted(corpus) == sorted(SPOKEN_QUESTIONS)
    for qid, data in corpus.items():
        kinds = [a.kind for a in data.answers]
        assert len(data.answers) >= 8, qid
        for kind, count in REQUIRED_KINDS.items():
            assert kinds.count(kind) >= count, (qid, kind)
        assert all(a.id.startswith(qid) for a in data.answers)


def test_halves_split_every_round() -> None:
    half = halves()
    for name in ("recruiter", "fundamentals", "domain", "behavioural"):
        ids = [q.id for q in load_bank().questions if q.round == name]
        assert {half[i] for i in ids} == {"train", "held-out"}, name


def test_every_key_point_has_other_wordings_and_contrary_statements() -> None:
    for q in load_bank().questions:
        for point in q.key_points:
            assert len(point.says) >= 3 and len(point.contrary) >= 2, (q.id, point.id)


# The probes (bench/data/grading_probes.json, written without the corpus or the wordings;
# no threshold chosen on them), measured 2026-12-02: vague 89.5 (102 of 114 fail),
# paraphrase 93.0 (53 of 57 pass); 2026-12-03, after six false alarms were mended,
# paraphrase 94.7 (54 of 57); less two points.
PROBE_FLOOR = {"vague": 87.5, "paraphrase": 92.5}
# The right answers (bench/data/grading_right_answers.json: 342 correct answers, six styles
# per question, used to find detectors that fire on correct answers), measured 2026-12-02
# (evening): 294 pass, 86.0; 2026-12-03: 302 pass, 88.3; less two points.
RIGHT_FLOOR = 86.0
# The blind wrong answers (bench/data/grading_wrong_answers.json: 228 subtly wrong answers,
# four styles per question, written without sight of a detector; no detector or threshold
# was chosen on them), measured 2026-12-02 night: 62.7 failed before the third round of
# detectors, 66.2 (151 of 228) after, 67.1 (153) after the fourth; less two points.
WRONG_FLOOR = 65.0
# The minimal pairs (bench/data/grading_minimal_pairs.json: per question one correct answer
# and three copies with one key point's mechanism flipped, written without sight of the
# grader), measured 2026-12-03: right 94.7 (54 of 57 pass), wrong 26.3 (45 of 171 fail),
# 28.7 (49) after the fourth round: one flipped sentence among right ones is what the
# grader catches least. Less one answer (right) or two points (wrong).
PAIRS_FLOOR = {"right": 91.0, "wrong": 26.5}


def test_held_out_figures_hold() -> None:
    figures = evaluate()
    for kind, floor in HELD_OUT_FLOOR.items():
        assert figures["held-out"][kind]["agree"] >= floor, (kind, figures["held-out"][kind])
    for kind, floor in PROBE_FLOOR.items():
        assert figures["probes"][kind]["agree"] >= floor, (kind, figures["probes"][kind])
    assert figures["right answers"]["overall"]["agree"] >= RIGHT_FLOOR, figures["right answers"]
    assert figures["wrong answers"]["overall"]["agree"] >= WRONG_FLOOR, figures["wrong answers"]
    for kind, floor in PAIRS_FLOOR.items():
        assert figures["minimal pairs"][kind]["agree"] >= floor, figures["minimal pairs"]


def test_a_keyword_list_earns_nothing_and_is_told_to_explain() -> None:
    stuffed = ("Decorator. functools.wraps, wrapper, closure. __name__, __doc__, __wrapped__. "
               "Args, kwargs, syntactic sugar. Logging, caching, lru_cache, timing, retries. "
               "Decorator factory, three levels, metadata, introspection.")
    doc = grade("a1", question("lf-01"), stuffed)
    assert doc.verdict == "fail"
    assert "lists terms without explaining" in doc.rule
    assert any("You named the terms" in tip for tip in doc.improvements)


def test_the_same_answer_in_natural_words_passes() -> None:
    natural = (
        "A decorator is just a function that receives another function and hands back a "
        "replacement for it, usually an inner function defined inside it. Writing @timed "
        "above def load is shorthand for load = timed(load), and it happens once, when the "
        "def runs. The inner function takes *args and **kwargs, does its extra work, such as "
        "starting a timer, then calls the original function with the same arguments and "
        "returns whatever it returned. The catch is that the name load now points at the "
        "inner function, so load.__name__ says 'wrapper' and the docstring is gone, which "
        "breaks logging, debugging and help(). Putting @functools.wraps(func) on the inner "
        "function copies the name, the docstring and __wrapped__ across, so the decorated "
        "function still looks like itself. I use decorators for timing, caching with "
        "lru_cache and retries.")
    doc = grade("a1", question("lf-01"), natural)
    assert doc.verdict == "pass", doc.rule


WITH_BLOCK = (
    "I use pathlib: a path is an object, base / 'data' / 'input.csv' joins properly and it "
    "knows its name, suffix and parent, with glob, read_text and write_text; os.path is "
    "the older set of functions on strings. {with_sentence} Without it, if something "
    "blows up between open and close, the close call is never reached and buffered writes "
    "may never be flushed. I always pass encoding='utf-8', because otherwise the locale "
    "decides, and on Windows that is often not UTF-8.")


def test_a_mechanism_is_not_taken_for_its_reverse() -> None:
    """MiniLM puts "closed even if there is an exception" closer to the contrary statement
    "closes only when the block finishes normally" than to the key point: a contrary
    statement counts only with a word of what makes it wrong ("only ... normally")."""
    right = grade("a1", question("lf-19"), WITH_BLOCK.format(with_sentence=(
        "With open as f, the file gets closed when you leave the block, and it is closed "
        "even if there is an exception halfway through.")))
    assert right.verdict == "pass" and not right.misconceptions, right.misconceptions
    wrong = grade("a2", question("lf-19"), WITH_BLOCK.format(with_sentence=(
        "With open as f, the file is closed only when the block finishes normally; if an "
        "exception is raised, the file stays open until the program exits.")))
    assert wrong.verdict == "fail" and wrong.misconceptions, wrong.rule


def test_a_wrong_statement_with_a_negation_in_it_is_caught() -> None:
    """A negated sentence is never taken for a contrary statement ("it is *not* closed when
    an exception is raised" corrects one), unless that statement is negated too: "query
    plans *never* change" says the wrong thing, and is reported with the correction."""
    wrong = ("Indexes are only useful on primary keys, so query plans never change when you "
             "add one on another column.")
    doc = grade("a1", question("ds-03"), f"To speed up the page I looked at the queries. {wrong}")
    assert any(wrong in m for m in doc.misconceptions), doc.misconceptions


def test_a_negation_reaches_past_articles_and_prepositions() -> None:
    """ "not in a big-bang rewrite" denies the red flag; "with a big-bang rewrite" states it."""
    q = question("bh-12")
    assert not misconceptions(from_text("We did it step by step, not in a big bang rewrite."), q)
    assert not misconceptions(from_text("We did it gradually, not through a big bang rewrite."),
                              q)
    assert misconceptions(from_text("We did it with a big bang rewrite over two months."), q)


def test_a_statement_is_negated_however_the_negation_is_spelled() -> None:
    """The meaning route reads negations as the detectors do: a typed "don't" (either
    apostrophe), a transcript's "dont" and "cannot" all negate a statement."""
    for text in ("you don't need to close it", "you don\u2019t need to close it",
                 "you dont need to close it", "it cannot leak"):
        assert negates(text), text
    assert not negates("the file is closed when the block ends")


def test_a_claim_is_heard_inside_one_sentence() -> None:
    """A detector's phrases must meet in one sentence: "use it as a dict key" said of a
    NamedTuple, then "a dataclass ..." in the next sentence, is no claim that dataclasses
    are hashable; the same words in one sentence are."""
    q = question("lf-15")
    right = ("A NamedTuple is a real tuple, so you can unpack it or use it as a dict key. "
             "A dataclass is my default for a record that changes.")
    assert not misconceptions(from_text(right), q)
    assert [m.misconception.id for m in misconceptions(from_text(
        "A dataclass is hashable by default, so you can use it as a dict key."), q)] \
        == ["hashable-by-default"]


def test_a_transcript_without_punctuation_is_read_to_its_end() -> None:
    """A recogniser's transcript can be one 150-word "sentence"; the encoder reads 128
    tokens of a text, so the key point said last ("rough" and "my pie" for ruff and mypy,
    no phrase to find) was never read. Long clauses are read in pieces."""
    text = ("so for testing i use pie test where a test is just a function with plain assert "
            "statements and fix tures handle the set up and tear down for things like a "
            "temporary folder and para metrize runs one test over a whole table of inputs a "
            "good test checks one behavior through the public interface and it is fast and "
            "isolated so the order does not matter and it fails for the right reason for the "
            "network i patch the client at that boundary only coverage tells me what is "
            "untested but it is not the goal and then rough checks the style and formats the "
            "code and my pie checks the types and both run as pre commit hooks on every "
            "commit and again in the c i pipeline on every pull request")
    doc = grade("a1", question("lf-25"), text)
    assert doc.verdict == "pass" and not doc.missed, doc.rule


def test_verdicts_carry_their_margin() -> None:
    doc = grade("a1", question("lf-01"), "A decorator wraps a function.")
    assert doc.verdict == "fail" and doc.margin is not None and doc.margin < 0


@pytest.mark.parametrize(("name", "text", "says"), [
    ("empty", "", "content words"),
    ("whitespace", "  \n\t  ", "content words"),
    ("emoji", "😀🎉🔥" * 30, "content words"),
    ("french", "Un décorateur est une fonction qui prend une fonction et renvoie une autre "
               "fonction, et functools.wraps copie le nom.", "not in English"),
    ("chinese", "装饰器是一个接受函数并返回新函数的函数。" * 5, "not in English"),
    ("huge", ("A decorator takes a function and returns a wrapper that calls it. " * 400)[:20000],
     ""),
    ("control characters", "\x00\x01\x02 decorator \ufffd\ud7ff wraps", ""),
])
def test_bad_input_is_a_clear_outcome(name: str, text: str, says: str) -> None:
    doc = grade("a1", question("lf-01"), text)
    assert doc.verdict == "fail", name
    assert doc.improvements, name
    if says:
        assert any(says in tip for tip in doc.improvements) or says in doc.rule, doc.rule
