"""Real-time factor and peak memory: the service's WhisperX engine vs faster-whisper.

Both run the same Whisper model (base, CTranslate2 int8) on the same espeak-ng answers, on
CPU with the same number of threads, each engine in its own process so that its peak
resident memory (``ru_maxrss``) is its own:

* ``whisperx``: the transcribe service's engine, end to end: pyannote VAD, batched decoding
  with the vocabulary prompt, word times, language detection and the speech measurements;
* ``faster-whisper``: plain sequential decoding (``WhisperModel.transcribe``, Silero VAD,
  ``word_timestamps=True``), what the service ran before.

Real-time factor = processing seconds / audio seconds (lower is faster); each clip is
transcribed once to warm up, then ``--runs`` times, and the median is reported.

    PY=$(python3 -c "import json;print(json.load(open('.greenroom/envs.json'))['transcribe'])")
    PYTHONPATH=libs/common/src:services/transcribe/src:services/transcribe/tests \\
      $PY/bin/python bench/transcribe_speed.py --threads 2 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODELS = Path(os.environ.get("GREENROOM_MODELS_DIR", "~/.cache/greenroom/models")).expanduser()
VOCABULARY = ["decorator", "functools.wraps", "wrapper", "*args", "**kwargs", "closure"]


def make_clips(folder: Path) -> list[Path]:
    import clips

    short = clips.compose(["A tuple is immutable, so it can be a dictionary key; a list is "
                           "mutable and cannot."])
    sixty = clips.compose([clips.DECORATOR_SCRIPT])
    # About 180 s: the longest answer the platform accepts, with pauses between the parts.
    long = clips.compose([clips.DECORATOR_SCRIPT, 2.5, clips.GIL_SCRIPT, 3.0,
                          clips.SLOTS_SCRIPT, 1.5, clips.GIL_SCRIPT], speed=145)
    paths = []
    for name, clip in (("short", short), ("60s", sixty), ("180s", long)):
        paths.append(clip.write(folder / f"{name}.wav"))
    return paths


def worker(engine: str, model: Path, threads: int, batch_size: int, runs: int,
           wavs: list[Path]) -> dict[str, object]:
    """Runs in a child process: loads one engine, times it on every clip."""
    import clips

    started = time.perf_counter()
    if engine == "whisperx":
        from greenroom_transcribe.engine import WhisperXEngine
        from greenroom_transcribe.prompt import build_prompt

        wx = WhisperXEngine(model, device="cpu", threads=threads, batch_size=batch_size)
        prompt = build_prompt(VOCABULARY)

        def run(wav: Path) -> int:
            return len(wx.transcribe(wav, prompt=prompt).words)
    else:
        from faster_whisper import WhisperModel

        fw = WhisperModel(str(model), device="cpu", compute_type="int8", cpu_threads=threads,
                          local_files_only=True)

        def run(wav: Path) -> int:
            segments, _ = fw.transcribe(str(wav), language="en", beam_size=5,
                                        word_timestamps=True, vad_filter=True,
                                        condition_on_previous_text=False)
            return sum(len(s.words or []) for s in segments)
    load_s = time.perf_counter() - started
    out: dict[str, object] = {"load_s": round(load_s, 2)}
    for wav in wavs:
        seconds = len(clips.read_wav(wav)[0]) / clips.read_wav(wav)[1]
        run(wav)  # warm-up
        times = []
        words = 0
        for _ in range(runs):
            t = time.perf_counter()
            words = run(wav)
            times.append(time.perf_counter() - t)
        median = statistics.median(times)
        out[wav.stem] = {"audio_s": round(seconds, 1), "median_s": round(median, 2),
                         "rtf": round(median / seconds, 3), "words": words,
                         "runs_s": [round(t, 2) for t in times]}
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="whisperx,faster-whisper")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--wavs", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = MODELS / args.model
    if args.child:
        result = worker(args.child, model, args.threads, args.batch_size, args.runs, args.wavs)
        print("RESULT " + json.dumps(result))
        return
    results: dict[str, object] = {"threads": args.threads, "batch_size": args.batch_size,
                                  "model": args.model, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        wavs = make_clips(Path(tmp))
        for engine in args.engines.split(","):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", engine, "--model", args.model,
                 "--threads", str(args.threads), "--batch-size", str(args.batch_size),
                 "--runs", str(args.runs), "--wavs", *map(str, wavs)],
                capture_output=True, text=True, check=False)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                raise SystemExit(f"{engine} failed:\n{proc.stderr[-3000:]}")
            results[engine] = json.loads(line[len("RESULT "):])
            print(engine, json.dumps(results[engine], indent=2), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
