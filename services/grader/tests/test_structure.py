"""Structure: the parts of a STAR story are recognised in the candidate's own words (past,
progressive and present actions; results as measured changes or how it turned out), while
thinking about a problem, discoveries and version numbers are not taken for them."""

from __future__ import annotations

import pytest
from greenroom_common.documents import Word
from greenroom_grader.bank import question
from greenroom_grader.scoring import grade
from greenroom_grader.structure import assess
from greenroom_grader.text import from_text, from_words


def parts(text: str) -> set[str]:
    result = assess(from_text(text), "star")
    return set(result.stages)


@pytest.mark.parametrize("text", [
    "So I went through the requirements one by one.",
    "Before touching anything, I made a list of what could hold us back.",
    "I reworked the signature and defined a TypedDict for each event.",
    "I then benchmarked a simple sync version with gunicorn.",
    "I was writing the rules engine for an insurance quoting tool.",
    "In code review I push for type hints on every public function.",
    "We use ruff and mypy in CI, so style never comes up in review.",
    "i picked celery and tried it on staging for a week",  # as a recogniser writes it
])
def test_the_candidates_own_actions_are_recognised(text: str) -> None:
    assert "action" in parts(text), text


@pytest.mark.parametrize("text", [
    "I considered the different possibilities and thought about the pros and cons.",
    "I tried to be constructive and made sure they felt supported.",
    "I didn't touch the code.",
    "I'd probably choose whatever fits the team.",
    "I wanted the team to be happy and I felt it was the right call.",
])
def test_thinking_and_wanting_are_not_actions(text: str) -> None:
    assert "action" not in parts(text), text


@pytest.mark.parametrize("text", [
    "The export now runs in 20 seconds instead of 3 minutes.",
    "The suite went from twelve minutes to about forty seconds.",
    "Checkout latency is down to 250 ms.",
    "The batch now takes about fifty minutes.",
    "It turned out well: p95 is about 1.6 seconds at peak.",
    "It turned out to be a good decision.",
    "The timeouts stopped for the accounts that had complained.",
    "Fourteen months on, login has had zero incidents.",
    "Wrong refunds dropped from several a week to about one a month.",
    "Deploys are 3 times faster.",
    "She approved it that day.",
])
def test_results_are_recognised_as_measured_changes_or_outcomes(text: str) -> None:
    assert "result" in parts(text), text


@pytest.mark.parametrize("text", [
    "It turned out the cache was stale.",
    "We upgraded from Python 3.8 to 3.12 last year.",
    "I stopped the deploy.",
    "The service took requests from partners.",
])
def test_discoveries_and_versions_are_not_results(text: str) -> None:
    assert "result" not in parts(text), text


def test_situation_and_task_in_natural_words() -> None:
    found = parts("At a subscription company, our billing service charged some customers twice. "
                  "The constraint was a fix before the month-end run.")
    assert {"situation", "task"} <= found


def test_the_new_cues_apply_to_stories_only() -> None:
    technical = assess(from_text("I went through the list. It now runs in 20 seconds."),
                       "technical")
    assert set(technical.stages) <= {"concept", "mechanism", "example", "trade-offs",
                                     "conventions"}
    assert "action" not in technical.stages and "result" not in technical.stages


def test_a_story_in_natural_words_has_all_four_parts_in_order() -> None:
    story = ("At a price-comparison company I was building the search service. "
             "The constraint was a two-second budget per search. "
             "I built two prototypes and load-tested them. "
             "It turned out well: searches now take about 1.6 seconds at peak.")
    result = assess(from_text(story), "star")
    assert result.missing == []
    assert result.in_order == 1.0 and result.score == 100.0
    assert "I built two prototypes" in result.stages["action"]
    assert "It turned out well" in result.stages["result"]


def test_spoken_story_quotes_the_action_with_its_time() -> None:
    said = "So at first nothing worked. Then I went through the logs. It turned out fine."
    words = [Word(word=w, start=float(i), end=i + 0.5, probability=0.9)
             for i, w in enumerate(said.split())]
    result = assess(from_words(said, words), "star")
    assert result.stages["action"] == "“Then I went through the logs.” at 0:05"
    assert result.stages["result"].startswith("“It turned out fine.”")


def test_a_behavioural_story_told_naturally_is_not_told_it_lacks_action_or_result() -> None:
    story = ("So, um, mine's classes versus functions. I was writing the rules engine for an "
             "insurance quoting tool, about eighty rules that adjust a premium. The existing "
             "code had a deep class hierarchy with mixins and new people couldn't find "
             "anything. The rules had no state of their own, they're pure calculations, so a "
             "class was just a namespace, and functions are easier to test: you call them with "
             "a dataclass and check the number. The team could read a ten-line function. The "
             "downside is we lost a natural place for shared config, so we pass a small config "
             "object in. Adding a rule went from a day to about an hour.")
    bh11 = question("bh-11")
    assert bh11 is not None
    assert "the story lacks" not in grade("a1", bh11, story).rule


def test_a_vague_story_still_lacks_its_action() -> None:
    vague = ("I often have to choose between approaches. I considered the different options, "
             "thought carefully about the pros and cons, and in the end we went with the one "
             "that fitted best. It worked out well.")
    bh11 = question("bh-11")
    assert bh11 is not None
    doc = grade("a1", bh11, vague)
    assert doc.verdict == "fail"
    assert "the story lacks its action" in doc.rule
