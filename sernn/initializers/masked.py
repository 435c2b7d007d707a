"""An initializer that zeroes the weights outside a connectivity mask."""
from __future__ import annotations

import keras
from keras import ops

from sernn.arraycodec import encode_array
from sernn.masks import decode_mask

__all__ = ["MaskedInitializer"]


@keras.saving.register_keras_serializable(package="sernn")
class MaskedInitializer(keras.initializers.Initializer):
    """Draw from another initializer, then zero every entry outside ``mask``.

    Parameters
    ----------
    initializer : str, dict or keras.initializers.Initializer
        The initializer to draw from (e.g. ``"orthogonal"``).
    mask : array-like of shape (n_in, n_out), bool or 0/1
        Allowed connections.
    nonneg : bool, default=False
        Take absolute values of the drawn weights (positive-only recurrence),
        matching ``MaskConstraint(mask, nonneg=True)``.

    Examples
    --------
    The draws of the inner initializer, zero outside the mask:

    >>> import keras, numpy as np
    >>> from sernn.initializers import MaskedInitializer
    >>> mask = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]])
    >>> init = MaskedInitializer(keras.initializers.Orthogonal(seed=0), mask)
    >>> kernel = keras.ops.convert_to_numpy(init((3, 3)))
    >>> bool(np.all(kernel[mask == 0] == 0)), bool(np.all(kernel[mask == 1] != 0))
    (True, True)
    >>> full = keras.ops.convert_to_numpy(keras.initializers.Orthogonal(seed=0)((3, 3)))
    >>> bool(np.allclose(kernel, full * mask))
    True

    ``nonneg=True`` keeps the magnitudes; the configuration round-trips:

    >>> positive = MaskedInitializer(keras.initializers.Orthogonal(seed=0), mask, nonneg=True)
    >>> bool(np.allclose(keras.ops.convert_to_numpy(positive((3, 3))), np.abs(kernel)))
    True
    >>> again = MaskedInitializer.from_config(init.get_config())
    >>> bool(np.allclose(keras.ops.convert_to_numpy(again((3, 3))), kernel))
    True

    Pair it with :class:`sernn.constraints.MaskConstraint` on a layer, so the
    masked weights stay 0 during training:

    >>> from sernn.constraints import MaskConstraint
    >>> layer = keras.layers.SimpleRNN(3, recurrent_initializer=init,
    ...                                recurrent_constraint=MaskConstraint(mask))
    """

    def __init__(self, initializer, mask, nonneg=False):
        self.initializer = keras.initializers.get(initializer)
        self.mask = decode_mask(mask)
        self.nonneg = bool(nonneg)

    def __call__(self, shape, dtype=None):
        if tuple(shape) != self.mask.shape:
            raise ValueError(
                f"MaskedInitializer: mask has shape {self.mask.shape} but the weights have shape "
                f"{tuple(shape)}"
            )
        values = self.initializer(shape, dtype=dtype)
        if self.nonneg:
            values = ops.abs(values)
        return values * ops.convert_to_tensor(self.mask, dtype=values.dtype)

    def get_config(self):
        return {"initializer": keras.initializers.serialize(self.initializer),
                "mask": encode_array(self.mask), "nonneg": self.nonneg}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["initializer"] = keras.initializers.deserialize(config["initializer"])
        return cls(**config)
