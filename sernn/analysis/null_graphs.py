"""Erdős–Rényi ``G(n, m)`` null graphs, generated and measured many at a time.

Null model
    Erdős–Rényi ``G(n, m)``: ``m`` undirected edges placed uniformly at random
    among the ``n (n - 1) / 2`` node pairs. :func:`sernn.analysis.smallworld.small_worldness`
    takes ``n`` and ``m`` from the network, so its nulls have exactly the
    network's size and density.

The graphs are drawn in batches, each batch with its own random stream spawned
from the seed in batch order, and measured batch by batch on parallel threads
with the bit-packed clustering and path lengths of
:mod:`sernn.analysis.binary_measures` (the same rules as for the network), so
the result never depends on the number of threads.
"""
from __future__ import annotations

import functools
import os
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from threading import Lock

import numpy as np

from sernn.analysis.binary_measures import MeasureBuffers, batch_size, batches, measure_batch, padded_width, row_counts
from sernn.validation import check_integer, check_seed

__all__ = ["random_graphs", "shared_null_measures", "clear_null_cache", "CACHE_SIZE"]


@functools.lru_cache(maxsize=8)
def _pairs(n):
    """Cached rows and columns (int32) of the upper-triangle node pairs, row-major."""
    rows, cols = np.triu_indices(n, k=1)
    return rows.astype(np.int32), cols.astype(np.int32)


def _pair_columns(n):
    """Columns of the chosen-pair mask: the n (n - 1) / 2 pairs rounded up to whole 64-bit words."""
    return -(-(n * (n - 1) // 2) // 64) * 64


def _check_edges(n, m):
    pairs = n * (n - 1) // 2
    if not 0 <= m <= pairs:
        raise ValueError(f"m must be an integer in [0, n (n - 1) / 2 = {pairs}]; got {m}")


def _workers(requested, tasks):
    if requested is None:
        try:
            available = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not on Linux
            available = os.cpu_count() or 1
        requested = available
    return max(1, min(check_integer(requested, "workers", low=1, allow_none=True), tasks))


class _Workspace:
    """Buffers for batches of up to ``size`` graphs with ``edges`` directed edges in all,
    reused batch after batch by one thread (the drawn graphs and their measurement)."""

    def __init__(self, n, size, edges):
        self.chosen = np.zeros((size, _pair_columns(n)), dtype=bool)
        self.dense = np.zeros((size * n, padded_width(n)), dtype=bool)
        self.measures = MeasureBuffers(n, size, edges)


def _random_rows(n, m, count, rng, work=None):
    """``count`` G(n, m) graphs as zero-padded adjacency rows ``(count * n, padded_width(n))``.

    Each graph's edge set is the first ``m`` distinct pairs of an i.i.d. uniform
    sequence of node pairs, which is a uniformly random ``m``-subset of the
    pairs. The sequence is drawn in rounds, all graphs at once: a graph that
    still lacks ``r`` edges draws ``r`` more pairs, which can add at most ``r``
    new ones, so no graph ever overshoots ``m`` and the rounds stop exactly at
    ``m`` distinct pairs.
    """
    pairs = n * (n - 1) // 2
    rows, cols = _pairs(n)
    width = padded_width(n)
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
        missing[active] = m - row_counts(have.view(np.uint64))
        active = np.flatnonzero(missing)
    first_row = np.repeat(np.arange(count, dtype=index) * n, m)  # every graph has m pairs
    pair = np.flatnonzero(flat).astype(index) - np.repeat(offsets, m)
    i, j = rows[pair], cols[pair]
    cells = dense.reshape(-1)
    cells[(first_row + i) * width + j] = True
    cells[(first_row + j) * width + i] = True
    return dense


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
        null graphs that :func:`sernn.analysis.smallworld.small_worldness` uses
        with the same ``n``, ``m``, ``n_nulls = count`` and ``seed``.

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
    parts = batches(count, batch_size(n, m))
    rngs = np.random.default_rng(check_seed(seed, allow_none=False)).spawn(len(parts))
    out = np.empty((count, n, n), dtype=bool)
    for part, rng in zip(parts, rngs):
        dense = _random_rows(n, m, part.stop - part.start, rng)
        out[part] = dense.reshape(-1, n, dense.shape[1])[:, :, :n]
    return out


def null_measures(n, m, n_nulls, seed, workers=None):
    """Mean clustering, path length, efficiency and connected fraction ``(4, n_nulls)`` of
    ``n_nulls`` G(n, m) graphs, batch by batch, batches on parallel threads.

    Every batch has its own random stream (spawned from ``seed`` in batch
    order), so the result does not depend on the number of threads; the graphs
    are those of :func:`random_graphs` with the same arguments.
    """
    _check_edges(n, m)
    size = batch_size(n, m)
    parts = batches(n_nulls, size)
    rngs = np.random.default_rng(check_seed(seed, allow_none=False)).spawn(len(parts))
    out = np.empty((4, n_nulls))
    workers = _workers(workers, len(parts))

    def work_on(first):
        # this worker measures batches first, first + workers, ... in its own workspace
        work = _Workspace(n, size, size * 2 * m)
        for index in range(first, len(parts), workers):
            part = parts[index]
            dense = _random_rows(n, m, part.stop - part.start, rngs[index], work)
            _, out[:, part] = measure_batch(dense, n, work.measures)

    if workers == 1:
        work_on(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work_on, range(workers)))
    return out


#: Null ensembles kept for reuse in a process (each holds 4 x n_nulls floats: 32 kB for 1,000 nulls);
#: 0 turns the sharing off.
CACHE_SIZE = 512
_CACHE: "OrderedDict[tuple, np.ndarray]" = OrderedDict()
_CACHE_LOCK = Lock()


def shared_null_measures(n, m, n_nulls, seed, workers=None) -> np.ndarray:
    """:func:`null_measures`, computed once per ``(n, m, n_nulls, seed)`` in this process.

    The σ nulls of a snapshot depend only on its number of nodes ``n``, of edges ``m``, the
    number of nulls and the seed, and the snapshots of a sweep share few ``(n, m)`` (a 10 %
    threshold of 100 units leaves 638–953 undirected edges: 256 distinct counts among the 2,783
    snapshots of a 253-network sweep). So an ensemble is drawn and measured once and reused
    for every snapshot with the same key: the results are those of :func:`null_measures`, bit
    for bit (it is a pure function of the key). The last :data:`CACHE_SIZE` keys are kept
    (``CACHE_SIZE = 0`` turns the sharing off: every call draws its ensemble); the arrays
    returned are read-only. A seed that is not an integer is not cached.

    Examples
    --------
    >>> first = shared_null_measures(20, 40, 10, seed=0)
    >>> again = shared_null_measures(20, 40, 10, seed=0)
    >>> again is first, bool(np.array_equal(first, null_measures(20, 40, 10, seed=0)))
    (True, True)
    """
    if CACHE_SIZE <= 0 or not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        return null_measures(n, m, n_nulls, seed, workers)
    key = (int(n), int(m), int(n_nulls), int(seed))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    values = null_measures(n, m, n_nulls, seed, workers)
    values.setflags(write=False)
    with _CACHE_LOCK:
        _CACHE[key] = values
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return values


def clear_null_cache() -> None:
    """Forget every kept null ensemble.

    Examples
    --------
    >>> _ = shared_null_measures(12, 20, 5, seed=0)
    >>> clear_null_cache()
    >>> len(_CACHE)
    0
    """
    with _CACHE_LOCK:
        _CACHE.clear()
