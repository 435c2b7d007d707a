"""Validation and compact serialisation of 0/1 connectivity masks (numpy only)."""
from __future__ import annotations

import base64

import numpy as np

__all__ = ["check_mask", "encode_mask", "decode_mask"]


def check_mask(mask, name: str = "mask") -> np.ndarray:
    """Return ``mask`` as a 2-D boolean array; accepts booleans or 0/1 numbers.

    Raises
    ------
    ValueError
        If the mask is not 2-D or holds values other than 0 and 1 (or NaN).
    """
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (n, n) array of 0/1 or booleans, got shape {array.shape}")
    if array.dtype != bool:
        if not np.issubdtype(array.dtype, np.number):
            raise ValueError(f"{name} must hold 0/1 or booleans, got dtype {array.dtype}")
        values = np.unique(array)
        if not np.isin(values, (0, 1)).all():
            bad = values[~np.isin(values, (0, 1))][:3]
            raise ValueError(f"{name} must hold only 0 and 1 (or booleans), found {bad.tolist()}")
        array = array.astype(bool)
    return array


def encode_mask(mask: np.ndarray) -> dict:
    """A JSON-friendly form of a boolean mask (bit-packed, base64)."""
    mask = check_mask(mask)
    return {"shape": list(mask.shape),
            "bits": base64.b64encode(np.packbits(mask.ravel()).tobytes()).decode("ascii")}


def decode_mask(encoded) -> np.ndarray:
    """Inverse of :func:`encode_mask`; also accepts a nested list or array."""
    if isinstance(encoded, dict) and "bits" in encoded:
        shape = tuple(int(s) for s in encoded["shape"])
        bits = np.frombuffer(base64.b64decode(encoded["bits"]), dtype=np.uint8)
        return np.unpackbits(bits, count=int(np.prod(shape))).reshape(shape).astype(bool)
    return check_mask(encoded)
