"""The coding round: hidden tests in the sandbox, growth where measurable, Pythonic review."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from greenroom_grader.bank import CodeSpec, Question
from greenroom_grader.review import Finding, review
from greenroom_grader.review import score as review_score
from greenroom_grader.sandbox import Limits, SandboxRun, run_code

Runner = Callable[[str, CodeSpec, Limits | None], SandboxRun]
# Below this many Python lines at the larger size, the work happens in built-ins: fine.
BUILTIN_LINES = 50
_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL)
SHOWN_FAILURES = 2


@dataclass
class CodeAssessment:
    code: str
    syntax_error: str = ""
    findings: list[Finding] = field(default_factory=list)
    run: SandboxRun | None = None
    growth: float | None = None
    growth_ok: bool | None = None

    @property
    def correctness(self) -> float:
        if self.run is None or not self.run.tests:
            return 0.0
        return round(100.0 * self.run.passed / len(self.run.tests), 1)

    @property
    def complexity(self) -> float | None:
        if self.growth_ok is None or self.growth is None:
            return None
        return 100.0 if self.growth_ok else 20.0

    @property
    def pythonic(self) -> float:
        return 0.0 if self.syntax_error else review_score(self.findings)


def extract_code(text: str) -> str:
    """The code of a submission, without Markdown fences if it was pasted with them."""
    blocks = _FENCE.findall(text)
    return "\n\n".join(blocks) if blocks else text


def growth_exponent(sizes: list[int], counts: list[int]) -> float:
    """How the Python lines executed grow with the input: ~1 linear, ~2 quadratic."""
    small, large = counts
    if large < BUILTIN_LINES:
        return 0.0
    return math.log(max(large, 1) / max(small, 1)) / math.log(sizes[1] / sizes[0])


def assess(text: str, question: Question, limits: Limits | None = None,
           runner: Runner = run_code) -> CodeAssessment:
    assert question.code is not None
    spec = question.code
    code = extract_code(text)
    result = CodeAssessment(code)
    try:
        result.findings = review(code)
    except SyntaxError as exc:
        result.syntax_error = f"SyntaxError at line {exc.lineno}: {exc.msg}"
        return result
    run = runner(code, spec, limits)
    result.run = run
    if run.growth is not None and run.passed == len(run.tests):
        sizes, counts = run.growth
        result.growth = round(growth_exponent(sizes, counts), 2)
        result.growth_ok = result.growth <= spec.max_growth
    return result


def call_text(spec: CodeSpec, args: str) -> str:
    inner = args.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1].rstrip().rstrip(",")
    return f"{spec.entry}({inner})"


def evidence(result: CodeAssessment, spec: CodeSpec) -> tuple[list[str], list[str],
                                                               list[str]]:
    """Evidence for correctness, complexity and the review."""
    run = result.run
    correctness: list[str] = []
    if result.syntax_error:
        correctness.append(f"the code does not parse: {result.syntax_error}")
    elif run is not None:
        correctness.append(f"{run.passed} of {len(run.tests)} hidden tests passed "
                           f"(sandbox run {run.seconds:.2f} s, outcome: {run.outcome})")
        if run.load_error:
            correctness.append(f"loading the code failed: {run.load_error}")
        failures = [t for t in run.tests if not t.passed]
        for test in failures[:SHOWN_FAILURES]:
            got = f"raised {test.error}" if test.error else f"returned {test.got[:120]}"
            correctness.append(f"test {test.index + 1}: {call_text(spec, test.args)} should "
                               f"give {test.expected[:120]}, {got}")
        if run.limits_hit:
            correctness.append("limits hit: " + ", ".join(run.limits_hit))
        if run.attempts:
            correctness.append("blocked by the sandbox: " + ", ".join(run.attempts[:5]))
    complexity: list[str] = []
    if result.growth is not None and run is not None and run.growth is not None:
        sizes, counts = run.growth
        complexity.append(
            f"Python lines executed: {counts[0]} at n={sizes[0]}, {counts[1]} at n={sizes[1]} "
            f"(growth exponent {result.growth:.2f}; {spec.growth_label} allows "
            f"{spec.max_growth:.2f})")
        if result.growth == 0.0:
            complexity.append("the work happens inside built-ins and the standard library")
    review_evidence = [f"{len(result.findings)} review findings"]
    review_evidence += [str(f) for f in result.findings]
    return correctness, complexity, review_evidence
