"""The coding round: hidden tests in the sandbox, growth where measurable, Pythonic review.

Growth is judged on CPU time that PID 1 of the sandbox reads from the kernel for the
candidate's process (see ``sandbox_harness.py``), at the bank's two sizes and a stress size
(4x the largest), with three rules: each output must equal the reference solution's; the
growth exponent between the two largest sizes (after the cost of the request itself) must
stay under the question's ``max_growth`` once the work is large enough to measure and
markedly slower than the reference's; and the
stress size must stay within a CPU budget (a floor, or a multiple of the reference's own
time), which catches code that burns time at the small sizes to flatten its curve.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from greenroom_grader.bank import CodeSpec, Question
from greenroom_grader.review import Finding, review
from greenroom_grader.review import score as review_score
from greenroom_grader.sandbox import Growth, Limits, SandboxRun, run_code

Runner = Callable[[str, CodeSpec, Limits | None], SandboxRun]
# Below this much CPU at the stress size (beyond the request's own cost) the work is too
# small to measure a curve on: it happens in built-ins, or there is little of it. Fine.
MEASURABLE_NS = 3_000_000
# The stress size may take this much CPU, or REFERENCE_FACTOR times the reference's.
BUDGET_NS = 25_000_000
REFERENCE_FACTOR = 10
# The growth exponent counts where the stress size takes over this multiple of the reference.
SLOWER_FACTOR = 2
# CPU spent loading the code beyond this counts against the stress size (work in advance).
LOAD_ALLOWANCE_NS = 50_000_000
MAX_CODE_CHARS = 20_000
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
    growth_notes: list[str] = field(default_factory=list)

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


def _ms(ns: int) -> str:
    return f"{ns / 1e6:.1f} ms"


def growth_exponent(growth: Growth) -> float:
    """How the CPU time of the call grows with the input between the two largest sizes:
    ~1 linear, ~2 quadratic; 0 when the work is too small to measure."""
    costs = [max(c - o, 0) for c, o in zip(growth.cpu_ns, growth.overhead_ns, strict=True)]
    large = costs[-1] + max(growth.load_ns - LOAD_ALLOWANCE_NS, 0)
    if large < MEASURABLE_NS:
        return 0.0
    small = max(costs[-2], 10_000)
    return math.log(large / small) / math.log(growth.sizes[-1] / growth.sizes[-2])


def judge_growth(run: SandboxRun, spec: CodeSpec) -> tuple[float, bool, list[str]]:
    """The exponent, whether the growth is acceptable, and why not."""
    growth = run.growth
    if growth is None:
        return float("inf"), False, [f"the growth check failed: {run.growth_error}"]
    exponent = round(growth_exponent(growth), 2)
    notes = []
    for size, same in zip(growth.sizes, growth.matches, strict=True):
        if not same:
            notes.append(f"at n={size} the output differs from the reference solution's")
    stress = growth.cpu_ns[-1] + max(growth.load_ns - LOAD_ALLOWANCE_NS, 0)
    budget = max(BUDGET_NS, REFERENCE_FACTOR * growth.reference_ns[-1])
    if stress > budget:
        notes.append(f"at n={growth.sizes[-1]} the call took {_ms(stress)} of CPU, over its "
                     f"budget of {_ms(budget)} (the reference takes "
                     f"{_ms(growth.reference_ns[-1])})")
    # The exponent is judged where the code is markedly slower than the reference at the
    # stress size: near the reference's own time, the measurement's noise would decide.
    if exponent > spec.max_growth and stress > SLOWER_FACTOR * growth.reference_ns[-1]:
        notes.append(f"growth exponent {exponent:.2f} is over the {spec.max_growth:.2f} "
                     f"that {spec.growth_label} allows")
    return exponent, not notes, notes


def growth_advice(result: CodeAssessment, spec: CodeSpec) -> str:
    """The improvement shown when the growth check fails."""
    if result.growth is not None and math.isfinite(result.growth) \
            and result.growth > spec.max_growth:
        return (f"The work grows like n^{result.growth:.1f}; {spec.growth_label} is expected. "
                "Replace nested scans with a dict, set or Counter lookup.")
    why = "; ".join(result.growth_notes[:2])
    return (f"The code failed the growth check at larger inputs ({why}); "
            f"{spec.growth_label} is expected. Replace nested scans with a dict, set or "
            "Counter lookup, and return the same results at every size.")


def _review(code: str) -> list[Finding]:
    """The review, or a finding when the code is too deeply nested to read (the parser or
    the reviewer run out of stack): the candidate's outcome, never the grader's error."""
    try:
        return review(code)
    except (RecursionError, MemoryError):
        return [Finding(1, "too-deep", "The code nests expressions or blocks too deeply to "
                        "read (the parser gave up); split it into named steps.")]


def assess(text: str, question: Question, limits: Limits | None = None,
           runner: Runner = run_code) -> CodeAssessment:
    assert question.code is not None
    spec = question.code
    code = extract_code(text)
    result = CodeAssessment(code)
    if len(code) > MAX_CODE_CHARS:
        result.syntax_error = (f"the submission has {len(code)} characters, over the "
                               f"{MAX_CODE_CHARS} a coding answer may have")
        return result
    try:
        result.findings = _review(code)
    except SyntaxError as exc:
        result.syntax_error = f"SyntaxError at line {exc.lineno}: {exc.msg}"
        return result
    except ValueError as exc:  # e.g. null bytes in the source
        result.syntax_error = f"SyntaxError: {exc}"
        return result
    run = runner(code, spec, limits)
    result.run = run
    if spec.scale is not None and run.tests and run.passed == len(run.tests):
        result.growth, result.growth_ok, result.growth_notes = judge_growth(run, spec)
        if not result.growth_ok and _timing_only(run):
            # CPU time measured once per size is noisy on a busy machine (a collection, a
            # neighbour's burst): a verdict on speed must repeat in a fresh sandbox, where
            # nothing the code kept from the first run survives.
            again = runner(code, spec, limits)
            if again.tests and again.passed == len(again.tests):
                result.run = again
                result.growth, result.growth_ok, result.growth_notes = judge_growth(again, spec)
    return result


def _timing_only(run: SandboxRun) -> bool:
    """The growth check ran and every output matched: only its timing can have failed."""
    return run.growth is not None and all(run.growth.matches)


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
    growth = run.growth if run is not None else None
    if result.growth_ok is not None and growth is not None:
        measured = ", ".join(f"{_ms(max(c - o, 0))} at n={n}" for n, c, o in zip(
            growth.sizes, growth.cpu_ns, growth.overhead_ns, strict=True))
        complexity.append(
            f"CPU time of the call, measured outside the code's process: {measured} "
            f"(growth exponent {result.growth:.2f}; {spec.growth_label} allows "
            f"{spec.max_growth:.2f}; the reference takes {_ms(growth.reference_ns[-1])} at "
            f"n={growth.sizes[-1]})")
        if result.growth == 0.0 and result.growth_ok:
            complexity.append("the work is too small to grow measurably: it happens inside "
                              "built-ins and the standard library")
    complexity += result.growth_notes
    review_evidence = [f"{len(result.findings)} review findings"]
    review_evidence += [str(f) for f in result.findings]
    return correctness, complexity, review_evidence
