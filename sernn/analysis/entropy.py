"""Entropies of a weight matrix's eigenvalues and of its weighted communicability.

The follow-up study of spatial embedding and entropy (Sheeran et al.,
*Spatial embedding promotes a specific form of modularity with low entropy and
heterogeneous spectral dynamics*, arXiv preprint 2409.17693, 2024) compares
trained networks by entropies of their weights and eigenspectra. Both measures
here are Shannon entropies in **nats** (natural logarithm), unlike the
weight entropies of :mod:`sernn.analysis.metrics`, which are in bits.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from sernn.analysis.graph import check_weights
from sernn.validation import check_bool

__all__ = ["spectral_entropy", "communicability_entropy"]


def _shannon(p) -> float:
    """``-sum p log p`` (nats) of non-negative masses normalised to sum 1; NaN for no mass."""
    total = p.sum()
    if not total > 0:
        return float("nan")
    p = p[p > 0] / total
    return float(-np.sum(p * np.log(p)) + 0.0)


def spectral_entropy(W, normalize: bool = False) -> float:
    """Shannon entropy of the normalised eigenvalue magnitudes of ``W``.

    With ``lambda_1, ..., lambda_n`` the (complex) eigenvalues of the signed
    weight matrix ``W`` (those of ``W.T``, the matrix of the linear dynamics,
    are the same), ``p_i = |lambda_i| / sum_j |lambda_j|`` and
    ``H = -sum_i p_i log p_i`` in nats (``0 log 0 = 0``). Eigenvalues with
    ``|lambda| <= n eps ||W||_F`` count as 0 (numerical zeros of a
    rank-deficient matrix). ``H`` ranges from 0 (one eigenvalue carries the
    whole spectrum, e.g. a rank-1 matrix) to ``log n`` (all eigenvalues of equal
    magnitude, e.g. an orthogonal matrix); a low value means a few dominant
    modes of the dynamics. This is the spectral entropy of the eigenspectra
    compared by the follow-up study of spatial embedding and entropy (Sheeran
    et al., arXiv preprint 2409.17693, 2024).

    Parameters
    ----------
    W : array-like of shape (n, n)
        Recurrent weights (signed; the signs change the eigenvalues).
    normalize : bool, default=False
        Divide by ``log n``, for a value in ``[0, 1]`` comparable across sizes.

    Returns
    -------
    entropy : float
        In nats (or a fraction of ``log n``); NaN when every eigenvalue is 0.

    Examples
    --------
    The 4 eigenvalues of a cyclic permutation are the 4th roots of unity, of
    equal magnitude: ``H = log 4``; a rank-1 matrix has one non-zero
    eigenvalue: ``H = 0``:

    >>> import math
    >>> import numpy as np
    >>> P = np.roll(np.eye(4), 1, axis=1)
    >>> round(spectral_entropy(P), 4), round(math.log(4), 4), round(spectral_entropy(P, normalize=True), 4)
    (1.3863, 1.3863, 1.0)
    >>> spectral_entropy(np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0]))
    0.0
    """
    W = check_weights(W)
    normalize = check_bool(normalize, "normalize")
    n = W.shape[0]
    magnitude = np.abs(scipy.linalg.eigvals(W))
    magnitude[magnitude <= n * np.finfo(np.float64).eps * np.linalg.norm(W)] = 0.0
    entropy = _shannon(magnitude)
    return float(entropy / np.log(n)) if normalize else entropy


def communicability_entropy(W, diagonal: bool = False) -> float:
    """Shannon entropy of the normalised weighted communicability of ``W``.

    ``C = expm(S^-1/2 |W| S^-1/2)`` with ``S`` the diagonal matrix of row
    strengths (Crofts & Higham, Journal of the Royal Society Interface 2009;
    the definition, and the zero row and column of an isolated unit, of
    :func:`sernn.communicability.communicability`). By default only the
    ``n(n - 1)`` off-diagonal entries count, as in that function and in
    ``mean_communicability``: ``p_ij = C_ij / sum_(k != l) C_kl`` for ``i != j``
    and ``H = -sum_(i != j) p_ij log p_ij`` in nats. With ``diagonal=True``
    the ``n`` diagonal entries (the units' closed walks, at least 1 each from
    the identity term of the exponential) are included in both sums. ``H`` is
    at most ``log(n(n - 1))`` (``log n^2`` with the diagonal), reached when all
    units communicate equally; lower values mean communication concentrated on
    few pairs.

    Parameters
    ----------
    W : array-like of shape (n, n)
        Recurrent weights (signs ignored).
    diagonal : bool, default=False
        Include the diagonal of ``C``.

    Returns
    -------
    entropy : float
        In nats; NaN without off-diagonal communicability (an all-zero ``W``
        with ``diagonal=False``).

    Examples
    --------
    All-equal weights give ``C = I + (e - 1)/n J`` (``J`` all ones), whose 6
    off-diagonal entries are equal: ``H = log 6``. An all-zero ``W`` gives
    ``C = expm(0) = I``: with the diagonal, 3 equal entries, ``H = log 3``:

    >>> import math
    >>> import numpy as np
    >>> round(communicability_entropy(np.ones((3, 3))), 4), round(math.log(6), 4)
    (1.7918, 1.7918)
    >>> round(communicability_entropy(np.zeros((3, 3)), diagonal=True), 4), round(math.log(3), 4)
    (1.0986, 1.0986)
    """
    from sernn.communicability import communicability, normalized_strength_matrix

    W = check_weights(W)
    if check_bool(diagonal, "diagonal"):
        return _shannon(scipy.linalg.expm(normalized_strength_matrix(W)))
    return _shannon(communicability(W))
