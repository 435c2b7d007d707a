"""Thresholding and symmetrisation of weight matrices (sernn.analysis.graph)."""
import numpy as np
import pytest

from sernn.analysis import binarize, proportional_threshold, symmetrize, topology


def _top_k_reference(W, density):
    """The k largest off-diagonal |W| of a directed matrix, by sorting values."""
    n = W.shape[0]
    values = np.abs(W)[~np.eye(n, dtype=bool)]
    k = int(round(density * n * (n - 1)))
    cut = np.sort(values)[::-1][k - 1]
    B = np.abs(W) >= cut
    np.fill_diagonal(B, False)
    return B


def test_directed_threshold_keeps_top_fraction_and_symmetrises():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(30, 30))
    B, rule = proportional_threshold(W, 0.1)
    reference = _top_k_reference(W, 0.1)
    assert np.array_equal(B, reference)
    assert rule["kept"] == round(0.1 * 30 * 29) == B.sum()
    assert not rule["symmetric_input"]
    A, rule = binarize(W, 0.1)
    assert np.array_equal(A, reference | reference.T)
    assert np.array_equal(A, A.T) and not A.diagonal().any()
    assert rule["edges"] == np.triu(A, 1).sum()
    assert rule["density"] == pytest.approx(rule["edges"] / (30 * 29 / 2))
    assert "A = B or B.T" in rule["rule"]


def test_symmetric_input_thresholds_pairs_once():
    rng = np.random.default_rng(2)
    S = rng.random((20, 20))
    S = S + S.T
    A, rule = binarize(S, 0.2)
    assert rule["symmetric_input"] and rule["candidates"] == 190
    assert rule["edges"] == round(0.2 * 190)
    upper = S[np.triu_indices(20, 1)]
    cut = np.sort(upper)[::-1][rule["edges"] - 1]
    assert np.array_equal(A, (S >= cut) & ~np.eye(20, dtype=bool))


def test_zero_weights_and_self_loops_never_become_edges():
    W = np.zeros((10, 10))
    W[0, 1] = 2.0
    W[3, 2] = -1.0
    np.fill_diagonal(W, 5.0)
    A, rule = binarize(W, 0.5)
    assert rule["kept"] == 2
    expected = np.zeros((10, 10), dtype=bool)
    expected[[0, 1, 2, 3], [1, 0, 3, 2]] = True
    assert np.array_equal(A, expected)


def test_symmetrize_is_or():
    B = np.array([[0, 1, 0], [0, 1, 1], [1, 0, 0]])
    assert np.array_equal(symmetrize(B), np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=bool))


def test_direction_does_not_change_binary_topology():
    # W and W.T give the same undirected graph, hence the same binary measures.
    rng = np.random.default_rng(3)
    W = rng.normal(size=(40, 40))
    a = topology(W, n_nulls=20, seed=1)
    b = topology(W.T, n_nulls=20, seed=1)
    assert np.array_equal(a["adjacency"], b["adjacency"])
    for key in ("modularity", "small_worldness", "clustering", "path_length", "assortativity"):
        assert a[key] == pytest.approx(b[key])


@pytest.mark.parametrize("bad, error", [
    (np.zeros((3, 4)), ValueError),
    (np.array([[0.0, np.nan], [1.0, 0.0]]), ValueError),
    (np.array([["a", "b"], ["c", "d"]]), TypeError),
])
def test_bad_weights_raise(bad, error):
    with pytest.raises(error, match="W"):
        binarize(bad)


@pytest.mark.parametrize("density", [0, 1.5, -0.1])
def test_bad_density_raises(density):
    with pytest.raises(ValueError, match="density"):
        binarize(np.ones((4, 4)), density)
