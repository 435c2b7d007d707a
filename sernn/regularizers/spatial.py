"""The seRNN wiring-cost regularisers (Achterberg et al., Nature Machine Intelligence 2023).

For a recurrent kernel ``W`` of shape ``(n, n)`` (Keras layout, ``W[i, j]``
from unit i to unit j), unit positions giving distances ``D`` and the weighted
communicability ``C`` of ``W`` (:mod:`sernn.communicability`):

=========================  =================================================
class                      penalty
=========================  =================================================
``SpatialCommunicability`` ``strength * sum(|W| * C**c_pow * D**d_pow)``
``SpatialL1``              ``strength * sum(|W| * D**d_pow)``
``Communicability``        ``strength * sum(|W| * C**c_pow)``
=========================  =================================================

(``*`` elementwise; plain L1 is Keras's own ``keras.regularizers.L1``.)

Scale across network sizes
--------------------------
With ``normalization=None`` (the default) the penalty is exactly the paper's
summed form; it reproduces the published seRNN (100 units on the 5 x 5 x 4 grid,
``strength`` in linspace(0.001, 0.3, 1001)). That sum grows with the number of
units and with the physical size of the space (about 55 at n = 100 on the grid
with an orthogonal init, several times more at n >= 300), so a strength tuned at
n = 100 is several times too strong for a larger network.

``normalization="size"`` expresses distances in units of their mean (whatever
the length unit: grid steps or micrometres) and rescales the sum so that the
penalty of a typical initialisation (orthogonal, or i.i.d. entries of scale
1/sqrt(n)) does not depend on the number of units n::

    strength * (reference_units / n) ** a * sum(|W| * C * (D / mean(D)) * d_ref)

``d_ref`` is the mean distance of the reference 5 x 5 x 4 grid (3.06, with
``distance_power`` applied) and ``a`` follows from how the sum grows: ``|W|``
entries scale as n^-1/2 and communicability entries as 1/n (the rows of
``expm(M)`` sum to a constant), so ``a = 1/2`` for the communicability forms and
``a = 3/2`` for :class:`SpatialL1`. At 100 units on the 5 x 5 x 4 grid this is
exactly the paper's form, so a strength from the paper keeps its meaning; at
other sizes the initial penalty stays the same (measured at an orthogonal init:
55.4, 55.7 and 55.8 for 100, 320 and 1000 units on growing grids, where the
summed form gives 55, 152 and 380). Use it to compare networks of different
sizes, or with real soma positions in micrometres.

Large networks
--------------
``method="dense"`` (the default) evaluates ``C`` for every pair with ``(n, n)``
matrix products: 0.6 ms at n = 100, but it grows as n^3 and holds several
``(n, n)`` matrices. ``method="sparse"`` computes the same value (and gradient)
exactly from the non-zero weights only, and ``method="estimate"`` estimates
it with ``probes`` seeded probe vectors (Hutch++ on the part of ``C`` beyond
its first-order term); neither ever builds the distance matrix of every pair.
See :mod:`sernn.regularizers.sparse_cost` and ``docs/large_networks.md`` for
the algorithms, their measured errors and speed. A dense evaluation that would
not fit in memory is refused before anything is allocated.

Gradient through communicability
--------------------------------
By default the gradient flows through ``C`` (as in the original Keras code).
``constant_communicability=True`` treats ``C`` as a constant for the gradient
(it is recomputed from the current weights every step, without gradient), as in
the later PyTorch code. Both are legitimate; they differ in how strongly the
penalty reshapes indirect paths.
"""
from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops

from sernn.communicability import communicability
from sernn.regularizers.sparse_cost import (DEFAULT_PROBES, METHODS, estimated_wiring_cost, kernel_support,
                                            power_keeping_zeros, sparse_wiring_cost)
from sernn.resources import GIB, available_memory
from sernn.spatial import (DEFAULT_GRID, check_coordinates, distance_matrix, grid_coordinates, mean_distance,
                           mean_pairwise_distance)

__all__ = ["SpatialCommunicability", "SpatialL1", "Communicability", "NORMALIZATIONS", "METHODS",
           "dense_memory_estimate"]

