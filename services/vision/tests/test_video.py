"""Sampling an answer's video with the real ffmpeg: the frames vision measures, their times
and sizes, a face found in them, and the videos it cannot use (not a video, too slow to
decode, pictures too large)."""

from __future__ import annotations

import itertools
import subprocess
import time
from pathlib import Path

import cv2
import photos
import pytest
from greenroom_vision.faces import FaceAnalyzer
from greenroom_vision.video import Sampling, VideoUnreadable, check_size, sample


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


def clip(path: Path, size: str, seconds: int, *extra: str) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size={size}:rate=15:duration={seconds}",
           "-c:v", "mpeg4", *extra, str(path))
    return path


@pytest.fixture(scope="module")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seconds of the astronaut at webcam size, with speech-band audio, as WebM (VP8
    and Opus: what the browser records)."""
    folder = tmp_path_factory.mktemp("video")
    assert cv2.imwrite(str(folder / "face.png"), photos.astronaut_frame())
    out = folder / "face.webm"
    ffmpeg("-loop", "1", "-framerate", "15", "-i", str(folder / "face.png"),
           "-f", "lavfi", "-i", "sine=frequency=300:duration=3", "-t", "3",
           "-c:v", "libvpx", "-deadline", "realtime", "-b:v", "1M", "-c:a", "libopus", str(out))
    return out


def test_a_face_video_is_sampled_at_two_frames_a_second_and_measured(
        face_video: Path, analyzer: FaceAnalyzer) -> None:
    frames = list(sample(face_video, 3.0, Sampling()))
    assert [t for t, _ in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert {f.source_size for _, f in frames} == {(640, 480)}
    doc = analyzer.analyze_frames(iter(frames))
    assert doc.has_video and doc.summary.frames == 6 and doc.summary.face_frames == 6


def test_only_the_validated_length_is_decoded(face_video: Path) -> None:
    assert len(list(sample(face_video, 1.0, Sampling()))) == 2


def test_large_frames_are_scaled_down_and_a_portrait_phone_video_comes_out_upright(
        tmp_path: Path) -> None:
    wide = clip(tmp_path / "wide.mp4", "1280x720", 1)
    assert {f.source_size for _, f in sample(wide, 1.0, Sampling())} == {(640, 360)}
    tall = clip(tmp_path / "tall.mp4", "320x1600", 1)
    assert {f.source_size for _, f in sample(tall, 1.0, Sampling())} == {(256, 1280)}
    # A phone records landscape pixels with a rotation in the container.
    portrait = tmp_path / "portrait.mp4"
    ffmpeg("-i", str(clip(tmp_path / "flat.mp4", "320x240", 1)), "-c", "copy",
           "-metadata:s:v:0", "rotate=90", str(portrait))
    [(_, first), *_] = sample(portrait, 1.0, Sampling())
    assert first.source_size == (240, 320) and first.image.shape == (320, 240, 3)


def test_a_file_that_is_not_a_video_is_unreadable_with_the_decoders_reason(
        tmp_path: Path) -> None:
    junk = tmp_path / "upload.webm"
    junk.write_bytes(b"\x1a\x45\xdf\xa3junk" * 99)
    with pytest.raises(VideoUnreadable, match="could not be decoded") as caught:
        list(sample(junk, 3.0, Sampling()))
    assert str(tmp_path) not in str(caught.value) and " @ 0x" not in str(caught.value)


def test_a_video_stream_without_pictures_is_unreadable(tmp_path: Path) -> None:
    """A recording whose video track lost every packet: the probe sees a video stream,
    the decoder finds nothing in it."""
    whole = tmp_path / "whole.webm"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=2",
           "-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libvpx", "-deadline", "realtime",
           "-c:a", "libopus", str(whole))
    empty = tmp_path / "empty.webm"
    ffmpeg("-i", str(whole), "-c", "copy", "-bsf:v", "noise=dropamount=1", str(empty))
    with pytest.raises(VideoUnreadable, match="no picture"):
        list(sample(empty, 2.0, Sampling()))


def test_decoding_past_the_budget_stops_the_decoder(tmp_path: Path) -> None:
    long = clip(tmp_path / "long.mp4", "640x480", 60)
    started = time.monotonic()
    with pytest.raises(VideoUnreadable, match="took longer than"):
        list(sample(long, 60.0, Sampling(budget_s=0.05)))
    assert time.monotonic() - started < 10


def test_a_consumer_that_stops_early_stops_the_decoder(tmp_path: Path) -> None:
    long = clip(tmp_path / "long.mp4", "640x480", 60)
    started = time.monotonic()
    stream = sample(long, 60.0, Sampling(ahead=2))
    assert len(list(itertools.islice(stream, 3))) == 3
    stream.close()  # what an analyzer that raises does to the generator
    assert time.monotonic() - started < 10


def test_pictures_too_large_to_decode_are_refused_before_decoding() -> None:
    check_size(3840, 2160)
    with pytest.raises(VideoUnreadable, match="16000x9000"):
        check_size(16000, 9000)
