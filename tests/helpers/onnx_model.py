"""Build a tiny real ONNX segmentation model that rembg's u2net_custom session can run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZE = 320  # rembg feeds U2-Net models a 1x3x320x320 normalised image


def build_mask_model(path: Path, steepness: float = 8.0, threshold: float = 0.6) -> Path:
    """Write a model whose mask is high where a pixel's colour differs from the top-left corner's.

    mask = sigmoid(steepness * (sum_c |x[c] - x[c, 0, 0]| - threshold)), shape 1x1x320x320:
    a plain background becomes ~0 and a coloured subject ~1, which is what U2-Net outputs.
    """
    inits = [
        numpy_helper.from_array(np.array([0, 0], dtype=np.int64), "starts"),
        numpy_helper.from_array(np.array([1, 1], dtype=np.int64), "ends"),
        numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "axes"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "channel_axis"),
        numpy_helper.from_array(np.array(steepness, dtype=np.float32), "steepness"),
        numpy_helper.from_array(np.array(threshold, dtype=np.float32), "threshold"),
    ]
    nodes = [
        helper.make_node("Slice", ["input.1", "starts", "ends", "axes"], ["corner"]),
        helper.make_node("Sub", ["input.1", "corner"], ["delta"]),
        helper.make_node("Abs", ["delta"], ["distance"]),
        helper.make_node("ReduceSum", ["distance", "channel_axis"], ["total"], keepdims=1),
        helper.make_node("Sub", ["total", "threshold"], ["shifted"]),
        helper.make_node("Mul", ["shifted", "steepness"], ["scaled"]),
        helper.make_node("Sigmoid", ["scaled"], ["mask"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_mask",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, SIZE, SIZE])],
        initializer=inits,
    )
    # Pin an opset and IR version that every onnxruntime of the last years can load.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.SerializeToString())
    return path
