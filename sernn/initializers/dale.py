"""A Keras initializer of balanced excitatory/inhibitory recurrent kernels (Dale's law)."""
from __future__ import annotations

import keras
import numpy as np

from sernn.arraycodec import decode_array, encode_array
from sernn.dale import _balance_arguments, balanced_ei_weights

__all__ = ["BalancedEIInitializer"]


@keras.saving.register_keras_serializable(package="sernn")
class BalancedEIInitializer(keras.initializers.Initializer):
    """A sign-constrained recurrent kernel with excitation balancing inhibition onto every unit.

    The layer receives :func:`sernn.dale.balanced_ei_weights` as float32 (or
    the dtype it asks for): ``W[i, j] = signs[i] * g[i, j] * A[i, j]`` with
    half-normal magnitudes ``A``, the inhibitory rows scaled by ``g`` so that
    every column sums to zero (``balance="exact"``), then scaled to the
    spectral radius (Rajan & Abbott, Physical Review Letters 2006). Pair it
    with :class:`sernn.constraints.DaleConstraint` of the same signs (and
    mask), which keeps the signs through training.

    Parameters
    ----------
    signs : array-like of shape (n,)
        +1 (excitatory) or -1 (inhibitory) per presynaptic unit (row), e.g.
        from :func:`sernn.dale.dale_signs`.
    spectral_radius : float > 0 or None, default=0.95
        Largest eigenvalue modulus of the kernel (None: unscaled).
    balance : {"exact", "mean", "none"}, default="exact"
        See :func:`sernn.dale.balanced_ei_weights`.
    mask : array-like of shape (n, n), bool or 0/1, optional
        Allowed connections (0 elsewhere; the balance is over the allowed ones).
    seed : int, optional
        Same seed, same kernel. None: fresh draws at every call (a layer built
        by :func:`sernn.models.build_sernn` does not pass its ``seed`` to an
        initializer object, so give one here for a reproducible network).

    Notes
    -----
    The kernel is ``(n, n)``; a layer with another number of units gets a
    ``ValueError`` that names both shapes.

    Examples
    --------
    The kernel obeys the signs, its columns sum to 0 (to float32 round-off) and
    its spectral radius is the target:

    >>> import keras, numpy as np
    >>> from sernn.dale import dale_signs
    >>> from sernn.initializers import BalancedEIInitializer
    >>> signs = dale_signs(20, e_fraction=0.8)
    >>> init = BalancedEIInitializer(signs, spectral_radius=0.9, seed=0)
    >>> kernel = keras.ops.convert_to_numpy(init((20, 20)))
    >>> kernel.dtype, bool(np.all(kernel * signs[:, None] >= 0))
    (dtype('float32'), True)
    >>> float(np.abs(kernel.sum(axis=0)).max()) < 1e-6
    True
    >>> round(float(np.abs(np.linalg.eigvals(kernel.astype(float))).max()), 4)
    0.9

    The configuration round-trips, and a layer of the wrong size is refused:

    >>> again = BalancedEIInitializer.from_config(init.get_config())
    >>> bool(np.array_equal(keras.ops.convert_to_numpy(again((20, 20))), kernel))
    True
    >>> try:
    ...     init((10, 10))
    ... except ValueError as error:
    ...     print(error)
    BalancedEIInitializer: signs has 20 units, so the kernel is (20, 20), but the layer asks for (10, 10); set the layer's units to 20
    """

    def __init__(self, signs, spectral_radius=0.95, balance="exact", mask=None, seed=None):
        if isinstance(signs, dict):
            signs = decode_array(signs)
        if isinstance(mask, dict):
            mask = decode_array(mask)
        (self.signs, self.spectral_radius, self.balance, self.mask,
         self.seed) = _balance_arguments(signs, spectral_radius, balance, mask, seed)

    def initial_kernel(self) -> np.ndarray:
        """The kernel as a float64 array (what the layer receives, before casting).

        Examples
        --------
        >>> from sernn.initializers import BalancedEIInitializer
        >>> BalancedEIInitializer([1, 1, -1], seed=0).initial_kernel().shape
        (3, 3)
        """
        return balanced_ei_weights(self.signs, spectral_radius=self.spectral_radius, balance=self.balance,
                                   mask=self.mask, seed=self.seed)

    def __call__(self, shape, dtype=None):
        n = self.signs.size
        if tuple(int(size) for size in shape) != (n, n):
            raise ValueError(f"BalancedEIInitializer: signs has {n} units, so the kernel is ({n}, {n}), but the "
                             f"layer asks for {tuple(shape)}; set the layer's units to {n}")
        return keras.ops.convert_to_tensor(self.initial_kernel(), dtype=dtype or "float32")

    def get_config(self):
        return {"signs": encode_array(self.signs), "spectral_radius": self.spectral_radius,
                "balance": self.balance, "mask": None if self.mask is None else encode_array(self.mask),
                "seed": self.seed}
