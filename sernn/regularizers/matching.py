"""C*: a distance penalty plus communicability-distribution matching (the MICrONS inductive-bias study).

For a recurrent kernel ``W`` (``n`` units) and an empirical connectome ``E``::

    penalty = SpatialL1(strength, coordinates)(W)
              + matching_strength * W1(C(W), C(E)) / mean(C(E))

where ``C(.)`` is the weighted communicability (:mod:`sernn.communicability`),
and ``W1`` the 1-Wasserstein distance between the distributions of their
off-diagonal values: with ``k = n (n - 1)`` values sorted ascending,
``W1 = mean_k |sort(C(W))_k - q_k|`` where ``q`` is the target's quantile
function at the midpoints ``(k + 0.5) / K`` (exactly the target's sorted values
when ``E`` has the same size; otherwise the quantile function is sampled). Dividing
by the target's mean communicability makes the term dimensionless, so
``matching_strength`` does not depend on the network size or on the
connectome's weight scale. Weighted communicability is invariant to a global
rescaling of the weights, so the term shapes the *pattern* of communication
(how unequal the paths are), not the weight magnitude: the distance term does that.

The gradient flows through the sort (the permutation is piecewise constant)
and through the communicability.

The distance term is :class:`sernn.regularizers.SpatialL1`; its size
normalisation (``normalization="size"``, the default here) keeps the strength
meaningful for networks of any size with distances in micrometres (the summed
penalty grows with the number of units).
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from sernn.arraycodec import decode_array, encode_array
from sernn.communicability import communicability
from sernn.regularizers.spatial import REFERENCE_UNITS, SpatialL1
from sernn.validation import check_array, check_real, check_square, describe

__all__ = ["CommunicabilityMatching", "offdiagonal_communicability"]


def offdiagonal_communicability(weights) -> np.ndarray:
    """Sorted off-diagonal communicability values of a numpy weight matrix, ``(n (n-1),)``.

    Examples
    --------
    A directed 3-cycle: by symmetry every forward pair has one value and every
    backward pair another, the entries of ``expm`` of the cycle's permutation matrix:

    >>> import numpy as np, scipy.linalg
    >>> from sernn.regularizers.matching import offdiagonal_communicability
    >>> cycle = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    >>> offdiagonal_communicability(cycle).round(4).tolist()
    [0.5084, 0.5084, 0.5084, 1.0419, 1.0419, 1.0419]
    >>> E = scipy.linalg.expm(cycle)  # every row strength is 1, so M = W
    >>> round(float(E[1, 0]), 4), round(float(E[0, 1]), 4)
    (0.5084, 1.0419)
    """
    matrix = check_square(weights, "target", min_size=2)
    C = communicability(matrix)
    return np.sort(C[~np.eye(matrix.shape[0], dtype=bool)])


@keras.saving.register_keras_serializable(package="sernn")
class CommunicabilityMatching(keras.regularizers.Regularizer):
    """C*: distance-weighted L1 plus matching of the communicability distribution.

    Parameters
    ----------
    strength : float
        Strength of the distance term (as :class:`SpatialL1`); 0 keeps only matching.
    target : array-like of shape (m, m) or (K,)
        The empirical connectome (e.g. EM synapse counts,
        :func:`sernn.microns.wiring_matrix`), or directly its off-diagonal
        communicability values (any order; what ``get_config`` stores).
    matching_strength : float, default=1.0
        Weight of the (dimensionless) matching term.
    coordinates : array-like of shape (n, 3), optional
        Unit positions for the distance term (default: the 5 x 5 x 4 grid).
    distance_power : float, default=1.0
        Exponent on the distances of the distance term.
    normalization : {None, "size"}, default="size"
        Of the distance term, see :class:`SpatialL1`.
    reference_units : int, default=100
        Network size at which the ``"size"`` form of the distance term equals the summed form.

    Notes
    -----
    Shapes: applied to a recurrent kernel of shape ``(n, n)``; returns a scalar.

    Examples
    --------
    With ``strength=0`` only the matching term remains: the mean absolute
    difference of the sorted off-diagonal communicabilities, over the target's
    mean (checked with :func:`offdiagonal_communicability`):

    >>> import keras, numpy as np
    >>> from sernn.regularizers import CommunicabilityMatching, SpatialL1
    >>> from sernn.regularizers.matching import offdiagonal_communicability
    >>> xyz = [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    >>> target = np.array([[0.0, 0.5, 0.2], [0.3, 0.0, 0.4], [0.0, 0.6, 0.1]])
    >>> W = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    >>> w = keras.ops.convert_to_tensor(W, dtype="float32")
    >>> reg = CommunicabilityMatching(0.0, target, coordinates=xyz)
    >>> t, c = offdiagonal_communicability(target), offdiagonal_communicability(W)
    >>> round(float(reg(w)), 5), round(float(np.mean(np.abs(c - t)) / t.mean()), 5)
    (0.187, 0.187)

    The target's own pattern costs nothing, at any weight scale:

    >>> round(float(reg(keras.ops.convert_to_tensor(3 * target, dtype="float32"))), 4)
    0.0

    With a strength the distance term (:class:`SpatialL1`) is added:

    >>> both = CommunicabilityMatching(0.1, target, matching_strength=2.0, coordinates=xyz,
    ...                                normalization=None)
    >>> spatial = SpatialL1(0.1, coordinates=xyz)
    >>> bool(np.isclose(float(both(w)), float(spatial(w)) + 2 * 0.187, atol=1e-4))
    True

    The configuration stores the target's values, so it round-trips on its own:

    >>> again = CommunicabilityMatching.from_config(both.get_config())
    >>> bool(np.isclose(float(again(w)), float(both(w))))
    True
    """

    def __init__(self, strength, target, matching_strength=1.0, coordinates=None, distance_power=1.0,
                 normalization="size", reference_units=REFERENCE_UNITS):
        self.spatial = SpatialL1(strength, coordinates=coordinates, distance_power=distance_power,
                                 normalization=normalization, reference_units=reference_units)
        self.matching_strength = check_real(matching_strength, "matching_strength", low=0)
        values = check_array(decode_array(target), "target", finite=False)
        if values.ndim == 2:
            values = offdiagonal_communicability(values)
        elif values.ndim != 1 or values.size < 2 or not np.isfinite(values).all():
            raise ValueError("target must be a square (n, n) connectome or a 1-D array of >= 2 finite "
                             f"communicability values; got {describe(values)}")
        self.target_values = np.sort(values)
        self.target_mean = float(self.target_values.mean())
        if self.target_mean <= 0:
            raise ValueError("target connectome has no connection (all communicability values are 0)")
        self._quantiles = {}

    @property
    def strength(self) -> float:
        return self.spatial.strength

    def target_quantiles(self, k: int) -> np.ndarray:
        """The target's quantile function at ``(i + 0.5) / k``, ``i = 0..k-1``."""
        if k not in self._quantiles:
            m = self.target_values.size
            if m == k:
                self._quantiles[k] = self.target_values
            else:
                index = np.minimum(np.floor((np.arange(k) + 0.5) / k * m).astype(int), m - 1)
                self._quantiles[k] = self.target_values[index]
        return self._quantiles[k]

    def matching_distance(self, x):
        """``W1(C(x), target) / mean(target)`` (a scalar tensor)."""
        x = ops.convert_to_tensor(x)
        shape = tuple(x.shape)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"CommunicabilityMatching regularises square kernels, got shape {shape}")
        n = int(shape[0])
        off = np.flatnonzero(~np.eye(n, dtype=bool))
        values = ops.take(ops.reshape(communicability(x), (-1,)), off)
        quantiles = ops.convert_to_tensor(self.target_quantiles(off.size), dtype=values.dtype)
        return ops.mean(ops.abs(ops.sort(values) - quantiles)) / self.target_mean

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        total = self.spatial(x)
        if self.matching_strength:
            total = total + self.matching_strength * self.matching_distance(x)
        return total

    def get_config(self):
        spatial = self.spatial.get_config()
        return {"strength": spatial["strength"], "target": encode_array(self.target_values),
                "matching_strength": self.matching_strength, "coordinates": spatial["coordinates"],
                "distance_power": spatial["distance_power"], "normalization": spatial["normalization"],
                "reference_units": spatial["reference_units"]}

    def __repr__(self):
        return (f"CommunicabilityMatching(strength={self.strength}, "
                f"matching_strength={self.matching_strength}, target={self.target_values.size} values)")
