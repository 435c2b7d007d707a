"""Binary clustering, path length and small-worldness with vectorised random nulls.

All functions take symmetric binary adjacency matrices without self-loops (the
output of :func:`sernn.analysis.graph.binarize`), either one ``(n, n)`` graph
or a stack ``(b, n, n)`` of graphs that are processed together: the random
null graphs of the small-world index are generated, and their clustering and
path lengths computed, many at a time with batched matrix products instead of
one graph at a time.

Conventions
-----------
Clustering
    Local clustering ``C_i = t_i / (k_i (k_i - 1))`` with ``t_i = (A^3)_ii``
    (twice the triangles through ``i``) and ``k_i`` the degree; ``C_i = 0`` when
    ``k_i < 2``. The network's clustering is the mean over all ``n`` nodes
    (as in networkx ``average_clustering`` and bctpy ``clustering_coef_bu``).
Path length
    Characteristic path length ``L`` = mean shortest-path length (in edges)
    over the ordered pairs ``i != j`` that are connected by some path.
    Pairs in different components are left out (not counted as infinite).
    The same rule is applied to the network and to every null graph. The
    harmonic alternative, global efficiency ``E = mean_{i != j} 1 / d_ij``
    (``1 / inf = 0``), is returned too, together with the fraction of
    connected pairs, so that a disconnected network is never hidden.
Null model
    Erdős–Rényi ``G(n, m)``: ``m`` undirected edges placed uniformly at random
    among the ``n (n - 1) / 2`` node pairs, with ``n`` and ``m`` taken from the
    network, so the nulls have exactly its size and density.
Small-worldness
    ``sigma = (C / C_null) / (L / L_null)`` (Humphries & Gurney 2008) with
    ``C_null`` and ``L_null`` the means over the null graphs.
"""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sernn.analysis.threads import single_threaded_blas

__all__ = [
    "clustering_coefficients",
    "path_length",
    "random_graphs",
    "small_worldness",
]

#: Breadth-first levels use a dense matrix product while more than this fraction
#: of (graph, pair) entries is unreached, and test the remaining pairs one by one below it.
_DENSE_FRACTION = 0.01
#: ... and always for graphs up to this many nodes, whose products are cheap.
_DENSE_NODES = 160

#: bytes of float32 adjacency per batch of null graphs (small enough to stay in cache)
_BATCH_BYTES = 1 << 19


def _as_stack(A, name="A"):
    A = np.asarray(A)
    single = A.ndim == 2
    if single:
        A = A[None]
    if A.ndim != 3 or A.shape[1] != A.shape[2]:
        raise ValueError(f"{name} must have shape (n, n) or (b, n, n); got {np.shape(A)}")
    A = A != 0
    if not np.array_equal(A, A.transpose(0, 2, 1)):
        raise ValueError(
            f"{name} must be symmetric (an undirected graph); symmetrise it first, "
            "e.g. with sernn.analysis.graph.binarize or symmetrize"
        )
    diagonal = np.arange(A.shape[1])
    if A[:, diagonal, diagonal].any():
        raise ValueError(f"{name} must have no self-loops (zero diagonal)")
    return A, single


def _clustering_stack(A, A2, degree):
    """Local clustering of a stack given the float32 adjacency, its square and the degrees."""
    twice_triangles = np.einsum("bij,bij->bi", A2, A).astype(np.float64)
    pairs = degree * (degree - 1)
    return np.divide(twice_triangles, pairs, out=np.zeros_like(twice_triangles), where=pairs > 0)


