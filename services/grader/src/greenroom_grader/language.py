"""Is an answer in English? The bank, the rubric and both language models are English, so an
answer in another language is told so plainly instead of being graded as a poor answer.

A cheap, deterministic test: letters mostly outside the Latin alphabet (Chinese, Cyrillic,
Arabic...), or more common function words of other Latin-script languages than of English.
Code, identifiers and a list of English terms stay English.
"""

from __future__ import annotations

import re

_ENGLISH_WORDS = """
the a an and or but of to in on at by for with from as is are was were be been it its this
that these those there i you he she we they not no can will would should do does did have has
had so if then when which who what how why because than into about only just very also
"""
_OTHER_WORDS = """
le la les un une des du est et en que qui dans pour pas sur avec ce cette sont il elle nous
vous ils au aux der die das und ist nicht ein eine mit auf den dem zu von sie wir ich es
el los las es por para con una del al lo como pero su sus más o y
il di che non per con una sono della gli nella ma
de het een niet met voor op zijn dat
o os as um uma não com para por mais
"""
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_OTHER = frozenset(_OTHER_WORDS.split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_WORDS = 6


def is_english(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 2 * MIN_WORDS:  # scripts without spaces (Chinese, Japanese) count too
        latin = sum(1 for c in letters if c.isascii() or "à" <= c.lower() <= "ÿ")
        if latin < 0.5 * len(letters):
            return False
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return True  # too little to tell; other checks (too short) apply
    english = sum(1 for w in words if w in _ENGLISH)
    other = sum(1 for w in words if w in _OTHER and w not in _ENGLISH)
    return not (other >= 3 and other > english)
