"""Newman modularity and Louvain community detection on undirected graphs.

bctpy 0.6.1's ``modularity_und`` / ``modularity_dir`` fail under numpy >= 1.24
and its ``community_louvain`` refuses asymmetric input, so this module checks
that the graph is symmetric, runs bctpy's seeded ``community_louvain`` on it,
and recomputes Q with its own vectorised formula (:func:`modularity_q`).
"""
from __future__ import annotations

import numpy as np

__all__ = ["modularity_q", "louvain"]


def _check_undirected(A, name="A") -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be a square (n, n) matrix; got shape {A.shape}")
    if not np.all(np.isfinite(A)) or (A < 0).any():
        raise ValueError(f"{name} must hold finite, non-negative weights")
    if not np.allclose(A, A.T):
        raise ValueError(
            f"{name} must be symmetric (an undirected graph); symmetrise it first, "
            "e.g. with sernn.analysis.graph.binarize"
        )
    return A


def modularity_q(A, partition, gamma: float = 1.0) -> float:
    """Newman modularity of a partition of an undirected graph.

    ``Q = 1/(2m) sum_ij (A_ij - gamma k_i k_j / (2m)) [c_i == c_j]``, with
    ``k`` the (weighted) degrees and ``2m = sum_ij A_ij``.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Symmetric, non-negative adjacency (binary or weighted).
    partition : array-like of shape (n,)
        Module label of every node (any integers).
    gamma : float, default=1.0
        Resolution parameter.

    Returns
    -------
    Q : float
        NaN for a graph without edges.
    """
    A = _check_undirected(A)
    partition = np.asarray(partition)
    if partition.shape != (A.shape[0],):
        raise ValueError(f"partition must have shape ({A.shape[0]},); got {partition.shape}")
    total = A.sum()
    if total == 0:
        return float("nan")
    _, labels = np.unique(partition, return_inverse=True)
    members = np.zeros((A.shape[0], labels.max() + 1))
    members[np.arange(A.shape[0]), labels] = 1.0
    within = np.einsum("ic,ij,jc->c", members, A, members)
    degree = members.T @ A.sum(axis=1)
    return float(np.sum(within / total - gamma * (degree / total) ** 2))


def louvain(A, gamma: float = 1.0, seed: int = 0):
    """Louvain modularity maximisation (bctpy ``community_louvain``), seeded.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Symmetric, non-negative adjacency; directed graphs must be symmetrised
        by the caller (a ``ValueError`` is raised otherwise).
    gamma : float, default=1.0
        Resolution parameter.
    seed : int, default=0
        Seed of the node order; the same seed gives the same partition.

    Returns
    -------
    partition : ndarray of shape (n,), int
        Module of every node, numbered 0, 1, ... by decreasing module size
        (ties by the smallest node index).
    Q : float
        Newman modularity of ``partition`` (:func:`modularity_q`); NaN for a
        graph without edges (whose partition is all singletons).
    """
    import bct

    A = _check_undirected(A)
    n = A.shape[0]
    if A.sum() == 0:
        return np.arange(n), float("nan")
    labels, _ = bct.community_louvain(A, gamma=gamma, seed=int(seed))
    _, labels = np.unique(labels, return_inverse=True)
    sizes = np.bincount(labels)
    first = np.array([np.flatnonzero(labels == c)[0] for c in range(sizes.size)])
    order = np.lexsort((first, -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    partition = rank[labels]
    return partition, modularity_q(A, partition, gamma)
