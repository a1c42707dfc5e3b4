"""The voice's core and its HTTP adapter, in the voice environment (``make service-tests``).

The core is loaded once per module with every outgoing connection refused, so a voice that
reached for the network at load or render time would fail here."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import wave
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from greenroom_voice.synth import (
    MAX_TEXT_CHARS,
    Speech,
    TextRejected,
    Voice,
    default_model_path,
    ffmpeg_path,
    speakable,
)

REPO = Path(__file__).resolve().parents[3]
# 25 words
SENTENCE = ("A decorator is a callable that takes a function and returns a new function. "
            "Um, so, functools dot wraps keeps the name and the docstring.")
needs_ffmpeg = pytest.mark.skipif(ffmpeg_path() is None, reason="no ffmpeg on PATH")


def _refuse(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the voice tried to open a network connection")


@pytest.fixture(scope="module")
def voice() -> Voice:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket.socket, "connect_ex", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        loaded = Voice(threads=2)
        loaded.render(SENTENCE)
    return loaded


@pytest.fixture(scope="module")
def speech(voice: Voice) -> Speech:
    return voice.render(SENTENCE)


def probe(data: bytes, tmp_path: Path) -> dict[str, object]:
    path = tmp_path / "speech.ogg"  # a file, not a pipe: Ogg's duration is read at its end
    path.write_bytes(data)
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels"
         ":format=format_name,duration", "-of", "json", str(path)],
        capture_output=True, check=True, timeout=30)
    doc: dict[str, object] = json.loads(done.stdout)
    return doc


# -- text ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   \n\t", "?!", "…"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(TextRejected, match="empty") as refused:
        speakable(text)
    assert not refused.value.too_long


def test_text_over_the_limit_is_refused_as_too_long() -> None:
    assert speakable("a" * MAX_TEXT_CHARS)
    with pytest.raises(TextRejected) as refused:
        speakable("a" * (MAX_TEXT_CHARS + 1))
    assert refused.value.too_long


def test_control_characters_are_refused() -> None:
    with pytest.raises(TextRejected, match="control character"):
        speakable("Hello\x00 there")


def test_text_is_read_the_way_developers_say_it() -> None:
    assert speakable("Explain `__repr__` versus **__str__**.\n  Why?") == \
        "Explain dunder repr versus dunder str. Why?"
    # Piper's raw-phoneme blocks cannot be smuggled in through question text.
    assert "[[" not in speakable("say [[ h ə l ˈoʊ ]] now")


# -- the core --------------------------------------------------------------------------

def test_voice_is_the_joe_voice_by_default(voice: Voice) -> None:
    assert voice.model == default_model_path()
    assert voice.voice_id == "en_US-joe-medium"
    assert voice.sample_rate == 22050


def test_a_known_sentence_has_a_plausible_duration(speech: Speech) -> None:
    assert len(SENTENCE.split()) == 25
    assert 5.0 <= speech.duration_s <= 12.0  # 125-300 words per minute
    # 0.07 of real time idle, up to ~1 on a machine with 7x more jobs than cores
    assert speech.render_s < 3 * speech.duration_s
    samples = memoryview(speech.pcm).cast("h")
    assert max(abs(s) for s in samples[:: 7]) > 8000  # speech, not silence


def test_the_same_text_has_the_same_length(voice: Voice, speech: Speech) -> None:
    again = voice.render(SENTENCE)
    assert len(again.pcm) == len(speech.pcm)


def test_sentences_are_separated_by_a_pause(voice: Voice) -> None:
    one = voice.render("Tell me about yourself")
    two = voice.render("Tell me about yourself. Tell me about yourself.")
    assert two.duration_s > 2 * one.duration_s + 0.2


def test_wav_is_mono_16_bit(speech: Speech) -> None:
    with wave.open(BytesIO(speech.wav())) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == \
            (1, 2, 22050)
        assert reader.getnframes() == len(speech.pcm) // 2


@needs_ffmpeg
def test_opus_decodes_with_the_same_duration(speech: Speech, tmp_path: Path) -> None:
    data = speech.opus()
    assert data.startswith(b"OggS")
    found = probe(data, tmp_path)
    streams = found["streams"]
    assert isinstance(streams, list)
    assert streams[0]["codec_name"] == "opus"
    assert streams[0]["channels"] == 1
    fmt = found["format"]
    assert isinstance(fmt, dict)
    assert abs(float(fmt["duration"]) - speech.duration_s) < 0.1
    # ~24 kbit/s: a few kB per second of speech, far below the WAV's 44 kB/s
    assert 1_500 < len(data) / speech.duration_s < 6_000


def test_another_voice_is_a_model_path(tmp_path: Path) -> None:
    """Any Piper model with its .onnx.json beside it; the voice id follows its file name."""
    model = tmp_path / "en_US-other-medium.onnx"
    model.symlink_to(default_model_path())
    (tmp_path / "en_US-other-medium.onnx.json").symlink_to(f"{default_model_path()}.json")
    other = Voice(model, threads=1)
    assert other.voice_id == "en_US-other-medium"
    assert other.render("Hello.").duration_s > 0.3
    with pytest.raises(FileNotFoundError, match="GREENROOM_VOICE_MODEL"):
        Voice(tmp_path / "missing.onnx")


# -- the HTTP adapter (a real process, as the platform starts it) -------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("voice") / "voice.log"
    env = {**os.environ, "GREENROOM_PORT": str(port),
           "PYTHONPATH": str(REPO / "services" / "voice" / "src")}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "greenroom_voice"], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"voice did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, log.read_text()


def call(url: str, body: bytes, accept: str = "") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"{url}/speech", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_health_names_the_voice(service: str) -> None:
    with urllib.request.urlopen(f"{service}/healthz", timeout=5) as response:
        doc = json.loads(response.read())
    assert doc["status"] == "ok"
    assert doc["voice"] == "en_US-joe-medium"


@needs_ffmpeg
def test_speech_is_ogg_opus(service: str, tmp_path: Path) -> None:
    status, headers, body = call(service, json.dumps({"text": SENTENCE}).encode())
    assert status == 200
    assert headers["Content-Type"] == "audio/ogg"
    assert headers["X-Voice-Id"] == "en_US-joe-medium"
    assert 5.0 <= float(headers["X-Audio-Seconds"]) <= 12.0
    streams = probe(body, tmp_path)["streams"]
    assert isinstance(streams, list)
    assert streams[0]["codec_name"] == "opus"


def test_wav_on_request(service: str) -> None:
    status, headers, body = call(service, json.dumps({"text": "Hello."}).encode(), "audio/wav")
    assert status == 200
    assert headers["Content-Type"] == "audio/wav"
    assert body.startswith(b"RIFF")


@pytest.mark.parametrize(("body", "status"), [
    (json.dumps({"text": "x" * (MAX_TEXT_CHARS + 1)}).encode(), 413),
    (json.dumps({"text": "y" * 20_000}).encode(), 413),  # refused before reading the body
    (json.dumps({"text": ""}).encode(), 422),
    (json.dumps({"text": "   "}).encode(), 422),
    (json.dumps({"text": 42}).encode(), 422),
    (json.dumps(["hello"]).encode(), 422),
    (b"hello", 422),
    (b"\xff\xfe", 422),
])
def test_bad_requests_are_refused(service: str, body: bytes, status: int) -> None:
    got, headers, answer = call(service, body)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert json.loads(answer)["detail"]


def test_metrics_count_renders_and_refusals(service: str) -> None:
    call(service, json.dumps({"text": ""}).encode())
    with urllib.request.urlopen(f"{service}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert 'greenroom_voice_refused_total{reason="not_speakable"}' in text
    assert "greenroom_voice_renders_total" in text


def test_a_missing_model_stops_the_service_with_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "GREENROOM_PORT": str(free_port()),
           "GREENROOM_VOICE_MODEL": str(tmp_path / "nothing.onnx"),
           "PYTHONPATH": str(REPO / "services" / "voice" / "src")}
    done = subprocess.run([sys.executable, "-m", "greenroom_voice"], env=env,
                          capture_output=True, timeout=60, check=False)
    assert done.returncode != 0
    assert b"GREENROOM_VOICE_MODEL" in done.stderr
