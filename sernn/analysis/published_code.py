"""Graph and weight measures as the MICrONS-constrained RNN study's published code computes them.

The study (Shakiba, Rokni, Mohammadi, Dehghani, arXiv 2606.14975) reports
modularity, small-worldness and weight entropy of its trained networks. Its
published notebook computes them as follows; sernn offers each under its own
name so that its numbers can be reproduced, and compares them with the seRNN
paper's recipe (:func:`sernn.analysis.topology`):

* **graph**: published code, ``|W| > quantile(|W|, 0.9)`` over all n^2
  entries (the diagonal included: strong self-connections take places), the
  diagonal then dropped, either direction making the undirected edge; seRNN
  recipe, the strongest 10 % of the off-diagonal weights, also made undirected
  by union (:func:`sernn.analysis.binarize`).
* **modularity Q**: published code, networkx ``greedy_modularity_communities``
  (Clauset et al., Physical Review E 2004) on that binary graph; seRNN recipe, Newman
  spectral modularity of the weighted ``(|W| + |W|^T) / 2``.
* **small-worldness**: published code, ``(C / C_null) / (E_null / E)`` with
  mean clustering C and global efficiency E against nulls that ignore the
  graph: a symmetric uniform matrix thresholded at 0.7 (density 0.18 whatever
  the graph's), diagonal included; seRNN recipe, the same ratio with path
  length against nulls with the graph's own number of edges.
* **weight entropy**: published code, a Gaussian KDE of all n^2 signed weights
  (diagonal included) at 100 points from min to max, base 2; sernn's
  :func:`sernn.analysis.kde_entropy`, the off-diagonal weights at 1000 points.

The null of the published small-worldness is a fixed random graph: its
clustering and efficiency do not depend on the network measured, so a change
of the network's density moves sigma on its own (a denser graph has higher C
and E). The functions here call bctpy and networkx as the published code does.
networkx is an optional dependency (``pip install networkx``); the test
extras install it.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from sernn.analysis.graph import check_weights
from sernn.validation import check_integer, check_real, check_seed

__all__ = ["top_density_graph", "greedy_modularity", "fixed_null_measures", "fixed_null_small_worldness",
           "published_kde_entropy", "published_code_measures", "NULL_THRESHOLD"]

#: Threshold of the published small-worldness null: ``(U + U^T) / 2 > 0.7`` for a uniform U.
NULL_THRESHOLD = 0.7


def _networkx():
    try:
        import networkx
    except ImportError:  # pragma: no cover - networkx is installed with the test extras
        raise ImportError("the published code's modularity is networkx's greedy_modularity_communities; "
                          "install networkx (pip install networkx)") from None
    return networkx


def top_density_graph(W, density: float = 0.1) -> np.ndarray:
    """The published code's binary graph: ``|W|`` above its ``1 - density`` quantile, undirected, no loops.

    Parameters
    ----------
    W : array-like of shape (n, n)
    density : float, default=0.1
        The quantile is taken over all ``n^2`` entries (diagonal included); an entry
        is kept when strictly above it.

    Returns
    -------
    ndarray of shape (n, n), int, symmetric, zero diagonal.

    Examples
    --------
    Entry (0, 1) is the one kept of nine; the union makes (1, 0) an edge too:

    >>> top_density_graph([[0, 9, 1], [2, 0, 3], [4, 5, 0]]).tolist()
    [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    """
    W = np.abs(check_weights(W))
    density = check_real(density, "density", low=0, high=1, inclusive="neither")
    kept = W > np.quantile(W, 1.0 - density)
    A = (kept | kept.T).astype(int)
    np.fill_diagonal(A, 0)
    return A


def greedy_modularity(W, density: float = 0.1):
    """Q of networkx's greedy modularity communities on :func:`top_density_graph` (the published code).

    Returns
    -------
    partition : ndarray of shape (n,), int
        Community of each unit (communities numbered as networkx lists them).
    Q : float

    Examples
    --------
    Two triangles joined by nothing: each is a community, ``Q = 1 - 2 (1/2)^2``.

    >>> import numpy as np
    >>> W = np.zeros((6, 6))
    >>> W[:3, :3] = W[3:, 3:] = 1.0
    >>> np.fill_diagonal(W, 0.0)
    >>> partition, q = greedy_modularity(W, density=0.4)   # the 12 ones are the top 40 %
    >>> sorted(partition.tolist()), round(q, 4)
    ([0, 0, 0, 1, 1, 1], 0.5)
    """
    return _greedy_on_graph(top_density_graph(W, density))


def _greedy_on_graph(A):
    """(partition, Q) of networkx's greedy modularity on a binary symmetric graph."""
    nx = _networkx()
    graph = nx.from_numpy_array(A)
    partition = np.zeros(A.shape[0], dtype=int)
    if graph.number_of_edges() == 0:
        return partition, float("nan")
    communities = list(nx.community.greedy_modularity_communities(graph))
    for label, members in enumerate(communities):
        partition[list(members)] = label
    return partition, float(nx.community.modularity(graph, communities))


@lru_cache(maxsize=16)
def fixed_null_measures(n: int, n_nulls: int = 1000, seed: int = 0, threshold: float = NULL_THRESHOLD) -> dict:
    """Mean clustering and global efficiency of the published code's null graphs of ``n`` nodes.

    Each null is ``(U + U^T) / 2 > threshold`` for a uniform ``U`` of shape
    ``(n, n)``, diagonal included, as the published code draws it; clustering
    is bctpy's ``clustering_coef_bu`` averaged over nodes, efficiency
    ``efficiency_bin``. The nulls do not depend on any network, so they are
    computed once per ``(n, n_nulls, seed, threshold)`` and cached.

    Returns
    -------
    dict
        ``clustering``, ``efficiency`` (means over the nulls), ``clustering_sd``,
        ``efficiency_sd``, ``density`` (mean off-diagonal density), ``n_nulls``.

    Examples
    --------
    The expected density is ``P((U1 + U2) / 2 > 0.7) = 0.6^2 / 2 = 0.18``:

    >>> null = fixed_null_measures(60, n_nulls=50, seed=0)
    >>> abs(null["density"] - 0.18) < 0.01
    True
    """
    import bct

    n = check_integer(n, "n", low=3)
    n_nulls = check_integer(n_nulls, "n_nulls", low=1)
    threshold = check_real(threshold, "threshold", low=0, high=1)
    rng = np.random.default_rng(check_seed(seed))
    off = ~np.eye(n, dtype=bool)
    clustering, efficiency, density = [], [], []
    for _ in range(n_nulls):
        U = rng.random((n, n))
        A = np.where((U + U.T) / 2.0 > threshold, 1.0, 0.0)
        clustering.append(np.mean(bct.clustering_coef_bu(A)))
        efficiency.append(bct.efficiency_bin(A))
        density.append(A[off].mean())
    return {"clustering": float(np.mean(clustering)), "efficiency": float(np.mean(efficiency)),
            "clustering_sd": float(np.std(clustering)), "efficiency_sd": float(np.std(efficiency)),
            "density": float(np.mean(density)), "n_nulls": int(n_nulls)}


def fixed_null_small_worldness(W, density: float = 0.1, n_nulls: int = 1000, seed: int = 0) -> dict:
    """The published code's small-worldness ``(C / C_null) / (E_null / E)`` of :func:`top_density_graph`.

    Returns
    -------
    dict
        ``sigma``, ``clustering``, ``efficiency`` (of the network), and the
        null's ``clustering_null``, ``efficiency_null`` and ``density_null``.

    Examples
    --------
    A complete graph has C = E = 1 (diagonal ignored), so sigma is
    ``E_null / C_null`` inverted: ``(1 / C_null) / (E_null / 1)``:

    >>> import numpy as np
    >>> W = np.ones((20, 20)) - np.eye(20)
    >>> result = fixed_null_small_worldness(W, density=0.95, n_nulls=20)
    >>> null = fixed_null_measures(20, 20, 0)
    >>> bool(np.isclose(result["sigma"], 1 / null["clustering"] / null["efficiency"]))
    True
    """
    return _sigma_on_graph(top_density_graph(W, density), n_nulls, seed)


def _sigma_on_graph(A, n_nulls, seed) -> dict:
    """:func:`fixed_null_small_worldness` of a binary symmetric graph."""
    import bct

    A = np.asarray(A, dtype=float)
    null = fixed_null_measures(A.shape[0], n_nulls, seed)
    clustering = float(np.mean(bct.clustering_coef_bu(A)))
    efficiency = float(bct.efficiency_bin(A))
    if efficiency <= 0:
        sigma = float("nan")
    else:
        sigma = float((clustering / null["clustering"]) / (null["efficiency"] / efficiency))
    return {"sigma": sigma, "clustering": clustering, "efficiency": efficiency,
            "clustering_null": null["clustering"], "efficiency_null": null["efficiency"],
            "density_null": null["density"]}


def published_kde_entropy(W, points: int = 100) -> float:
    """The published code's weight entropy (bits): a Gaussian KDE of all ``n^2`` signed weights.

    ``scipy.stats.gaussian_kde`` (Scott's bandwidth) of every entry, diagonal
    included, evaluated at ``points`` equally spaced values from the smallest
    to the largest weight, normalised to sum 1, ``-sum p log2 p``. At most
    ``log2(points)`` (6.64 bits for 100 points).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import gaussian_kde
    >>> W = np.random.default_rng(0).normal(size=(8, 8))
    >>> grid = np.linspace(W.min(), W.max(), 100)
    >>> p = gaussian_kde(W.ravel())(grid); p = p / p.sum()
    >>> bool(np.isclose(published_kde_entropy(W), -(p * np.log2(p)).sum()))
    True
    """
    from scipy.stats import gaussian_kde

    W = check_weights(W)
    points = check_integer(points, "points", low=2)
    values = W.ravel()
    if not np.ptp(values) > 0:
        return float("nan")
    p = gaussian_kde(values)(np.linspace(values.min(), values.max(), points))
    p = p / p.sum()
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)) + 0.0)


