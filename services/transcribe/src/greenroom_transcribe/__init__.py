"""Greenroom's transcribe service: 16 kHz mono answer audio in, words with timestamps out.

``engine`` holds the pure core (a Whisper model loaded from the offline models folder);
the service around it consumes ``answers.ingested``, stores a ``TranscriptDoc`` and emits
``answers.transcribed``.
"""
