"""Normalisation that makes typed and transcribed answers match alike."""

from __future__ import annotations

from greenroom_common.documents import Word
from greenroom_grader.text import co_occur, find, from_text, from_words, stem, words_of


def test_numbers_spoken_or_written_are_the_same() -> None:
    assert words_of("Python three point ten") == words_of("Python 3.10")
    assert words_of("five to two hundred fifty six") == ["5", "to", "256"]
    assert words_of("ninety percent") == words_of("90%")


def test_identifiers_split_and_dunders_read_aloud() -> None:
    assert words_of("functools.wraps") == ["functool", "wrap"]
    assert words_of("__init__") == words_of("dunder init") == ["init"]
    assert words_of("a == b") == words_of("a double equals b")


def test_stemming_is_consistent() -> None:
    assert stem("hashing") == stem("hashed") == stem("hash")
    assert stem("tuples") == stem("tuple")
    assert stem("dictionaries") == stem("dictionary")
    assert stem("classes") == stem("class")
    assert stem("caching") == stem("cache")


def test_contractions_become_negations() -> None:
    assert "not" in words_of("a list isn't hashable")
    assert words_of("can't") == ["can", "not"]
    # without the apostrophe, as a transcript or a quick typist writes them
    assert words_of("you cant average them, it isnt safe, dont") == [
        "you", "can", "not", "averag", "them", "it", "is", "not", "safe", "do", "not"]
    assert words_of("I want what went well") == ["i", "want", "what", "went", "well"]


def test_split_and_joined_words_match() -> None:
    answer = from_text("I use func tools wraps and a data class.")
    assert find(answer, ["functools.wraps"])
    assert find(answer, ["dataclass"])
    joined = from_text("A dataclass generates init.")
    assert find(joined, ["data class"])


def test_concepts_must_occur_together() -> None:
    near = from_text("A tuple is immutable, so its hash never changes.")
    far = from_text("A tuple is nice. " + "Filler words go here. " * 12 + "Hashes are fast.")
    groups = [["tuple"], ["hash"]]
    assert co_occur(near, groups, 20) is not None
    assert co_occur(far, groups, 20) is None


def test_spoken_sentences_keep_their_times() -> None:
    words = [Word(word=w, start=float(i), end=i + 0.5, probability=0.9)
             for i, w in enumerate(["Tuples", "are", "immutable.", "Lists", "are", "not."])]
    answer = from_words("Tuples are immutable. Lists are not.", words)
    assert answer.sentences == ["Tuples are immutable.", "Lists are not."]
    span = find(answer, ["lists"])[0]
    assert answer.quote(*span) == "“Lists are not.” at 0:03"


def test_spoken_numbers_across_words_read_as_written() -> None:
    said = ["Python", "three", "point", "ten", "added", "two", "hundred", "features."]
    words = [Word(word=w, start=float(i), end=i + 0.5, probability=0.9)
             for i, w in enumerate(said)]
    answer = from_words(" ".join(said), words)
    assert answer.stems == words_of("Python 3.10 added 200 features.")
    assert [t.start for t in answer.tokens] == [0.0, 1.0, 3.0, 4.0, 5.0, 7.0]