#: Accepted values of ``normalization``.
NORMALIZATIONS = (None, "size")

#: Network size at which ``normalization="size"`` equals the paper's form.
REFERENCE_UNITS = 100


def _check_strength(strength):
    if isinstance(strength, bool) or not isinstance(strength, numbers.Real) or not np.isfinite(strength):
        raise TypeError(f"strength must be a finite real number, got {strength!r}")
    if strength < 0:
        raise ValueError(f"strength must be >= 0, got {strength!r}")
    return float(strength)


def dense_memory_estimate(n: int) -> int:
    """Bytes a ``method="dense"`` penalty of ``n`` units needs, roughly: the float64 distances and
    about 14 float32 ``(n, n)`` matrices (the distances, ``|W|``, ``A``, the polynomial's powers and
    blocks, and their gradients)."""
    return int(n) ** 2 * (8 + 14 * 4)


def _check_dense_fits(name: str, n: int) -> None:
    need = dense_memory_estimate(n)
    available = available_memory()
    if available is not None and need > 0.8 * available:
        raise ValueError(f"{name}(method='dense') at n = {n} units needs about {need / GIB:.1f} GiB for its "
                         f"(n, n) matrices and {available / GIB:.1f} GiB is available; use method='sparse' "
                         "(exact, from the non-zero weights) or method='estimate'")


