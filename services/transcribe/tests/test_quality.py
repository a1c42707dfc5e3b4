"""Plausibility checks on one decoded chunk (pure logic, no model)."""

from __future__ import annotations

from greenroom_transcribe.prompt import build_prompt
from greenroom_transcribe.quality import better, longest_run, problems

PROMPT = build_prompt(["__slots__", "__dict__", "attributes", "memory"])
GOOD = ("Defining slots on a class replaces the per instance dictionary with a fixed set of "
        "attributes, so each object uses less memory and attribute access is faster.")


def test_a_plausible_chunk_has_no_problems() -> None:
    assert problems(GOOD, voiced_s=8.0, prompt=PROMPT) == []
    assert problems("Um, so, uh, you know.", voiced_s=2.0, prompt=PROMPT) == []
    assert problems("", voiced_s=0.5, prompt=None) == []


def test_a_loop_is_found() -> None:
    looped = "For example, " + "or in Python, " * 40
    assert longest_run(looped.lower().replace(",", "").split()) == (40, 3)
    assert "loop" in problems(looped, voiced_s=15.0, prompt=None)
    assert "loop" in problems("__dict__, __dict__, __dict__, __dict__.", 1.0, None)


def test_saying_the_same_sentences_twice_is_not_a_loop() -> None:
    assert problems(GOOD + " " + GOOD, voiced_s=16.0, prompt=None) == []
    assert problems("It is very, very fast.", voiced_s=1.0, prompt=None) == []


def test_a_drop_is_found() -> None:
    # 20 s of voiced speech cannot be twelve words
    assert "drop" in problems("I would use them for small classes in a data pipeline.",
                              voiced_s=20.0, prompt=None)


def test_an_echo_of_the_prompt_is_found() -> None:
    assert "echo" in problems("__slots__, __dict__, __dict__, memory.", voiced_s=2.0,
                              prompt=PROMPT)
    # the spoken opening every prompt shares is not an echo
    assert problems("So I think, you know, it's about Python.", voiced_s=2.0,
                    prompt=PROMPT) == []


def test_better_prefers_fewer_problems_then_more_words() -> None:
    looped = "or in Python, " * 40
    assert better(GOOD, looped, voiced_s=8.0, prompt=None)
    assert not better(looped, GOOD, voiced_s=8.0, prompt=None)
    assert better(GOOD, GOOD[:60], voiced_s=3.0, prompt=None)
