"""Recurrent kernels from recorded activity (W*, W!) and from EM wiring, as numpy arrays.

Functional initialisation (the MICrONS inductive-bias study)::

    W_bio = W_lognormal ⊙ minmax(corr) ⊙ minmax(STTC)

with ``W_lognormal`` drawn i.i.d. from a log-normal distribution (published:
``mu = -0.5``, ``sigma = 0.5`` of the underlying normal), and ``corr`` / ``STTC``
the Pearson correlation and spike time tiling coefficient matrices of the
neurons' activity (:mod:`sernn.functional`), each min-max scaled to ``[0, 1]``
over its off-diagonal entries. Then, in this order:

1. scale to a target mean (default 0.1; mean over the off-diagonal entries);
2. raise every non-zero weight below a floor (default 0.01) to the floor, as
   the study describes and its code does (``small="zero"`` instead sets such
   weights to 0, sernn 0.3's reading);
3. rescale to a target spectral radius (default 0.95), for stable dynamics.

Choices made here where the published description is silent: self-connections
are 0 unless ``self_connections=True`` (the diagonal of corr and STTC is 1 by
definition and carries no information); NaN entries (a silent or constant
neuron) count as "no relation" and become 0 after scaling; a matrix whose
spectral radius is 0 (no cycle, e.g. sparse feed-forward wiring) cannot be
rescaled and is left after step 2.

**Recipes.** ``recipe="pairs"`` (the default) is the above: a relation between
*two* neurons sets a weight. ``recipe="published-code"`` is what the study's
published notebook computes: the min-max scaling runs over the whole matrices,
diagonal included (whose 1 is the maximum of corr and STTC), the diagonal is
kept, and the mean of step 1 runs over all ``n^2`` entries. Off-diagonal
correlations and STTCs are small (field 6_6_2: median 0.02 and 0.05), so the
published kernel is dominated by its diagonal: every unit starts with a strong
self-connection (a leaky memory), and the functional pairs sit near the floor
(:func:`diagonal_share` measures it).

The permuted control (W!) shuffles the product before steps 1–3:
``permute="entries"`` shuffles all off-diagonal entries (topology destroyed;
distribution, density and — after step 3 — spectral radius kept);
``permute="neurons"`` relabels the neurons (the same random permutation of rows
and columns: the graph is kept but detached from the neurons' positions).

:func:`synapse_weights` runs steps 1–3 on an EM weight matrix (synapse
counts or summed cleft sizes, :func:`sernn.microns.wiring_matrix`), optionally
with a sign per presynaptic neuron (inhibitory rows negative).

The Keras initializers that carry these kernels into a layer are
:class:`~sernn.initializers.functional.FunctionalInitializer` and
:class:`~sernn.initializers.functional.SynapseInitializer`.
"""
from __future__ import annotations

import numpy as np

from sernn.arraycodec import decode_array
from sernn.functional.correlation import minmax_scale
from sernn.validation import check_option, check_real, check_seed, check_square

__all__ = ["functional_weights", "synapse_weights", "scale_weights", "permute_weights", "lognormal_weights",
           "diagonal_share", "PERMUTATIONS", "RECIPES", "SMALL_WEIGHTS"]

#: Accepted ``permute`` values.
PERMUTATIONS = (None, "entries", "neurons")
#: Functional-initialisation recipes (see the module docstring).
RECIPES = ("pairs", "published-code")
#: What :func:`scale_weights` does with non-zero weights below the threshold.
SMALL_WEIGHTS = ("floor", "zero")


def square_matrix(matrix, name) -> np.ndarray:
    """A float64 copy of a square matrix (n >= 2) from an array, nested lists or an encoded config value."""
    return np.array(check_square(decode_array(matrix), name, min_size=2, finite=False))


