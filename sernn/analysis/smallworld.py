"""Binary clustering, path length and small-worldness with vectorised random nulls.

All functions take symmetric binary adjacency matrices without self-loops (the
output of :func:`sernn.analysis.graph.binarize`), either one ``(n, n)`` graph
or a stack ``(b, n, n)`` of graphs that are processed together: the random
null graphs of the small-world index are generated, and their clustering and
path lengths computed, many at a time on bit-packed adjacency rows (64 nodes
per machine word: triangles by popcount, breadth-first search by OR of rows)
instead of one graph at a time. Everything is exact integer arithmetic.

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
    ``sigma = (C / C_null) / (L / L_null)`` (Humphries & Gurney, PLoS ONE 2008) with
    ``C_null`` and ``L_null`` the means over the null graphs.
"""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sernn.validation import check_array, check_integer, check_seed, describe

__all__ = [
    "clustering_coefficients",
    "path_length",
    "random_graphs",
    "small_worldness",
]

#: 64-bit words of gathered adjacency rows per batch of graphs (2 MiB): large enough
#: that numpy's per-call overhead is small, small enough to stay in the CPU cache.
_BATCH_WORDS = 1 << 18


def _as_stack(A, name="A"):
    A = check_array(A, name, dtype=None, finite=False)
    single = A.ndim == 2
    if single:
        A = A[None]
    if A.ndim != 3 or A.shape[1] != A.shape[2]:
        raise ValueError(f"{name} must be an array of shape (n, n) or (b, n, n); got {describe(A)}")
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


