"""The Pythonic review: one finding per habit, with the line it is on."""

from __future__ import annotations

import pytest
from greenroom_grader.review import review, score

IDIOMATIC = '''
from collections import Counter, defaultdict
from pathlib import Path


def tally(words: list[str]) -> dict[str, int]:
    return dict(Counter(words))


def group(words: list[str]) -> dict[int, list[str]]:
    groups: defaultdict[int, list[str]] = defaultdict(list)
    for word in words:
        groups[len(word)].append(word)
    return dict(groups)


def pairs(a: list[int], b: list[int]) -> list[int]:
    return [x * y for x, y in zip(a, b, strict=True)]


def first_line(path: Path) -> str:
    with open(path) as handle:
        return handle.readline()


class Temperature:
    def __init__(self, celsius: float) -> None:
        self.celsius = celsius

    @property
    def fahrenheit(self) -> float:
        return self.celsius * 9 / 5 + 32

    def warmer(self, delta: float) -> "Temperature":
        return Temperature(self.celsius + delta)
'''

CASES = {
    "index-loop": "def f(xs: list[int]) -> None:\n    for i in range(len(xs)):\n"
                  "        print(i, xs[i])\n",
    "getter-setter": "class A:\n    def __init__(self) -> None:\n        self._x = 0\n"
                     "    def get_x(self) -> int:\n        return self._x\n"
                     "    def set_x(self, v: int) -> None:\n        self._x = v\n",
    "mutable-default": "def f(xs: list[int] = []) -> list[int]:\n    return xs\n",
    "missing-hints": "def f(x):\n    return x\n",
    "bare-except": "def f() -> None:\n    try:\n        pass\n    except:\n        pass\n",
    "hand-counting": "def f(ws: list[str]) -> dict[str, int]:\n    d: dict[str, int] = {}\n"
                     "    for w in ws:\n        if w in d:\n            d[w] += 1\n"
                     "        else:\n            d[w] = 1\n    return d\n",
    "hand-grouping": "def f(ws: list[str]) -> dict[int, list[str]]:\n"
                     "    d: dict[int, list[str]] = {}\n    for w in ws:\n"
                     "        if len(w) not in d:\n            d[len(w)] = []\n"
                     "        d[len(w)].append(w)\n    return d\n",
    "manual-file": "def f(p: str) -> str:\n    fh = open(p)\n    data = fh.read()\n"
                   "    fh.close()\n    return data\n",
    "java-style": "class Adder:\n    def __init__(self, n: int) -> None:\n        self.n = n\n"
                  "    def add(self, x: int) -> int:\n        return x + self.n\n",
}
LINES = {"index-loop": 2, "getter-setter": 4, "mutable-default": 1, "missing-hints": 1,
         "bare-except": 4, "hand-counting": 4, "hand-grouping": 4, "manual-file": 2,
         "java-style": 1}


def test_idiomatic_code_has_no_findings() -> None:
    assert review(IDIOMATIC) == []
    assert score([]) == 100.0


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_habit_is_found_on_its_line(rule: str) -> None:
    findings = review(CASES[rule])
    hits = [f for f in findings if f.rule == rule]
    assert hits, findings
    assert hits[0].line == LINES[rule]
    assert str(hits[0]).startswith(f"line {LINES[rule]}: ")
    assert score(findings) < 100.0


def test_zip_is_suggested_for_two_indexed_sequences() -> None:
    code = ("def f(a: list[int], b: list[int]) -> None:\n    for i in range(len(a)):\n"
            "        print(a[i] + b[i])\n")
    assert "zip(a, b)" in str(review(code)[0])


def test_counting_with_get_and_count_in_a_loop() -> None:
    code = ("def f(ws: list[str]) -> dict[str, int]:\n    d: dict[str, int] = {}\n"
            "    for w in ws:\n        d[w] = d.get(w, 0) + 1\n"
            "        print(ws.count(w))\n    return d\n")
    rules = [(f.line, f.rule) for f in review(code)]
    assert (4, "hand-counting") in rules and (5, "hand-counting") in rules


def test_static_method_bag_and_single_subclass_hierarchy() -> None:
    code = ("import abc\n\n\nclass Shape(abc.ABC):\n    @abc.abstractmethod\n"
            "    def area(self) -> float: ...\n\n\nclass Square(Shape):\n"
            "    def __init__(self, s: float) -> None:\n        self.s = s\n\n"
            "    def area(self) -> float:\n        return self.s ** 2\n\n"
            "    def side(self) -> float:\n        return self.s\n\n\n"
            "class Utils:\n    @staticmethod\n    def a() -> None: ...\n\n"
            "    @staticmethod\n    def b() -> None: ...\n")
    lines = {f.line for f in review(code) if f.rule == "java-style"}
    numbered = code.splitlines()
    expected = {numbered.index(line) + 1 for line in ("class Shape(abc.ABC):", "class Utils:")}
    assert lines == expected


def test_code_that_does_not_parse_raises() -> None:
    with pytest.raises(SyntaxError):
        review("def f(:\n")
