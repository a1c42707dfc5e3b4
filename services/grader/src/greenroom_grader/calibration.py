"""The calibration corpus: labelled answers to every spoken and typed question
(``bank/calibration/<question id>.toml``), written fresh for tuning and measuring the
grader, never from the rubric's phrase lists.

Each question has strong answers in different wordings (one avoiding the rubric's phrases,
one as a speech recogniser would mangle it), a keyword-stuffed list, subtly wrong, vague and
off-topic answers, and a borderline one with the reason for its label. Questions are split
in two halves, alternating within each round: the thresholds are tuned on ``train`` and the
figures reported on ``held-out``, questions the tuning never saw.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from greenroom_grader.bank import ROUNDS, load_bank

Kind = Literal["strong", "paraphrase", "asr", "stuffed", "wrong", "vague", "off_topic",
               "borderline"]
PASSING_KINDS = frozenset({"strong", "paraphrase", "asr"})
REQUIRED_KINDS: dict[str, int] = {"strong": 2, "paraphrase": 1, "asr": 1, "stuffed": 1,
                                  "wrong": 1, "vague": 1, "off_topic": 1, "borderline": 1}
Half = Literal["train", "held-out"]


class Labelled(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: Kind
    label: Literal["pass", "fail"]
    text: str = Field(min_length=1)
    reason: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Labelled:
        expected = "pass" if self.kind in PASSING_KINDS else "fail"
        if self.kind != "borderline" and self.label != expected:
            raise ValueError(f"{self.id}: a {self.kind} answer is labelled {expected}")
        if self.kind == "borderline" and not self.reason:
            raise ValueError(f"{self.id}: a borderline answer needs the reason for its label")
        return self


class QuestionCorpus(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    answers: list[Labelled] = Field(min_length=8)

    @model_validator(mode="after")
    def _complete(self) -> QuestionCorpus:
        for kind, count in REQUIRED_KINDS.items():
            if sum(1 for a in self.answers if a.kind == kind) < count:
                raise ValueError(f"{self.question}: needs {count} {kind} answer(s)")
        ids = [a.id for a in self.answers]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.question}: answer ids repeat")
        return self


def load_corpus() -> dict[str, QuestionCorpus]:
    folder = resources.files("greenroom_grader").joinpath("bank", "calibration")
    corpus: dict[str, QuestionCorpus] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = QuestionCorpus.model_validate(tomllib.loads(entry.read_text()))
            corpus[data.question] = data
    return corpus


def halves() -> dict[str, Half]:
    """Every spoken/typed question's half: alternating within each round, by id."""
    chosen: dict[str, Half] = {}
    questions = [q for q in load_bank().questions if q.round != "coding"]
    for name in ROUNDS:
        ids = sorted(q.id for q in questions if q.round == name)
        for i, qid in enumerate(ids):
            chosen[qid] = "train" if i % 2 == 0 else "held-out"
    return chosen
