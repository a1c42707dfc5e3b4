"""The coding sandbox against a candidate who has read the harness (issue 11): nothing of a
run outlives it, the verdict rests on measurements the candidate's code cannot reach, and
every input, however hostile, ends as the candidate's outcome, never as the grader's error.

These run the real sandbox. Processes are looked up by the per-run uids the launcher uses
when the tests run as root (the CI shape); as another user those checks are skipped."""

from __future__ import annotations

import contextlib
import json
import os
import signal

import pytest
from greenroom_grader import coding, sandbox
from greenroom_grader.bank import question
from greenroom_grader.sandbox import (
    Growth,
    Limits,
    SandboxRun,
    SandboxUnavailable,
    processes_left,
    run_code,
)
from greenroom_grader.scoring import grade

Q = question("cc-07")  # dedupe(items) -> list[str], order kept
assert Q is not None and Q.code is not None
SPEC = Q.code
FAST = Limits(wall_s=8.0, per_test_s=1.0, cpu_s=3)
AS_ROOT = os.geteuid() == 0

# A quadratic dedupe: each item is looked up in a fresh copy of the list before it.
QUADRATIC = "    return [x for i, x in enumerate(items) if x not in items[:i]]\n"
LINEAR = ("def dedupe(items: list[str]) -> list[str]:\n"
          "    seen: set[str] = set()\n"
          "    out = []\n"
          "    for item in items:\n"
          "        if item not in seen:\n"
          "            seen.add(item)\n"
          "            out.append(item)\n"
          "    return out\n")


@pytest.fixture
def no_leftovers():
    """Checks right after the run that nothing is left; cleans up if something is (so a
    failing run does not leave sleepers behind for the next test)."""
    yield
    for pid in processes_left():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def run(code: str, limits: Limits = FAST) -> SandboxRun:
    return run_code(code, SPEC, limits)


# -- nothing outlives a run -----------------------------------------------------------------
DETACH = ("import ctypes, os, time\n"
          "def detach():\n"
          "    ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)  # no parent-death signal\n"
          "    {how}\n"
          "def linger():\n"
          "    while True:\n"
          "        try:\n"
          "            time.sleep(60)\n"
          "        except BaseException:\n"
          "            pass\n")
ESCAPES = {
    "prctl-setsid": DETACH.format(how="os.setsid()")
    + "detach()\nlinger()\n",
    "setpgid": DETACH.format(how="os.setpgid(0, 0)")
    + "detach()\nlinger()\n",
    "double-fork-daemon": DETACH.format(how="os.setsid()")
    + ("try:\n"
       "    if os.fork() == 0:\n"
       "        if os.fork() == 0:\n"
       "            detach()\n"
       "            linger()\n"
       "        os._exit(0)\n"
       "except OSError:\n"
       "    pass\n"
       "detach()\n"
       "def dedupe(items):\n"
       "    linger()\n"),
}


@pytest.mark.skipif(not AS_ROOT, reason="sandbox processes are found by their per-run uid")
@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_nothing_of_the_run_outlives_it(name: str, no_leftovers: None) -> None:
    result = run(ESCAPES[name], Limits(wall_s=5.0, per_test_s=1.0, cpu_s=3))
    assert processes_left() == []  # at once: the launcher reaped the whole namespace
    assert result.passed == 0


# -- measurements out of the candidate's reach -------------------------------------------------
TAMPERED_GROWTH = {
    "plain": "",
    "settrace-off": "import sys\nsys.settrace(None)\n",
    "harness-globals": (
        "import sys\n"
        "frame = sys._getframe(1)\n"
        "frame.f_globals['_line_events'] = lambda *args: 1\n"
        "frame.f_globals['CPUCLOCK_SCHED'] = 0\n"
        "frame.f_globals['_attempts'] = []\n"),
    "builtins-and-clocks": (
        "import builtins, time\n"
        "time.thread_time_ns = time.process_time_ns = lambda: 0\n"
        "time.clock_gettime_ns = lambda *a: 0\n"
        "builtins.len = (lambda real: lambda x: real(x))(len)\n"
        "builtins.sorted = (lambda real: lambda *a, **k: real(*a, **k))(sorted)\n"),
    "gc-and-tracer": (
        "import gc, sys\n"
        "gc.disable()\n"
        "def _quiet(*args):\n"
        "    return None\n"
        "sys.settrace(_quiet)\n"
        "for obj in gc.get_objects():\n"
        "    if callable(obj) and getattr(obj, '__name__', '') == 'tracer':\n"
        "        obj.__code__ = _quiet.__code__\n"),
}


