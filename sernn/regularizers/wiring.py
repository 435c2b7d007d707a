"""The machinery the wiring-cost penalties of :mod:`sernn.regularizers.spatial` share.

``_WiringPenalty`` evaluates ``strength * scale * sum(|W| * C**c * D**d)``:
densely for every pair (``method="dense"``, refused before anything is
allocated when its ``(n, n)`` matrices would not fit in memory, see
:func:`dense_memory_estimate`), or from the kernel's non-zero weights
(``method="sparse"`` or ``"estimate"``, :mod:`sernn.regularizers.sparse_cost`).
It also implements the linear-penalty protocol of
:mod:`sernn.regularizers.batched` (``strength``, :meth:`~_WiringPenalty.unit_costs`,
:meth:`~_WiringPenalty.batch_key`), through which a population computes the
penalties of members that differ only in strength in one vectorised call.
"""
from __future__ import annotations

import keras
from keras import ops

from sernn.communicability import communicability
from sernn.regularizers.sparse_cost import (
    DEFAULT_PROBES,
    METHODS,
    estimated_wiring_cost,
    kernel_support,
    power_keeping_zeros,
    sparse_wiring_cost,
)
from sernn.resources import GIB, available_memory
from sernn.spatial import (
    DEFAULT_GRID,
    check_coordinates,
    distance_matrix,
    grid_coordinates,
    mean_distance,
    mean_pairwise_distance,
)
from sernn.validation import check_integer, check_option, check_real, check_seed

__all__ = ["NORMALIZATIONS", "REFERENCE_UNITS", "dense_memory_estimate"]

#: Accepted values of ``normalization``.
NORMALIZATIONS = (None, "size")

#: Network size at which ``normalization="size"`` equals the paper's form.
REFERENCE_UNITS = 100


def dense_memory_estimate(n: int) -> int:
    """Bytes a ``method="dense"`` penalty of ``n`` units needs, roughly: the float64 distances and
    about 14 float32 ``(n, n)`` matrices (the distances, ``|W|``, ``A``, the polynomial's powers and
    blocks, and their gradients).

    Examples
    --------
    ``64`` bytes per pair of units: 0.64 MB at the paper's 100 units, 64 GB at 31,623:

    >>> from sernn.regularizers.spatial import dense_memory_estimate
    >>> dense_memory_estimate(100)
    640000
    >>> dense_memory_estimate(100) == 100 ** 2 * (8 + 14 * 4)
    True
    >>> round(dense_memory_estimate(31_623) / 1e9, 1)
    64.0
    """
    return int(n) ** 2 * (8 + 14 * 4)


def _check_dense_fits(name: str, n: int) -> None:
    need = dense_memory_estimate(n)
    available = available_memory()
    if available is not None and need > 0.8 * available:
        raise ValueError(f"{name}(method='dense') at n = {n} units needs about {need / GIB:.1f} GiB for its "
                         f"(n, n) matrices and {available / GIB:.1f} GiB is available; use method='sparse' "
                         "(exact, from the non-zero weights) or method='estimate'")


