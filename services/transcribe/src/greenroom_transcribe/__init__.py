"""Greenroom's transcribe service: answer audio in, timed words and delivery measurements out.

``engine`` holds the core (WhisperX: pyannote voice activity detection, batched Whisper
decoding, word times, language detection); ``speech``, ``fillers`` and ``prosody`` the pure
delivery measurements; ``service`` the Kafka adapter that consumes ``answers.ingested``,
stores a ``TranscriptDoc`` and emits ``answers.transcribed``.
"""