def _width(n):
    """Columns of a bit-packed adjacency row: ``n`` rounded up to whole 64-bit words."""
    return -(-max(n, 1) // 64) * 64


@functools.lru_cache(maxsize=8)
def _tables(n):
    """Cached per-size tables: rows and columns of the upper-triangle pairs (row-major,
    int32) and the bit-packed identity (``(n, words)`` uint64, bit ``i`` of row ``i``)."""
    rows, cols = np.triu_indices(n, k=1)
    eye = np.zeros((n, _width(n)), dtype=bool)
    eye[np.arange(n), np.arange(n)] = True
    return rows.astype(np.int32), cols.astype(np.int32), _pack(eye)


def _row_counts(bits):
    """Number of set bits in each row of a ``(rows, words)`` uint64 array (int64)."""
    count = np.bitwise_count(bits)
    if bits.shape[1] > 8:
        return count.sum(axis=1, dtype=np.int64)
    total = count[:, 0].astype(np.int64)  # a few columns: faster than a reduction over a short axis
    for word in range(1, bits.shape[1]):
        total += count[:, word]
    return total


def _pack(rows):
    """Bit-pack boolean rows of ``_width(n)`` columns into little-endian 64-bit words."""
    return np.packbits(rows, axis=-1, bitorder="little").view("<u8")


class _Workspace:
    """Buffers for batches of up to ``size`` graphs with ``edges`` directed edges in all,
    reused batch after batch by one thread.

    Fresh megabyte-sized arrays for every batch would cost page faults that take
    longer than the bit arithmetic itself.
    """

    def __init__(self, n, size, edges):
        words = _width(n) // 64
        self.chosen = np.zeros((size, _pair_columns(n)), dtype=bool)
        self.dense = np.zeros((size * n, _width(n)), dtype=bool)
        self.left = np.empty((edges, words), dtype=np.uint64)
        self.right = np.empty((edges, words), dtype=np.uint64)
        self.common = np.empty((edges, words), dtype=np.uint8)
        self.reach = np.empty((2, size * n, words), dtype=np.uint64)


def _bit_measures(dense, n, work=None):
    """Local clustering and shortest-path level counts of a stack of graphs.

    The graphs are bit-packed: row ``i`` of a graph is a set of 64-bit words with
    bit ``j`` set when ``i`` and ``j`` are adjacent, and its directed edges (each
    undirected edge both ways) are listed sorted by source.

    * Clustering: ``(A^3)_ii = sum over neighbours k of |N(i) & N(k)|``, a
      popcount of the AND of two rows per edge, summed by source.
    * Path lengths: breadth-first search from every node of every graph at once
      on bit sets. ``R_k[i]`` (the nodes within distance ``k`` of ``i``, ``i``
      included) grows as ``R_{k+1}[i] = R_k[i] | OR over neighbours j of R_k[j]``
      (rows gathered by edge target, OR-reduced over each source's edges); the
      newly set bits are the pairs at distance ``k + 1``. It stops when no graph
      grows any more.

    Both are exact integer computations.

    Parameters
    ----------
    dense : ndarray of shape (b * n, _width(n)), bool
        Adjacency rows of ``b`` graphs, zero-padded to whole words; symmetric,
        zero diagonal.
    n : int
        Nodes per graph.
    work : _Workspace, optional
        Preallocated buffers.

    Returns
    -------
    clustering : ndarray of shape (b, n), float64
        Local clustering ``C_i`` (0 where the degree is below 2).
    counts : ndarray of shape (b, levels), int64
        ``counts[g, k - 1]`` = unordered pairs of graph ``g`` at distance ``k``.
    """
    rows_total, width = dense.shape
    b, words = rows_total // n, width // 64
    _, _, identity = _tables(n)
    bits = _pack(dense)
    flat = np.flatnonzero(dense).astype(np.int32 if dense.size < 2**31 else np.int64)
    source = flat // width  # row = graph * n + node, sorted
    first_row = (source // n) * n  # row of node 0 of the edge's graph
    target = first_row + (flat - source * width)
    edges = source.size
    degree = _row_counts(bits)
    if work is not None and edges <= work.left.shape[0]:
        left, right, common = work.left[:edges], work.right[:edges], work.common[:edges]
        reach = work.reach[:, :rows_total]
    else:
        left = np.empty((edges, words), dtype=np.uint64)
        right, common = np.empty_like(left), np.empty(left.shape, dtype=np.uint8)
        reach = np.empty((2, rows_total, words), dtype=np.uint64)
    # clustering: twice the triangles at i = sum over edges (i, k) of |N(i) & N(k)|
    np.take(bits, source, axis=0, out=left, mode="clip")
    np.take(bits, target, axis=0, out=right, mode="clip")
    np.bitwise_and(left, right, out=left)
    np.bitwise_count(left, out=common)
    shared = common[:, 0].astype(np.int32)
    for word in range(1, words):
        shared += common[:, word]
    starts = np.flatnonzero(degree)  # rows with at least one edge
    every = starts.size == rows_total
    segments = (np.cumsum(degree) - degree)[starts]  # their first edge
    twice_triangles = np.zeros(rows_total)
    if starts.size:
        twice_triangles[starts] = np.add.reduceat(shared, segments)
    pairs = degree * (degree - 1)
    clustering = np.divide(twice_triangles, pairs, out=np.zeros(rows_total), where=pairs > 0)
    # breadth-first search on bit sets, all graphs and all sources at once
    total = n * (n - 1)  # ordered pairs of one graph
    reached = degree.reshape(b, n).sum(axis=1)
    cumulative = [reached]
    if starts.size:
        current, grown = reach[0], reach[1]
        np.bitwise_or(bits.reshape(b, n, words), identity, out=current.reshape(b, n, words))
        while not (reached == total).all():
            np.take(current, target, axis=0, out=right, mode="clip")
            near = np.bitwise_or.reduceat(right, segments, axis=0)
            if every:
                np.bitwise_or(near, current, out=grown)
            else:
                grown[...] = current
                grown[starts] |= near
            now = _row_counts(grown).reshape(b, n).sum(axis=1) - n
            if (now == reached).all():
                break
            cumulative.append(now)
            reached = now
            current, grown = grown, current
    counts = np.diff(np.stack(cumulative, axis=1), axis=1, prepend=0) // 2
    return clustering.reshape(b, n), counts


def _path_stats(counts, n):
    """Characteristic path length, efficiency and connected fraction from level counts."""
    levels = np.arange(1, counts.shape[1] + 1)
    reached = counts.sum(axis=1)
    total = (counts * levels).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        length = np.where(reached > 0, total / np.maximum(reached, 1), np.nan)
    efficiency = (counts / levels).sum(axis=1) / max(n * (n - 1) / 2, 1)
    connected = reached / max(n * (n - 1) / 2, 1)
    return length, efficiency, connected


def _batch_size(n, m):
    """Graphs per batch of G(n, m) graphs (depends on n and m only, never on threads)."""
    return max(1, _BATCH_WORDS // max(1, 2 * m * (_width(n) // 64)))


def _batches(b, size):
    """Slices of at most ``size`` graphs covering ``range(b)``."""
    return [slice(start, min(b, start + size)) for start in range(0, b, size)]


def _workers(requested, tasks):
    if requested is None:
        try:
            available = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not on Linux
            available = os.cpu_count() or 1
        requested = available
    return max(1, min(check_integer(requested, "workers", low=1, allow_none=True), tasks))


def _padded(A_bool):
    """A bool stack (b, n, n) as zero-padded rows (b * n, _width(n))."""
    b, n, _ = A_bool.shape
    dense = np.zeros((b * n, _width(n)), dtype=bool)
    dense[:, :n] = A_bool.reshape(b * n, n)
    return dense


def _graph_measures(A_bool):
    """Local clustering (b, n) and mean clustering, path length, efficiency, connected
    fraction (4, b) of a bool stack."""
    b, n, _ = A_bool.shape
    local = np.empty((b, n))
    out = np.empty((4, b))
    edges = max(1, int(np.count_nonzero(A_bool)) // max(b, 1) // 2)
    for part in _batches(b, _batch_size(n, edges)):
        local[part], counts = _bit_measures(_padded(A_bool[part]), n)
        out[:, part] = np.vstack([local[part].mean(axis=1), *_path_stats(counts, n)])
    return local, out


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

    Examples
    --------
    A triangle 0-1-2 with a tail 2-3: nodes 0 and 1 have both neighbours
    joined, node 2 has 1 joined pair out of 3, node 3 has degree 1. A stack
    is handled at once (here with the complete graph, clustering 1):

    >>> import numpy as np
    >>> A = np.zeros((4, 4), dtype=bool)
    >>> for i, j in [(0, 1), (1, 2), (0, 2), (2, 3)]:
    ...     A[i, j] = A[j, i] = True
    >>> clustering_coefficients(A).round(4).tolist()
    [1.0, 1.0, 0.3333, 0.0]
    >>> complete = ~np.eye(4, dtype=bool)
    >>> clustering_coefficients(np.stack([A, complete])).shape
    (2, 4)
    >>> clustering_coefficients(complete).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    A, single = _as_stack(A)
    local, _ = _graph_measures(A)
    return local[0] if single else local


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

    Examples
    --------
    The path 0-1-2-3 has pair distances 1, 1, 1, 2, 2, 3: ``L = 10/6`` and
    ``E = (3 + 2/2 + 1/3) / 6``:

    >>> import numpy as np
    >>> A = np.zeros((4, 4), dtype=bool)
    >>> for i in range(3):
    ...     A[i, i + 1] = A[i + 1, i] = True
    >>> result = path_length(A)
    >>> round(result["path_length"], 4), round(result["efficiency"], 4), result["connected_fraction"]
    (1.6667, 0.7222, 1.0)

    A single edge among 4 nodes joins 1 pair of 6; only that pair counts in ``L``:

    >>> B = np.zeros((4, 4), dtype=bool)
    >>> B[0, 1] = B[1, 0] = True
    >>> result = path_length(B)
    >>> result["path_length"], round(result["connected_fraction"], 4)
    (1.0, 0.1667)
    """
    A, single = _as_stack(A)
    _, measures = _graph_measures(A)
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

    Examples
    --------
    Three graphs with 6 nodes and exactly 4 edges each:

    >>> import numpy as np
    >>> G = random_graphs(6, 4, count=3, seed=0)
    >>> G.shape
    (3, 6, 6)
    >>> np.triu(G, 1).sum(axis=(1, 2)).tolist()
    [4, 4, 4]
    >>> bool((G == G.transpose(0, 2, 1)).all()), bool(G[:, range(6), range(6)].any())
    (True, False)
    >>> bool((random_graphs(6, 4, count=3, seed=0) == G).all())    # same seed, same graphs
    True
    """
    n = check_integer(n, "n", low=1)
    m = check_integer(m, "m", low=0)
    count = check_integer(count, "count", low=1)
    _check_edges(n, m)
    parts = _batches(count, _batch_size(n, m))
    rngs = np.random.default_rng(check_seed(seed, allow_none=False)).spawn(len(parts))
    out = np.empty((count, n, n), dtype=bool)
    for part, rng in zip(parts, rngs):
        dense = _random_rows(n, m, part.stop - part.start, rng)
        out[part] = dense.reshape(-1, n, dense.shape[1])[:, :, :n]
    return out


def _pair_columns(n):
    """Columns of the chosen-pair mask: the n (n - 1) / 2 pairs rounded up to whole 64-bit words."""
    return -(-(n * (n - 1) // 2) // 64) * 64


def _check_edges(n, m):
    pairs = n * (n - 1) // 2
    if not 0 <= m <= pairs:
        raise ValueError(f"m must be an integer in [0, n (n - 1) / 2 = {pairs}]; got {m}")


def _random_rows(n, m, count, rng, work=None):
    """``count`` G(n, m) graphs as zero-padded adjacency rows ``(count * n, _width(n))``.

    Each graph's edge set is the first ``m`` distinct pairs of an i.i.d. uniform
    sequence of node pairs, which is a uniformly random ``m``-subset of the
    pairs. The sequence is drawn in rounds, all graphs at once: a graph that
    still lacks ``r`` edges draws ``r`` more pairs, which can add at most ``r``
    new ones, so no graph ever overshoots ``m`` and the rounds stop exactly at
    ``m`` distinct pairs.
    """
    pairs = n * (n - 1) // 2
    rows, cols, _ = _tables(n)
    width = _width(n)
    if work is None:
        chosen = np.zeros((count, _pair_columns(n)), dtype=bool)
        dense = np.zeros((count * n, width), dtype=bool)
    else:
        chosen, dense = work.chosen[:count], work.dense[:count * n]
        chosen.fill(False)
        dense.fill(False)
    flat = chosen.reshape(-1)
    index = np.int32 if max(chosen.size, dense.size) < 2**31 else np.int64
    offsets = np.arange(count, dtype=index) * chosen.shape[1]
    missing = np.full(count, m, dtype=np.int64)
    active = np.arange(count)
    while pairs and active.size:
        draws = rng.integers(0, pairs, size=(active.size, int(missing[active].max())), dtype=index)
        draws += offsets[active, None]
        flat[draws[np.arange(draws.shape[1]) < missing[active, None]]] = True
        have = chosen if active.size == count else chosen[active]
        missing[active] = m - _row_counts(have.view(np.uint64))
        active = np.flatnonzero(missing)
    first_row = np.repeat(np.arange(count, dtype=index) * n, m)  # every graph has m pairs
    pair = np.flatnonzero(flat).astype(index) - np.repeat(offsets, m)
    i, j = rows[pair], cols[pair]
    cells = dense.reshape(-1)
    cells[(first_row + i) * width + j] = True
    cells[(first_row + j) * width + i] = True
    return dense


def _null_measures(n, m, n_nulls, seed, workers=None):
    """Measures of ``n_nulls`` G(n, m) graphs, batch by batch, batches on parallel threads.

    Every batch has its own random stream (spawned from ``seed`` in batch
    order), so the result does not depend on the number of threads.
    """
    _check_edges(n, m)
    size = _batch_size(n, m)
    parts = _batches(n_nulls, size)
    rngs = np.random.default_rng(check_seed(seed, allow_none=False)).spawn(len(parts))
    out = np.empty((4, n_nulls))
    workers = _workers(workers, len(parts))

    def work_on(first):
        # this worker measures batches first, first + workers, ... in its own workspace
        work = _Workspace(n, size, size * 2 * m)
        for index in range(first, len(parts), workers):
            part = parts[index]
            dense = _random_rows(n, m, part.stop - part.start, rngs[index], work)
            local, counts = _bit_measures(dense, n, work)
            out[:, part] = np.vstack([local.mean(axis=1), *_path_stats(counts, n)])

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
    A, single = _as_stack(A)
    if not single:
        raise ValueError(f"A must be one (n, n) graph; got shape {A.shape}")
    n_nulls = check_integer(n_nulls, "n_nulls", low=1)
    n = A.shape[1]
    m = int(np.count_nonzero(A[0])) // 2
    clustering, length, efficiency, connected = _graph_measures(A)[1][:, 0]
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
