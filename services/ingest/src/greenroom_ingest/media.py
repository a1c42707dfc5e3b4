"""The pure core of ingest: a media file in, validated audio out.

ffprobe/ffmpeg do the work (the same binaries in every runtime shape). Every rejection is a
:class:`Rejected` with a message a candidate can act on. Frames are not sampled here: vision
decodes the upload's video itself, beside transcription instead of before it.
"""

from __future__ import annotations

import json
import subprocess
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from greenroom_common.domain import EMPTY_UPLOAD
from greenroom_common.errors import Rejected
from greenroom_common.tool_log import complaint

SAMPLE_RATE = 16_000
TOO_SLOW = ("This recording takes too long to decode ({seconds:.0f} s allowed). Record it "
            "again in the browser, or convert it to a common format such as WebM or MP4 "
            "before uploading.")


@dataclass(frozen=True)
class Probe:
    container: str
    duration_s: float | None
    audio_codec: str | None
    video_codec: str | None
    width: int
    height: int

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None


@dataclass(frozen=True)
class Limits:
    max_answer_s: float = 180.0
    grace_s: float = 5.0
    budget_s: float = 240.0  # probe + audio together; see GREENROOM_INGEST_BUDGET_S

    @property
    def longest_s(self) -> float:
        return self.max_answer_s + self.grace_s


@dataclass
class Extracted:
    probe: Probe
    duration_s: float
    audio: Path


@dataclass(frozen=True)
class Deadline:
    """The time left of one answer's decoding budget, shared by its ffprobe/ffmpeg calls."""

    budget_s: float
    ends: float

    @classmethod
    def start(cls, budget_s: float) -> Deadline:
        return cls(budget_s, time.monotonic() + budget_s)

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        """Run a tool within the time left; a run past it is the candidate's readable
        outcome (a file that decodes this slowly is not worth waiting for), not a retry."""
        left = self.ends - time.monotonic()
        try:
            if left <= 0:
                raise subprocess.TimeoutExpired(argv, 0)
            return subprocess.run(argv, capture_output=True, text=True, timeout=left,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise Rejected("too_slow", TOO_SLOW.format(seconds=self.budget_s)) from exc


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def probe(path: Path, deadline: Deadline | None = None) -> Probe:
    if path.stat().st_size == 0:
        raise Rejected("empty", EMPTY_UPLOAD)
    deadline = deadline or Deadline.start(Limits().budget_s)
    result = deadline.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)])
    info = json.loads(result.stdout or "{}") if result.returncode == 0 else {}
    streams = info.get("streams") or []
    if result.returncode != 0 or not streams:
        last = (result.stderr or "no audio or video stream").strip().splitlines()[-1:]
        raise Rejected(
            "not_media",
            "We could not read this file as audio or video"
            f" ({complaint(' '.join(last), path)}). Upload the recording the browser made, or a "
            "common format such as WebM, MP4, MP3 or WAV.",
        )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    # Cover art in audio files shows up as a one-frame "video" stream: not a video.
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    duration = info.get("format", {}).get("duration")
    return Probe(
        container=str(info.get("format", {}).get("format_name", "unknown")),
        duration_s=float(duration) if duration not in (None, "N/A") else None,
        audio_codec=audio.get("codec_name") if audio else None,
        video_codec=video.get("codec_name") if video else None,
        width=int(video.get("width", 0)) if video else 0,
        height=int(video.get("height", 0)) if video else 0,
    )


def _too_long(duration_s: float, limits: Limits) -> Rejected:
    return Rejected(
        "too_long",
        f"The recording lasts {_clock(duration_s)}; answers are limited to "
        f"{_clock(limits.max_answer_s)}. Record a shorter answer: the countdown stops the "
        "recording at the limit.",
    )


def validate(found: Probe, limits: Limits) -> None:
    if not found.has_audio:
        raise Rejected(
            "no_audio",
            "The recording has no audio track, so we cannot hear your answer. Check that "
            "your microphone is allowed and selected, then record again.",
        )
    if found.duration_s is not None and found.duration_s > limits.longest_s:
        raise _too_long(found.duration_s, limits)


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


def extract_audio(source: Path, target: Path, limits: Limits, deadline: Deadline) -> float:
    """16 kHz mono PCM. Decodes at most one second past the limit, so a file whose header
    hides its length (MediaRecorder's WebM has none) is still measured, never decoded whole."""
    result = deadline.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-vn", "-ac", "1",
         "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-t", f"{limits.longest_s + 1:.3f}",
         str(target)])
    if result.returncode != 0 or not target.exists():
        raise Rejected(
            "unreadable_audio",
            "The audio of this recording could not be decoded "
            f"({complaint(result.stderr, source)}). Record the answer again.",
        )
    duration = wav_duration(target)
    if duration > limits.longest_s:
        raise _too_long(duration, limits)
    if duration < 0.5:
        raise Rejected("too_short", "The recording is shorter than half a second. Record "
                       "your answer again and speak before you stop.")
    return duration


def extract(source: Path, workdir: Path, limits: Limits) -> Extracted:
    """Probe, validate and extract within ``limits.budget_s``; raises :class:`Rejected` for
    input we cannot use (including input that decodes too slowly)."""
    deadline = Deadline.start(limits.budget_s)
    found = probe(source, deadline)
    validate(found, limits)
    audio = workdir / "audio.wav"
    return Extracted(found, extract_audio(source, audio, limits, deadline), audio)
