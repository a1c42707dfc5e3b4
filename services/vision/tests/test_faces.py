"""FaceAnalyzer on real faces (scikit-image's bundled astronaut photo), on frames without a
face, on two faces and on broken frames. No network, no weights: the "opencv" detector's
Haar cascades ship in the opencv wheel, so an empty DEEPFACE_HOME is enough.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from greenroom_vision.faces import FaceAnalyzer, WeightsMissingError, summarize
from skimage import data


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaceAnalyzer]:
    saved = {k: os.environ.get(k) for k in ("DEEPFACE_HOME", "DEEPFACE_BACKEND_ENGINE")}
    home = tmp_path_factory.mktemp("deepface-home")
    yield FaceAnalyzer(detector="opencv", weights_home=home)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def frames_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """JPEG frames like the ones ingest samples: 640x480 (or smaller), BGR."""
    folder = tmp_path_factory.mktemp("frames")
    # 512x512, one real face
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)  # type: ignore[no-untyped-call]
    in_frame = cv2.copyMakeBorder(astronaut, 0, 0, 64, 64, cv2.BORDER_CONSTANT, value=(40, 40, 40))
    images = {
        "face.jpg": in_frame[16:496],  # 640x480
        "face-small.jpg": cv2.resize(in_frame[16:496], (320, 240)),
        "two-faces.jpg": np.hstack([astronaut, astronaut]),  # 1024x512, side by side
        "black.jpg": np.zeros((480, 640, 3), np.uint8),
        "grey.jpg": np.full((480, 640, 3), 128, np.uint8),
        "gradient.jpg": np.repeat(
            np.tile(np.linspace(0, 255, 640, dtype=np.uint8), (480, 1))[:, :, None], 3, axis=2
        ),
    }
    for name, image in images.items():
        assert cv2.imwrite(str(folder / name), image)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "empty.jpg").write_bytes(b"")
    return folder


def test_one_face_is_found_where_it_is(analyzer: FaceAnalyzer, frames_dir: Path) -> None:
    doc = analyzer.analyze([(0.0, frames_dir / "face.jpg"), (0.5, frames_dir / "face-small.jpg")])

    assert [f.faces for f in doc.frames] == [1, 1]
    x, y, w, h = doc.frames[0].boxes[0]
    # The astronaut's face: centred near (288, 100) in the 640x480 frame, ~95 px wide.
    assert 230 < x + w / 2 < 340 and 60 < y + h / 2 < 150
    assert 60 < w < 160 and 60 < h < 160
    assert 0 < doc.frames[0].confidence <= 1
    assert [f.t for f in doc.frames] == [0.0, 0.5]


def test_summary_counts_face_no_face_and_multi_face_frames(
    analyzer: FaceAnalyzer, frames_dir: Path
) -> None:
    names = [
        "face.jpg",
        "black.jpg",
        "two-faces.jpg",
        "grey.jpg",
        "face.jpg",
        "gradient.jpg",
        "face-small.jpg",
        "broken.jpg",
        "empty.jpg",
        "missing.jpg",
    ]
    frames = [(i * 0.5, frames_dir / name) for i, name in enumerate(names)]

    doc = analyzer.analyze(frames)

    assert doc.detector == "opencv"
    assert doc.has_video is True
    assert [f.faces for f in doc.frames] == [1, 0, 2, 0, 1, 0, 1, 0, 0, 0]
    assert len(doc.frames[2].boxes) == 2
    left, right = sorted(doc.frames[2].boxes)
    assert left[0] < 512 <= right[0]  # one face in each half
    assert all(f.boxes == [] and f.confidence == 0.0 for f in doc.frames if f.faces == 0)
    s = doc.summary
    assert (s.frames, s.face_frames, s.no_face_frames, s.multi_face_frames) == (10, 3, 6, 1)
    assert s.face_share == pytest.approx(0.3)
    assert doc.inference_s > 0


def test_no_frames_means_no_video(analyzer: FaceAnalyzer) -> None:
    doc = analyzer.analyze([])
    assert doc.has_video is False
    assert doc.frames == []
    assert doc.summary.model_dump() == {
        "frames": 0,
        "face_frames": 0,
        "no_face_frames": 0,
        "multi_face_frames": 0,
        "face_share": 0.0,
    }


def test_summarize_on_its_own() -> None:
    from greenroom_common.documents import FrameObservation

    obs = [FrameObservation(t=float(i), faces=n) for i, n in enumerate([1, 1, 1, 0, 3])]
    s = summarize(obs)
    assert (s.frames, s.face_frames, s.no_face_frames, s.multi_face_frames) == (5, 3, 1, 1)
    assert s.face_share == pytest.approx(0.6)


def test_weights_are_never_downloaded(analyzer: FaceAnalyzer) -> None:
    from deepface.commons import weight_utils

    with pytest.raises(WeightsMissingError, match="never downloaded"):
        weight_utils.download_weights_if_necessary(
            file_name="facial_expression_model_weights.h5",
            source_url="https://example.invalid/weights.h5",
        )


def test_no_age_gender_race_or_identity_analysis(
    analyzer: FaceAnalyzer, frames_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deepface import DeepFace

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("demographic or identity analysis must never run")

    for name in ("analyze", "represent", "verify", "find"):
        monkeypatch.setattr(DeepFace, name, forbidden)
    doc = analyzer.analyze([(0.0, frames_dir / "face.jpg")])
    assert doc.frames[0].faces == 1
