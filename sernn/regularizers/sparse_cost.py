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
    Woodruff 2021): a third of the probes sketch the dominant subspace ``Q``
    of ``B = M^T R`` (its trace is taken exactly), the rest are Rademacher
    probes of the deflated part. The sketch is held fixed in the gradient
    (the estimate is unbiased for every fixed ``Q``, so its gradient is
    unbiased for the gradient of the cost). The probes are drawn from
    ``seed`` only, so the estimate is a deterministic function of ``W``: the
    same seed gives the same value and the same training. About
    ``probes * nnz(W) * 11`` multiply-adds. ``communicability_power`` 1 only.

Measured errors against the exact float64 cost are in ``docs/large_networks.md``
and tested in ``tests/test_large_networks.py``.
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
    """
    import tensorflow as tf

    if isinstance(x, tf.SparseTensor):
        x = tf.sparse.reorder(x)
        return x.indices, x.values
    indices = tf.where(tf.not_equal(x, 0))
    return indices, tf.gather_nd(x, indices)


def power_keeping_zeros(c, power: float):
    """``c ** power`` for non-negative ``c``, with 0 kept at 0 and a finite gradient there (keras ops)."""
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
    """Hutch++ estimate of ``sum_{(i,j) in support} |w_ij| factor_ij C_ij`` (see the module docstring)."""
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
