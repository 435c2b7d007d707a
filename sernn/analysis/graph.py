"""From a recurrent weight matrix to the graph that topology measures work on.

The seRNN analysis (Achterberg et al., Nature Machine Intelligence 2023) keeps
the strongest fraction of the absolute weights (a *proportional threshold*),
makes the result undirected explicitly (``A or A.T``) and removes self-loops. Every measure of the binary graph in
:mod:`sernn.analysis` works on the output of :func:`binarize`; none of them is
ever given the raw, directed weights.

Keras layout: ``W[i, j]`` is the weight from unit ``i`` to unit ``j``.
"""
from __future__ import annotations

import numpy as np

from sernn.validation import check_real, check_square

__all__ = ["check_weights", "proportional_threshold", "binarize", "symmetrize"]


def check_weights(W, name: str = "W") -> np.ndarray:
    """Validate a square weight matrix and return it as float64.

    Parameters
    ----------
    W : array-like of shape (n, n)
        Weight matrix; any real values (signs are ignored by the measures,
        which use ``|W|``).
    name : str, default="W"
        Argument name used in error messages.

    Returns
    -------
    W : ndarray of shape (n, n), float64

    Raises
    ------
    ValueError
        If ``W`` is not a square 2-D matrix with at least 2 rows, or holds NaN
        or infinite values.
    TypeError
        If ``W`` cannot be converted to a real numeric array.

    Examples
    --------
    >>> W = check_weights([[0, 1], [2, 0]])     # integers become float64
    >>> W.dtype, W.shape
    (dtype('float64'), (2, 2))
    """
    return check_square(W, name, min_size=2)


def _check_density(density) -> float:
    return check_real(density, "density", low=0, high=1, inclusive="right")


def symmetrize(B) -> np.ndarray:
    """Undirected version of a binary graph: ``A = B or B.T``, zero diagonal.

    Parameters
    ----------
    B : array-like of shape (n, n)
        Binary (or boolean) adjacency, possibly directed.

    Returns
    -------
    A : ndarray of shape (n, n), bool
        Symmetric adjacency without self-loops.

    Examples
    --------
    The directed edges 0 -> 1 and 1 -> 2 become undirected, the self-loop at
    node 0 is dropped:

    >>> import numpy as np
    >>> B = np.array([[1, 1, 0], [0, 0, 1], [0, 0, 0]])
    >>> symmetrize(B).astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    """
    B = np.asarray(B) != 0
    A = B | B.T
    np.fill_diagonal(A, False)
    return A


def proportional_threshold(W, density: float = 0.1):
    """Keep the strongest ``density`` fraction of the off-diagonal weights.

    The candidate entries are the off-diagonal entries of ``|W|``: all
    ``n (n - 1)`` ordered pairs for a directed (asymmetric) matrix, the
    ``n (n - 1) / 2`` pairs of the upper triangle for a symmetric one. The
    ``k = round(density * candidates)`` largest of them are kept; entries that
    are exactly zero are never kept (an absent connection is not an edge), so
    fewer than ``k`` may survive. Ties at the cut-off are broken by position
    (row-major order), which makes the result deterministic.

    Parameters
    ----------
    W : array-like of shape (n, n)
        Weight matrix.
    density : float, default=0.1
        Fraction of candidate entries kept, in (0, 1].

    Returns
    -------
    B : ndarray of shape (n, n), bool
        The kept entries (symmetric if ``W`` is symmetric; diagonal False).
    rule : dict
        ``{"rule", "density_target", "candidates", "kept", "symmetric_input"}``
        describing what was done.

    Examples
    --------
    A directed 3-unit matrix has 6 off-diagonal candidates; ``density=0.5``
    keeps the 3 largest ``|W|`` (4, 3 and 2), the sign of -1 being ignored:

    >>> import numpy as np
    >>> W = np.array([[0.0, 3.0, -1.0],
    ...               [0.5, 0.0, 2.0],
    ...               [0.0, 4.0, 0.0]])
    >>> B, rule = proportional_threshold(W, density=0.5)
    >>> B.astype(int).tolist()
    [[0, 1, 0], [0, 0, 1], [0, 1, 0]]
    >>> rule["candidates"], rule["kept"], rule["symmetric_input"]
    (6, 3, False)
    """
    W = np.abs(check_weights(W))
    density = _check_density(density)
    n = W.shape[0]
    symmetric = bool(np.array_equal(W, W.T))
    if symmetric:
        rows, cols = np.triu_indices(n, k=1)
    else:
        mask = ~np.eye(n, dtype=bool)
        rows, cols = np.nonzero(mask)
    values = W[rows, cols]
    k = int(round(density * values.size))
    order = np.argsort(-values, kind="stable")[:k]
    order = order[values[order] > 0]
    B = np.zeros((n, n), dtype=bool)
    B[rows[order], cols[order]] = True
    if symmetric:
        B |= B.T
    rule = {
        "rule": (
            f"proportional threshold: top {density:g} of off-diagonal |W| "
            f"({'upper-triangle pairs' if symmetric else 'ordered pairs'}), "
            "zeros never kept, ties by position; then A = B or B.T, no self-loops"
        ),
        "density_target": density,
        "candidates": int(values.size),
        "kept": int(order.size),
        "symmetric_input": symmetric,
    }
    return B, rule


def binarize(W, density: float = 0.1):
    """Proportional threshold, explicit symmetrisation and no self-loops.

    Parameters
    ----------
    W : array-like of shape (n, n)
        Weight matrix (directed or not; signs ignored).
    density : float, default=0.1
        Fraction of off-diagonal weights kept (see :func:`proportional_threshold`).

    Returns
    -------
    A : ndarray of shape (n, n), bool
        Symmetric binary adjacency with zero diagonal.
    rule : dict
        The thresholding rule (see :func:`proportional_threshold`) plus
        ``"edges"`` (undirected edges of ``A``) and ``"density"`` (edges divided
        by ``n (n - 1) / 2``, the density actually analysed).

    Examples
    --------
    The 3 kept directed weights of the example of :func:`proportional_threshold`
    (0 -> 1, 1 -> 2 and 2 -> 1) make 2 undirected edges out of 3 possible pairs:

    >>> import numpy as np
    >>> W = np.array([[0.0, 3.0, -1.0],
    ...               [0.5, 0.0, 2.0],
    ...               [0.0, 4.0, 0.0]])
    >>> A, rule = binarize(W, density=0.5)
    >>> A.astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> rule["edges"], round(rule["density"], 4)
    (2, 0.6667)
    """
    B, rule = proportional_threshold(W, density)
    A = symmetrize(B)
    n = A.shape[0]
    edges = int(np.count_nonzero(np.triu(A, 1)))
    rule = dict(rule, edges=edges, density=edges / (n * (n - 1) / 2))
    return A, rule
