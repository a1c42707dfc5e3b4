"""The question bank: reviewed TOML data files shipped in this package (``bank/``).

A question's public face (:class:`QuestionView`: prompt, modes, time limit, vocabulary) is
what candidates and the gateway see; the rubric (key points with the concepts each needs,
misconceptions with their detectors, the expected structure) and a coding problem's
reference solution and hidden tests stay in the grader.

Concept groups: a key point lists groups of alternative phrases (``requires``); it counts
only when a phrase of *every* group occurs within ``window`` words of each other. Phrases
are matched after normalisation (see :mod:`greenroom_grader.text`), so "hashable",
"Hashable," and "hash-able" are one phrase. A key point's concepts are the terms a strong
answer cannot avoid; naming the topic alone covers nothing.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal

from greenroom_common import domain
from greenroom_common.contracts import AnswerMode
from greenroom_common.documents import QuestionBank, QuestionView
from greenroom_common.domain import Round
from pydantic import BaseModel, ConfigDict, Field, model_validator

ROUNDS = domain.ROUNDS  # defined once there; here for the bank's readers
Structure = Literal["technical", "star", "code"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyPoint(_Strict):
    id: str
    point: str = Field(description="What a strong answer says, in one sentence.")
    weight: float = 1.0
    requires: list[list[str]] = Field(min_length=1)
    window: int = 40
    says: list[str] = Field(default_factory=list,
                            description="Other wordings of the point a candidate might use.")
    contrary: list[str] = Field(default_factory=list,
                                description="Wrong versions of the point, in its vocabulary.")
    follow_up: str | None = Field(
        None, description="The interviewer's follow-up question when an answer misses this "
        "point: it probes exactly the point, without giving it away.")


class Misconception(_Strict):
    id: str
    claim: str = Field(description="The wrong belief, stated plainly.")
    correction: str
    detect: list[list[str]] = Field(min_length=1)
    unless: list[str] = Field(default_factory=list,
                              description="Phrases near the match that cancel it.")
    window: int = 14


class CodeTest(_Strict):
    args: str = Field("", description="A Python literal tuple of positional arguments.")
    kwargs: str = ""
    expect: str = Field("", description="A Python literal of the expected result.")
    raises: str = Field("", description="Or: the exception class the call must raise.")

    @property
    def show_expected(self) -> str:
        return f"raises {self.raises}" if self.raises else self.expect


class Scale(_Strict):
    args: str = Field(description="A lambda: size -> tuple of arguments.")
    sizes: list[int] = Field(min_length=2, max_length=2)


class CodeSpec(_Strict):
    entry: str
    reference: str
    tests: list[CodeTest] = Field(min_length=5)
    compare: list[Literal["unordered", "loose"]] = Field(default_factory=list)
    scale: Scale | None = None
    max_growth: float = Field(1.3, description="Largest acceptable growth exponent.")
    growth_label: str = "linear"


class Question(_Strict):
    id: str
    round: Round
    category: str
    difficulty: Literal["easy", "medium", "hard"]
    answer_modes: list[AnswerMode]
    time_limit_s: int = 180
    prompt: str
    vocabulary: list[str] = Field(default_factory=list,
                                  description="Decoding hints for transcription.")
    structure: Structure
    key_points: list[KeyPoint] = Field(default_factory=list)
    core: list[str] = Field(default_factory=list,
                            description="Key points a passing answer must cover.")
    misconceptions: list[Misconception] = Field(default_factory=list)
    code: CodeSpec | None = None

    @model_validator(mode="after")
    def _complete(self) -> Question:
        ids = [k.id for k in self.key_points]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: key point ids repeat")
        if unknown := set(self.core) - set(ids):
            raise ValueError(f"{self.id}: core names unknown key points {sorted(unknown)}")
        if self.round is Round.CODING:
            if self.code is None or self.structure != "code":
                raise ValueError(f"{self.id}: a coding question needs code and structure=code")
        elif (len(self.key_points) < 3 or not self.misconceptions or not self.core
              or not self.vocabulary):
            raise ValueError(f"{self.id}: needs 3+ key points, core ones, misconceptions "
                             "and vocabulary")
        return self

    def view(self) -> QuestionView:
        return QuestionView(
            id=self.id, round=self.round.value, category=self.category, prompt=self.prompt,
            answer_modes=self.answer_modes, time_limit_s=self.time_limit_s,
            difficulty=self.difficulty, vocabulary=self.vocabulary,
        )


class Bank(_Strict):
    version: str
    questions: list[Question]

    @model_validator(mode="after")
    def _unique(self) -> Bank:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids repeat")
        return self

    def public(self) -> QuestionBank:
        return QuestionBank(version=self.version, questions=[q.view() for q in self.questions])


def _with_wordings(question: dict[str, Any], folder: Traversable) -> dict[str, Any]:
    """Adds a question's ``bank/meaning/<id>.toml`` (other wordings, contrary statements and
    the follow-up question of each key point, and further misconceptions with their
    detectors, kept apart so that the rubric files stay readable)."""
    extra = folder.joinpath("meaning", f"{question['id']}.toml")
    if not extra.is_file():
        return question
    data = tomllib.loads(extra.read_text())
    points = {p["id"]: p for p in data["points"]}
    known = {k["id"] for k in question.get("key_points", [])}
    if unknown := set(points) - known:
        raise ValueError(f"{question['id']}: meaning/ names unknown key points {sorted(unknown)}")
    key_points = [{**k, "says": points.get(k["id"], {}).get("says", []),
                   "contrary": points.get(k["id"], {}).get("contrary", []),
                   "follow_up": points.get(k["id"], {}).get("follow_up")}
                  for k in question.get("key_points", [])]
    misconceptions = [*question.get("misconceptions", []), *data.get("misconceptions", [])]
    if len({m["id"] for m in misconceptions}) != len(misconceptions):
        raise ValueError(f"{question['id']}: misconception ids repeat")
    return {**question, "key_points": key_points, "misconceptions": misconceptions}


@lru_cache(maxsize=1)
def load_bank() -> Bank:
    folder = resources.files("greenroom_grader").joinpath("bank")
    index = tomllib.loads(folder.joinpath("index.toml").read_text())
    questions: list[Question] = []
    for name in index["files"]:
        data = tomllib.loads(folder.joinpath(name).read_text())
        questions += [Question.model_validate(_with_wordings(q, folder))
                      for q in data["questions"]]
    return Bank(version=index["version"], questions=questions)


def question(question_id: str) -> Question | None:
    return next((q for q in load_bank().questions if q.id == question_id), None)
