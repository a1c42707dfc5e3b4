"""Fillers, repetitions and restarts found in timed words (pure logic, no model)."""

from __future__ import annotations

from greenroom_common.documents import Word
from greenroom_transcribe.fillers import find_fillers, find_repetitions


def timed(text: str, start: float = 0.0, step: float = 0.4) -> list[Word]:
    """Whisper-like words (punctuation attached), one every ``step`` seconds."""
    return [Word(word=w, start=round(start + i * step, 2),
                 end=round(start + i * step + step * 0.8, 2), probability=0.9)
            for i, w in enumerate(text.split())]


def labels(text: str) -> list[str]:
    return [m.label for m in find_fillers(timed(text))]


def test_filler_sounds_are_found_with_their_times() -> None:
    words = timed("So, um, a list is, uh, mutable. Er, hmm.")
    found = find_fillers(words)
    assert [m.label for m in found] == ["um", "uh", "er", "hmm"]
    assert (found[0].start, found[0].end) == (words[1].start, words[1].end)
    assert (found[1].start, found[1].end) == (words[5].start, words[5].end)


def test_a_long_hum_is_one_filler() -> None:
    found = find_fillers(timed("It is mm -mm -mm -mm, mutable.", step=0.2))
    assert [m.label for m in found] == ["mm"]
    assert found[0].end - found[0].start > 0.6


def test_like_counts_only_where_it_is_a_filler() -> None:
    assert labels("It was, like, really slow.") == ["like"]
    assert labels("Like, the list grows.") == ["like"]
    assert labels("So um like the list grows.") == ["um", "like"]
    # comparisons, examples and the verb are not fillers
    assert labels("It behaves like a list.") == []
    assert labels("The library gives a few, like the cache decorator.") == []
    assert labels("I like tuples, and they like me.") == []
    assert labels("Things I like, such as tuples.") == []


def test_you_know_counts_only_as_a_filler() -> None:
    assert labels("A tuple is, you know, immutable.") == ["you know"]
    assert labels("It is hashable, you know.") == ["you know"]
    assert labels("You know, tuples are hashable.") == ["you know"]
    assert labels("Do you know what a tuple is?") == []
    assert labels("If you know the key, the lookup is fast.") == []
    assert labels("As you know the answer, say it.") == []


def test_i_mean_counts_only_as_a_filler() -> None:
    assert labels("It is fast. I mean, it is constant time.") == ["I mean"]
    assert labels("What I mean is that it is fast.") == []
    assert labels("I mean that it is constant time.") == []


def test_sort_of_and_kind_of_count_unless_they_name_a_kind() -> None:
    assert labels("It is sort of a cache.") == ["sort of"]
    assert labels("It kind of works.") == ["kind of"]
    assert labels("What kind of data structure is it?") == []
    assert labels("A sort of tree is used here.") == []
    assert labels("This kind of thing.") == []


def test_ordinary_speech_has_no_fillers() -> None:
    assert labels("A decorator takes a function and returns a new function that adds "
                  "behaviour, such as timing or caching.") == []


def test_repeated_words_and_phrases() -> None:
    words = timed("I think I think the the list is mutable.")
    found = find_repetitions(words)
    assert [m.label for m in found] == ["repeated: i think", "repeated: the"]
    assert (found[0].start, found[0].end) == (words[0].start, words[3].end)
    assert (found[1].start, found[1].end) == (words[4].start, words[5].end)


def test_fillers_between_repeats_are_ignored() -> None:
    assert [m.label for m in find_repetitions(timed("and the, um, the tuple"))] == [
        "repeated: the"]


def test_restarts() -> None:
    found = find_repetitions(timed("It was, it is a mutable sequence."))
    assert [m.label for m in found] == ["restart"]
    found = find_repetitions(timed("We need a dic- a dictionary here."))
    assert [m.label for m in found] == ["restart"]


def test_grammatical_doubles_and_lists_are_not_repetitions() -> None:
    assert find_repetitions(timed("What it is is a list.")) == []
    assert find_repetitions(timed("I said that that works.")) == []
    assert find_repetitions(timed("It is fast, it is small, it is simple.")) == []
    assert find_repetitions(timed("A decorator wraps a function.")) == []