def permute_weights(weights, mode: str, rng) -> np.ndarray:
    """A shuffled copy of ``weights`` (the W! control).

    Parameters
    ----------
    weights : ndarray of shape (n, n)
    mode : {"entries", "neurons"}
        ``"entries"``: shuffle the off-diagonal entries (diagonal kept);
        ``"neurons"``: apply one random permutation to rows and columns.
    rng : numpy.random.Generator

    Examples
    --------
    ``"entries"`` keeps the diagonal and the off-diagonal values, in another place:

    >>> import numpy as np
    >>> from sernn.initializers.microns_kernels import permute_weights
    >>> W = np.arange(9.0).reshape(3, 3)
    >>> shuffled = permute_weights(W, "entries", np.random.default_rng(0))
    >>> np.diag(shuffled).tolist()
    [0.0, 4.0, 8.0]
    >>> off = ~np.eye(3, dtype=bool)
    >>> bool(np.array_equal(np.sort(shuffled[off]), np.sort(W[off])))
    True

    ``"neurons"`` relabels the units: ``W[order][:, order]`` for one permutation:

    >>> relabelled = permute_weights(W, "neurons", np.random.default_rng(0))
    >>> order = np.random.default_rng(0).permutation(3)
    >>> bool(np.array_equal(relabelled, W[np.ix_(order, order)]))
    True
    """
    weights = np.array(weights, dtype=np.float64)
    n = weights.shape[0]
    if mode == "entries":
        off = ~np.eye(n, dtype=bool)
        weights[off] = rng.permutation(weights[off])
        return weights
    if mode == "neurons":
        order = rng.permutation(n)
        return weights[np.ix_(order, order)]
    check_option(mode, "mode", PERMUTATIONS[1:])
    raise AssertionError("unreachable")  # pragma: no cover


def scale_weights(weights, target_mean: float = 0.1, threshold: float = 0.01,
                  spectral_radius: float = 0.95, self_connections: bool = False,
                  small: str = "floor") -> np.ndarray:
    """Steps 1–3: target mean, floor (or threshold), target spectral radius.

    Parameters
    ----------
    weights : ndarray of shape (n, n)
        The weights (the mean and the threshold act on magnitudes, so signed
        weights keep their signs).
    target_mean : float, default=0.1
        Mean of the entries after step 1 (off-diagonal entries unless
        ``self_connections``).
    threshold : float, default=0.01
        Step 2 acts on the non-zero entries below it in magnitude; 0 disables it.
    spectral_radius : float, default=0.95
        Largest eigenvalue modulus after step 3.
    self_connections : bool, default=False
        Keep the diagonal (otherwise it is set to 0 first).
    small : {"floor", "zero"}, default="floor"
        ``"floor"``: such entries are raised to ``threshold`` (sign kept), the
        study's text and code; ``"zero"``: they become 0.

    Returns
    -------
    ndarray of shape (n, n), float64.

    Examples
    --------
    By hand: the off-diagonal mean 5 becomes 0.1 (``[[0, 0.04], [0.16, 0]]``),
    whose eigenvalues are ``+-sqrt(0.04 * 0.16) = +-0.08``; rescaled to 0.95:

    >>> import numpy as np
    >>> from sernn.initializers.microns_kernels import scale_weights
    >>> W = scale_weights([[0.0, 2.0], [8.0, 0.0]])
    >>> W.round(4).tolist()
    [[0.0, 0.475], [1.9, 0.0]]
    >>> round(float(np.abs(np.linalg.eigvals(W)).max()), 4)
    0.95

    A floor of 0.05 raises the 0.04 entry to 0.05 (eigenvalues
    ``+-sqrt(0.05 * 0.16)``), then step 3 rescales to 0.95:

    >>> W = scale_weights([[0.0, 2.0], [8.0, 0.0]], threshold=0.05)
    >>> bool(np.allclose(W, np.array([[0, 0.05], [0.16, 0]]) * 0.95 / np.sqrt(0.05 * 0.16)))
    True

    With ``small="zero"`` the 0.04 entry is removed instead; what is left has no
    cycle (spectral radius 0), so step 3 leaves it as it is:

    >>> scale_weights([[0.0, 2.0], [8.0, 0.0]], threshold=0.05, small="zero").round(4).tolist()
    [[0.0, 0.0], [0.16, 0.0]]
    """
    target_mean = check_real(target_mean, "target_mean", low=0, inclusive="neither")
    threshold = check_real(threshold, "threshold", low=0)
    spectral_radius = check_real(spectral_radius, "spectral_radius", low=0, inclusive="neither")
    weights = np.array(weights, dtype=np.float64)
    n = weights.shape[0]
    if not self_connections:
        np.fill_diagonal(weights, 0.0)
    entries = weights if self_connections else weights[~np.eye(n, dtype=bool)]
    mean = np.abs(entries).mean()
    if mean <= 0:
        raise ValueError("the weight matrix is all zero; there is nothing to scale")
    weights *= target_mean / mean
    below = (np.abs(weights) < threshold) & (weights != 0)
    if check_option(small, "small", SMALL_WEIGHTS) == "floor":
        weights[below] = threshold * np.sign(weights[below])
    else:
        weights[below] = 0.0
    radius = np.abs(np.linalg.eigvals(weights)).max()
    if radius > 1e-12 * max(1.0, np.abs(weights).max()):
        weights *= spectral_radius / radius
    return weights


