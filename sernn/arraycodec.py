"""Compact, exact JSON forms of numpy arrays, for Keras ``get_config`` of custom objects.

Boolean arrays are bit-packed; numeric arrays are stored as little-endian
float64 bytes (NaN and infinities survive). Both are base64 text, so a
312 x 312 matrix takes about 1 MB of config instead of several MB of nested
lists, and round-trips bit for bit.
"""
from __future__ import annotations

import base64

import numpy as np

__all__ = ["encode_array", "decode_array"]


def encode_array(array) -> dict:
    """``{"shape", "dtype", "data"}`` for a boolean or numeric array."""
    array = np.asarray(array)
    if array.dtype == bool:
        data = np.packbits(array.ravel()).tobytes()
        dtype = "bool"
    else:
        data = np.ascontiguousarray(array, dtype="<f8").tobytes()
        dtype = "float64"
    return {"shape": list(array.shape), "dtype": dtype, "data": base64.b64encode(data).decode("ascii")}


def decode_array(value) -> np.ndarray:
    """Inverse of :func:`encode_array`; anything else is passed through :func:`numpy.asarray`."""
    if isinstance(value, dict) and "data" in value and "shape" in value:
        shape = tuple(int(s) for s in value["shape"])
        raw = base64.b64decode(value["data"])
        if value.get("dtype") == "bool":
            bits = np.frombuffer(raw, dtype=np.uint8)
            return np.unpackbits(bits, count=int(np.prod(shape))).reshape(shape).astype(bool)
        if value.get("dtype") == "float64":
            return np.frombuffer(raw, dtype="<f8").reshape(shape).astype(np.float64)
        raise ValueError(f"unknown encoded dtype {value.get('dtype')!r}; accepted: 'bool', 'float64'")
    return np.asarray(value)