def _check_power(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


class _WiringPenalty(keras.regularizers.Regularizer):
    """Shared machinery: ``strength * scale * sum(|W| * C^c * D^d)`` with optional terms."""

    uses_distance = True
    uses_communicability = True
    #: Exponent ``a`` of the size normalisation ``(reference_units / n) ** a``.
    size_exponent = 0.5

    def __init__(self, strength, coordinates=None, distance_power=1.0, communicability_power=1.0,
                 normalization=None, constant_communicability=False, reference_units=REFERENCE_UNITS,
                 method="dense", probes=DEFAULT_PROBES, seed=0):
        self.strength = _check_strength(strength)
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
        if method == "estimate" and not self.uses_communicability:
            raise ValueError(f"{type(self).__name__} has no communicability to estimate; use method='sparse' "
                             "(exact) or 'dense'")
        if method == "estimate" and communicability_power != 1.0:
            raise ValueError("method='estimate' needs communicability_power=1; use method='sparse' for other "
                             f"powers (got {communicability_power!r})")
        self.method = method
        if isinstance(probes, bool) or not isinstance(probes, numbers.Integral) or probes < 3:
            raise ValueError(f"probes must be an integer >= 3; got {probes!r}")
        self.probes = int(probes)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
        self.seed = int(seed)
        self.distance_power = _check_power(distance_power, "distance_power")
        self.communicability_power = _check_power(communicability_power, "communicability_power")
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
        self.normalization = normalization
        self.constant_communicability = bool(constant_communicability)
        if isinstance(reference_units, bool) or not isinstance(reference_units, numbers.Integral) \
                or reference_units < 2:
            raise ValueError(f"reference_units must be an integer >= 2, got {reference_units!r}")
        self.reference_units = int(reference_units)
        self._scale = 1.0  # the support methods multiply their distances by this (the size normalisation)
        self.distances = None
        if self.uses_distance:
            if coordinates is None:
                self.coordinates = None
                coords = grid_coordinates(DEFAULT_GRID)
            else:
                coords = check_coordinates(np.array(coordinates, dtype=np.float64))
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

        if isinstance(x, tf.SparseTensor):
            x = tf.sparse.to_dense(x)
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


@keras.saving.register_keras_serializable(package="sernn")
class SpatialCommunicability(_WiringPenalty):
    """The seRNN regulariser: ``strength * sum(|W| * C**communicability_power * D**distance_power)``.

    Parameters
    ----------
    strength : float
        Regularisation strength λ (>= 0). The paper used linspace(0.001, 0.3, 1001).
    coordinates : array-like of shape (n, 3), optional
        Unit positions (any length unit). Default: the 5 x 5 x 4 grid with unit
        spacing (n = 100), the paper's. The kernel's size must equal ``n``.
    distance_power : float, default 1.0
        Exponent on the distances.
    communicability_power : float, default 1.0
        Exponent on the communicability.
    normalization : {None, "size"}, default None
        ``None``: the paper's summed form (reproduces the published seRNN).
        ``"size"``: distances in units of their mean and the sum scaled by
        ``reference_units / n`` (transfers across network sizes; equals the
        paper's form at 100 units on the 5 x 5 x 4 grid). See the module docstring.
    constant_communicability : bool, default False
        If True, ``C`` is treated as a constant in the gradient.
    reference_units : int, default 100
        Network size at which the ``"size"`` form equals the summed form.
    method : {"dense", "sparse", "estimate"}, default "dense"
        How ``C`` is evaluated: every pair with dense products (fastest below
        about 1,000 units); exactly from the non-zero weights (any size; the
        kernel's support, so best for masked kernels); or estimated with
        ``probes`` probe vectors (``communicability_power=1`` only). See the
        module docstring.
    probes : int, default 48
        Probe vectors of ``method="estimate"`` (more: smaller error, linear cost).
    seed : int, default 0
        Seed of the probes (``method="estimate"``): the same seed, the same value.

    Shapes
    ------
    Applied to a recurrent kernel of shape ``(n, n)`` (a dense tensor, or a
    ``tf.SparseTensor`` with the sparse methods); returns a scalar.
    """

    def __init__(self, strength, coordinates=None, distance_power=1.0, communicability_power=1.0,
                 normalization=None, constant_communicability=False, reference_units=REFERENCE_UNITS,
                 method="dense", probes=DEFAULT_PROBES, seed=0):
        super().__init__(strength, coordinates=coordinates, distance_power=distance_power,
                         communicability_power=communicability_power, normalization=normalization,
                         constant_communicability=constant_communicability,
                         reference_units=reference_units, method=method, probes=probes, seed=seed)


@keras.saving.register_keras_serializable(package="sernn")
class SpatialL1(_WiringPenalty):
    """Distance-weighted L1: ``strength * sum(|W| * D**distance_power)``.

    Parameters
    ----------
    strength : float
        Regularisation strength (>= 0).
    coordinates : array-like of shape (n, 3), optional
        Unit positions; default the 5 x 5 x 4 grid (n = 100).
    distance_power : float, default 1.0
        Exponent on the distances.
    normalization : {None, "size"}, default None
        As for :class:`SpatialCommunicability`.
    reference_units : int, default 100
        Network size at which the ``"size"`` form equals the summed form.
    method : {"dense", "sparse"}, default "dense"
        ``"sparse"``: the sum over the non-zero weights only, without the
        ``(n, n)`` distance matrix (the same value).
    """

    uses_communicability = False
    size_exponent = 1.5

    def __init__(self, strength, coordinates=None, distance_power=1.0, normalization=None,
                 reference_units=REFERENCE_UNITS, method="dense"):
        super().__init__(strength, coordinates=coordinates, distance_power=distance_power,
                         normalization=normalization, reference_units=reference_units, method=method)


@keras.saving.register_keras_serializable(package="sernn")
class Communicability(_WiringPenalty):
    """Communicability-weighted L1: ``strength * sum(|W| * C**communicability_power)``.

    Parameters
    ----------
    strength : float
        Regularisation strength (>= 0).
    communicability_power : float, default 1.0
        Exponent on the communicability.
    normalization : {None, "size"}, default None
        ``"size"`` scales the sum by ``(reference_units / n) ** 0.5``.
    constant_communicability : bool, default False
        If True, ``C`` is treated as a constant in the gradient.
    reference_units : int, default 100
        Network size at which the ``"size"`` form equals the summed form.
    method : {"dense", "sparse", "estimate"}, default "dense"
        As for :class:`SpatialCommunicability`.
    probes : int, default 48
    seed : int, default 0
    """

    uses_distance = False

    def __init__(self, strength, communicability_power=1.0, normalization=None,
                 constant_communicability=False, reference_units=REFERENCE_UNITS, method="dense",
                 probes=DEFAULT_PROBES, seed=0):
        super().__init__(strength, communicability_power=communicability_power,
                         normalization=normalization,
                         constant_communicability=constant_communicability,
                         reference_units=reference_units, method=method, probes=probes, seed=seed)
