"""Is the answer in English? The rule, and what the candidate is told when it is not.

Interviews are graded in English, so an answer in another language ends as the answer's
outcome ``not_english`` with the language named, and the candidate answers again; its
transcript (decoded as English) is kept for the record but not graded. The detector is
Whisper's own, averaged over the speech chunks by voiced time (``engine``). Accented English
sometimes puts another language on top with English close behind, so an answer counts as
English unless another language wins *and* English is unlikely: the benefit of the doubt
goes to the candidate.
"""

from __future__ import annotations

from whisperx.utils import LANGUAGES

ENGLISH = "en"
# Below this English probability (and with another language on top) an answer is not English.
MIN_ENGLISH_PROBABILITY = 0.2


def language_name(code: str) -> str:
    """"de" -> "German" (Whisper's language names; the code itself when unknown)."""
    return str(LANGUAGES.get(code, code)).title()


def is_english(language: str, english_probability: float | None) -> bool:
    if language == ENGLISH:
        return True
    return english_probability is not None and english_probability >= MIN_ENGLISH_PROBABILITY


def not_english_message(language: str, probability: float) -> str:
    return (f"This answer sounds like {language_name(language)}, not English "
            f"({100 * probability:.0f}% sure). Answers are assessed in English: please "
            "record it again in English.")
