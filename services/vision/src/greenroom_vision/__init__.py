"""Greenroom's vision service: sampled answer frames in, per-frame face observations out.

``faces`` holds the pure core (deepface face detection on local frames); the service around
it consumes ``answers.ingested``, stores a ``VisionDoc`` and emits ``answers.observed``.
It never infers age, gender, race or identity.
"""
