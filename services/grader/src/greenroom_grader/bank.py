"""The question bank, loaded from the reviewed data files shipped in this package."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from greenroom_common.documents import QuestionBank, QuestionView


@lru_cache(maxsize=1)
def load_bank() -> QuestionBank:
    text = resources.files("greenroom_grader").joinpath("bank/questions.json").read_text()
    return QuestionBank.model_validate_json(text)


def question(question_id: str) -> QuestionView | None:
    return next((q for q in load_bank().questions if q.id == question_id), None)
