"""How the gateway names and classifies uploads."""

from __future__ import annotations

from greenroom_common.contracts import AnswerMode
from greenroom_gateway.uploads import media_mode, upload_extension


def test_mode_follows_content_type_then_extension() -> None:
    assert media_mode("video/webm", "a.webm") is AnswerMode.VIDEO
    assert media_mode("audio/ogg", "a.ogg") is AnswerMode.AUDIO
    assert media_mode("application/octet-stream", "a.wav") is AnswerMode.AUDIO
    assert media_mode(None, None) is AnswerMode.VIDEO


def test_extension_is_kept_only_when_known() -> None:
    assert upload_extension("answer.WEBM") == ".webm"
    assert upload_extension("../../etc/passwd") == ".bin"
    assert upload_extension(None) == ".bin"