def functional_weights(correlation, sttc, mu: float = -0.5, sigma: float = 0.5,
                       target_mean: float = 0.1, threshold: float = 0.01,
                       spectral_radius: float = 0.95, permute=None, self_connections: bool = False,
                       seed=None, recipe: str = "pairs", small: str = "floor") -> np.ndarray:
    """The functional initial kernel ``W_bio`` as a numpy array (see the module docstring).

    Parameters
    ----------
    correlation : array-like of shape (n, n), or None
        Pearson correlation of the neurons' traces (NaN allowed: no relation);
        the study's precision arm passes the precision matrix here; None: the
        STTC-only arm (``W_lognormal ⊙ minmax(STTC)``).
    sttc : array-like of shape (n, n)
        STTC matrix (NaN allowed, e.g. silent neurons).
    mu : float, default=-0.5
        Mean of the normal underlying the log-normal draws.
    sigma : float, default=0.5
        Standard deviation of the normal underlying the log-normal draws.
    target_mean, threshold, spectral_radius, self_connections, small :
        See :func:`scale_weights` (defaults 0.1, 0.01, 0.95, False and "floor").
    permute : {None, "entries", "neurons"}, default=None
        The W! control (see :func:`permute_weights`).
    seed : int, optional
        Seed of the log-normal draws and of the permutation (None: fresh draws).
    recipe : {"pairs", "published-code"}, default="pairs"
        ``"published-code"``: min-max over the whole matrices, diagonal kept
        (``self_connections`` is then True), as the study's notebook.

    Returns
    -------
    W : ndarray of shape (n, n), float64, non-negative; ``W[i, j]`` from i to j.

    Examples
    --------
    Four neurons: the kernel is the seeded log-normal draws times the min-max
    scaled correlation and STTC, then :func:`scale_weights`:

    >>> import numpy as np
    >>> from sernn.functional.correlation import minmax_scale
    >>> from sernn.initializers.microns_kernels import functional_weights, scale_weights
    >>> corr = np.array([[1, 0.8, 0.1, 0.4], [0.8, 1, 0.3, 0.2],
    ...                  [0.1, 0.3, 1, 0.6], [0.4, 0.2, 0.6, 1]])
    >>> sttc = np.array([[1, 0.5, 0.2, 0.3], [0.5, 1, 0.1, 0.4],
    ...                  [0.2, 0.1, 1, 0.7], [0.3, 0.4, 0.7, 1]])
    >>> W = functional_weights(corr, sttc, seed=0)
    >>> draws = np.random.default_rng(0).lognormal(-0.5, 0.5, size=(4, 4))
    >>> bool(np.allclose(W, scale_weights(draws * minmax_scale(corr) * minmax_scale(sttc))))
    True
    >>> round(float(np.abs(np.linalg.eigvals(W)).max()), 4), bool((W >= 0).all())
    (0.95, True)

    The pairs of lowest correlation (neurons 0 and 2) and of lowest STTC
    (neurons 1 and 2) are scaled to 0, so they have no connection (nor has the
    diagonal):

    >>> (W == 0).astype(int).tolist()
    [[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1]]
    """
    sttc = square_matrix(sttc, "sttc")
    recipe = check_option(recipe, "recipe", RECIPES)
    pairs = recipe == "pairs"
    relation = minmax_scale(sttc, off_diagonal=pairs, name="sttc")
    if correlation is not None:
        correlation = square_matrix(correlation, "correlation")
        if correlation.shape != sttc.shape:
            raise ValueError(f"correlation {correlation.shape} and sttc {sttc.shape} must have the same shape")
        relation = minmax_scale(correlation, off_diagonal=pairs, name="correlation") * relation
    permute = check_option(permute, "permute", PERMUTATIONS)
    sigma = check_real(sigma, "sigma", low=0, inclusive="neither")
    mu = check_real(mu, "mu")
    rng = np.random.default_rng(check_seed(seed))
    relation = np.nan_to_num(relation, nan=0.0)
    weights = rng.lognormal(mean=mu, sigma=sigma, size=relation.shape) * relation
    if permute is not None:
        weights = permute_weights(weights, permute, rng)
    return scale_weights(weights, target_mean, threshold, spectral_radius, self_connections or not pairs, small)


