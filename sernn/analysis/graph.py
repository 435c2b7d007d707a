"""From a recurrent weight matrix to the graph that topology measures work on.

The seRNN analysis (Achterberg et al. 2023) keeps the strongest fraction of the absolute
weights (a *proportional threshold*), makes the result undirected explicitly
(``A or A.T``) and removes self-loops. Every measure of the binary graph in
:mod:`sernn.analysis` works on the output of :func:`binarize`; none of them is
ever given the raw, directed weights.

Keras layout: ``W[i, j]`` is the weight from unit ``i`` to unit ``j``.
"""
from __future__ import annotations

import numpy as np

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
    """
    try:
        array = np.asarray(W)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name} must be a numeric (n, n) array; got {type(W).__name__}") from exc
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] < 2:
        raise ValueError(f"{name} must be a square (n, n) matrix with n >= 2; got shape {array.shape}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite; it holds {int(np.sum(~np.isfinite(array)))} NaN/inf values")
    return array


def _check_density(density) -> float:
    if isinstance(density, bool) or not isinstance(density, (int, float, np.integer, np.floating)):
        raise TypeError(f"density must be a number in (0, 1]; got {density!r}")
    density = float(density)
    if not 0.0 < density <= 1.0:
        raise ValueError(f"density must be in (0, 1] (the fraction of weights kept); got {density}")
    return density


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
    """
    B, rule = proportional_threshold(W, density)
    A = symmetrize(B)
    n = A.shape[0]
    edges = int(np.count_nonzero(np.triu(A, 1)))
    rule = dict(rule, edges=edges, density=edges / (n * (n - 1) / 2))
    return A, rule
