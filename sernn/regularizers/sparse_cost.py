"""The communicability wiring cost of large recurrent kernels, on the support of W only.

The penalties of :mod:`sernn.regularizers.spatial` are ``sum_{i != j} m_ij C_ij``
with ``m = |W| * F`` (``F`` the distances, or 1) and ``C = expm(A)``,
``A = S^-1/2 |W| S^-1/2`` (:mod:`sernn.communicability`). Only the entries of
``C`` where ``W`` is non-zero count, and a zero weight adds nothing to the value
nor to the gradient (``d|w|/dw = 0`` at 0 in TensorFlow, so the dense form's
gradient is exactly 0 there too). This module evaluates the cost from the
non-zero entries alone (TensorFlow sparse tensors), so that neither ``C`` nor the
distances are ever held as an ``(n, n)`` matrix of every pair.

Two methods (``method=`` of the regularisers):

``"sparse"`` (exact)
    ``C`` column block by column block: ``expm(A) X`` for ``X`` the identity's
    columns of one block, with the degree-11 Taylor polynomial in Horner form
    (11 sparse-dense products; ``A``'s spectral radius is 1, so the truncation
    error is below ``2.3e-9`` relative, as for the dense form), then the block's
    support entries are gathered. About ``n * nnz(W) * 11`` multiply-adds; each
    block's intermediates are recomputed in the backward pass, so memory stays
    ``O(nnz + n * block)``. Any ``communicability_power``.

``"estimate"`` (stochastic, ``probes=``, ``seed=``)
    ``C = I + A + R`` with ``R = sum_{k>=2} A^k / k!``. The ``I`` term adds
    nothing off the diagonal and the ``A`` term is summed exactly; the
    remainder ``tr(M^T R)`` is estimated with Hutch++ (Meyer, Musco, Musco &
    Woodruff, SIAM Symposium on Simplicity in Algorithms 2021): a third of the probes sketch the dominant subspace ``Q``
    of ``B = M^T R`` (its trace is taken exactly), the rest are Rademacher
    probes of the deflated part. The sketch is held fixed in the gradient
    (the estimate is unbiased for every fixed ``Q``, so its gradient is
    unbiased for the gradient of the cost). The probes are drawn from
    ``seed`` only, so the estimate is a function of ``W`` alone: the same seed
    gives the same value (to float32 rounding: the order of the multi-threaded
    sums may change the last digit between calls). About
    ``probes * nnz(W) * 11`` multiply-adds. ``communicability_power`` 1 only.

Measured errors against the exact float64 cost are in ``docs/large_networks.md``
(the project's documentation) and checked by its test suite.
"""
from __future__ import annotations

from sernn.sparse_matmul import SparseOperator

__all__ = ["METHODS", "DEFAULT_PROBES", "DEFAULT_BLOCK", "kernel_support", "power_keeping_zeros",
           "sparse_wiring_cost", "estimated_wiring_cost"]

#: The ways a communicability penalty can be evaluated.
METHODS = ("dense", "sparse", "estimate")
#: Default number of probe vectors of ``method="estimate"``.
DEFAULT_PROBES = 48
#: Default number of columns of ``C`` computed at once by ``method="sparse"``.
DEFAULT_BLOCK = 512
#: Strengths at or below this count as zero (as in :mod:`sernn.communicability`).
_EPS = 1e-12


def kernel_support(x):
    """``(indices, values)`` of the non-zero entries of a dense ``(n, n)`` tensor, row-major order.

    A :class:`tf.SparseTensor` is returned as its (reordered) indices and values.

    Examples
    --------
    >>> import tensorflow as tf
    >>> from sernn.regularizers.sparse_cost import kernel_support
    >>> indices, values = kernel_support(tf.constant([[0.0, 2.0], [3.0, 0.0]]))
    >>> indices.numpy().tolist(), values.numpy().tolist()
    ([[0, 1], [1, 0]], [2.0, 3.0])

    A sparse tensor given in any order comes back in row-major order:

    >>> x = tf.SparseTensor([[1, 0], [0, 1]], [3.0, 2.0], (2, 2))
    >>> indices, values = kernel_support(x)
    >>> indices.numpy().tolist(), values.numpy().tolist()
    ([[0, 1], [1, 0]], [2.0, 3.0])
    """
    import tensorflow as tf

    if isinstance(x, tf.SparseTensor):
        x = tf.sparse.reorder(x)
        return x.indices, x.values
    indices = tf.where(tf.not_equal(x, 0))
    return indices, tf.gather_nd(x, indices)


