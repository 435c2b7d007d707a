"""Small-worldness of a binary network against vectorised Erdős–Rényi nulls.

Small-worldness
    ``sigma = (C / C_null) / (L / L_null)`` (Humphries & Gurney, PLoS ONE 2008) with
    ``C`` the network's mean clustering, ``L`` its characteristic path length
    (over the connected pairs), and ``C_null`` and ``L_null`` the means over
    ``G(n, m)`` null graphs with the network's ``n`` and ``m``. The same
    path-length rule is applied to the network and to every null graph.

The clustering and path lengths, with their conventions, are those of
:mod:`sernn.analysis.binary_measures`; the null graphs are generated and
measured by :mod:`sernn.analysis.null_graphs`.
:func:`~sernn.analysis.binary_measures.clustering_coefficients`,
:func:`~sernn.analysis.binary_measures.path_length` and
:func:`~sernn.analysis.null_graphs.random_graphs` stay importable from here.
"""
from __future__ import annotations

import numpy as np

from sernn.analysis.binary_measures import check_graph_stack, graph_measures
from sernn.analysis.binary_measures import clustering_coefficients, path_length  # noqa: F401  (their former place)
from sernn.analysis.null_graphs import random_graphs, shared_null_measures  # noqa: F401  (random_graphs: its former place)
from sernn.resources import check_fits
from sernn.validation import check_integer

__all__ = ["small_worldness"]


def _sigma_standard_error(sigma, c_nulls, l_nulls) -> float:
    """Monte-Carlo standard error of sigma from the spread of the null graphs.

    To first order ``d sigma / sigma = d L_null / L_null - d C_null / C_null``;
    with ``x_k = L_k / L_null - C_k / C_null`` per null graph (the covariance of
    clustering and path length included), ``SE = sigma * sd(x) / sqrt(N)``.
    """
    keep = np.isfinite(l_nulls)
    if not np.isfinite(sigma) or keep.sum() < 2:
        return float("nan")
    x = l_nulls[keep] / l_nulls[keep].mean() - c_nulls[keep] / c_nulls[keep].mean()
    return float(sigma * x.std(ddof=1) / np.sqrt(keep.sum()))


#: Bytes kept per null graph (its clustering, path length, efficiency and connectedness, float64).
NULL_BYTES = 32


def small_worldness(A, n_nulls: int = 1000, seed=0, workers=None) -> dict:
    """Small-world index ``sigma = (C / C_null) / (L / L_null)`` against ``G(n, m)`` nulls.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Symmetric binary adjacency without self-loops.
    n_nulls : int, default=1000
        Number of Erdős–Rényi null graphs with the network's node and edge count.
    seed : int, default=0
        Seed of the null graphs (see :func:`sernn.analysis.null_graphs.random_graphs`).
    workers : int, optional
        Threads that measure batches of null graphs in parallel (default: the
        cores available to the process). The result does not depend on it.

    Returns
    -------
    result : dict
        ``small_worldness`` and its Monte-Carlo standard error over the nulls
        ``small_worldness_se``; ``clustering``, ``path_length``, ``efficiency``,
        ``connected_fraction`` of the network; ``clustering_null``,
        ``path_length_null``, ``efficiency_null`` (null means),
        ``clustering_null_sd``, ``path_length_null_sd``,
        ``null_connected_fraction`` (fraction of nulls that are connected),
        ``n_nulls`` and ``null_model``. ``small_worldness`` is NaN when it is
        undefined (no edges, or nulls without triangles or paths).

    Examples
    --------
    A ring of 20 nodes, each joined to its 2 nearest neighbours on either
    side, has clustering 0.5 and path length 55/19, far more clustered than
    random graphs of the same density and nearly as short:

    >>> import numpy as np
    >>> i = np.arange(20)
    >>> steps = np.abs(i[:, None] - i[None, :])
    >>> A = np.minimum(steps, 20 - steps) <= 2
    >>> np.fill_diagonal(A, False)
    >>> result = small_worldness(A, n_nulls=50, seed=0)
    >>> result["null_model"], result["clustering"], round(result["path_length"], 4)
    ('Erdos-Renyi G(n=20, m=40)', 0.5, 2.8947)
    >>> sigma = (result["clustering"] / result["clustering_null"]) / (
    ...     result["path_length"] / result["path_length_null"])
    >>> bool(np.isclose(result["small_worldness"], sigma)), result["small_worldness"] > 1
    (True, True)
    """
    A, single = check_graph_stack(A)
    if not single:
        raise ValueError(f"A must be one (n, n) graph; got shape {A.shape}")
    n_nulls = check_integer(n_nulls, "n_nulls", low=1)
    check_fits(NULL_BYTES * n_nulls, "n_nulls", n_nulls, "the null graphs' measures")
    n = A.shape[1]
    m = int(np.count_nonzero(A[0])) // 2
    clustering, length, efficiency, connected = graph_measures(A)[1][:, 0]
    null = shared_null_measures(n, m, int(n_nulls), seed, workers)
    c_null, l_null = null[0].mean(), np.nanmean(null[1]) if np.isfinite(null[1]).any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = (clustering / c_null) / (length / l_null)
    if not np.isfinite(sigma):
        sigma = np.nan
    return {
        "small_worldness": float(sigma),
        "small_worldness_se": _sigma_standard_error(sigma, null[0], null[1]),
        "clustering": float(clustering),
        "path_length": float(length),
        "efficiency": float(efficiency),
        "connected_fraction": float(connected),
        "clustering_null": float(c_null),
        "path_length_null": float(l_null),
        "efficiency_null": float(null[2].mean()),
        "clustering_null_sd": float(null[0].std()),
        "path_length_null_sd": float(np.nanstd(null[1])) if np.isfinite(null[1]).any() else np.nan,
        "null_connected_fraction": float(np.mean(null[3] == 1.0)),
        "n_nulls": int(n_nulls),
        "null_model": f"Erdos-Renyi G(n={n}, m={m})",
    }
