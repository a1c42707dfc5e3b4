"""FaceAnalyzer on real faces (scikit-image's astronaut photo), with both detectors, on bad
input (no face, black video, one frame, a huge frame, broken files), and on what it must
never do: download weights, or infer age, gender, race or identity."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import photos
import pytest
from greenroom_vision.faces import FaceAnalyzer, WeightsMissingError

Array = np.ndarray[Any, Any]


@pytest.fixture(scope="module")
def frames_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """JPEG frames like the ones ingest samples: 640x480 (or smaller), BGR."""
    folder = tmp_path_factory.mktemp("frames")
    base = photos.astronaut_frame()
    images = {
        "face.jpg": base,
        "face-small.jpg": cv2.resize(base, (320, 240)),
        "two-faces.jpg": photos.two_people(base),
        "black.jpg": np.zeros((480, 640, 3), np.uint8),
        "grey.jpg": np.full((480, 640, 3), 128, np.uint8),
        "gradient.jpg": np.repeat(
            np.tile(np.linspace(0, 255, 640, dtype=np.uint8), (480, 1))[:, :, None], 3, axis=2
        ),
        # 24 megapixels: decoded at a reduced scale, never at full size
        "huge.jpg": cv2.resize(base, (5760, 4320), interpolation=cv2.INTER_CUBIC),
        "tiny.jpg": cv2.resize(base, (8, 6)),
    }
    for name, image in images.items():
        assert cv2.imwrite(str(folder / name), image)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "empty.jpg").write_bytes(b"")
    # a valid PNG header claiming 100000 x 100000 pixels: refused without decoding
    ok, encoded = cv2.imencode(".png", np.zeros((4, 4, 3), np.uint8))
    assert ok
    png = bytearray(encoded.tobytes())
    png[16:24] = (100_000).to_bytes(4, "big") + (100_000).to_bytes(4, "big")
    png[29:33] = zlib.crc32(bytes(png[12:29])).to_bytes(4, "big")  # IHDR checksum
    (folder / "bomb.png").write_bytes(bytes(png))
    return folder


def test_one_face_is_found_where_it_is(analyzer: FaceAnalyzer, frames_dir: Path) -> None:
    doc = analyzer.analyze([(0.0, frames_dir / "face.jpg"), (0.5, frames_dir / "face-small.jpg")])

    assert [f.faces for f in doc.frames] == [1, 1]
    x, y, w, h = doc.frames[0].boxes[0]
    # The astronaut's face: centred near (293, 115) in the 640x480 frame, ~95 px wide.
    assert 250 < x + w / 2 < 340 and 70 < y + h / 2 < 160
    assert 60 < w < 160 and 60 < h < 160
    assert 0.5 < doc.frames[0].confidence <= 1
    assert [f.t for f in doc.frames] == [0.0, 0.5]
    assert doc.detector == "blazeface"


def test_summary_counts_face_no_face_and_multi_face_frames(
    analyzer: FaceAnalyzer, frames_dir: Path
) -> None:
    names = ["face.jpg", "black.jpg", "two-faces.jpg", "grey.jpg", "face.jpg", "gradient.jpg",
             "face-small.jpg", "broken.jpg", "empty.jpg", "missing.jpg"]
    frames = [(i * 0.5, frames_dir / name) for i, name in enumerate(names)]

    doc = analyzer.analyze(frames)

    assert doc.has_video is True
    assert [f.faces for f in doc.frames] == [1, 0, 2, 0, 1, 0, 1, 0, 0, 0]
    left, right = sorted(doc.frames[2].boxes)
    assert left[0] + left[2] <= right[0]  # two separate faces
    assert all(f.boxes == [] and f.confidence == 0.0 for f in doc.frames if f.faces == 0)
    s = doc.summary
    assert (s.frames, s.face_frames, s.no_face_frames, s.multi_face_frames) == (10, 3, 6, 1)
    assert s.face_share == pytest.approx(0.3)
    assert any("3 of 10 frames could not be read" in note for note in doc.notes)
    assert doc.inference_s > 0


def test_frames_are_analysed_in_time_order(analyzer: FaceAnalyzer, frames_dir: Path) -> None:
    doc = analyzer.analyze([(1.0, frames_dir / "grey.jpg"), (0.5, frames_dir / "face.jpg")])
    assert [(f.t, f.faces) for f in doc.frames] == [(0.5, 1), (1.0, 0)]


def test_no_frames_means_no_video(analyzer: FaceAnalyzer) -> None:
    doc = analyzer.analyze([])
    assert doc.has_video is False
    assert doc.frames == []
    s = doc.summary
    assert (s.frames, s.face_frames, s.no_face_frames, s.multi_face_frames) == (0, 0, 0, 0)
    assert s.face_share == 0.0
    assert (s.facing_share, s.steadiness, s.smile_share, s.face_size, s.lighting) == (None,) * 5
    assert doc.notes == ["The answer has no video frames: nothing was measured on camera."]


def test_black_video_says_so(analyzer: FaceAnalyzer, frames_dir: Path) -> None:
    doc = analyzer.analyze([(i * 0.5, frames_dir / "black.jpg") for i in range(8)])
    s = doc.summary
    assert (s.frames, s.no_face_frames, s.face_share) == (8, 8, 0.0)
    assert s.lighting == "dark"
    assert (s.facing_share, s.steadiness, s.smile_share, s.face_size, s.framing) == (None,) * 5
    assert s.expressions == {}
    assert any("black in every frame" in note for note in doc.notes)
    assert [(m.label, m.start, m.end) for m in doc.moments] == [
        ("dark", 0.0, 4.0), ("no_face", 0.0, 4.0)]


def test_no_face_at_all(analyzer: FaceAnalyzer, tmp_path: Path) -> None:
    clip = photos.write_clip(tmp_path, photos.empty_frames() * 2, "empty")
    doc = analyzer.analyze(clip)
    assert doc.summary.no_face_frames == 6 and doc.summary.face_share == 0.0
    assert doc.summary.lighting is not None and doc.summary.facing_share is None
    assert any("No face was found in any frame" in note for note in doc.notes)


def test_single_frame(analyzer: FaceAnalyzer, frames_dir: Path) -> None:
    doc = analyzer.analyze([(0.0, frames_dir / "face.jpg")])
    s = doc.summary
    assert (s.frames, s.face_frames, s.face_share) == (1, 1, 1.0)
    assert s.facing_share == 1.0  # calibrated on itself
    assert s.steadiness is None  # needs two frames
    assert s.smile_share == 1.0 and s.framing == "ok" and s.lighting == "ok"
    assert any("one frame only" in note for note in doc.notes)


def test_huge_and_tiny_frames(analyzer: FaceAnalyzer, frames_dir: Path) -> None:
    doc = analyzer.analyze([(0.0, frames_dir / "huge.jpg"), (0.5, frames_dir / "tiny.jpg"),
                            (1.0, frames_dir / "bomb.png")])
    assert [f.faces for f in doc.frames] == [1, 0, 0]
    # The box is reported in the stored frame's pixels (9x the 640-wide frame).
    x, _, w, _ = doc.frames[0].boxes[0]
    assert 250 * 9 < x + w / 2 < 340 * 9 and 60 * 9 < w < 160 * 9
    assert doc.frames[0].face_size == pytest.approx(0.2, abs=0.05)  # relative: size-free
    assert any("1 of 3 frames could not be read" in note for note in doc.notes)


def test_opencv_detector(models_dir: Path, frames_dir: Path) -> None:
    """deepface's own Haar detector: no weights needed, the same measurements after it."""
    haar = FaceAnalyzer("opencv", weights_home=models_dir / "deepface",
                        landmarks_dir=models_dir / "mediapipe-face", device="cpu")
    doc = haar.analyze([(0.0, frames_dir / "face.jpg"), (0.5, frames_dir / "grey.jpg"),
                        (1.0, frames_dir / "face.jpg")])
    assert doc.detector == "opencv"
    assert [f.faces for f in doc.frames] == [1, 0, 1]
    x, y, w, h = doc.frames[0].boxes[0]
    assert 250 < x + w / 2 < 340 and 70 < y + h / 2 < 160
    assert doc.summary.facing_share == 1.0
    assert doc.frames[0].expression == "happy"


