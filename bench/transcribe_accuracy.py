"""Transcription accuracy on espeak-ng answers of known scripts, and filler recall.

Scores the transcribe service's engine (WhisperX, Whisper base, int8, 2 threads) with each
decoding prompt, beside plain faster-whisper sequential decoding on the same model:

* word error rate on answers read by several voices at several speeds, one with noise;
* jargon: the question's terms ("functools.wraps", "GIL", "__slots__") spelt right;
* filler recall on answers with known fillers ("um", "uh", "you know", "I mean", "like"):
  a filler counts as found when a reported filler overlaps its true time (±0.5 s); as
  heard when a filler or a hesitation (voiced but untranscribed) does; and the fillers
  reported where none was spoken.

Run in the transcribe environment (it needs espeak-ng and the offline model):

    PY=$(python3 -c "import json;print(json.load(open('.greenroom/envs.json'))['transcribe'])")
    PYTHONPATH=libs/common/src:services/transcribe/src:services/transcribe/tests \\
      $PY/bin/python bench/transcribe_accuracy.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import clips
from greenroom_common.documents import Moment, TranscriptDoc
from greenroom_transcribe.engine import WhisperXEngine
from greenroom_transcribe.prompt import SPOKEN_OPENING, build_prompt

MODELS = Path(os.environ.get("GREENROOM_MODELS_DIR", "~/.cache/greenroom/models")).expanduser()

DECORATOR_TERMS = ["decorator", "functools.wraps", "wrapper", "*args", "**kwargs", "closure"]
GIL_TERMS = ["GIL", "CPython", "mutex", "bytecode", "multiprocessing", "threading", "numpy"]
SLOTS_TERMS = ["__slots__", "__dict__", "attributes", "memory", "inheritance"]


@dataclass
class Case:
    name: str
    clip: clips.Clip
    vocabulary: list[str]
    jargon: list[str]  # how the terms should be written


def answers() -> list[Case]:
    decorator = clips.compose([clips.DECORATOR_SCRIPT], voice="en-us", speed=160)
    noisy = clips.Clip(clips.with_noise(decorator.audio, snr_db=10.0), decorator.pieces)
    return [
        Case("decorator en-us 160 wpm", decorator, DECORATOR_TERMS, ["functools.wraps"]),
        Case("decorator en-us 160 wpm + noise (SNR 10 dB)", noisy, DECORATOR_TERMS,
             ["functools.wraps"]),
        Case("GIL en-gb-x-rp 140 wpm", clips.compose([clips.GIL_SCRIPT], voice="en-gb-x-rp",
                                                     speed=140), GIL_TERMS, ["GIL", "CPython"]),
        Case("slots en-us+f3 185 wpm", clips.compose([clips.SLOTS_SCRIPT], voice="en-us+f3",
                                                     speed=185), SLOTS_TERMS, []),
        Case("GIL en-gb-scotland 170 wpm",
             clips.compose([clips.GIL_SCRIPT], voice="en-gb-scotland", speed=170),
             GIL_TERMS, ["GIL", "CPython"]),
    ]


def filler_answers() -> list[Case]:
    f = True
    return [
        Case("fillers A (um, uh, you know, um; two 3 s pauses)", clips.compose([
            "A list in Python is mutable", ("um", f), "and a tuple is not.", 3.0,
            ("uh", f), "I would use a tuple as a dictionary key,", ("you know", f),
            "because it is hashable.", 3.0, "The list can grow", ("um", f),
            "and shrink while the program runs."]), ["list", "tuple", "hashable"], []),
        Case("fillers B (uh, I mean, um, like, uh)", clips.compose([
            ("uh", f), "The global interpreter lock", "is a mutex in CPython.",
            ("I mean", f), "only one thread runs bytecode at a time,", ("um", f),
            "so threads do not help with heavy computation,", ("like", f),
            "number crunching.", ("uh", f), "For that I would use multiprocessing."],
            voice="en-gb-x-rp", speed=150), GIL_TERMS, []),
        Case("fillers C (um, you know, uh, um)", clips.compose([
            "Slots replace the instance dictionary", ("um", f),
            "with a fixed set of attributes.", 2.5, ("you know", f),
            "it saves memory for small objects.", ("uh", f), "The cost is flexibility",
            ("um", f), "since you cannot add attributes later."], voice="en-us+f3", speed=175),
            SLOTS_TERMS, []),
    ]


def overlaps(a: Moment | clips.Piece, start: float, end: float, slack: float = 0.5) -> bool:
    return a.start - slack <= end and start <= a.end + slack


def filler_scores(case: Case, doc: TranscriptDoc) -> tuple[int, int, int, int]:
    """(spoken fillers, reported as fillers, heard as filler or hesitation, false fillers)."""
    assert doc.speech is not None
    truth = case.clip.fillers()
    found = sum(1 for p in truth if any(overlaps(m, p.start, p.end) for m in doc.speech.fillers))
    heard = sum(1 for p in truth if any(overlaps(m, p.start, p.end)
                                        for m in [*doc.speech.fillers, *doc.speech.hesitations]))
    false = sum(1 for m in doc.speech.fillers
                if not any(overlaps(m, p.start, p.end) for p in truth))
    return len(truth), found, heard, false


_FASTER_WHISPER: dict[Path, Any] = {}


def faster_whisper_text(model_dir: Path, wav: Path, prompt: str | None) -> str:
    """Plain faster-whisper, sequential, on the same model: the baseline."""
    from faster_whisper import WhisperModel

    if model_dir not in _FASTER_WHISPER:
        _FASTER_WHISPER[model_dir] = WhisperModel(
            str(model_dir), device="cpu", compute_type="int8", cpu_threads=2,
            local_files_only=True)
    segments, _ = _FASTER_WHISPER[model_dir].transcribe(
        str(wav), language="en", beam_size=5, vad_filter=True,
        condition_on_previous_text=False, initial_prompt=prompt)
    return " ".join(s.text.strip() for s in segments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    model_dir = MODELS / args.model
    engine = WhisperXEngine(model_dir, device="cpu", threads=2, beam_size=5, batch_size=8)
    prompts = {
        "none": lambda _c: None,
        "fillers + topic (no vocabulary)": lambda _c: build_prompt([]),
        "vocabulary only": lambda c: ", ".join(c.vocabulary) + ".",
        "fillers + vocabulary (service)": lambda c: build_prompt(c.vocabulary),
    }
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cases = answers()
        fillers = filler_answers()
        for i, case in enumerate([*cases, *fillers]):
            case.clip.write(Path(tmp) / f"{i}.wav")
        print(f"{'answer':48} {'prompt':32} {'WER':>6} {'jargon':>7}")
        for label, make in prompts.items():
            wers: list[float] = []
            jargon_ok = jargon_all = 0
            for i, case in enumerate(cases):
                doc = engine.transcribe(Path(tmp) / f"{i}.wav", prompt=make(case))
                wer = clips.word_error_rate(case.clip.script, doc.text)
                wers.append(wer)
                hits = sum(1 for term in case.jargon if term.lower() in doc.text.lower())
                jargon_ok += hits
                jargon_all += len(case.jargon)
                print(f"{case.name:48} {label:32} {100 * wer:5.1f}% {hits}/{len(case.jargon)}")
            spoken = found = heard = false = 0
            filler_wers = []
            for j, case in enumerate(fillers):
                doc = engine.transcribe(Path(tmp) / f"{len(cases) + j}.wav", prompt=make(case))
                n, f, h, x = filler_scores(case, doc)
                spoken, found, heard, false = spoken + n, found + f, heard + h, false + x
                filler_wers.append(clips.word_error_rate(case.clip.script, doc.text))
                print(f"{case.name:48} {label:32} fillers found {f}/{n}, heard {h}/{n}, "
                      f"false {x}")
            results[label] = {
                "wer_mean": round(statistics.mean(wers), 4),
                "wer": {c.name: round(w, 4) for c, w in zip(cases, wers, strict=True)},
                "jargon": f"{jargon_ok}/{jargon_all}",
                "filler_recall": round(found / spoken, 3),
                "filler_or_hesitation_recall": round(heard / spoken, 3),
                "false_fillers": false,
                "filler_clip_wer_mean": round(statistics.mean(filler_wers), 4),
            }
        # Plain faster-whisper, sequential, on the same model: the baseline.
        for label, make in (("none", lambda _c: None),
                            ("fillers + vocabulary (service)", lambda c: build_prompt(
                                c.vocabulary))):
            wers = [clips.word_error_rate(c.clip.script,
                                          faster_whisper_text(model_dir, Path(tmp) / f"{i}.wav",
                                                              make(c)))
                    for i, c in enumerate(cases)]
            results[f"faster-whisper sequential, prompt {label}"] = {
                "wer_mean": round(statistics.mean(wers), 4),
                "wer": {c.name: round(w, 4) for c, w in zip(cases, wers, strict=True)}}
    print()
    print(f"prompt opening: {SPOKEN_OPENING!r}")
    for label, r in results.items():
        print(f"{label:48} " + ", ".join(f"{k}={v}" for k, v in r.items() if k != "wer"))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