def quadratic(prefix: str, body: str = QUADRATIC) -> str:
    return prefix + "def dedupe(items: list[str]) -> list[str]:\n" + body


@pytest.mark.parametrize("name", sorted(TAMPERED_GROWTH))
def test_quadratic_code_fails_the_growth_check_whatever_it_does(name: str) -> None:
    result = coding.assess(quadratic(TAMPERED_GROWTH[name]), Q, FAST)
    assert result.run is not None and result.run.passed == len(SPEC.tests), result.run
    assert result.growth_ok is False, (result.growth, result.run.growth)


def test_quadratic_work_in_a_thread_is_measured() -> None:
    body = ("    import threading\n"
            "    box = []\n"
            "    def work():\n"
            "        box.append([x for i, x in enumerate(items) if x not in items[:i]])\n"
            "    thread = threading.Thread(target=work)\n"
            "    thread.start()\n"
            "    thread.join()\n"
            "    return box[0]\n")
    result = coding.assess(quadratic("", body), Q, FAST)
    assert result.growth_ok is False, result.run


def test_burning_time_at_small_sizes_does_not_flatten_the_curve() -> None:
    """Padding the small inputs makes the exponent look linear; the stress size's budget
    still catches the quadratic work."""
    body = ("    n = len(items)\n"
            "    if n < 5000:\n"
            "        for _ in range(60 * n):\n"
            "            pass\n"
            + QUADRATIC)
    result = coding.assess(quadratic("", body), Q, FAST)
    assert result.growth_ok is False, result.run


def test_cutting_corners_at_large_sizes_is_caught() -> None:
    """Wrong (cheap) output, or an error, where only the growth check looks."""
    for body in ("    if len(items) > 100:\n        return []\n" + QUADRATIC,
                 "    if len(items) > 100:\n        raise ValueError('too big')\n" + QUADRATIC):
        result = coding.assess(quadratic("", body), Q, FAST)
        assert result.run is not None and result.run.passed == len(SPEC.tests)
        assert result.growth_ok is False, result.run


def _timed(cpu_ms: float, reference_ms: float = 4.0) -> SandboxRun:
    """A completed run whose hidden tests passed, with this CPU time at the stress size."""
    ms = 1_000_000
    growth = Growth(sizes=[400, 3200], cpu_ns=[int(0.4 * ms), int(cpu_ms * ms)],
                    overhead_ns=[0, 0], load_ns=0, matches=[True, True],
                    reference_ns=[int(reference_ms / 8 * ms), int(reference_ms * ms)])
    passed = sandbox.TestResult(0, True, "([],)", "[]")
    return SandboxRun("completed", tests=[passed], growth=growth)


def test_a_slow_measurement_must_repeat_in_a_fresh_sandbox_before_it_fails_the_code() -> None:
    """CPU time is measured once per size; a burst on a busy machine once made a reference
    solution look superlinear. A timing failure counts only when a second, fresh run
    confirms it; code that is really slower fails both."""
    runs = iter([_timed(20.0), _timed(4.0)])
    result = coding.assess(LINEAR, Q, FAST, lambda *_: next(runs))
    assert result.growth_ok is True, result.growth_notes
    calls = []
    result = coding.assess(LINEAR, Q, FAST, lambda *_: calls.append(1) or _timed(20.0))
    assert result.growth_ok is False and len(calls) == 2, result.growth_notes


def test_linear_code_and_every_reference_pass_the_growth_check() -> None:
    result = coding.assess(LINEAR, Q, FAST)
    assert result.growth_ok is True, (result.growth_notes, result.run)
    for q in [q for q in [question(f"cc-{i:02d}") for i in range(1, 13)] if q is not None]:
        assert q.code is not None
        checked = coding.assess(q.code.reference, q)
        assert checked.growth_ok is True, (q.id, checked.growth_notes)


def _fake_records() -> str:
    """Records claiming every hidden test passed, written everywhere the code can reach."""
    fakes = [{"t": "test", "i": i, "ok": True, "value": t.expect, "truncated": False}
             for i, t in enumerate(SPEC.tests)]
    lines = "".join(json.dumps(f) + "\n" for f in fakes)
    lines += json.dumps({"t": "growth", "sizes": [400, 3200], "counts": [1, 1]}) + "\n"
    return lines