def _level_counts(A, A2, degree, work=None):
    """Numbers of unordered node pairs at each distance, for a stack of graphs.

    Breadth-first search run on all graphs and all sources at once. The pairs
    within distance 2 come from ``A2 = A @ A`` (already needed for clustering).
    Later levels use a matrix product (``R_{k+1} = R_k A + R_k``) while products
    are cheap (up to ``_DENSE_NODES`` nodes) or more than ``_DENSE_FRACTION`` of
    the pairs are unreached, and then test only the unreached pairs: ``(i, j)``
    is at distance ``k`` when a node within distance ``k - 1`` of ``i`` is
    adjacent to ``j``, checked on bit-packed rows.

    Parameters
    ----------
    A : ndarray of shape (b, n, n), float32
        Adjacency matrices (0/1).
    A2 : ndarray of shape (b, n, n), float32
        ``A @ A``; overwritten.
    degree : ndarray of shape (b, n)
        Node degrees.
    work : _Workspace, optional
        Preallocated buffers (avoids allocating large arrays per batch).

    Returns
    -------
    counts : ndarray of shape (b, levels)
        ``counts[g, k - 1]`` = unordered pairs of graph ``g`` at distance ``k``.
    """
    b, n, _ = A.shape
    pairs = n * (n - 1)  # ordered pairs i != j of one graph
    nonisolated = np.count_nonzero(degree, axis=1)
    grown = np.empty_like(A) if work is None else work.grown[:b]
    positive = np.empty(A.shape, dtype=bool) if work is None else work.positive[:b]
    # X_ij > 0  <=>  d(i, j) <= 2 (the diagonal is positive exactly for non-isolated nodes);
    # a product of non-negative matrices is positive exactly where a path exists, so
    # the next level is X A + X, reset to 0/1 each level (no overflow, no underflow).
    X = A2
    X += A
    np.greater(X, 0, out=positive)
    within = positive.sum(axis=(1, 2), dtype=np.intp) - nonisolated  # ordered pairs reached
    level1 = np.rint(degree.sum(axis=1) / 2).astype(np.int64)
    counts = [level1, within // 2 - level1]
    # dense phase: one matrix product per level
    while counts[-1].any() and within.sum() < b * pairs and (
            n <= _DENSE_NODES or b * pairs - within.sum() > _DENSE_FRACTION * b * pairs):
        np.matmul(X, A, out=grown)
        grown += X
        np.greater(grown, 0, out=positive)
        np.copyto(X, positive)
        reached = positive.sum(axis=(1, 2), dtype=np.intp) - nonisolated
        counts.append((reached - within) // 2)
        within = reached
    if not counts[-1].any() or within.sum() == b * pairs:
        return np.stack(counts, axis=1)
    reach = X > 0
    # sparse phase: test only the few unreached pairs (i < j) on bit-packed rows
    g, i, j = np.nonzero(~reach)
    upper = i < j
    g, i, j = g[upper], i[upper], j[upper]
    packed_adj = np.packbits(A > 0, axis=-1)
    while counts[-1].any() and g.size:
        packed_reach = np.packbits(reach, axis=-1)
        hit = np.any(packed_reach[g, i] & packed_adj[g, j], axis=-1)
        gh, ih, jh = g[hit], i[hit], j[hit]
        reach[gh, ih, jh] = True
        reach[gh, jh, ih] = True
        counts.append(np.bincount(gh, minlength=b))
        g, i, j = g[~hit], i[~hit], j[~hit]
    return np.stack(counts, axis=1)


def _path_stats(counts, n):
    """Characteristic path length, efficiency and connected fraction from level counts."""
    levels = np.arange(1, counts.shape[1] + 1)
    reached = counts.sum(axis=1)
    total = (counts * levels).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        length = np.where(reached > 0, total / np.maximum(reached, 1), np.nan)
    efficiency = (counts / levels).sum(axis=1) / (n * (n - 1) / 2)
    connected = reached / (n * (n - 1) / 2)
    return length, efficiency, connected


def _batches(b, n):
    """Slices of at most ``_BATCH_BYTES`` of float32 (n, n) matrices covering ``range(b)``."""
    size = max(1, _BATCH_BYTES // (4 * n * n))
    return [slice(start, min(b, start + size)) for start in range(0, b, size)]


def _workers(requested, tasks):
    if requested is None:
        try:
            available = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not on Linux
            available = os.cpu_count() or 1
        requested = available
    if isinstance(requested, bool) or not isinstance(requested, (int, np.integer)) or requested < 1:
        raise ValueError(f"workers must be a positive integer or None (all cores); got {requested!r}")
    return max(1, min(int(requested), tasks))


class _Workspace:
    """Buffers for batches of up to ``size`` graphs of ``n`` nodes, reused batch after batch.

    Allocating fresh (b, n, n) arrays for every small batch costs page faults
    that take about as long as the arithmetic; one workspace per thread avoids it.
    """

    def __init__(self, n, size):
        self.chosen = np.zeros((size, n * (n - 1) // 2 + 1), dtype=np.float32)
        self.A = np.empty((size, n, n), dtype=np.float32)
        self.A2 = np.empty((size, n, n), dtype=np.float32)
        self.grown = np.empty((size, n, n), dtype=np.float32)
        self.positive = np.empty((size, n, n), dtype=bool)


def _measures(A, work=None):
    """Mean clustering, path length, efficiency, connected fraction of a float32 stack."""
    A2 = np.matmul(A, A, out=None if work is None else work.A2[:A.shape[0]])
    degree = np.diagonal(A2, axis1=1, axis2=2).astype(np.float64)  # (A^2)_ii = k_i
    clustering = _clustering_stack(A, A2, degree).mean(axis=1)
    return np.vstack([clustering, *_path_stats(_level_counts(A, A2, degree, work), A.shape[1])])


def _graph_measures(A_bool):
    """Mean clustering, path length, efficiency, connected fraction of a bool stack."""
    b, n, _ = A_bool.shape
    out = np.empty((4, b))
    for part in _batches(b, n):
        out[:, part] = _measures(A_bool[part].astype(np.float32))
    return out


def clustering_coefficients(A) -> np.ndarray:
    """Local binary clustering coefficients.

    Parameters
    ----------
    A : array-like of shape (n, n) or (b, n, n)
        Symmetric binary adjacency (or a stack of them), zero diagonal.

    Returns
    -------
    C : ndarray of shape (n,) or (b, n), float64
        ``C_i = (A^3)_ii / (k_i (k_i - 1))``, 0 where ``k_i < 2``.
    """
    A, single = _as_stack(A)
    b, n, _ = A.shape
    out = np.empty((b, n))
    for part in _batches(b, n):
        Af = A[part].astype(np.float32)
        out[part] = _clustering_stack(Af, np.matmul(Af, Af), Af.sum(axis=-1, dtype=np.float64))
    return out[0] if single else out


def path_length(A) -> dict:
    """Characteristic path length over connected pairs, and global efficiency.

    Parameters
    ----------
    A : array-like of shape (n, n) or (b, n, n)
        Symmetric binary adjacency (or a stack), zero diagonal.

    Returns
    -------
    result : dict
        ``"path_length"`` (mean shortest-path length in edges over connected
        ordered pairs; NaN if no pair is connected), ``"efficiency"`` (mean of
        ``1 / d_ij`` over all ordered pairs, 0 for unconnected pairs) and
        ``"connected_fraction"`` (fraction of pairs joined by a path). Floats for
        one graph, arrays of shape (b,) for a stack.
    """
    A, single = _as_stack(A)
    measures = _graph_measures(A)
    keys = ("path_length", "efficiency", "connected_fraction")
    return {key: (float(values[0]) if single else values) for key, values in zip(keys, measures[1:])}


def random_graphs(n: int, m: int, count: int, seed=0) -> np.ndarray:
    """Erdős–Rényi ``G(n, m)`` graphs: ``m`` edges uniformly among all node pairs.

    Parameters
    ----------
    n : int
        Number of nodes.
    m : int
        Number of undirected edges, ``0 <= m <= n (n - 1) / 2``.
    count : int
        Number of graphs.
    seed : int or numpy.random.Generator, default=0
        Random seed; the same seed gives the same graphs. These are exactly the
        null graphs that :func:`small_worldness` uses with the same ``n``, ``m``,
        ``n_nulls = count`` and ``seed``.

    Returns
    -------
    A : ndarray of shape (count, n, n), bool
        Symmetric adjacency matrices without self-loops.
    """
    _check_edges(n, m)
    parts = _batches(count, n)
    rngs = np.random.default_rng(seed).spawn(len(parts))
    return np.concatenate([_random_stack(n, m, p.stop - p.start, r) > 0 for p, r in zip(parts, rngs)])


def _check_edges(n, m):
    pairs = n * (n - 1) // 2
    if not 0 <= m <= pairs:
        raise ValueError(f"m must be between 0 and n (n - 1) / 2 = {pairs}; got {m}")


def _random_stack(n, m, count, rng, work=None):
    """``count`` G(n, m) graphs as a float32 (count, n, n) stack of 0/1."""
    pairs = n * (n - 1) // 2
    if work is None:
        chosen = np.zeros((count, pairs + 1), dtype=np.float32)
        A = np.empty((count, n, n), dtype=np.float32)
    else:
        chosen, A = work.chosen[:count], work.A[:count]
        chosen.fill(0.0)
    # chosen: one column per node pair, plus a last, empty column for the diagonal
    for index in range(count):
        chosen[index, rng.choice(pairs, size=m, replace=False, shuffle=False)] = 1.0
    np.take(chosen, _pair_index(n), axis=1, out=A.reshape(count, n * n))
    return A


@functools.lru_cache(maxsize=8)
def _upper_pairs(n):
    """Row and column indices of the upper triangle (row-major), cached."""
    return np.triu_indices(n, k=1)


@functools.lru_cache(maxsize=8)
def _pair_index(n):
    """For every entry (i, j) of an n x n matrix, the index of pair {i, j} in the upper
    triangle (row-major), or n (n - 1) / 2 on the diagonal; cached."""
    rows, cols = _upper_pairs(n)
    index = np.full((n, n), n * (n - 1) // 2, dtype=np.intp)
    index[rows, cols] = np.arange(rows.size)
    index[cols, rows] = np.arange(rows.size)
    return index.ravel()


def _null_measures(n, m, n_nulls, seed, workers=None):
    """Measures of ``n_nulls`` G(n, m) graphs, batch by batch, batches on parallel threads.

    Every batch has its own random stream (spawned from ``seed`` in batch
    order), so the result does not depend on the number of threads. OpenBLAS
    is kept to one thread meanwhile (:mod:`sernn.analysis.threads`).
    """
    _check_edges(n, m)
    parts = _batches(n_nulls, n)
    rngs = np.random.default_rng(seed).spawn(len(parts))
    out = np.empty((4, n_nulls))
    workers = _workers(workers, len(parts))

    def work_on(first):
        # this worker measures batches first, first + workers, ... in its own workspace
        work = _Workspace(n, parts[0].stop - parts[0].start)
        for index in range(first, len(parts), workers):
            part = parts[index]
            graphs = _random_stack(n, m, part.stop - part.start, rngs[index], work)
            out[:, part] = _measures(graphs, work)

    with single_threaded_blas():  # small products: parallel batches, not parallel BLAS
        if workers == 1:
            work_on(0)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(work_on, range(workers)))
    return out


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


def small_worldness(A, n_nulls: int = 1000, seed=0, workers=None) -> dict:
    """Small-world index ``sigma = (C / C_null) / (L / L_null)`` against ``G(n, m)`` nulls.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Symmetric binary adjacency without self-loops.
    n_nulls : int, default=1000
        Number of Erdős–Rényi null graphs with the network's node and edge count.
    seed : int, default=0
        Seed of the null graphs (see :func:`random_graphs`).
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
    """
    A, single = _as_stack(A)
    if not single:
        raise ValueError(f"A must be one (n, n) graph; got shape {A.shape}")
    if isinstance(n_nulls, bool) or not isinstance(n_nulls, (int, np.integer)) or n_nulls < 1:
        raise ValueError(f"n_nulls must be a positive integer (number of random graphs); got {n_nulls!r}")
    n = A.shape[1]
    m = int(np.count_nonzero(A[0])) // 2
    clustering, length, efficiency, connected = _graph_measures(A)[:, 0]
    null = _null_measures(n, m, int(n_nulls), seed, workers)
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
