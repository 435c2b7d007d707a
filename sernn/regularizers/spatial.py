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
from sernn.spatial import DEFAULT_GRID, distance_matrix, grid_coordinates, mean_distance

__all__ = ["SpatialCommunicability", "SpatialL1", "Communicability", "NORMALIZATIONS"]

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
                 normalization=None, constant_communicability=False, reference_units=REFERENCE_UNITS):
        self.strength = _check_strength(strength)
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
        if self.uses_distance:
            if coordinates is None:
                self.coordinates = None
                coords = grid_coordinates(DEFAULT_GRID)
            else:
                coords = np.array(coordinates, dtype=np.float64)
                self.coordinates = coords
            distances = distance_matrix(coords, power=self.distance_power)
            if self.normalization == "size":
                reference = mean_distance(distance_matrix(grid_coordinates(DEFAULT_GRID),
                                                          power=self.distance_power))
                distances = distances / mean_distance(distances) * reference
            self.distances = distances
            self.units = distances.shape[0]
        else:
            if coordinates is not None:
                raise ValueError(f"{type(self).__name__} takes no coordinates")
            self.coordinates = None
            self.distances = None
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
        """The unscaled sum ``sum(|W| * C^c * D^d)`` (no strength, no normalisation)."""
        n = self._check_shape(tuple(x.shape))
        cost = ops.abs(x)
        if self.uses_communicability:
            C = communicability(x)
            if self.constant_communicability:
                C = ops.stop_gradient(C)
            if self.communicability_power != 1.0:
                positive = C > 0
                C = ops.where(positive, ops.power(ops.where(positive, C, ops.ones_like(C)),
                                                  self.communicability_power), ops.zeros_like(C))
            cost = cost * C
        if self.uses_distance:
            cost = cost * ops.convert_to_tensor(self.distances, dtype=x.dtype)
        total = ops.sum(cost)
        if self.normalization == "size":
            total = total * (self.reference_units / n) ** self.size_exponent
        return total

    def __call__(self, x):
        return self.strength * self.wiring_cost(x)

    def get_config(self):
        config = {"strength": self.strength, "normalization": self.normalization,
                  "reference_units": self.reference_units}
        if self.uses_distance:
            config["coordinates"] = None if self.coordinates is None else self.coordinates.tolist()
            config["distance_power"] = self.distance_power
        if self.uses_communicability:
            config["communicability_power"] = self.communicability_power
            config["constant_communicability"] = self.constant_communicability
        return config

    def __repr__(self):
        return f"{type(self).__name__}(strength={self.strength}, normalization={self.normalization!r})"


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

    Shapes
    ------
    Applied to a recurrent kernel of shape ``(n, n)``; returns a scalar.
    """

    def __init__(self, strength, coordinates=None, distance_power=1.0, communicability_power=1.0,
                 normalization=None, constant_communicability=False, reference_units=REFERENCE_UNITS):
        super().__init__(strength, coordinates=coordinates, distance_power=distance_power,
                         communicability_power=communicability_power, normalization=normalization,
                         constant_communicability=constant_communicability,
                         reference_units=reference_units)


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
    """

    uses_communicability = False
    size_exponent = 1.5

    def __init__(self, strength, coordinates=None, distance_power=1.0, normalization=None,
                 reference_units=REFERENCE_UNITS):
        super().__init__(strength, coordinates=coordinates, distance_power=distance_power,
                         normalization=normalization, reference_units=reference_units)


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
    """

    uses_distance = False

    def __init__(self, strength, communicability_power=1.0, normalization=None,
                 constant_communicability=False, reference_units=REFERENCE_UNITS):
        super().__init__(strength, communicability_power=communicability_power,
                         normalization=normalization,
                         constant_communicability=constant_communicability,
                         reference_units=reference_units)