def test_the_code_cannot_write_its_own_results() -> None:
    lines = _fake_records()
    code = ("import os, struct, sys\n"
            f"FAKE = {lines!r}\n"
            "try:\n"
            "    sys._getframe(1).f_globals['_channel'].write(FAKE)\n"
            "    sys._getframe(1).f_globals['_channel'].flush()\n"
            "except Exception:\n"
            "    pass\n"
            "for fd in range(0, 64):\n"
            "    for data in (FAKE.encode(), struct.pack('>I', len(FAKE)) + FAKE.encode()):\n"
            "        try:\n"
            "            os.write(fd, data)\n"
            "        except OSError:\n"
            "            pass\n"
            "def dedupe(items):\n"
            "    return []\n")
    result = run(code)
    assert result.passed == 0
    assert result.growth is None or not all(result.growth.matches)


# -- every input is the candidate's outcome ------------------------------------------------------
def test_fake_unavailable_sentinel_and_exit_status_are_the_candidates() -> None:
    code = ("import os, sys\n"
            "for stream in (sys.stderr, sys.__stderr__, sys.stdout, sys.__stdout__):\n"
            "    try:\n"
            "        stream.write('SANDBOX-UNAVAILABLE: fake\\n'); stream.flush()\n"
            "    except Exception:\n"
            "        pass\n"
            "for fd in (1, 2, 3, 4, 5, 6):\n"
            "    try:\n"
            "        os.write(fd, b'SANDBOX-UNAVAILABLE: fake\\nUNAVAILABLE: fake\\n')\n"
            "    except OSError:\n"
            "        pass\n"
            "os._exit(111)\n")
    try:
        result = run(code)
    except SandboxUnavailable as exc:  # pragma: no cover - the bug this guards against
        pytest.fail(f"the candidate's output read as the sandbox being unavailable: {exc}")
    assert result.passed == 0 and result.outcome == "crashed"


@pytest.mark.parametrize("ending", ["os._exit(3)", "os.kill(os.getpid(), signal.SIGSEGV)",
                                    "os.kill(os.getpid(), signal.SIGSTOP)",
                                    "signal.alarm(0); os.abort()"])
def test_exit_codes_and_signals_are_the_candidates(ending: str) -> None:
    result = run(f"import os, signal\ndef dedupe(items):\n    {ending}\n")
    assert result.passed == 0
    assert result.outcome in {"crashed", "time_limit"}


def test_deeply_nested_output_on_the_channel_is_the_candidates() -> None:
    code = ("import os, struct, sys\n"
            "DEEP = '[' * 200000\n"
            "try:\n"
            "    sys._getframe(1).f_globals['_channel'].write(DEEP + '\\n')\n"
            "    sys._getframe(1).f_globals['_channel'].flush()\n"
            "except Exception:\n"
            "    pass\n"
            "for fd in range(3, 64):\n"
            "    try:\n"
            "        os.write(fd, struct.pack('>I', len(DEEP)) + DEEP.encode())\n"
            "    except OSError:\n"
            "        pass\n"
            "def dedupe(items):\n"
            "    return items\n")
    result = run(code)  # no RecursionError here
    assert result.passed == 0


@pytest.mark.parametrize("value", ["'\\udcff' * 3", "b'\\xff\\xfe'", "['['] * 5000",
                                   "'x' * 10_000_000", "eval('[' * 90 + ']' * 90)"])
def test_odd_return_values_are_the_candidates(value: str) -> None:
    code = ("import os\n"
            "def dedupe(items):\n"
            "    for fd in range(3, 64):\n"
            "        try:\n"
            "            os.write(fd, b'\\xff\\xfe\\x00garbage' * 1000)\n"
            "        except OSError:\n"
            "            pass\n"
            f"    return {value}\n")
    doc = grade("a1", Q, code)
    assert doc.verdict == "fail"
    doc.model_dump_json()  # storable: no lone surrogates, no unbounded text


def test_huge_and_non_utf8_prints_are_the_candidates() -> None:
    code = ("import os, sys\n"
            "def dedupe(items):\n"
            "    sys.stdout.buffer.write(b'\\xff' * 3_000_000) if hasattr(sys.stdout, 'buffer')"
            " else None\n"
            "    os.write(1, b'\\xff\\xfe' * 3_000_000)\n"
            "    os.write(2, b'\\xff\\xfe' * 3_000_000)\n"
            "    print('\\udcff' * 100000)\n"
            "    return list(dict.fromkeys(items))\n")
    result = run(code)
    assert result.passed == len(SPEC.tests)


