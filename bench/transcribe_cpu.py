"""CPU seconds per answer-minute of the transcribe engine, and its word error rate, for each
decoding setting side by side in one run (issue 17: cut the CPU without losing accuracy).

Two sets of answers with known words, so a setting cannot look good on one voice only:

* ``piper``: the calibration corpus's spoken-style answers (``*-spoken``: fillers, restarts,
  natural phrasing) read by the platform's neural voice (Piper, the voice environment);
* ``espeak``: the accuracy benchmark's espeak-ng answers (several voices and speeds, one
  with noise) and its answers with known fillers.

Settings: beam size (5, today's default, against smaller beams), the voice activity
detector's step (0.5 s, needed to look for a second voice in hiring-team sessions, against
2.5 s, what practice sessions take) and how the two threads decode (one model copy sharing
each matrix product, or two single-threaded replicas each decoding part of the batch).
Each setting transcribes every answer once after a warm-up; CPU seconds are the process's
own (``time.process_time``), so other work on the machine inflates wall time but not them.

    PY=$(python3 -c "import json;print(json.load(open('.greenroom/envs.json'))['transcribe'])")
    PYTHONPATH=libs/common/src:services/transcribe/src:services/transcribe/tests:. \\
      $PY/bin/python bench/transcribe_cpu.py --questions 16 --json .greenroom/bench/cpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import clips
from greenroom_transcribe.engine import WhisperXEngine
from greenroom_transcribe.prompt import build_prompt

REPO = Path(__file__).resolve().parents[1]
MODELS = Path(os.environ.get("GREENROOM_MODELS_DIR", "~/.cache/greenroom/models")).expanduser()
CALIBRATION = REPO / "services/grader/src/greenroom_grader/bank/calibration"
# (beam, look for a second voice, model replicas): one replica with two threads is how
# the service decoded before 2026-12-03; two single-threaded replicas, how it does now.
SETTINGS = [(5, False, 1), (5, False, 2), (5, True, 2), (2, False, 2), (1, False, 2)]

RENDER = """
import sys, json, wave, subprocess
sys.path.insert(0, "services/voice/src")
from greenroom_voice.synth import Voice
voice = Voice(threads=2)
for item in json.loads(sys.stdin.read()):
    speech = voice.render(item["text"][:590])
    with wave.open(item["raw"], "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(voice.sample_rate)
        w.writeframes(speech.wav()[44:])
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", item["raw"], "-ar", "16000",
                    "-ac", "1", "-c:a", "pcm_s16le", item["wav"]], check=True)
"""


def piper_answers(folder: Path, questions: int) -> list[tuple[str, Path, str, list[str]]]:
    """``questions`` spoken-style calibration answers, every few questions across the bank,
    read by Piper: (name, wav, script, vocabulary)."""
    files = sorted(CALIBRATION.glob("*.toml"))
    picked = files[::max(1, len(files) // questions)][:questions]
    bank: dict[str, list[str]] = {}
    for toml in (REPO / "services/grader/src/greenroom_grader/bank").glob("*.toml"):
        for q in tomllib.loads(toml.read_text()).get("questions", []):
            bank[q["id"]] = q.get("vocabulary", [])
    items, out = [], []
    for f in picked:
        doc = tomllib.loads(f.read_text())
        spoken = [a for a in doc["answers"] if a["id"].endswith("-spoken")]
        if not spoken:
            continue
        text = spoken[0]["text"][:590]
        wav = folder / f"{spoken[0]['id']}.wav"
        items.append({"text": text, "raw": str(folder / "raw.wav"), "wav": str(wav)})
        out.append((spoken[0]["id"], wav, text, bank.get(doc["question"], [])))
    envs = json.loads((REPO / ".greenroom/envs.json").read_text())
    subprocess.run([f"{envs['voice']}/bin/python", "-c", RENDER], input=json.dumps(items),
                   text=True, cwd=REPO, check=True)
    return out


def espeak_answers(folder: Path) -> list[tuple[str, Path, str, list[str]]]:
    sys.path.insert(0, str(REPO / "bench"))
    from transcribe_accuracy import answers, filler_answers

    out = []
    for i, case in enumerate([*answers(), *filler_answers()]):
        wav = folder / f"espeak-{i}.wav"
        case.clip.write(wav)
        out.append((case.name, wav, case.clip.script, list(case.vocabulary)))
    return out


def duration_s(wav: Path) -> float:
    import wave

    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=16)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sets = {"piper": piper_answers(Path(tmp), args.questions),
                "espeak": espeak_answers(Path(tmp))}
        minutes = {name: sum(duration_s(w) for _, w, _, _ in items) / 60
                   for name, items in sets.items()}
        print({k: f"{len(v)} answers, {minutes[k]:.1f} min" for k, v in sets.items()})
        for beam, speakers, replicas in SETTINGS:
            engine = WhisperXEngine(MODELS / "whisper-base", device="cpu", threads=2,
                                    beam_size=beam, batch_size=8, replicas=replicas)
            label = (f"beam {beam}, step {'0.5' if speakers else '2.5'} s, "
                     f"{replicas} replica{'s' if replicas > 1 else ''}")
            _, first, _, vocabulary = sets["piper"][0]
            engine.transcribe(first, prompt=build_prompt(vocabulary), speakers=speakers)
            row: dict[str, object] = {}
            for name, items in sets.items():
                cpu = wall = 0.0
                wers = []
                for _, wav, script, vocabulary in items:
                    c0, t0 = time.process_time(), time.perf_counter()
                    doc = engine.transcribe(wav, prompt=build_prompt(vocabulary),
                                            speakers=speakers)
                    cpu += time.process_time() - c0
                    wall += time.perf_counter() - t0
                    wers.append(clips.word_error_rate(script, doc.text))
                row[name] = {"cpu_s_per_answer_minute": round(cpu / minutes[name], 2),
                             "rtf": round(wall / minutes[name] / 60, 3),
                             "wer_mean": round(statistics.mean(wers), 4)}
            results[label] = row
            print(label, json.dumps(row))
            del engine
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
