import json

import numpy as np
import pytest

from sernn.arraycodec import decode_array, encode_array
from sernn.masks import check_mask, decode_mask


@pytest.mark.parametrize("array", [
    np.random.default_rng(0).random((7, 5)) < 0.3,
    np.random.default_rng(1).normal(size=(6, 6)),
    np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-308]),
])
def test_round_trip_through_json_is_exact(array):
    encoded = json.loads(json.dumps(encode_array(array)))
    decoded = decode_array(encoded)
    assert decoded.shape == array.shape
    assert decoded.dtype == (bool if array.dtype == bool else np.float64)
    np.testing.assert_array_equal(decoded, array)


def test_plain_values_pass_through_and_bad_dtype_is_named():
    np.testing.assert_array_equal(decode_array([[1, 0], [0, 1]]), np.eye(2))
    with pytest.raises(ValueError, match="dtype"):
        decode_array({"shape": [1], "dtype": "int8", "data": ""})


def test_masks_are_checked():
    np.testing.assert_array_equal(decode_mask(encode_array(np.eye(3, dtype=bool))), np.eye(3, dtype=bool))
    assert check_mask([[0, 1], [1, 0]]).dtype == bool
    with pytest.raises(ValueError, match="only 0 and 1"):
        check_mask([[0, 0.5], [1, 0]])