def test_deep_expressions_in_review_are_the_candidates() -> None:
    code = "def dedupe(items):\n    return " + "+".join(["1"] * 9000) + "\n"
    doc = grade("a1", Q, code)  # no RecursionError from the review
    assert doc.verdict == "fail"
    doc = grade("a1", Q, "def dedupe(items):\n    return " + "(" * 300 + ")" * 300 + "\n")
    assert doc.verdict == "fail"
    doc = grade("a1", Q, "def dedupe(items):\n    return items\x00\n")
    assert doc.verdict == "fail"


def test_a_20000_character_answer_is_graded() -> None:
    body = "def dedupe(items: list[str]) -> list[str]:\n    return list(dict.fromkeys(items))\n"
    padding = "# " + "x" * 97 + "\n"
    code = body + padding * ((20_000 - len(body)) // len(padding))
    code += "#" * (20_000 - len(code) - 1) + "\n"
    assert len(code) == 20_000
    doc = grade("a1", Q, code)
    assert doc.tests_passed == doc.tests_total
    deep = "x = " + "[" * 9_990 + "]" * 9_990 + "\n"
    doc = grade("a1", Q, deep + body)
    assert doc.verdict == "fail"


# -- the sandbox's own seccomp filter ------------------------------------------------------------
def test_the_filter_denies_what_an_escape_needs() -> None:
    calls = {"ptrace": (101, 16, 1), "mount": (165,), "unshare_user": (272, 0x10000000),
             "unshare_ns": (272, 0x00020000), "setns": (308, 0, 0), "keyctl": (250, 0),
             "bpf": (321, 0, 0, 0), "perf_event_open": (298, 0, 0, -1, -1, 0),
             "kexec_load": (246, 0, 0, 0, 0), "init_module": (175, 0, 0, 0),
             "finit_module": (313, -1, 0, 0), "io_uring_setup": (425, 1, 0),
             "clone_newuser": (56, 0x10000000 | 17, 0, 0, 0, 0),
             "process_vm_readv": (310, 1, 0, 0, 0, 0, 0)}
    code = ("import ctypes, os, platform\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "def dedupe(items):\n"
            "    if platform.machine() != 'x86_64':\n"
            "        return 'skip'\n"
            "    out = {}\n"
            f"    for name, call in {calls!r}.items():\n"
            "        ctypes.set_errno(0)\n"
            "        result = libc.syscall(*[ctypes.c_long(a) for a in call])\n"
            "        out[name] = (result, ctypes.get_errno())\n"
            "    return out\n")
    result = run(code)
    got = result.tests[0].got
    if got == "'skip'":
        pytest.skip("the syscall numbers here are x86_64's")
    outcomes = eval(got)  # a dict literal of (result, errno)
    assert all(r == -1 and e == 1 for r, e in outcomes.values()), outcomes  # EPERM each


def test_the_candidate_process_cannot_start_programs() -> None:
    code = ("import os, subprocess\n"
            "def dedupe(items):\n"
            "    out = []\n"
            "    for attempt in (lambda: subprocess.run(['/bin/true']),\n"
            "                    lambda: os.execv('/bin/true', ['true']),\n"
            "                    lambda: os.posix_spawn('/bin/true', ['true'], {})):\n"
            "        try:\n"
            "            attempt()\n"
            "            out.append('ran')\n"
            "        except OSError as exc:\n"
            "            out.append(type(exc).__name__)\n"
            "    return out\n")
    result = run(code)
    assert "ran" not in result.tests[0].got and result.tests[0].got, result.tests[0]
    assert "process" in result.attempts


def test_the_filter_program_is_built_for_known_machines_only() -> None:
    from greenroom_grader import sandbox_launcher

    for machine in ("x86_64", "aarch64"):
        for candidate in (True, False):
            program = sandbox_launcher.seccomp_filter(candidate=candidate, machine=machine)
            assert len(program) % 8 == 0 and len(program) // 8 < 4096
    with pytest.raises(sandbox_launcher.Unavailable):
        sandbox_launcher.seccomp_filter(candidate=False, machine="mips")
