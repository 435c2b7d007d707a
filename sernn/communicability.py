"""Weighted communicability (Crofts & Higham, J R Soc Interface 2009).

For a weight matrix ``W`` in Keras layout (``W[i, j]`` is the weight from unit i
to unit j)::

    A = |W|,   s = A.sum(axis=1)                (row strengths)
    M = diag(s)^-1/2 · A · diag(s)^-1/2
    C = expm(M),  with the diagonal of C then set to 0.

**Isolated units.** A unit whose row of ``W`` is all zero has ``s = 0``; the
formula divides by zero there and earlier implementations returned NaN. This
module uses the pseudo-inverse convention: ``s^-1/2 := 0`` where ``s <= eps``,
so that unit's row *and* column of ``M`` are zero (it communicates with nobody,
and no other entry is inflated). The value and the gradient stay finite. A
clamp such as ``s >= 1e-12`` would also be finite but multiplies that unit's
incoming entries of ``M`` by up to 1e6, so it is not used.

**Speed.** ``M`` is similar to the row-stochastic matrix ``diag(s)^-1 A``
(``M = S^1/2 P S^-1/2``), so its spectral radius is at most 1 and every power
satisfies ``|M^k|_ij <= sqrt(s_i / s_j)``. A Taylor polynomial of degree 11
therefore approximates ``expm(M)`` with an error per entry of at most
``sqrt(s_i / s_j) * sum_{k>11} 1/k!`` (about ``2.3e-9 * sqrt(s_i / s_j)``),
while the entry itself is of order ``sqrt(s_i / s_j) * P_ij``: far below float32
resolution for any matrix met in training. The polynomial is evaluated with the
Paterson–Stockmeyer scheme (5 matrix products, against 6 plus a linear solve
and squarings for a Padé ``expm``), and its gradient is plain back-propagation
through matrix products.

Two entry points share this definition:

* a numpy array goes through ``scipy.linalg.expm`` in float64 (the reference);
* a Keras/TensorFlow tensor goes through ``keras.ops`` (differentiable; used
  inside training steps by :mod:`sernn.regularizers`).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from sernn.validation import check_integer, check_square

__all__ = ["communicability", "normalized_strength_matrix", "DEFAULT_TAYLOR_DEGREE", "STRENGTH_EPS"]

#: Degree of the Taylor polynomial used for tensors.
DEFAULT_TAYLOR_DEGREE = 11

#: Row strengths at or below this value count as zero (pseudo-inverse convention).
STRENGTH_EPS = 1e-12


def _is_numpy_like(value) -> bool:
    return isinstance(value, (np.ndarray, np.generic, list, tuple))


def normalized_strength_matrix(weights) -> np.ndarray:
    """``M = S^-1/2 |W| S^-1/2`` for a numpy array (float64), with the pseudo-inverse convention.

    Examples
    --------
    A 3-node chain 0 - 1 - 2 with weights 1 and 2 (signs are ignored): the
    strengths are ``s = (1, 3, 2)``, so ``M[0, 1] = 1 / sqrt(1 * 3) = 0.5774`` and
    ``M[1, 2] = 2 / sqrt(3 * 2) = 0.8165``.

    >>> import numpy as np
    >>> from sernn.communicability import normalized_strength_matrix
    >>> W = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0], [0.0, -2.0, 0.0]])
    >>> normalized_strength_matrix(W).round(4).tolist()
    [[0.0, 0.5774, 0.0], [0.5774, 0.0, 0.8165], [0.0, 0.8165, 0.0]]

    An isolated unit (here unit 2) gets a zero row and column, not NaN:

    >>> normalized_strength_matrix([[0, 1, 0], [1, 0, 0], [0, 0, 0]]).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    A = np.abs(check_square(weights, "weights"))
    s = A.sum(axis=1)
    inv_sqrt = np.zeros_like(s)
    positive = s > STRENGTH_EPS
    inv_sqrt[positive] = 1.0 / np.sqrt(s[positive])
    return A * inv_sqrt[:, None] * inv_sqrt[None, :]


