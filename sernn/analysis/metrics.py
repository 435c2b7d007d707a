"""Weight-level measures of a recurrent weight matrix: cost, spatial coupling, spread.

All measures use the absolute weights ``|W|`` (Keras layout, ``W[i, j]`` from
unit ``i`` to unit ``j``) and need no thresholding, except
:func:`degree_assortativity`, which works on a binary undirected graph.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from sernn.analysis.graph import check_weights
from sernn.validation import check_array, check_integer

__all__ = [
    "total_weight",
    "wiring_cost",
    "weight_distance_correlation",
    "weighted_clustering",
    "weight_entropy",
    "row_entropy",
    "kde_entropy",
    "degree_assortativity",
]


def _check_distances(D, n) -> np.ndarray:
    D = check_array(D, "distances", shape=(n, n))
    if (D < 0).any():
        raise ValueError(f"distances must be non-negative; got {int((D < 0).sum())} negative entries")
    return D


def total_weight(W) -> float:
    """Total absolute weight ``sum_ij |W_ij|`` (diagonal included, like an L1 penalty).

    Examples
    --------
    >>> import numpy as np
    >>> total_weight(np.array([[1.0, -2.0], [0.5, 0.0]]))    # 1 + 2 + 0.5
    3.5
    """
    return float(np.abs(check_weights(W)).sum())


def wiring_cost(W, D) -> float:
    """Weighted wiring cost ``sum_ij |W_ij| D_ij``.

    Parameters
    ----------
    W : array-like of shape (n, n)
        Weight matrix.
    D : array-like of shape (n, n)
        Distances between units (same unit as the coordinates, e.g. grid
        spacings or µm).

    Returns
    -------
    cost : float

    Examples
    --------
    Two units 1.5 apart, joined by weights 2 and -3:

    >>> import numpy as np
    >>> W = np.array([[0.0, 2.0], [-3.0, 0.0]])
    >>> D = np.array([[0.0, 1.5], [1.5, 0.0]])
    >>> wiring_cost(W, D)    # (2 + 3) * 1.5
    7.5
    """
    W = np.abs(check_weights(W))
    return float(np.sum(W * _check_distances(D, W.shape[0])))


def weight_distance_correlation(W, D) -> tuple[float, float]:
    """Pearson and Spearman correlation between ``|W_ij|`` and ``D_ij``.

    Computed over the off-diagonal entries with a non-zero weight (absent
    connections of a masked network do not count as weak ones).

    Parameters
    ----------
    W, D : array-like of shape (n, n)
        Weights and distances.

    Returns
    -------
    pearson, spearman : float
        NaN when fewer than 3 non-zero weights remain or either side is constant.

    Examples
    --------
    Four units on a line with weights that decay with distance: the rank
    correlation is exactly -1, the Pearson one is ``numpy.corrcoef``'s:

    >>> import numpy as np
    >>> x = np.arange(4.0)
    >>> D = np.abs(x[:, None] - x[None, :])
    >>> W = np.exp(-D)
    >>> pearson, spearman = weight_distance_correlation(W, D)
    >>> off = ~np.eye(4, dtype=bool)
    >>> round(pearson, 4), round(spearman, 4)
    (-0.9693, -1.0)
    >>> bool(np.isclose(pearson, np.corrcoef(W[off], D[off])[0, 1]))
    True
    """
    W = np.abs(check_weights(W))
    D = _check_distances(D, W.shape[0])
    keep = (W > 0) & ~np.eye(W.shape[0], dtype=bool)
    w, d = W[keep], D[keep]
    if w.size < 3 or np.ptp(w) == 0 or np.ptp(d) == 0:
        return float("nan"), float("nan")
    return float(stats.pearsonr(w, d)[0]), float(stats.spearmanr(w, d)[0])


def weighted_clustering(W) -> float:
    """Mean weighted clustering coefficient (Onnela et al., Physical Review E 2005) of the symmetrised weights.

    The weights are made undirected as ``S = (|W| + |W|.T) / 2`` (diagonal
    zeroed) and scaled by their maximum, ``w = S / max(S)``. Then
    ``C_i = sum_jk (w_ij w_jk w_ki)^(1/3) / (k_i (k_i - 1))`` with ``k_i`` the
    number of non-zero weights of unit ``i`` (0 when ``k_i < 2``), averaged over
    units. This is networkx's ``average_clustering(G, weight=...)`` and bctpy's
    ``clustering_coef_wu`` on the scaled matrix.

    Parameters
    ----------
    W : array-like of shape (n, n)

    Returns
    -------
    clustering : float
        0 for an all-zero matrix.

    Examples
    --------
    A triangle of equal weights has clustering 1. With weights 8, 8 and 1
    the scaled weights are 1, 1 and 1/8, and every unit's triangle counts
    ``(1 * 1 * 1/8)^(1/3) = 0.5``:

    >>> import numpy as np
    >>> weighted_clustering(np.ones((3, 3)))
    1.0
    >>> W = np.array([[0.0, 8.0, 8.0],
    ...               [8.0, 0.0, 1.0],
    ...               [8.0, 1.0, 0.0]])
    >>> round(weighted_clustering(W), 4)
    0.5
    """
    W = np.abs(check_weights(W))
    S = (W + W.T) / 2.0
    np.fill_diagonal(S, 0.0)
    top = S.max()
    if top == 0:
        return 0.0
    cube_root = np.cbrt(S / top)
    cycles = np.einsum("ij,jk,ki->i", cube_root, cube_root, cube_root)
    degree = np.count_nonzero(S, axis=1).astype(np.float64)
    pairs = degree * (degree - 1)
    local = np.divide(cycles, pairs, out=np.zeros_like(cycles), where=pairs > 0)
    return float(local.mean())


def weight_entropy(W, bins: int = 50) -> float:
    """Shannon entropy (bits) of the distribution of the non-zero off-diagonal ``|W|``.

    Estimator: the weights are divided by their maximum and counted in
    ``bins`` equal-width bins on ``[0, 1]``; with ``p_b`` the fraction of
    weights in bin ``b``, ``H = -sum_b p_b log2 p_b``. Scaling by the maximum
    makes ``H`` independent of the overall weight scale, so it describes the
    shape of the distribution: 0 when all weights are equal, ``log2(bins)``
    when they are spread evenly. Lower values mean a few strong weights among
    many weak ones (as regularisation produces).

    Parameters
    ----------
    W : array-like of shape (n, n)
    bins : int, default=50
        Number of histogram bins.

    Returns
    -------
    entropy : float
        In bits; NaN when no weight is non-zero.

    Examples
    --------
    Equal weights fill one bin (0 bits); the two weights 1 and 0.25, scaled
    by the maximum, fall in different halves of ``[0, 1]`` (1 bit):

    >>> import numpy as np
    >>> weight_entropy(np.ones((3, 3)))
    0.0
    >>> weight_entropy(np.array([[0.0, 1.0], [0.25, 0.0]]), bins=2)
    1.0
    """
    bins = check_integer(bins, "bins", low=1)
    W = np.abs(check_weights(W))
    values = W[~np.eye(W.shape[0], dtype=bool)]
    values = values[values > 0]
    if values.size == 0:
        return float("nan")
    counts, _ = np.histogram(values / values.max(), bins=int(bins), range=(0.0, 1.0))
    p = counts[counts > 0] / values.size
    return float(-np.sum(p * np.log2(p)) + 0.0)


def row_entropy(W) -> float:
    """Mean Shannon entropy (bits) of every unit's outgoing weight distribution.

    With ``p_ij = |W_ij| / sum_j |W_ij|`` (row ``i`` holds unit ``i``'s outgoing
    weights, diagonal included), ``H_i = -sum_j p_ij log2 p_ij`` and the result is
    the mean of ``H_i`` over the units whose row is not all zero. This is the
    network entropy of the follow-up study of spatial embedding and entropy
    (Sheeran et al. 2024, *Spatial embedding promotes a specific form of
    modularity with low entropy and heterogeneous spectral dynamics*, arXiv preprint). Range 0
    (every unit sends all its weight to one unit) to ``log2 n`` (equal weights).

    Parameters
    ----------
    W : array-like of shape (n, n)

    Returns
    -------
    entropy : float
        In bits; NaN when every row is zero.

    Examples
    --------
    >>> import numpy as np
    >>> row_entropy(np.ones((4, 4)))    # four equal weights per row: log2 4
    2.0
    >>> row_entropy(np.eye(3))          # one weight per row
    0.0
    """
    W = np.abs(check_weights(W))
    strength = W.sum(axis=1)
    rows = W[strength > 0] / strength[strength > 0, None]
    if rows.size == 0:
        return float("nan")
    logs = np.log2(rows, out=np.zeros_like(rows), where=rows > 0)
    return float(np.mean(-np.sum(rows * logs, axis=1)) + 0.0)


def _binned_kde(values, grid, bandwidth):
    """Gaussian KDE of ``values`` at the points of the even ``grid``, by linear binning.

    The grid is refined by an integer factor until its spacing is at most a
    sixteenth of the bandwidth; each value is split between its two neighbouring
    points of the fine grid (linear binning) and the counts are convolved with
    the Gaussian kernel sampled at that spacing (FFT). The result approximates
    the exact KDE at the grid points to O((spacing / bandwidth)^2).
    """
    from scipy.signal import fftconvolve

    refine = max(1, int(np.ceil(16.0 * (grid[1] - grid[0]) / bandwidth)))
    refine = min(refine, max(1, (1 << 22) // grid.size))
    fine = np.linspace(grid[0], grid[-1], (grid.size - 1) * refine + 1)
    spacing = fine[1] - fine[0]
    position = (values - fine[0]) / spacing
    left = np.clip(np.floor(position).astype(np.int64), 0, fine.size - 2)
    fraction = position - left
    counts = np.bincount(left, weights=1.0 - fraction, minlength=fine.size)
    counts += np.bincount(left + 1, weights=fraction, minlength=fine.size)
    reach = int(min(fine.size - 1, np.ceil(6.0 * bandwidth / spacing)))
    offsets = np.arange(-reach, reach + 1) * spacing
    kernel = np.exp(-0.5 * (offsets / bandwidth) ** 2) / (bandwidth * np.sqrt(2.0 * np.pi))
    density = fftconvolve(counts, kernel, mode="same") / values.size
    return np.maximum(density[::refine], 0.0)


def kde_entropy(W, points: int = 1000) -> float:
    """Entropy (bits) of a Gaussian kernel density estimate of the weights on a fixed grid.

    The definition of the MICrONS study (*Harnessing cortical geometry, wiring,
    and function as inductive biases for recurrent neural networks*): a
    Gaussian KDE of the signed off-diagonal weights (Scott's bandwidth
    ``h = sd * m^(-1/5)`` over the ``m`` values, as ``scipy.stats.gaussian_kde``)
    is evaluated at ``points`` equally spaced values from the smallest to the
    largest weight, normalised to probabilities ``p_k`` and
    ``H = -sum_k p_k log2 p_k``. Zero weights count (a pruned connection is a
    weight of 0), so masked networks should be compared with networks of the
    same density. The KDE is evaluated by linear binning and one convolution
    (it matches ``gaussian_kde`` to within 1e-3 bits, see the tests), so
    that every epoch of thousands of networks stays cheap. Range 0 to
    ``log2(points)``; a few strong weights among many near zero give a low ``H``.

    Parameters
    ----------
    W : array-like of shape (n, n)
    points : int, default=1000
        Grid points of the density.

    Returns
    -------
    entropy : float
        In bits; NaN when all off-diagonal weights are equal.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.random.default_rng(0).normal(size=(50, 50))
    >>> round(kde_entropy(W), 2)      # a Gaussian spread over about half the grid
    9.23
    """
    points = check_integer(points, "points", low=2)
    W = check_weights(W)
    values = W[~np.eye(W.shape[0], dtype=bool)]
    sd = values.std(ddof=1)
    if not np.ptp(values) > 0 or not sd > 0:
        return float("nan")
    grid = np.linspace(values.min(), values.max(), int(points))
    density = _binned_kde(values, grid, sd * values.size ** (-0.2))
    p = density / density.sum()
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)) + 0.0)


def degree_assortativity(A) -> float:
    """Degree assortativity (Newman, Physical Review Letters 2002) of a binary undirected graph.

    Pearson correlation between the degrees at the two ends of every edge,
    each edge counted in both directions.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Symmetric binary adjacency without self-loops.

    Returns
    -------
    r : float
        NaN when the graph has no edges or all edge ends have the same degree.

    Examples
    --------
    In a star every edge joins the hub (degree 3) to a leaf (degree 1), so
    the graph is perfectly disassortative:

    >>> import numpy as np
    >>> A = np.zeros((4, 4), dtype=bool)
    >>> A[0, 1:] = A[1:, 0] = True
    >>> round(degree_assortativity(A), 4)
    -1.0
    """
    A = np.asarray(A) != 0
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.array_equal(A, A.T):
        raise ValueError("A must be a symmetric (n, n) adjacency; symmetrise it first")
    degree = A.sum(axis=1).astype(np.float64)
    i, j = np.nonzero(A)
    if i.size == 0:
        return float("nan")
    x, y = degree[i], degree[j]
    if np.ptp(x) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])