def power_keeping_zeros(c, power: float):
    """``c ** power`` for non-negative ``c``, with 0 kept at 0 and a finite gradient there (keras ops).

    Examples
    --------
    The square root of ``[0, 4, 9]``; the gradient at 0 is 0 (plain ``c ** 0.5``
    would give an infinite one) and ``0.5 / sqrt(c)`` elsewhere:

    >>> import tensorflow as tf
    >>> from sernn.regularizers.sparse_cost import power_keeping_zeros
    >>> c = tf.constant([0.0, 4.0, 9.0])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(c)
    ...     y = power_keeping_zeros(c, 0.5)
    ...     total = tf.reduce_sum(y)
    >>> y.numpy().tolist()
    [0.0, 2.0, 3.0]
    >>> [round(g, 4) for g in tape.gradient(total, c).numpy().tolist()]
    [0.0, 0.25, 0.1667]
    """
    from keras import ops

    if power == 1.0:
        return c
    positive = c > 0
    return ops.where(positive, ops.power(ops.where(positive, c, ops.ones_like(c)), power), ops.zeros_like(c))


def _normalized(indices, values, n):
    """The values of ``A = S^-1/2 |W| S^-1/2`` on the support (pseudo-inverse for isolated units)."""
    import tensorflow as tf

    magnitude = tf.abs(values)
    rows, columns = indices[:, 0], indices[:, 1]
    strength = tf.math.unsorted_segment_sum(magnitude, rows, n)
    inv_sqrt = tf.where(strength > _EPS, tf.math.rsqrt(tf.maximum(strength, _EPS)), tf.zeros_like(strength))
    return magnitude * tf.gather(inv_sqrt, rows) * tf.gather(inv_sqrt, columns)


def _taylor_apply(a, x, degree: int, skip: int = 0):
    """``sum_{k=skip}^{degree} A^k X / k!`` for a :class:`~sernn.sparse_matmul.SparseOperator` ``A`` and a
    dense ``X`` (Horner form: ``degree`` products)."""
    # with y_k = X + A y_{k+1} / k from k = degree down to skip + 1, the sum is A^skip y_{skip+1} / skip!
    y = x
    for k in range(degree, skip, -1):
        y = x + a.matmul(y) * (1.0 / k)
    for k in range(skip, 0, -1):
        y = a.matmul(y) * (1.0 / k)
    return y


def sparse_wiring_cost(indices, values, factor, n: int, degree: int = 11, power: float = 1.0,
                       constant_communicability: bool = False, block: int = DEFAULT_BLOCK):
    """Exact ``sum_{(i,j) in support} |w_ij| factor_ij C_ij ** power`` from the support of W.

    Parameters
    ----------
    indices : int64 tensor (nnz, 2)
        The support, row-major order (:func:`kernel_support`).
    values : tensor (nnz,)
        The weights there.
    factor : tensor (nnz,)
        ``F`` on the support (distances ** d_pow, or 1), 0 on the diagonal.
    n : int
        Units.
    degree : int, default=11
        Degree of the Taylor polynomial of ``expm``.
    power : float, default=1.0
        Exponent on the communicability.
    constant_communicability : bool, default=False
        If True, ``C`` is treated as a constant in the gradient.
    block : int, default=512
        Columns of ``C`` computed at once.

    Examples
    --------
    With ``F = 1`` off the diagonal this is ``sum(|W| * C)``, checked against
    ``scipy.linalg.expm``:

    >>> import numpy as np, scipy.linalg, tensorflow as tf
    >>> from sernn.regularizers.sparse_cost import kernel_support, sparse_wiring_cost
    >>> W = np.array([[0.0, 0.5, -0.2], [0.3, 0.0, 0.4], [0.0, -0.6, 0.1]])
    >>> indices, values = kernel_support(tf.constant(W, tf.float32))
    >>> factor = tf.cast(indices[:, 0] != indices[:, 1], tf.float32)
    >>> cost = sparse_wiring_cost(indices, values, factor, n=3)
    >>> A = np.abs(W)
    >>> s = A.sum(axis=1)
    >>> C = scipy.linalg.expm(A / np.sqrt(np.outer(s, s)))
    >>> np.fill_diagonal(C, 0.0)
    >>> round(float(cost), 5), round(float(np.sum(A * C)), 5)
    (1.67956, 1.67956)
    """
    import tensorflow as tf

    a_values = _normalized(indices, values, n)
    if constant_communicability:
        a_values = tf.stop_gradient(a_values)
    columns = indices[:, 1]
    order = tf.argsort(columns, stable=True)
    sorted_columns = tf.gather(columns, order)
    sorted_rows = tf.gather(indices[:, 0], order)
    sorted_weight = tf.gather(tf.abs(values) * factor, order)

    def block_values(a_vals, start, size):
        a = SparseOperator(indices, a_vals, n)
        identity = tf.one_hot(tf.range(start, start + size), n, dtype=a_vals.dtype, axis=0)  # (n, size)
        return _taylor_apply(a, identity, degree)

    total = tf.zeros((), dtype=values.dtype)
    for start in range(0, n, block):
        size = min(block, n - start)
        lo = tf.searchsorted(sorted_columns, tf.constant([start], tf.int64), side="left")[0]
        hi = tf.searchsorted(sorted_columns, tf.constant([start + size], tf.int64), side="left")[0]
        compute = tf.recompute_grad(lambda a_vals, s=start, z=size: block_values(a_vals, s, z))
        columns_block = compute(a_values)  # (n, size): C[:, start:start+size] with the diagonal
        where = tf.stack([sorted_rows[lo:hi], sorted_columns[lo:hi] - start], axis=1)
        c = power_keeping_zeros(tf.gather_nd(columns_block, where), power)
        total = total + tf.reduce_sum(sorted_weight[lo:hi] * c)
    return total


