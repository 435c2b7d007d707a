import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf

from sernn.communicability import communicability


def reference(W):
    """Float64 reference written out directly from the definition."""
    A = np.abs(W)
    s = A.sum(axis=1)
    d = np.array([1 / np.sqrt(v) if v > 0 else 0.0 for v in s])
    C = scipy.linalg.expm(np.diag(d) @ A @ np.diag(d))
    return C - np.diag(np.diag(C))


def test_two_unit_case_by_hand():
    # W = [[0, a], [b, 0]]: s = (a, b), M = [[0, sqrt(a/b)], [sqrt(b/a), 0]], M^2 = I,
    # so expm(M) = cosh(1) I + sinh(1) M and C01 = sinh(1) sqrt(a/b), C10 = sinh(1) sqrt(b/a).
    a, b = 0.3, 1.2
    W = np.array([[0.0, a], [-b, 0.0]])
    expected = np.array([[0, np.sinh(1) * np.sqrt(a / b)], [np.sinh(1) * np.sqrt(b / a), 0]])
    np.testing.assert_allclose(communicability(W), expected, rtol=1e-12)
    got = communicability(tf.constant(W)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9)


@pytest.mark.parametrize("n", [5, 100, 312])
def test_tensor_path_matches_scipy(n):
    rng = np.random.default_rng(n)
    W = rng.normal(size=(n, n)) / np.sqrt(n)
    ref = reference(W)
    np.testing.assert_allclose(communicability(W), ref, rtol=1e-10, atol=1e-14)
    got64 = communicability(tf.constant(W)).numpy()
    assert np.abs(got64 - ref).max() / np.abs(ref).max() < 1e-8
    got32 = communicability(tf.constant(W, tf.float32)).numpy()
    assert np.abs(got32 - ref).max() / np.abs(ref).max() < 1e-5


def test_sparse_and_skewed_strengths():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(50, 50)) * (rng.random((50, 50)) < 0.1)
    W[:5] *= 100.0  # strengths spread over orders of magnitude
    ref = reference(W)
    got = communicability(tf.constant(W)).numpy()
    assert np.abs(got - ref).max() / np.abs(ref).max() < 1e-8


def test_isolated_unit_is_finite_in_value_and_gradient():
    rng = np.random.default_rng(2)
    W = rng.normal(size=(8, 8))
    W[3] = 0.0  # unit 3 sends nothing: its strength is 0
    C = communicability(W)
    assert np.isfinite(C).all()
    # pseudo-inverse convention: the isolated unit's row and column are zero
    assert np.all(C[3] == 0) and np.all(C[:, 3] == 0)
    np.testing.assert_allclose(C, reference(W), rtol=1e-10)
    variable = tf.Variable(W)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(communicability(variable))
    grad = tape.gradient(total, variable).numpy()
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(communicability(tf.constant(W)).numpy(), C, rtol=1e-9, atol=1e-15)


def test_all_zero_matrix():
    assert np.all(communicability(np.zeros((4, 4))) == 0)
    variable = tf.Variable(np.zeros((4, 4)))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(communicability(variable))
    assert np.isfinite(tape.gradient(total, variable).numpy()).all()


def test_rejects_non_square():
    with pytest.raises(ValueError, match="square"):
        communicability(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="square"):
        communicability(tf.zeros((3, 4)))
