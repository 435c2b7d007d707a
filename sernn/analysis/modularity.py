"""Newman modularity, Newman's spectral partition and Louvain on undirected graphs;
Leicht–Newman modularity and its spectral partition on directed ones.

:func:`spectral_modularity` is Newman's (2006) leading-eigenvector method with
its fine-tuning step, the algorithm of the Brain Connectivity Toolbox's
``modularity_und`` that the seRNN paper applied to the weighted networks.
bctpy 0.6.1's port of it fails under numpy >= 1.24 (and, once that is
bypassed, its fine-tuning step keeps no improvement: it stores a reference to
the array it goes on flipping), so the package has its own implementation.
:func:`louvain` runs bctpy's seeded ``community_louvain`` (which refuses
asymmetric input, so the graph is checked first). Both recompute Q with the
package's vectorised formula (:func:`modularity_q`).
:func:`directed_modularity` applies the same spectral bisection to the
directed modularity matrix of E. A. Leicht and M. E. J. Newman (Physical
Review Letters, 2008), symmetrised as the toolbox's ``modularity_dir`` does
(bctpy's port of which fails under numpy 2), with :func:`directed_modularity_q`.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from sernn.validation import check_bool, check_real, check_seed, check_square

__all__ = ["modularity_q", "louvain", "spectral_modularity", "directed_modularity_q",
           "directed_modularity"]


def _check_undirected(A, name="A") -> np.ndarray:
    A = check_square(A, name)
    if (A < 0).any():
        raise ValueError(f"{name} must hold non-negative weights; got {int((A < 0).sum())} negative entries")
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

    Examples
    --------
    Two triangles joined by one edge (7 edges): each triangle holds 3 edges
    and half of the degree, so ``Q = 6/7 - 2 (1/2)^2 = 5/14``; one module for
    all nodes has ``Q = 0``:

    >>> import numpy as np
    >>> A = np.zeros((6, 6))
    >>> for i, j in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]:
    ...     A[i, j] = A[j, i] = 1
    >>> round(modularity_q(A, [0, 0, 0, 1, 1, 1]), 4), round(5 / 14, 4)
    (0.3571, 0.3571)
    >>> modularity_q(A, [0, 0, 0, 0, 0, 0])
    0.0
    """
    A = _check_undirected(A)
    return _partition_q(A, partition, gamma)


def _partition_q(A, partition, gamma) -> float:
    """``Q = sum_c [A_cc / m - gamma (k_c^out / m) (k_c^in / m)]`` with ``m = sum_ij A_ij``.

    ``A_cc`` is the weight inside module ``c`` and ``k_c^out``, ``k_c^in`` the sums
    of its units' row and column sums. For a symmetric ``A`` this is Newman's Q
    (``m`` is then twice the number of edges), otherwise Leicht and Newman's.
    """
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
    out_degree = members.T @ A.sum(axis=1)
    in_degree = members.T @ A.sum(axis=0)
    return float(np.sum(within / total - gamma * (out_degree / total) * (in_degree / total)))