def _check_square(array) -> None:
    shape = tuple(array.shape)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"weights must be a square (n, n) matrix; got a tensor of shape {shape}")


def communicability(weights, degree: int | None = None):
    """Weighted communicability matrix with zero diagonal.

    Parameters
    ----------
    weights : ndarray or Keras/TensorFlow tensor of shape (n, n)
        Recurrent weights, ``weights[i, j]`` from unit i to unit j. Signs are
        ignored (``|W|`` is used).
    degree : int, optional
        Only for tensors: degree of the Taylor polynomial; None means
        :data:`DEFAULT_TAYLOR_DEGREE` (11). numpy input is always computed with
        ``scipy.linalg.expm`` in float64.

    Returns
    -------
    C : same kind as ``weights``, shape (n, n)
        ``expm(S^-1/2 |W| S^-1/2)`` with zero diagonal; non-negative. numpy
        input gives float64; a tensor gives a tensor of its dtype.

    Examples
    --------
    The 3-node chain 0 - 1 - 2 with weights 1 and 2, checked against
    ``scipy.linalg.expm`` of the normalised matrix by hand. Units 0 and 2 are
    not connected but communicate through unit 1:

    >>> import numpy as np
    >>> import scipy.linalg
    >>> from sernn.communicability import communicability
    >>> W = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
    >>> s = W.sum(axis=1)                         # strengths (1, 3, 2)
    >>> M = W / np.sqrt(np.outer(s, s))
    >>> expected = scipy.linalg.expm(M) * (1 - np.eye(3))
    >>> C = communicability(W)
    >>> C.round(4).tolist()
    [[0.0, 0.6785, 0.256], [0.6785, 0.0, 0.9595], [0.256, 0.9595, 0.0]]
    >>> bool(np.allclose(C, expected))
    True

    A Keras tensor goes through the differentiable Taylor polynomial and gives
    the same values to float32 tolerance:

    >>> import keras
    >>> C_tensor = communicability(keras.ops.convert_to_tensor(W, dtype="float32"))
    >>> values = keras.ops.convert_to_numpy(C_tensor)
    >>> values.dtype, bool(np.allclose(values, C, atol=1e-6))
    (dtype('float32'), True)
    """
    if _is_numpy_like(weights):
        if degree is not None:
            raise ValueError("degree applies to tensors only; numpy input uses scipy.linalg.expm")
        M = normalized_strength_matrix(weights)
        C = scipy.linalg.expm(M)
        np.fill_diagonal(C, 0.0)
        return C
    return _communicability_tensor(weights, DEFAULT_TAYLOR_DEGREE if degree is None else degree)


def _communicability_tensor(weights, degree: int):
    from keras import ops

    degree = check_integer(degree, "degree", low=1)
    _check_square(weights)
    A = ops.abs(weights)
    s = ops.sum(A, axis=1)
    positive = s > STRENGTH_EPS
    inv_sqrt = ops.where(positive, ops.rsqrt(ops.maximum(s, STRENGTH_EPS)), ops.zeros_like(s))
    M = A * ops.expand_dims(inv_sqrt, 1) * ops.expand_dims(inv_sqrt, 0)
    n = ops.shape(M)[0]
    identity = ops.eye(n, dtype=M.dtype)
    E = _taylor_expm(M, identity, degree)
    return E * (1.0 - identity)


def _taylor_expm(M, identity, degree: int):
    """Paterson–Stockmeyer evaluation of sum_{k<=degree} M^k / k!."""
    from keras import ops

    s = max(1, int(math.ceil(math.sqrt(degree))))
    powers = [identity, M]
    for _ in range(2, s + 1):
        powers.append(ops.matmul(powers[-1], M))
    coeff = [1.0 / math.factorial(k) for k in range(degree + 1)]
    n_blocks = degree // s + 1

    def block(i):
        terms = [coeff[i * s + j] * powers[j] for j in range(s) if i * s + j <= degree]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    result = block(n_blocks - 1)
    for i in range(n_blocks - 2, -1, -1):
        result = block(i) + ops.matmul(powers[s], result)
    return result