def _rademacher(n: int, count: int, seed: int, stream: int, dtype):
    import tensorflow as tf

    draws = tf.random.stateless_uniform((n, count), seed=tf.constant([seed, stream], tf.int64), dtype=tf.float32)
    return tf.cast(tf.where(draws < 0.5, -1.0, 1.0), dtype)


def estimated_wiring_cost(indices, values, factor, n: int, degree: int = 11, probes: int = DEFAULT_PROBES,
                          seed: int = 0, constant_communicability: bool = False):
    """Hutch++ estimate of ``sum_{(i,j) in support} |w_ij| factor_ij C_ij`` (see the module docstring).

    The arguments are those of :func:`sparse_wiring_cost`, with ``probes``
    probe vectors drawn from ``seed`` (the same seed, the same value to float32 rounding).

    Examples
    --------
    A 40-unit kernel with 20 % of its connections: the estimate with the default
    48 probes is within 1 % of the exact cost, and the same seed gives the same
    value (to float32 rounding):

    >>> import numpy as np, tensorflow as tf
    >>> from sernn.regularizers.sparse_cost import (estimated_wiring_cost, kernel_support,
    ...                                             sparse_wiring_cost)
    >>> rng = np.random.default_rng(0)
    >>> W = rng.normal(size=(40, 40)) * (rng.random((40, 40)) < 0.2)
    >>> indices, values = kernel_support(tf.constant(W, tf.float32))
    >>> factor = tf.cast(indices[:, 0] != indices[:, 1], tf.float32)
    >>> exact = float(sparse_wiring_cost(indices, values, factor, n=40))
    >>> estimate = float(estimated_wiring_cost(indices, values, factor, n=40, seed=0))
    >>> abs(estimate - exact) / exact < 0.01
    True
    >>> again = float(estimated_wiring_cost(indices, values, factor, n=40, seed=0))
    >>> bool(np.isclose(again, estimate, rtol=1e-6))
    True
    """
    import tensorflow as tf

    a_values = _normalized(indices, values, n)
    if constant_communicability:
        a_values = tf.stop_gradient(a_values)
    weight = tf.abs(values) * factor
    exact = tf.reduce_sum(weight * a_values)  # the A term; the I term is 0 off the diagonal
    a = SparseOperator(indices, a_values, n)
    m = SparseOperator(indices, weight, n)

    def b(x):  # M^T R X
        return m.matmul(_taylor_apply(a, x, degree, skip=2), transpose=True)

    sketch = max(1, probes // 3)
    hutchinson = max(1, probes - 2 * sketch)
    s = _rademacher(n, sketch, seed, 0, values.dtype)
    q, _ = tf.linalg.qr(tf.stop_gradient(b(s)))
    q = tf.stop_gradient(q)
    deflated = tf.linalg.trace(tf.matmul(q, b(q), transpose_a=True))
    g = _rademacher(n, hutchinson, seed, 1, values.dtype)
    g = g - tf.matmul(q, tf.matmul(q, g, transpose_a=True))
    rest = tf.reduce_sum(g * b(g)) / hutchinson
    return exact + deflated + rest