def _ordered_labels(labels) -> np.ndarray:
    """Relabel modules 0, 1, ... by decreasing size (ties: the module holding the smaller node first)."""
    _, labels = np.unique(labels, return_inverse=True)
    sizes = np.bincount(labels)
    first = np.full(sizes.size, labels.size)
    np.minimum.at(first, labels, np.arange(labels.size))
    order = np.lexsort((first, -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[labels]


def _fine_tune(B, s, q):
    """Newman's (2006) fine-tuning of a two-way split ``s`` (entries +-1) of modularity matrix ``B``.

    Every node is moved once, each time the one whose move raises (or least
    lowers) ``q = s' B s`` most; the best split met along the way is kept.
    """
    B0 = B.copy()
    np.fill_diagonal(B0, 0.0)
    current = s.copy()
    field = B0 @ current
    free = np.ones(current.size, dtype=bool)
    best, best_q, value = s, q, q
    while free.any():
        gains = np.where(free, -4.0 * current * field, -np.inf)
        node = int(np.argmax(gains))
        value = value + gains[node]
        field -= 2.0 * current[node] * B0[:, node]
        current[node] = -current[node]
        free[node] = False
        if value > best_q:
            best, best_q = current.copy(), value
    return best, best_q


def _spectral_partition(B, fine_tune: bool) -> np.ndarray:
    """Newman's recursive spectral bisection of the symmetric modularity matrix ``B``.

    A module ``g`` is split by the signs of the leading eigenvector of its
    generalised matrix ``B_g = B[g, g] - diag(sum_j B[g, j])``, then (optionally)
    fine-tuned; the split is kept when it raises ``s' B_g s`` by more than
    1e-10. Returns the labels numbered by :func:`_ordered_labels`.
    """
    n = B.shape[0]
    labels = np.zeros(n, dtype=int)
    pending, next_label = [np.arange(n)], 1
    while pending:
        members = pending.pop()
        if members.size < 2:
            continue
        Bg = B[np.ix_(members, members)]
        Bg = Bg - np.diag(Bg.sum(axis=1))
        _, vector = scipy.linalg.eigh(Bg, subset_by_index=[members.size - 1, members.size - 1])
        s = np.where(vector[:, 0] < 0, -1.0, 1.0)
        q = float(s @ Bg @ s)
        if q <= 1e-10:
            continue
        if fine_tune:
            s, q = _fine_tune(Bg, s, q)
        if q <= 1e-10 or abs(s.sum()) == members.size:
            continue
        labels[members[s < 0]] = next_label
        next_label += 1
        pending += [members[s > 0], members[s < 0]]
    return _ordered_labels(labels)


def spectral_modularity(A, gamma: float = 1.0, fine_tune: bool = True):
    """Newman's spectral modularity partition with fine-tuning (deterministic).

    Newman (2006, PNAS 103, 8577): with degrees ``k`` and ``2m = sum k``, the
    modularity matrix is ``B = A - gamma k k' / 2m``. A module ``g`` is split in
    two by the signs of the leading eigenvector of
    ``B_g = B[g, g] - diag(sum_j B[g, j])``; the split is then fine-tuned by
    moving single nodes (each once, keeping the best split seen), and kept when
    it raises Q by more than 1e-10. Modules are split until none can be. This
    is the algorithm of the Brain Connectivity Toolbox's ``modularity_und``
    (Rubinov & Sporns, NeuroImage 2010), which the seRNN paper used on the weighted
    ``|W|``. It is deterministic: no seed.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Symmetric, non-negative adjacency (binary or weighted); directed
        matrices must be symmetrised by the caller (a ``ValueError`` is raised
        otherwise).
    gamma : float, default=1.0
        Resolution parameter.
    fine_tune : bool, default=True
        Apply the fine-tuning step. ``False`` gives the pure spectral
        bisection, which is what bctpy 0.6.1's ``modularity_und`` returns in
        effect (its fine-tuning keeps no improvement).

    Returns
    -------
    partition : ndarray of shape (n,), int
        Module of every node, numbered 0, 1, ... by decreasing module size.
    Q : float
        Newman modularity of ``partition`` (:func:`modularity_q`); NaN for a
        graph without edges (whose partition is one module).

    Examples
    --------
    Two triangles joined by one edge split into the two triangles:

    >>> import numpy as np
    >>> A = np.zeros((6, 6))
    >>> for i, j in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]:
    ...     A[i, j] = A[j, i] = 1
    >>> partition, q = spectral_modularity(A)
    >>> partition.tolist(), round(q, 4)
    ([0, 0, 0, 1, 1, 1], 0.3571)
    """
    A = _check_undirected(A)
    n = A.shape[0]
    degree = A.sum(axis=1)
    total = degree.sum()
    gamma = check_real(gamma, "gamma", low=0, inclusive="neither")
    if total == 0:
        return np.zeros(n, dtype=int), float("nan")
    partition = _spectral_partition(A - gamma * np.outer(degree, degree) / total, fine_tune)
    return partition, modularity_q(A, partition, gamma)


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

    Examples
    --------
    Louvain finds the two triangles of the graph of :func:`modularity_q`:

    >>> import numpy as np
    >>> A = np.zeros((6, 6))
    >>> for i, j in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]:
    ...     A[i, j] = A[j, i] = 1
    >>> partition, q = louvain(A, seed=0)
    >>> partition.tolist(), round(q, 4)
    ([0, 0, 0, 1, 1, 1], 0.3571)
    """
    import bct

    A = _check_undirected(A)
    n = A.shape[0]
    if A.sum() == 0:
        return np.arange(n), float("nan")
    gamma = check_real(gamma, "gamma", low=0, inclusive="neither")
    labels, _ = bct.community_louvain(A, gamma=gamma, seed=check_seed(seed, allow_none=False))
    partition = _ordered_labels(labels)
    return partition, modularity_q(A, partition, gamma)


def directed_modularity_q(W, partition, gamma: float = 1.0) -> float:
    """Leicht–Newman directed modularity of a partition of the weighted graph ``|W|``.

    E. A. Leicht and M. E. J. Newman (*Community structure in directed
    networks*, Physical Review Letters 100, 118703, 2008): with ``A = |W|``
    (``A_ij`` the weight from unit ``i`` to unit ``j``, Keras layout; not
    symmetrised, diagonal used as given), out- and in-strengths
    ``k_i^out = sum_j A_ij``, ``k_j^in = sum_i A_ij`` and ``m = sum_ij A_ij``,

    ``Q = 1/m sum_ij (A_ij - gamma k_i^out k_j^in / m) [c_i == c_j]``.

    For a symmetric ``A`` it equals Newman's :func:`modularity_q` of the same
    partition (``m`` is then ``2m`` of the undirected graph).

    Parameters
    ----------
    W : array-like of shape (n, n)
        Weights (signs ignored: ``|W|`` is used).
    partition : array-like of shape (n,)
        Module label of every node (any integers).
    gamma : float, default=1.0
        Resolution parameter.

    Returns
    -------
    Q : float
        NaN for a graph without edges.

    Examples
    --------
    Two directed 3-cycles 0→1→2→0 and 3→4→5→3 joined by the edge 2→3
    (``m = 7``): module {0, 1, 2} holds 3 edges, out-strength 4 and
    in-strength 3; module {3, 4, 5} holds 3 edges, out-strength 3 and
    in-strength 4, so ``Q = (3 + 3)/7 - (4·3 + 3·4)/7² = 18/49``:

    >>> import numpy as np
    >>> A = np.zeros((6, 6))
    >>> for i, j in [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)]:
    ...     A[i, j] = 1
    >>> round(directed_modularity_q(A, [0, 0, 0, 1, 1, 1]), 4), round(18 / 49, 4)
    (0.3673, 0.3673)
    >>> directed_modularity_q(A, [0, 0, 0, 0, 0, 0])
    0.0
    """
    A = np.abs(check_square(W, "W"))
    return _partition_q(A, partition, check_real(gamma, "gamma", low=0))


def directed_modularity(W, gamma: float = 1.0, fine_tune: bool = True):
    """Leicht–Newman spectral partition of a directed weighted graph (deterministic).

    The directed modularity matrix of E. A. Leicht and M. E. J. Newman
    (Physical Review Letters 100, 118703, 2008) on ``A = |W|`` (not
    symmetrised; ``A_ij`` from unit ``i`` to unit ``j``) is
    ``B_ij = A_ij - gamma k_i^out k_j^in / m`` with ``m = sum_ij A_ij``, and
    ``Q = 1/m sum_ij B_ij [c_i == c_j]`` (:func:`directed_modularity_q`).
    Since ``s' B s = s' (B + B') s / 2``, a module is split in two by the
    signs of the leading eigenvector of the symmetrised generalised matrix of
    ``(B + B') / 2`` restricted to the module, fine-tuned and split further
    exactly as in :func:`spectral_modularity` (the same code): this is the
    method of the Brain Connectivity Toolbox's ``modularity_dir`` (Rubinov &
    Sporns, NeuroImage 2010). For a symmetric ``W`` it gives the partition
    and Q of :func:`spectral_modularity`.

    Parameters
    ----------
    W : array-like of shape (n, n)
        Weights (signs ignored: ``|W|``); the diagonal is used as given (zero
        it to leave self-connections out).
    gamma : float, default=1.0
        Resolution parameter.
    fine_tune : bool, default=True
        Apply Newman's (2006) single-node fine-tuning to every split.

    Returns
    -------
    partition : ndarray of shape (n,), int
        Module of every node, numbered 0, 1, ... by decreasing module size.
    Q : float
        Directed modularity of ``partition``; NaN for a graph without edges
        (whose partition is one module).

    Examples
    --------
    The two directed 3-cycles joined by one edge of
    :func:`directed_modularity_q` split into the cycles, ``Q = 18/49``:

    >>> import numpy as np
    >>> A = np.zeros((6, 6))
    >>> for i, j in [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)]:
    ...     A[i, j] = 1
    >>> partition, q = directed_modularity(A)
    >>> partition.tolist(), round(q, 4)
    ([0, 0, 0, 1, 1, 1], 0.3673)
    """
    A = np.abs(check_square(W, "W"))
    gamma = check_real(gamma, "gamma", low=0, inclusive="neither")
    total = A.sum()
    if total == 0:
        return np.zeros(A.shape[0], dtype=int), float("nan")
    B = A - gamma * np.outer(A.sum(axis=1), A.sum(axis=0)) / total
    partition = _spectral_partition((B + B.T) / 2.0, check_bool(fine_tune, "fine_tune"))
    return partition, _partition_q(A, partition, gamma)