def test_missing_models_fail_at_start_with_the_fix(tmp_path: Path, models_dir: Path) -> None:
    with pytest.raises(WeightsMissingError, match=r"scripts/setup/models\.sh"):
        FaceAnalyzer(weights_home=tmp_path / "no-deepface",
                     landmarks_dir=models_dir / "mediapipe-face", device="cpu")
    with pytest.raises(FileNotFoundError, match=r"scripts/setup/models\.sh"):
        FaceAnalyzer(weights_home=models_dir / "deepface", landmarks_dir=tmp_path,
                     device="cpu")


def test_weights_are_never_downloaded(analyzer: FaceAnalyzer) -> None:
    from deepface.commons import weight_utils

    with pytest.raises(WeightsMissingError, match="never downloaded"):
        weight_utils.download_weights_if_necessary(
            file_name="age_model_weights.onnx",
            source_url="https://example.invalid/weights.onnx",
        )


def test_no_age_gender_race_or_identity_analysis(
    models_dir: Path, frames_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service builds deepface's Emotion model and a face detector, nothing else: no
    age, gender or race model, no face recognition, and nothing of the kind in its output."""
    from deepface import DeepFace
    from deepface.modules import modeling

    built: list[tuple[str, str]] = []
    real_build = modeling.build_model

    def spy(task: str, model_name: str) -> Any:
        built.append((task, model_name))
        if (task, model_name) not in {("facial_attribute", "Emotion"),
                                      ("face_detector", "opencv")}:
            raise AssertionError(f"{task}/{model_name} must never be built")
        return real_build(task=task, model_name=model_name)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("demographic or identity analysis must never run")

    monkeypatch.setattr(modeling, "build_model", spy)
    for name in ("analyze", "represent", "verify", "find", "stream", "extract_faces"):
        monkeypatch.setattr(DeepFace, name, forbidden)

    for detector in ("blazeface", "opencv"):
        fresh = FaceAnalyzer(detector, weights_home=models_dir / "deepface",
                             landmarks_dir=models_dir / "mediapipe-face", device="cpu")
        doc = fresh.analyze([(0.0, frames_dir / "face.jpg"), (0.5, frames_dir / "two-faces.jpg")])
        assert doc.frames[0].faces == 1 and doc.frames[0].expression == "happy"

    assert set(built) == {("facial_attribute", "Emotion"), ("face_detector", "opencv")}
    forbidden_words = ("age", "gender", "race", "ethnic", "identity", "embedding", "person")
    for key in _keys(doc.model_dump()):
        assert not any(word in key.lower() for word in forbidden_words), key
    # Only the expression weights are provisioned.
    weights = sorted(p.name for p in (models_dir / "deepface" / ".deepface" / "weights").iterdir())
    assert weights == ["facial_expression_model_weights.onnx"]


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in (k, *_keys(v))]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item)]
    return []