def lognormal_weights(n: int, mu: float = -0.5, sigma: float = 0.5, target_mean: float = 0.1,
                      threshold: float = 0.01, spectral_radius: float = 0.95, self_connections: bool = False,
                      seed=None, small: str = "floor") -> np.ndarray:
    """The matched-scale random control of W*: log-normal draws scaled as W* is, with no recorded relation.

    ``scale_weights(lognormal(mu, sigma, (n, n)))``: the same distribution family,
    mean, floor and spectral radius as :func:`functional_weights`, without the
    correlation and STTC factors. Training it beside W* separates what the
    recorded function adds from what a well-scaled positive initialisation does.

    Parameters
    ----------
    n : int
        Units.
    mu, sigma, target_mean, threshold, spectral_radius, self_connections, seed, small :
        As for :func:`functional_weights` (``self_connections=True`` is the
        published-code recipe's diagonal).

    Returns
    -------
    W : ndarray of shape (n, n), float64, non-negative.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.initializers.microns_kernels import lognormal_weights, scale_weights
    >>> W = lognormal_weights(5, seed=0)
    >>> draws = np.random.default_rng(0).lognormal(-0.5, 0.5, size=(5, 5))
    >>> bool(np.allclose(W, scale_weights(draws))), round(float(np.abs(np.linalg.eigvals(W)).max()), 4)
    (True, 0.95)
    """
    from sernn.validation import check_integer

    n = check_integer(n, "n", low=2)
    sigma = check_real(sigma, "sigma", low=0, inclusive="neither")
    mu = check_real(mu, "mu")
    rng = np.random.default_rng(check_seed(seed))
    weights = rng.lognormal(mean=mu, sigma=sigma, size=(n, n))
    return scale_weights(weights, target_mean, threshold, spectral_radius, self_connections, small)


def diagonal_share(weights) -> float:
    """Fraction of a kernel's total absolute weight on its diagonal (self-connections).

    Examples
    --------
    >>> diagonal_share([[3.0, 1.0], [0.0, 1.0]])
    0.8
    """
    weights = np.abs(square_matrix(weights, "weights"))
    total = weights.sum()
    return float(np.trace(weights) / total) if total > 0 else float("nan")


def synapse_weights(wiring, target_mean: float = 0.1, threshold: float = 0.0,
                    spectral_radius: float = 0.95, signs=None, permute=None, seed=None) -> np.ndarray:
    """An initial kernel from EM wiring (synapse counts or summed sizes).

    Parameters
    ----------
    wiring : array-like of shape (n, n), non-negative
        ``wiring[i, j]``: synapses (or cleft size) from cell i to cell j.
    target_mean, threshold, spectral_radius :
        See :func:`scale_weights` (defaults 0.1, 0.0 and 0.95; the threshold
        is 0 here: every existing synapse is kept).
    signs : array-like of shape (n,) of +1/-1, optional
        Sign of each presynaptic cell (e.g. -1 for inhibitory): row ``i`` is
        multiplied by ``signs[i]`` before the spectral radius is set.
    permute : {None, "entries", "neurons"}, default=None
        A shuffled control (see :func:`permute_weights`).
    seed : int, optional
        Seed of the permutation (the rest is deterministic).

    Returns
    -------
    W : ndarray of shape (n, n), float64, zero diagonal.

    Examples
    --------
    Synapse counts among three cells, the third inhibitory: every weight is
    the same multiple of its count, row 2 is negative and the spectral radius
    is 0.95:

    >>> import numpy as np
    >>> from sernn.initializers.microns_kernels import synapse_weights
    >>> counts = np.array([[0, 3, 1], [2, 0, 0], [4, 1, 0]], dtype=float)
    >>> W = synapse_weights(counts, signs=[1, 1, -1])
    >>> ratio = np.abs(W)[counts > 0] / counts[counts > 0]
    >>> bool(np.allclose(ratio, ratio[0])), bool((W[2] <= 0).all())
    (True, True)
    >>> round(float(np.abs(np.linalg.eigvals(W)).max()), 4)
    0.95
    """
    wiring = square_matrix(wiring, "wiring")
    if not np.isfinite(wiring).all() or (wiring < 0).any():
        raise ValueError("wiring must be finite and non-negative (synapse counts or sizes)")
    permute = check_option(permute, "permute", PERMUTATIONS)
    weights = wiring.copy()
    np.fill_diagonal(weights, 0.0)
    if permute is not None:
        weights = permute_weights(weights, permute, np.random.default_rng(check_seed(seed)))
    weights = scale_weights(weights, target_mean, threshold, spectral_radius=1.0)
    if signs is not None:
        signs = np.asarray(signs, dtype=np.float64)
        if signs.shape != (weights.shape[0],) or not np.isin(signs, (-1.0, 1.0)).all():
            raise ValueError(f"signs must be {weights.shape[0]} values of +1 or -1")
        weights = weights * signs[:, None]
    radius = np.abs(np.linalg.eigvals(weights)).max()
    if radius > 1e-12:
        weights *= check_real(spectral_radius, "spectral_radius", low=0, inclusive="neither") / radius
    return weights
