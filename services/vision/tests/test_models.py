"""The ONNX models that set-up builds give the same answers as the source models they were
built from, run by LiteRT (the TensorFlow Lite runtime) on real faces:

- deepface's expression weights (built from fer's Keras HDF5) against fer's own TFLite
  conversion of that same network, on the 100 LFW faces and the astronaut;
- MediaPipe's BlazeFace, face mesh and iris models in ONNX against the TFLite originals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort
import photos
import pytest
from greenroom_vision.faces import EMOTION_WEIGHTS, FaceAnalyzer
from greenroom_vision.landmarks import Roi, crop

Array = np.ndarray[Any, Any]


def litert(path: Path) -> Any:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    return interpreter


def run_tflite(interpreter: Any, batch: Array) -> list[Array]:
    """One image at a time (the TFLite models have batch 1), outputs stacked."""
    inp = interpreter.get_input_details()[0]["index"]
    outputs = interpreter.get_output_details()
    results: list[list[Array]] = [[] for _ in outputs]
    for x in batch:
        interpreter.set_tensor(inp, np.ascontiguousarray(x[None], dtype=np.float32))
        interpreter.invoke()
        for k, out in enumerate(outputs):
            results[k].append(interpreter.get_tensor(out["index"]).reshape(-1))
    return [np.stack(r) for r in results]


def run_onnx(path: Path, batch: Array, nchw: bool = True) -> list[Array]:
    """The whole batch in one call (the ONNX models have a dynamic batch)."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = batch.transpose(0, 3, 1, 2) if nchw else batch
    outputs = session.run(None, {session.get_inputs()[0].name: np.ascontiguousarray(x)})
    return [o.reshape(len(batch), -1) for o in outputs]


@pytest.fixture(scope="module")
def faces() -> list[Array]:
    """Real face crops, grey 64x64 (fer's input): 100 LFW faces and the astronaut's face
    shifted, scaled and darkened."""
    crops = [cv2.resize(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), (64, 64),
                        interpolation=cv2.INTER_CUBIC) for f in photos.lfw_faces()]
    base = cv2.cvtColor(photos.astronaut_frame(), cv2.COLOR_BGR2GRAY)
    x, y = int(photos.FACE_CENTRE[0]), int(photos.FACE_CENTRE[1])
    for dx, dy, half, gain in [(0, 0, 55, 1.0), (6, -4, 50, 1.0), (-5, 5, 62, 1.0),
                               (0, 8, 58, 0.5), (3, 0, 48, 0.3), (-8, -6, 66, 1.2),
                               (0, 0, 70, 1.0), (4, 4, 45, 0.8)]:
        face = base[y + dy - half:y + dy + half, x + dx - half:x + dx + half]
        face = np.clip(face.astype(np.float32) * gain, 0, 255).astype(np.uint8)
        crops.append(cv2.resize(face, (64, 64), interpolation=cv2.INTER_AREA))
    return crops


def test_emotion_weights_match_fers_own_model(models_dir: Path, faces: list[Array]) -> None:
    source = models_dir / "deepface" / "fer" / "emotion_model_quantized.tflite"
    built = models_dir / "deepface" / ".deepface" / "weights" / EMOTION_WEIGHTS
    grey = np.stack(faces).astype(np.float32)[:, :, :, None] / 255.0  # (n, 64, 64, 1)

    (reference,) = run_tflite(litert(source), (grey - 0.5) * 2.0)  # fer's scaling
    (ours,) = run_onnx(built, grey, nchw=False)  # deepface's input: grey in [0, 1]

    assert ours.shape == reference.shape == (len(faces), 7)
    assert np.allclose(ours.sum(axis=1), 1.0, atol=1e-4)
    same_top = np.mean(ours.argmax(axis=1) == reference.argmax(axis=1))
    mean_diff = float(np.abs(ours - reference).mean())
    # fer's TFLite file is weight-quantised, hence not bit-identical.
    assert same_top >= 0.95, (same_top, mean_diff)
    assert mean_diff < 0.01, (same_top, mean_diff)


def test_deepface_runs_the_built_weights(analyzer: FaceAnalyzer, models_dir: Path,
                                         faces: list[Array]) -> None:
    """Through deepface's own Emotion client (its preprocessing, its 48x48 input, the
    resolution of FER2013), the answers stay those of fer's model given the same 48-pixel
    faces."""
    from deepface.modules import preprocessing

    source = models_dir / "deepface" / "fer" / "emotion_model_quantized.tflite"
    small = [cv2.resize(f, (48, 48), interpolation=cv2.INTER_AREA) for f in faces]
    as_64 = np.stack([cv2.resize(f, (64, 64)) for f in small]).astype(np.float32) / 255.0
    (reference,) = run_tflite(litert(source), (as_64[:, :, :, None] - 0.5) * 2.0)

    bgr = [preprocessing.resize_image(cv2.cvtColor(f, cv2.COLOR_GRAY2BGR), (224, 224))[0]
           for f in small]
    via_deepface = np.asarray(analyzer._emotion.predict(np.stack(bgr)))
    same_top = np.mean(via_deepface.argmax(axis=1) == reference.argmax(axis=1))
    assert same_top >= 0.9, same_top
    assert float(np.abs(via_deepface - reference).mean()) < 0.02


@pytest.mark.parametrize("name, size, low", [
    ("face_detection_short_range", 128, -1.0),
    ("face_detection_full_range", 192, -1.0),
    ("face_landmark", 192, 0.0),
    ("iris_landmark", 64, 0.0),
])
def test_landmark_models_match_their_tflite_sources(models_dir: Path, name: str, size: int,
                                                    low: float) -> None:
    base = photos.astronaut_frame()
    cx, cy = photos.FACE_CENTRE
    regions = {
        "face_detection_short_range": [Roi(320, 240, 640), Roi(300, 200, 400)],
        "face_detection_full_range": [Roi(320, 240, 640), Roi(300, 200, 400)],
        "face_landmark": [Roi(cx, cy, 150), Roi(cx + 5, cy - 3, 140, 0.2)],
        "iris_landmark": [Roi(cx - 22, cy - 12, 40), Roi(cx + 22, cy - 12, 40, 0.1)],
    }[name]
    rgb = np.stack([crop(base, roi, size)[:, :, ::-1] for roi in regions]).astype(np.float32)
    batch = rgb / 255.0 * (1.0 - low) + low  # [-1, 1] for detection, [0, 1] otherwise
    folder = models_dir / "mediapipe-face"

    reference = run_tflite(litert(folder / "tflite" / f"{name}.tflite"), batch)
    ours = run_onnx(folder / f"{name}.onnx", batch)

    # Same outputs, matched by size (the converters may list them in another order).
    assert sorted(r.shape for r in reference) == sorted(o.shape for o in ours)
    for ref in reference:
        candidates = [o for o in ours if o.shape == ref.shape]
        scale = float(np.abs(ref).max())
        assert any(np.allclose(o, ref, atol=1e-3 * scale + 1e-4) for o in candidates), name
