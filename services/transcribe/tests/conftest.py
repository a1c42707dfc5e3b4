"""Fixtures shared by the transcribe tests: the offline model and the loaded engine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # clips.py, beside the tests


@pytest.fixture(scope="session")
def models_dir() -> Path:
    path = Path(os.environ.get("GREENROOM_MODELS_DIR", "~/.cache/greenroom/models")).expanduser()
    if not (path / "whisper-base" / "model.bin").is_file():
        pytest.skip(f"no whisper-base model in {path}: run `bash scripts/setup/models.sh` "
                    "(or point GREENROOM_MODELS_DIR at the models folder)")
    return path


@pytest.fixture(scope="session")
def engine(models_dir: Path):  # type: ignore[no-untyped-def]
    from greenroom_transcribe.engine import WhisperXEngine

    return WhisperXEngine(models_dir / "whisper-base", device="cpu", threads=2, beam_size=5,
                          batch_size=8)

