"""A Keras initializer of balanced excitatory/inhibitory recurrent kernels (Dale's law)."""
from __future__ import annotations

import keras
import numpy as np

from sernn.arraycodec import decode_array, encode_array
from sernn.dale import _balance_arguments, balanced_ei_weights, check_signs, dale_signs

__all__ = ["BalancedEIInitializer", "SignedInitializer", "dale_recurrent"]


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


@keras.saving.register_keras_serializable(package="sernn")
class SignedInitializer(keras.initializers.Initializer):
    """Another initializer's magnitudes with each row given its unit's sign: ``|W0[i, j]| * signs[i]``.

    Puts a kernel whose magnitudes carry information (e.g. recorded function,
    :class:`sernn.initializers.FunctionalInitializer`, or a connectome's weights) under
    Dale's law; pair it with :class:`sernn.constraints.DaleConstraint` of the same
    signs. Unlike :class:`BalancedEIInitializer` it does not balance excitation and
    inhibition.

    Parameters
    ----------
    initializer : str or keras Initializer
        The magnitudes' source.
    signs : array-like of shape (n,)
        +1 (excitatory) or -1 (inhibitory) per presynaptic unit (row).

    Examples
    --------
    >>> import keras, numpy as np
    >>> from sernn.initializers import SignedInitializer
    >>> init = SignedInitializer(keras.initializers.Constant(-0.5), [1, -1, 1])
    >>> keras.ops.convert_to_numpy(init((3, 2))).tolist()
    [[0.5, 0.5], [-0.5, -0.5], [0.5, 0.5]]
    >>> again = SignedInitializer.from_config(init.get_config())
    >>> again.signs.tolist(), type(again.initializer).__name__
    ([1.0, -1.0, 1.0], 'Constant')
    """

    def __init__(self, initializer, signs):
        if isinstance(signs, dict):
            signs = decode_array(signs)
        if isinstance(initializer, dict):
            import sernn.initializers  # noqa: F401  (registers the package's initializers)

            initializer = keras.initializers.deserialize(initializer)
        self.initializer = keras.initializers.get(initializer)
        self.signs = check_signs(signs)

    def __call__(self, shape, dtype=None):
        if len(shape) != 2 or int(shape[0]) != self.signs.size:
            raise ValueError(f"SignedInitializer: signs has {self.signs.size} units, so the kernel has "
                             f"{self.signs.size} rows; the layer asks for {tuple(shape)}")
        values = self.initializer(shape, dtype=dtype or "float32")
        signs = keras.ops.convert_to_tensor(self.signs[:, None], dtype=values.dtype)
        return keras.ops.abs(values) * signs

    def get_config(self):
        return {"initializer": keras.initializers.serialize(self.initializer), "signs": encode_array(self.signs)}


def dale_recurrent(dale, *, units: int, mask=None, seed=None, spectral_radius=0.95, initializer=None):
    """The initializer and constraint of a Dale's-law recurrent kernel: balanced E/I weights that keep their signs.

    Parameters
    ----------
    dale : float or array-like of shape (units,)
        An excitatory fraction in (0, 1) (``sernn.dale.dale_signs(units, e_fraction=dale,
        seed=seed)``: with a seed, a seeded random choice of the excitatory units, else
        the first ones) or one sign per unit, +1 excitatory, -1 inhibitory.
    units : int
        Number of recurrent units.
    mask : sernn.constraints.MaskConstraint or array-like of shape (units, units), optional
        Allowed connections (a non-negative ``MaskConstraint`` is refused: Dale's
        inhibitory rows are negative).
    seed : int, optional
        Seeds the choice of excitatory units and the initial weights.
    spectral_radius : float, default=0.95
        Of the initial kernel.
    initializer : str or keras Initializer, optional
        The initial magnitudes to keep (e.g. recorded function): the initializer is then
        :class:`SignedInitializer` of it, not the balanced one.

    Returns
    -------
    initializer : BalancedEIInitializer or SignedInitializer
    constraint : sernn.constraints.DaleConstraint

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.initializers import dale_recurrent
    >>> init, constraint = dale_recurrent(0.8, units=10, seed=0)
    >>> int(constraint.excitatory.sum()), bool(np.array_equal(init.signs, constraint.signs))
    (8, True)
    >>> dale_recurrent(1.0, units=10)
    Traceback (most recent call last):
    ...
    ValueError: dale (an excitatory fraction) must be in (0, 1); got 1.0
    """
    from sernn.constraints import DaleConstraint, MaskConstraint
    from sernn.validation import check_integer

    units = check_integer(units, "units", low=1)
    if isinstance(mask, MaskConstraint):
        if mask.nonneg:
            raise ValueError("dale cannot be combined with a non-negative mask (MaskConstraint(nonneg=True)): "
                             "Dale's inhibitory units have negative weights")
        mask = mask.mask
    if isinstance(dale, (bool, np.bool_)):
        raise TypeError(f"dale must be an excitatory fraction in (0, 1) or one sign per unit; got {dale!r}")
    if isinstance(dale, (int, float, np.integer, np.floating)):
        fraction = float(dale)
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"dale (an excitatory fraction) must be in (0, 1); got {fraction}")
        signs = dale_signs(units, e_fraction=fraction, seed=seed)
    else:
        signs = check_signs(dale, "dale")
        if signs.size != units:
            raise ValueError(f"dale has {signs.size} signs; expected one per unit ({units})")
    if initializer is not None:
        return SignedInitializer(initializer, signs), DaleConstraint(signs, mask=mask)
    return (BalancedEIInitializer(signs, spectral_radius=spectral_radius, mask=mask, seed=seed),
            DaleConstraint(signs, mask=mask))