class _WiringPenalty(keras.regularizers.Regularizer):
    """Shared machinery: ``strength * scale * sum(|W| * C^c * D^d)`` with optional terms."""

    uses_distance = True
    uses_communicability = True
    #: Exponent ``a`` of the size normalisation ``(reference_units / n) ** a``.
    size_exponent = 0.5

    def __init__(self, strength, coordinates=None, distance_power=1.0, communicability_power=1.0,
                 normalization=None, constant_communicability=False, reference_units=REFERENCE_UNITS,
                 method="dense", probes=DEFAULT_PROBES, seed=0):
        self.strength = check_real(strength, "strength", low=0)
        method = check_option(method, "method", METHODS)
        if method == "estimate" and not self.uses_communicability:
            raise ValueError(f"{type(self).__name__} has no communicability to estimate; use method='sparse' "
                             "(exact) or 'dense'")
        if method == "estimate" and communicability_power != 1.0:
            raise ValueError("method='estimate' needs communicability_power=1; use method='sparse' for other "
                             f"powers (got {communicability_power!r})")
        self.method = method
        self.probes = check_integer(probes, "probes", low=3)
        self.seed = check_seed(seed, allow_none=False)
        self.distance_power = check_real(distance_power, "distance_power", low=0, inclusive="neither")
        self.communicability_power = check_real(communicability_power, "communicability_power", low=0,
                                                inclusive="neither")
        self.normalization = check_option(normalization, "normalization", NORMALIZATIONS)
        self.constant_communicability = bool(constant_communicability)
        self.reference_units = check_integer(reference_units, "reference_units", low=2)
        self._scale = 1.0  # the support methods multiply their distances by this (the size normalisation)
        self.distances = None
        if self.uses_distance:
            if coordinates is None:
                self.coordinates = None
                coords = grid_coordinates(DEFAULT_GRID)
            else:
                coords = check_coordinates(coordinates)
                self.coordinates = coords
            self._positions = coords
            self.units = coords.shape[0]
            if self.method == "dense":  # the support methods never build the (n, n) matrix
                _check_dense_fits(type(self).__name__, self.units)
                self.distances = distance_matrix(coords, power=self.distance_power)
            if self.normalization == "size":
                reference = mean_distance(distance_matrix(grid_coordinates(DEFAULT_GRID), power=self.distance_power))
                if self.distances is not None:
                    self.distances = self.distances / mean_distance(self.distances) * reference
                else:
                    self._scale = reference / mean_pairwise_distance(coords, power=self.distance_power)
        else:
            if coordinates is not None:
                raise ValueError(f"{type(self).__name__} takes no coordinates")
            self.coordinates = None
            self.units = None

    # -- the penalty ---------------------------------------------------------
    def _check_shape(self, shape):
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(
                f"{type(self).__name__} regularises square recurrent kernels, got shape {tuple(shape)}"
            )
        n = shape[0]
        if self.units is not None and n is not None and n != self.units:
            source = "the default 5x5x4 grid" if self.coordinates is None else "the coordinates"
            raise ValueError(
                f"{type(self).__name__}: the weight matrix has {n} units but {source} give "
                f"{self.units} positions; pass coordinates with one row per unit"
            )
        return n

    def wiring_cost(self, x):
        """The sum ``sum(|W| * C^c * D^d)`` (no strength; with the size normalisation when chosen)."""
        n = self._check_shape(tuple(x.shape))
        if self.method != "dense":
            total = self._support_cost(x, n)
        else:
            total = self._dense_cost(x, n)
        if self.normalization == "size":
            total = total * (self.reference_units / n) ** self.size_exponent
        return total

    def _dense_cost(self, x, n):
        import tensorflow as tf

        # a numpy kernel becomes a tensor, so that C comes from the tensor form in the kernel's dtype
        x = tf.sparse.to_dense(x) if isinstance(x, tf.SparseTensor) else ops.convert_to_tensor(x)
        if self.units is None and n is not None and n > REFERENCE_UNITS:  # n first known here (no positions)
            _check_dense_fits(type(self).__name__, n)
        cost = ops.abs(x)
        if self.uses_communicability:
            C = communicability(x)
            if self.constant_communicability:
                C = ops.stop_gradient(C)
            cost = cost * power_keeping_zeros(C, self.communicability_power)
        if self.uses_distance:
            cost = cost * ops.convert_to_tensor(self.distances, dtype=x.dtype)
        return ops.sum(cost)

    def _support_cost(self, x, n):
        """The cost from the non-zero weights only (``method="sparse"`` or ``"estimate"``)."""
        import tensorflow as tf

        if n is None:
            raise ValueError(f"{type(self).__name__}(method={self.method!r}) needs the kernel's size to be known")
        indices, values = kernel_support(x)
        rows, columns = indices[:, 0], indices[:, 1]
        if self.uses_distance:
            positions = tf.constant(self._positions, dtype=values.dtype)
            difference = tf.gather(positions, rows) - tf.gather(positions, columns)
            factor = tf.sqrt(tf.reduce_sum(difference * difference, axis=1))
            if self.distance_power != 1.0:
                factor = tf.pow(factor, self.distance_power)
            factor = factor * self._scale
        else:  # C's diagonal is set to 0
            factor = tf.cast(tf.not_equal(rows, columns), values.dtype)
        if not self.uses_communicability:
            return tf.reduce_sum(tf.abs(values) * factor)
        if self.method == "sparse":
            return sparse_wiring_cost(indices, values, factor, n, power=self.communicability_power,
                                      constant_communicability=self.constant_communicability)
        return estimated_wiring_cost(indices, values, factor, n, probes=self.probes, seed=self.seed,
                                     constant_communicability=self.constant_communicability)

    def __call__(self, x):
        return self.strength * self.wiring_cost(x)

    # -- the linear-penalty protocol (sernn.regularizers.batched) ------------
    def unit_costs(self, kernels):
        """The unit-strength cost of every kernel of a batch, in one vectorised call.

        The penalty is ``strength * wiring_cost(W)``; this is ``wiring_cost``
        of each kernel, so population members that differ only in strength
        share it (:mod:`sernn.regularizers.batched`). ``method="dense"`` maps
        every kernel at once (``tf.vectorized_map``); the support methods, whose
        non-zero weights differ in number between kernels, call the cost once
        per kernel (the same numbers; ``K`` must then be known when traced).

        Parameters
        ----------
        kernels : tensor of shape (K, n, n)
            Recurrent kernels, e.g. the stacked kernels of a population.

        Returns
        -------
        costs : tensor of shape (K,)

        Examples
        --------
        ``strength * unit_costs`` is the penalty of each kernel:

        >>> import numpy as np, tensorflow as tf
        >>> from sernn.regularizers import SpatialL1
        >>> reg = SpatialL1(0.1, coordinates=[[0, 0, 0], [1, 0, 0], [0, 2, 0]])
        >>> kernels = tf.constant(np.random.default_rng(0).normal(size=(2, 3, 3)), tf.float32)
        >>> costs = reg.unit_costs(kernels)
        >>> costs.shape
        TensorShape([2])
        >>> bool(np.allclose(reg.strength * costs.numpy(), [float(reg(w)) for w in kernels]))
        True
        """
        import tensorflow as tf

        if self.method == "dense":
            return tf.vectorized_map(self.wiring_cost, kernels)
        return tf.stack([self.wiring_cost(kernel) for kernel in tf.unstack(kernels)])

    def batch_key(self) -> tuple:
        """Which regularisers share one :meth:`unit_costs` call: equal keys, the same cost at any strength.

        The key holds the class and every setting but the strength: the
        coordinates, the powers, the normalisation, the gradient form, the
        method (and, for ``method="estimate"``, the probes and their seed).

        Returns
        -------
        key : tuple
            Hashable.

        Examples
        --------
        >>> from sernn.regularizers import SpatialCommunicability
        >>> xyz, other = [[0, 0, 0], [1, 0, 0], [0, 2, 0]], [[0, 0, 0], [3, 0, 0], [0, 2, 0]]
        >>> weak, strong = SpatialCommunicability(0.1, xyz), SpatialCommunicability(0.3, xyz)
        >>> weak.batch_key() == strong.batch_key()
        True
        >>> SpatialCommunicability(0.1, other).batch_key() == weak.batch_key()
        False
        >>> SpatialCommunicability(0.1, xyz, normalization="size").batch_key() == weak.batch_key()
        False
        """
        coordinates = None if self.coordinates is None else (self.coordinates.shape, self.coordinates.tobytes())
        estimate = (self.probes, self.seed) if self.method == "estimate" else None
        return (type(self), coordinates, self.distance_power, self.communicability_power, self.normalization,
                self.constant_communicability, self.reference_units, self.method, estimate)

    def get_config(self):
        config = {"strength": self.strength, "normalization": self.normalization,
                  "reference_units": self.reference_units, "method": self.method}
        if self.method == "estimate":
            config.update(probes=self.probes, seed=self.seed)
        if self.uses_distance:
            config["coordinates"] = None if self.coordinates is None else self.coordinates.tolist()
            config["distance_power"] = self.distance_power
        if self.uses_communicability:
            config["communicability_power"] = self.communicability_power
            config["constant_communicability"] = self.constant_communicability
        return config

    def __repr__(self):
        method = "" if self.method == "dense" else f", method={self.method!r}"
        return f"{type(self).__name__}(strength={self.strength}, normalization={self.normalization!r}{method})"