def published_code_measures(W, density: float = 0.1, n_nulls: int = 1000, seed: int = 0) -> dict:
    """Every published-code measure of one weight matrix.

    Returns
    -------
    dict
        ``modularity_greedy``, ``n_modules_greedy``, ``small_worldness_fixed_null``,
        ``kde_entropy_100`` and ``edge_density`` (of :func:`top_density_graph`).

    Examples
    --------
    Three blocks of strong weights among weak ones: greedy modularity finds them.

    >>> import numpy as np
    >>> W = 0.1 * np.random.default_rng(0).random((24, 24)) + np.kron(np.eye(3), np.ones((8, 8)))
    >>> measures = published_code_measures(W, n_nulls=20)
    >>> measures["n_modules_greedy"], round(measures["modularity_greedy"], 3)
    (3, 0.656)
    """
    A = top_density_graph(W, density)  # one graph for every measure
    partition, q = _greedy_on_graph(A)
    sigma = _sigma_on_graph(A, n_nulls, seed)
    n = A.shape[0]
    return {"modularity_greedy": q, "n_modules_greedy": int(partition.max() + 1),
            "small_worldness_fixed_null": sigma["sigma"], "kde_entropy_100": published_kde_entropy(W),
            "edge_density": float(A.sum() / (n * (n - 1)))}
