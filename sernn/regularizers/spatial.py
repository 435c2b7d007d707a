"""The seRNN wiring-cost regularisers (Achterberg et al., Nature Machine Intelligence 2023).

For a recurrent kernel ``W`` of shape ``(n, n)`` (Keras layout, ``W[i, j]``
from unit i to unit j), unit positions giving distances ``D`` and the weighted
communicability ``C`` of ``W`` (:mod:`sernn.communicability`):

==========================  =================================================
class                       penalty
==========================  =================================================
``SpatialCommunicability``  ``strength * sum(|W| * C**c_pow * D**d_pow)``
``SpatialL1``               ``strength * sum(|W| * D**d_pow)``
``Communicability``         ``strength * sum(|W| * C**c_pow)``
==========================  =================================================

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

import keras

from sernn.regularizers.sparse_cost import DEFAULT_PROBES, METHODS
from sernn.regularizers.wiring import NORMALIZATIONS, REFERENCE_UNITS, _WiringPenalty, dense_memory_estimate

__all__ = ["SpatialCommunicability", "SpatialL1", "Communicability", "NORMALIZATIONS", "METHODS",
           "dense_memory_estimate"]


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
    distance_power : float, default=1.0
        Exponent on the distances.
    communicability_power : float, default=1.0
        Exponent on the communicability.
    normalization : {None, "size"}, default=None
        ``None``: the paper's summed form (reproduces the published seRNN).
        ``"size"``: distances in units of their mean and the sum scaled by
        ``reference_units / n`` (transfers across network sizes; equals the
        paper's form at 100 units on the 5 x 5 x 4 grid). See the module docstring.
    constant_communicability : bool, default=False
        If True, ``C`` is treated as a constant in the gradient.
    reference_units : int, default=100
        Network size at which the ``"size"`` form equals the summed form.
    method : {"dense", "sparse", "estimate"}, default="dense"
        How ``C`` is evaluated: every pair with dense products (fastest below
        about 1,000 units); exactly from the non-zero weights (any size; the
        kernel's support, so best for masked kernels); or estimated with
        ``probes`` probe vectors (``communicability_power=1`` only). See the
        module docstring.
    probes : int, default=48
        Probe vectors of ``method="estimate"`` (more: smaller error, linear cost).
    seed : int, default=0
        Seed of the probes (``method="estimate"``): the same seed, the same value (to float32 rounding).

    Notes
    -----
    Shapes: applied to a recurrent kernel of shape ``(n, n)`` (a dense tensor, or a
    ``tf.SparseTensor`` with the sparse methods); returns a scalar.

    Examples
    --------
    Three units at given positions; the penalty equals the formula computed
    with numpy and ``scipy.linalg.expm``:

    >>> import keras, numpy as np, scipy.linalg
    >>> from scipy.spatial.distance import cdist
    >>> from sernn.regularizers import SpatialCommunicability
    >>> xyz = [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    >>> W = np.array([[0.0, 0.5, -0.2], [0.3, 0.0, 0.4], [0.0, -0.6, 0.1]])
    >>> reg = SpatialCommunicability(0.1, coordinates=xyz)
    >>> value = float(reg(keras.ops.convert_to_tensor(W, dtype="float32")))
    >>> A = np.abs(W)
    >>> s = A.sum(axis=1)
    >>> C = scipy.linalg.expm(A / np.sqrt(np.outer(s, s)))
    >>> np.fill_diagonal(C, 0.0)
    >>> expected = 0.1 * np.sum(A * C * cdist(xyz, xyz))
    >>> round(value, 5), round(float(expected), 5)
    (0.29553, 0.29553)

    ``method="sparse"`` gives the same value from the non-zero weights only:

    >>> sparse = SpatialCommunicability(0.1, coordinates=xyz, method="sparse")
    >>> round(float(sparse(keras.ops.convert_to_tensor(W, dtype="float32"))), 5)
    0.29553

    The configuration round-trips:

    >>> again = SpatialCommunicability.from_config(reg.get_config())
    >>> again.coordinates.tolist() == [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    True
    >>> round(float(again(keras.ops.convert_to_tensor(W, dtype="float32"))), 5)
    0.29553
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
    distance_power : float, default=1.0
        Exponent on the distances.
    normalization : {None, "size"}, default=None
        As for :class:`SpatialCommunicability`.
    reference_units : int, default=100
        Network size at which the ``"size"`` form equals the summed form.
    method : {"dense", "sparse"}, default="dense"
        ``"sparse"``: the sum over the non-zero weights only, without the
        ``(n, n)`` distance matrix (the same value).

    Examples
    --------
    Two units one step apart and a third two steps from the first; the
    penalty is ``strength * sum(|W| * D)``, here by hand
    ``0.1 * (1 * (0.5 + 0.3) + 2 * 0.2 + sqrt(5) * (0.4 + 0.6))``:

    >>> import keras, numpy as np
    >>> from sernn.regularizers import SpatialL1
    >>> xyz = [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    >>> W = keras.ops.convert_to_tensor(
    ...     [[0.0, 0.5, -0.2], [0.3, 0.0, 0.4], [0.0, -0.6, 0.1]], dtype="float32")
    >>> round(float(SpatialL1(0.1, coordinates=xyz)(W)), 5)
    0.34361
    >>> round(0.1 * (0.8 + 2 * 0.2 + float(np.sqrt(5)) * 1.0), 5)
    0.34361

    ``distance_power=2`` squares the distances (``0.8 + 4 * 0.2 + 5 * 1.0``):

    >>> round(float(SpatialL1(0.1, coordinates=xyz, distance_power=2.0)(W)), 5)
    0.66

    On the default 5 x 5 x 4 grid (100 units) the size normalisation equals
    the summed form:

    >>> W100 = keras.ops.convert_to_tensor(
    ...     np.random.default_rng(0).normal(0, 0.1, (100, 100)), dtype="float32")
    >>> plain, size = SpatialL1(0.1)(W100), SpatialL1(0.1, normalization="size")(W100)
    >>> bool(np.isclose(float(plain), float(size), rtol=1e-5))
    True
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
    communicability_power : float, default=1.0
        Exponent on the communicability.
    normalization : {None, "size"}, default=None
        ``"size"`` scales the sum by ``(reference_units / n) ** 0.5``.
    constant_communicability : bool, default=False
        If True, ``C`` is treated as a constant in the gradient.
    reference_units : int, default=100
        Network size at which the ``"size"`` form equals the summed form.
    method : {"dense", "sparse", "estimate"}, default="dense"
        As for :class:`SpatialCommunicability`.
    probes : int, default=48
        Probe vectors of ``method="estimate"``.
    seed : int, default=0
        Seed of the probes (``method="estimate"``).

    Examples
    --------
    No positions: the penalty is ``strength * sum(|W| * C**communicability_power)``,
    checked against ``scipy.linalg.expm``:

    >>> import keras, numpy as np, scipy.linalg
    >>> from sernn.regularizers import Communicability
    >>> W = np.array([[0.0, 0.5, -0.2], [0.3, 0.0, 0.4], [0.0, -0.6, 0.1]])
    >>> A = np.abs(W)
    >>> s = A.sum(axis=1)
    >>> C = scipy.linalg.expm(A / np.sqrt(np.outer(s, s)))
    >>> np.fill_diagonal(C, 0.0)
    >>> w = keras.ops.convert_to_tensor(W, dtype="float32")
    >>> round(float(Communicability(0.1)(w)), 5), round(float(0.1 * np.sum(A * C)), 5)
    (0.16796, 0.16796)
    >>> squared = Communicability(0.1, communicability_power=2.0)
    >>> round(float(squared(w)), 5), round(float(0.1 * np.sum(A * C ** 2)), 5)
    (0.1496, 0.1496)
    """

    uses_distance = False

    def __init__(self, strength, communicability_power=1.0, normalization=None,
                 constant_communicability=False, reference_units=REFERENCE_UNITS, method="dense",
                 probes=DEFAULT_PROBES, seed=0):
        super().__init__(strength, communicability_power=communicability_power,
                         normalization=normalization,
                         constant_communicability=constant_communicability,
                         reference_units=reference_units, method=method, probes=probes, seed=seed)
