"""Keras constraints that enforce biological wiring on a recurrent kernel."""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from sernn.arraycodec import encode_array
from sernn.masks import decode_mask

__all__ = ["MaskConstraint"]


@keras.saving.register_keras_serializable(package="sernn")
class MaskConstraint(keras.constraints.Constraint):
    """Keep a weight matrix zero outside a connectivity mask, optionally non-negative.

    Keras applies constraints after every optimiser update, so with this
    constraint every weight outside the mask is exactly 0.0 after each step,
    whatever the optimiser (Adam, AdamW with weight decay, SGD...). Keras does
    not apply constraints to the initial weights: pair it with
    :class:`sernn.initializers.MaskedInitializer` (``sernn.models.build_sernn``
    does so automatically) so that masked weights are zero from the start.

    Parameters
    ----------
    mask : array-like of shape (n_in, n_out), bool or 0/1
        ``mask[i, j] = 1`` where the connection from unit i to unit j exists
        (Keras layout of a recurrent kernel).
    nonneg : bool, default=False
        Also clip the weights at zero (positive-only recurrence).

    Notes
    -----
    Shapes: the constrained variable must have the mask's shape.

    Examples
    --------
    The weights outside the mask become exactly 0; ``nonneg=True`` also clips
    the negative ones:

    >>> import keras, numpy as np
    >>> from sernn.constraints import MaskConstraint
    >>> mask = np.array([[0, 1], [1, 1]])
    >>> w = keras.ops.convert_to_tensor([[0.5, -0.2], [0.3, -0.4]])
    >>> keras.ops.convert_to_numpy(MaskConstraint(mask)(w)).tolist()
    [[0.0, -0.2], [0.3, -0.4]]
    >>> keras.ops.convert_to_numpy(MaskConstraint(mask, nonneg=True)(w)).tolist()
    [[0.0, 0.0], [0.3, 0.0]]
    >>> MaskConstraint(mask).density
    0.75

    On a layer, Keras applies it after every optimiser step; the configuration
    round-trips:

    >>> layer = keras.layers.SimpleRNN(2, recurrent_constraint=MaskConstraint(mask))
    >>> again = MaskConstraint.from_config(MaskConstraint(mask).get_config())
    >>> again.mask.tolist()
    [[False, True], [True, True]]
    """

    def __init__(self, mask, nonneg=False):
        self.mask = decode_mask(mask)
        self.nonneg = bool(nonneg)

    def __call__(self, w):
        if tuple(w.shape) != self.mask.shape:
            raise ValueError(
                f"MaskConstraint: mask has shape {self.mask.shape} but the weights have shape "
                f"{tuple(w.shape)}"
            )
        masked = w * ops.convert_to_tensor(self.mask, dtype=w.dtype)
        if self.nonneg:
            masked = ops.relu(masked)
        return masked

    def get_config(self):
        return {"mask": encode_array(self.mask), "nonneg": self.nonneg}

    @property
    def density(self) -> float:
        """Fraction of allowed connections."""
        return float(np.mean(self.mask))

    def __repr__(self):
        return f"MaskConstraint(shape={self.mask.shape}, density={self.density:.3f}, nonneg={self.nonneg})"
