"""Keras constraints that enforce biological wiring on a recurrent kernel."""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from sernn.arraycodec import decode_array, encode_array
from sernn.dale import check_signs
from sernn.masks import decode_mask

__all__ = ["MaskConstraint", "DaleConstraint"]


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


@keras.saving.register_keras_serializable(package="sernn")
class DaleConstraint(keras.constraints.Constraint):
    """Dale's law: every outgoing weight of a unit keeps the unit's sign, optionally within a mask.

    Row i of a kernel holds unit i's outgoing weights (``kernel[i, j]`` is the
    weight from unit i to unit j), so the constraint projects row by row::

        W[i, :] <- max(W[i, :], 0)   if signs[i] == +1 (excitatory)
        W[i, :] <- min(W[i, :], 0)   if signs[i] == -1 (inhibitory)

    that is ``W <- s * relu(s * W)`` with ``s = signs[:, None]``, then
    ``W <- W * mask`` if a mask is given. Keras applies constraints after every
    optimiser update, so this is projected gradient descent: after each step
    the weights carry their unit's sign (a weight pushed across zero stops at
    0), whatever the optimiser, as in the task-trained E/I networks of Song et
    al. (PLoS Computational Biology 2016). The wiring-cost regularisers of
    :mod:`sernn.regularizers` act on ``|W|``, so they compose with it unchanged.

    Keras does not apply constraints to the initial weights: start from a
    kernel that obeys the signs, e.g.
    :class:`sernn.initializers.BalancedEIInitializer` (with the same mask).

    Parameters
    ----------
    signs : array-like of shape (n,)
        +1 (excitatory) or -1 (inhibitory) per presynaptic unit, e.g. from
        :func:`sernn.dale.dale_signs`.
    mask : array-like of shape (n, m), bool or 0/1, optional
        Allowed connections, as for :class:`MaskConstraint`; the other
        weights are set to exactly 0.

    Notes
    -----
    Shapes: the constrained variable must be 2-D with ``n`` rows (a recurrent
    kernel ``(n, n)``, or a readout kernel ``(n, outputs)`` whose rows are the
    same units), and have the mask's shape when there is a mask.

    Examples
    --------
    Unit 0 and 2 are excitatory, unit 1 inhibitory: row 0 and 2 lose their
    negative weights, row 1 its positive ones:

    >>> import keras, numpy as np
    >>> from sernn.constraints import DaleConstraint
    >>> w = keras.ops.convert_to_tensor([[0.5, -0.25, 0.0], [0.25, -0.5, 0.75], [-1.0, 0.5, 0.25]])
    >>> keras.ops.convert_to_numpy(DaleConstraint([1, -1, 1])(w)).tolist()
    [[0.5, 0.0, 0.0], [0.0, -0.5, 0.0], [0.0, 0.5, 0.25]]

    With a mask, the weights outside it become 0 too:

    >>> mask = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 0]])
    >>> keras.ops.convert_to_numpy(DaleConstraint([1, -1, 1], mask=mask)(w)).tolist()
    [[0.5, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.5, 0.0]]

    On a layer, Keras applies it after every optimiser step; the configuration
    round-trips:

    >>> layer = keras.layers.SimpleRNN(3, recurrent_constraint=DaleConstraint([1, -1, 1]))
    >>> again = DaleConstraint.from_config(DaleConstraint([1, -1, 1], mask=mask).get_config())
    >>> again.signs.tolist(), again.mask.astype(int).tolist()
    ([1.0, -1.0, 1.0], [[1, 1, 1], [1, 0, 1], [1, 1, 0]])
    """

    def __init__(self, signs, mask=None):
        self.signs = check_signs(decode_array(signs) if isinstance(signs, dict) else signs)
        self.mask = None if mask is None else decode_mask(mask)
        if self.mask is not None and self.mask.shape[0] != self.signs.size:
            raise ValueError(f"mask must have one row per sign ({self.signs.size} rows); got shape "
                             f"{self.mask.shape}")

    def __call__(self, w):
        shape = tuple(w.shape)
        if len(shape) != 2 or shape[0] != self.signs.size:
            raise ValueError(f"DaleConstraint: signs has {self.signs.size} units, so the weights must be 2-D "
                             f"with {self.signs.size} rows (one per presynaptic unit); got shape {shape}")
        if self.mask is not None and shape != self.mask.shape:
            raise ValueError(f"DaleConstraint: mask has shape {self.mask.shape} but the weights have shape "
                             f"{shape}")
        signs = ops.convert_to_tensor(self.signs[:, None], dtype=w.dtype)
        signed = signs * ops.relu(signs * w)
        if self.mask is not None:
            signed = signed * ops.convert_to_tensor(self.mask, dtype=w.dtype)
        return signed

    def get_config(self):
        return {"signs": encode_array(self.signs),
                "mask": None if self.mask is None else encode_array(self.mask)}

    @property
    def excitatory(self) -> np.ndarray:
        """Boolean array, True for the excitatory units (rows).

        Examples
        --------
        >>> from sernn.constraints import DaleConstraint
        >>> DaleConstraint([1, -1, 1]).excitatory.tolist()
        [True, False, True]
        """
        return self.signs > 0

    def __repr__(self):
        excitatory = int(np.sum(self.excitatory))
        mask = "None" if self.mask is None else f"density {float(np.mean(self.mask)):.3f}"
        return (f"DaleConstraint(units={self.signs.size}, excitatory={excitatory}, "
                f"inhibitory={self.signs.size - excitatory}, mask={mask})")
