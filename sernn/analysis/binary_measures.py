"""Binary clustering and path length of graphs, many at a time on bit-packed adjacency rows.

All functions take symmetric binary adjacency matrices without self-loops (the
output of :func:`sernn.analysis.graph.binarize`), either one ``(n, n)`` graph
or a stack ``(b, n, n)`` of graphs that are processed together: clustering and
path lengths are computed on bit-packed adjacency rows (64 nodes per machine
word: triangles by popcount, breadth-first search by OR of rows) instead of one
graph at a time. Everything is exact integer arithmetic.

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
    The harmonic alternative, global efficiency ``E = mean_{i != j} 1 / d_ij``
    (``1 / inf = 0``), is returned too, together with the fraction of
    connected pairs, so that a disconnected network is never hidden.

The random null graphs of :mod:`sernn.analysis.null_graphs` are measured batch
by batch with the same building blocks (``measure_batch``, ``MeasureBuffers``),
so the network and its nulls follow the same rules.
"""
from __future__ import annotations

import functools

import numpy as np

from sernn.validation import check_array, describe

__all__ = ["clustering_coefficients", "path_length"]

#: 64-bit words of gathered adjacency rows per batch of graphs (2 MiB): large enough
#: that numpy's per-call overhead is small, small enough to stay in the CPU cache.
_BATCH_WORDS = 1 << 18


def check_graph_stack(A, name="A"):
    """``A`` as a bool stack ``(b, n, n)`` and whether it was one ``(n, n)`` graph.

    Refuses anything but symmetric adjacency matrices with a zero diagonal.
    """
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


def padded_width(n):
    """Columns of a bit-packed adjacency row: ``n`` rounded up to whole 64-bit words."""
    return -(-max(n, 1) // 64) * 64


@functools.lru_cache(maxsize=8)
def _identity(n):
    """The cached bit-packed identity of size ``n`` (``(n, words)`` uint64, bit ``i`` of row ``i``)."""
    eye = np.zeros((n, padded_width(n)), dtype=bool)
    eye[np.arange(n), np.arange(n)] = True
    return _pack(eye)


def row_counts(bits):
    """Number of set bits in each row of a ``(rows, words)`` uint64 array (int64)."""
    count = np.bitwise_count(bits)
    if bits.shape[1] > 8:
        return count.sum(axis=1, dtype=np.int64)
    total = count[:, 0].astype(np.int64)  # a few columns: faster than a reduction over a short axis
    for word in range(1, bits.shape[1]):
        total += count[:, word]
    return total


def _pack(rows):
    """Bit-pack boolean rows of ``padded_width(n)`` columns into little-endian 64-bit words."""
    return np.packbits(rows, axis=-1, bitorder="little").view("<u8")


def batch_size(n, m):
    """Graphs per batch of graphs with ``n`` nodes and ``m`` edges (never depends on threads)."""
    return max(1, _BATCH_WORDS // max(1, 2 * m * (padded_width(n) // 64)))


def batches(b, size):
    """Slices of at most ``size`` graphs covering ``range(b)``."""
    return [slice(start, min(b, start + size)) for start in range(0, b, size)]


class MeasureBuffers:
    """Buffers of :func:`measure_batch` for batches of up to ``size`` graphs with ``edges``
    directed edges in all, reused batch after batch by one thread.

    Fresh megabyte-sized arrays for every batch would cost page faults that take
    longer than the bit arithmetic itself.
    """

    def __init__(self, n, size, edges):
        words = padded_width(n) // 64
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
    dense : ndarray of shape (b * n, padded_width(n)), bool
        Adjacency rows of ``b`` graphs, zero-padded to whole words; symmetric,
        zero diagonal.
    n : int
        Nodes per graph.
    work : MeasureBuffers, optional
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
    identity = _identity(n)
    bits = _pack(dense)
    flat = np.flatnonzero(dense).astype(np.int32 if dense.size < 2**31 else np.int64)
    source = flat // width  # row = graph * n + node, sorted
    first_row = (source // n) * n  # row of node 0 of the edge's graph
    target = first_row + (flat - source * width)
    edges = source.size
    degree = row_counts(bits)
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
            now = row_counts(grown).reshape(b, n).sum(axis=1) - n
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


def measure_batch(dense, n, work=None):
    """Local clustering ``(b, n)`` and the mean clustering, path length, efficiency and
    connected fraction ``(4, b)`` of ``b`` graphs given as zero-padded adjacency rows
    ``(b * n, padded_width(n))`` (``work``: optional :class:`MeasureBuffers`)."""
    local, counts = _bit_measures(dense, n, work)
    return local, np.vstack([local.mean(axis=1), *_path_stats(counts, n)])


def _padded(A_bool):
    """A bool stack (b, n, n) as zero-padded rows (b * n, padded_width(n))."""
    b, n, _ = A_bool.shape
    dense = np.zeros((b * n, padded_width(n)), dtype=bool)
    dense[:, :n] = A_bool.reshape(b * n, n)
    return dense


def graph_measures(A_bool):
    """Local clustering (b, n) and mean clustering, path length, efficiency, connected
    fraction (4, b) of a bool stack (b, n, n), checked by :func:`check_graph_stack`."""
    b, n, _ = A_bool.shape
    local = np.empty((b, n))
    out = np.empty((4, b))
    edges = max(1, int(np.count_nonzero(A_bool)) // max(b, 1) // 2)
    for part in batches(b, batch_size(n, edges)):
        local[part], out[:, part] = measure_batch(_padded(A_bool[part]), n)
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
    A, single = check_graph_stack(A)
    local, _ = graph_measures(A)
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
    A, single = check_graph_stack(A)
    _, measures = graph_measures(A)
    keys = ("path_length", "efficiency", "connected_fraction")
    return {key: (float(values[0]) if single else values) for key, values in zip(keys, measures[1:])}
