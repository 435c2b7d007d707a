"""Weight-level measures against direct formulas, scipy.stats and networkx."""
import networkx as nx
import numpy as np
import pytest
from scipy import stats

from sernn.analysis import (
    degree_assortativity,
    total_weight,
    weight_distance_correlation,
    weight_entropy,
    weighted_clustering,
    wiring_cost,
)
from sernn.spatial import distance_matrix, grid_coordinates


def test_wiring_cost_and_total_weight_direct_formula():
    rng = np.random.default_rng(0)
    coordinates = grid_coordinates((3, 3, 2))
    W = rng.normal(size=(18, 18))
    expected = 0.0
    for i in range(18):
        for j in range(18):
            expected += abs(W[i, j]) * np.sqrt(np.sum((coordinates[i] - coordinates[j]) ** 2))
    assert wiring_cost(W, distance_matrix(coordinates)) == pytest.approx(expected, rel=1e-12)
    assert total_weight(W) == pytest.approx(sum(abs(v) for v in W.ravel()), rel=1e-12)


def test_weight_distance_correlation_over_nonzero_off_diagonal():
    rng = np.random.default_rng(1)
    D = distance_matrix(grid_coordinates((4, 4, 2)))
    W = rng.normal(size=D.shape) * np.exp(-D)
    W[rng.random(D.shape) < 0.3] = 0.0  # absent connections do not count
    pearson, spearman = weight_distance_correlation(W, D)
    keep = (W != 0) & ~np.eye(D.shape[0], dtype=bool)
    assert pearson == pytest.approx(stats.pearsonr(np.abs(W[keep]), D[keep])[0], rel=1e-12)
    assert spearman == pytest.approx(stats.spearmanr(np.abs(W[keep]), D[keep])[0], rel=1e-12)
    assert pearson < -0.2  # weights decay with distance
    assert np.isnan(weight_distance_correlation(np.eye(3), np.ones((3, 3)) - np.eye(3))[0])


def test_weight_entropy_hand_computed():
    # off-diagonal |W|: 1, 1, 0.5, 0.5, 0.5, 0.05 (and zeros, which are left out)
    W = np.zeros((3, 3))
    W[0, 1], W[1, 0], W[0, 2], W[2, 0], W[1, 2], W[2, 1] = 1.0, -1.0, 0.5, 0.5, -0.5, 0.05
    np.fill_diagonal(W, 7.0)
    # 4 bins on [0, 1]: 0.05 -> bin 0, 0.5 -> bin 2, 1.0 -> bin 3 (right edge included)
    p = np.array([1, 3, 2]) / 6
    assert weight_entropy(W, bins=4) == pytest.approx(-np.sum(p * np.log2(p)), rel=1e-12)
    assert weight_entropy(np.ones((5, 5)), bins=10) == 0.0
    assert weight_entropy(10 * W, bins=4) == pytest.approx(weight_entropy(W, bins=4))
    assert np.isnan(weight_entropy(np.eye(4)))
    with pytest.raises(ValueError, match="bins"):
        weight_entropy(W, bins=0)


def test_weighted_clustering_equals_networkx_onnela():
    rng = np.random.default_rng(2)
    W = rng.normal(size=(25, 25)) * (rng.random((25, 25)) < 0.4)
    S = (np.abs(W) + np.abs(W).T) / 2
    np.fill_diagonal(S, 0)
    G = nx.from_numpy_array(S)
    assert weighted_clustering(W) == pytest.approx(nx.average_clustering(G, weight="weight"), rel=1e-10)
    assert weighted_clustering(np.zeros((4, 4))) == 0.0


def test_degree_assortativity_equals_networkx():
    for G in (nx.barabasi_albert_graph(80, 2, seed=1), nx.gnp_random_graph(60, 0.1, seed=2)):
        A = nx.to_numpy_array(G, nodelist=range(G.number_of_nodes())) > 0
        assert degree_assortativity(A) == pytest.approx(nx.degree_assortativity_coefficient(G), abs=1e-10)
    assert np.isnan(degree_assortativity(np.zeros((4, 4))))
    with pytest.raises(ValueError, match="symmetric"):
        degree_assortativity(np.triu(np.ones((4, 4)), 1))


def test_distances_must_match_weights():
    with pytest.raises(ValueError, match="distances"):
        wiring_cost(np.ones((4, 4)), np.ones((3, 3)))
