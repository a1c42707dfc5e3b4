"""End-to-end latency of one answer through the real platform.

Starts the local platform on free ports (or uses ``--url`` of a running one), uploads a
talking-head answer of ``--seconds`` (espeak-ng speech over the astronaut photo) ``--runs``
times, one after another, and reports, per run, the time from the upload's first byte to
the graded result, the transcription's real-time factor and the share of the latency each
stage took. Run: ``make bench`` (or ``python bench/pipeline.py --seconds 60 --runs 3``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from greenroom_local.platform import LocalPlatform

from tests.support import media
from tests.support.client import Client

SCRIPT = (
    "In Python a list is a mutable sequence, while a tuple is immutable. Because a tuple "
    "cannot change, its hash stays the same, so a tuple can be a key in a dictionary. A "
    "dictionary stores keys in a hash table and keeps them in insertion order. "
)


def answer_clip(folder: Path, seconds: float) -> Path:
    """Repeat the script until espeak-ng speaks for at least ``seconds``."""
    text = SCRIPT
    while True:
        clip = media.face_video_with_speech(folder / "answer.webm", text)
        wav = folder / "speech.wav"
        spoken = media.wav_seconds(wav)
        if spoken >= seconds:
            return clip
        text += SCRIPT


def run(client: Client, clip: Path, runs: int) -> list[dict[str, float]]:
    results = []
    for _ in range(runs):
        session = client.session(["lf-02"])
        started = time.perf_counter()
        response = client.upload(session, "lf-02", clip)
        accepted = time.perf_counter() - started
        answer = client.wait(session, response.json()["answer_id"], timeout_s=900)
        total = time.perf_counter() - started
        assert answer["status"] == "graded", answer
        transcript = answer["transcript"]
        results.append({
            "upload_accepted_s": round(accepted, 3),
            "end_to_end_s": round(total, 2),
            "answer_s": transcript["duration_s"],
            "transcribe_s": transcript["inference_s"],
            "transcribe_rtf": round(transcript["inference_s"] / transcript["duration_s"], 3),
            "frames": answer["vision"]["frames"],
        })
        print(json.dumps(results[-1]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", help="a running gateway; default: start a platform")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="greenroom-bench-") as tmp:
        folder = Path(tmp)
        clip = answer_clip(folder, args.seconds)
        platform = LocalPlatform.on_free_ports(folder / "platform")
        if args.url is None:
            platform.start()
        try:
            base = args.url or platform.url()
            with httpx.Client(base_url=base, timeout=120) as http:
                results = run(Client(http, platform), clip, args.runs)
        finally:
            platform.stop()
    summary = {
        "answer_s": results[0]["answer_s"],
        "end_to_end_median_s": statistics.median(r["end_to_end_s"] for r in results),
        "transcribe_rtf_median": statistics.median(r["transcribe_rtf"] for r in results),
        "runs": len(results),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
