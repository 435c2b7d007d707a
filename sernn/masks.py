"""Validation of 0/1 connectivity masks (numpy only)."""
from __future__ import annotations

import numpy as np

from sernn.arraycodec import decode_array
from sernn.validation import describe

__all__ = ["check_mask", "decode_mask"]


def check_mask(mask, name: str = "mask") -> np.ndarray:
    """Return ``mask`` as a 2-D boolean array; accepts booleans or 0/1 numbers.

    Raises
    ------
    TypeError
        If it does not hold numbers or booleans.
    ValueError
        If the mask is not 2-D or holds values other than 0 and 1.

    Examples
    --------
    >>> from sernn.masks import check_mask
    >>> mask = check_mask([[1, 0], [1, 1]])
    >>> mask.dtype, mask.tolist()
    (dtype('bool'), [[True, False], [True, True]])
    """
    array = np.asarray(mask)
    if array.dtype != bool and not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must be a 2-D (n, n) array of 0/1 or booleans; got {describe(mask)}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (n, n) array of 0/1 or booleans, got shape {array.shape}")
    if array.dtype != bool:
        if not np.issubdtype(array.dtype, np.number):
            raise TypeError(f"{name} must be a 2-D (n, n) array of 0/1 or booleans; got dtype {array.dtype}")
        values = np.unique(array)
        if not np.isin(values, (0, 1)).all():
            bad = values[~np.isin(values, (0, 1))][:3]
            raise ValueError(f"{name} must hold only 0 and 1 (or booleans), found {bad.tolist()}")
        array = array.astype(bool)
    return array


def decode_mask(value, name: str = "mask") -> np.ndarray:
    """A checked boolean mask from an array or its :func:`sernn.arraycodec.encode_array` form.

    Examples
    --------
    A mask survives the round trip through its compact JSON form (as stored in
    a Keras config):

    >>> import numpy as np
    >>> from sernn.arraycodec import encode_array
    >>> from sernn.masks import decode_mask
    >>> mask = np.eye(3, dtype=bool)
    >>> encoded = encode_array(mask)
    >>> encoded["shape"], encoded["dtype"]
    ([3, 3], 'bool')
    >>> bool(np.array_equal(decode_mask(encoded), mask))
    True

    Plain 0/1 arrays are accepted too:

    >>> decode_mask([[0, 1], [1, 0]]).tolist()
    [[False, True], [True, False]]
    """
    return check_mask(decode_array(value), name)
