"""Directed modularity, spectral entropy and communicability entropy (sernn.analysis)."""
import math

import networkx as nx
import numpy as np
import pytest
import scipy.linalg

from sernn.analysis import (communicability_entropy, directed_modularity, directed_modularity_q, modularity_q,
                            spectral_entropy, spectral_modularity, topology)


def two_directed_cycles():
    """0→1→2→0 and 3→4→5→3, joined by 2→3."""
    A = np.zeros((6, 6))
    for i, j in [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)]:
        A[i, j] = 1.0
    return A


# ---------------------------------------------------------------- directed modularity

def test_directed_modularity_of_two_directed_cycles_by_hand():
    # m = 7 edges. Module {0,1,2}: 3 edges inside, out-strength 1+1+2 = 4, in-strength 1+1+1 = 3.
    # Module {3,4,5}: 3 edges inside, out-strength 1+1+1 = 3, in-strength 2+1+1 = 4.
    # Q = (3 + 3)/7 - (4*3 + 3*4)/7**2 = 6/7 - 24/49 = 18/49 = 0.367347...
    A = two_directed_cycles()
    assert directed_modularity_q(A, [0, 0, 0, 1, 1, 1]) == pytest.approx(18 / 49, abs=1e-12)
    partition, q = directed_modularity(A)
    assert partition.tolist() == [0, 0, 0, 1, 1, 1]
    assert q == pytest.approx(18 / 49, abs=1e-12)
    # weight 4 on the bridge: m = 6 + 4 = 10; module {0,1,2}: out-strength 1 + 1 + (1 + 4) = 7,
    # in-strength 3; module {3,4,5}: out-strength 3, in-strength 3 + 4 = 7;
    # Q = 6/10 - (7*3 + 3*7)/10**2 = 0.6 - 0.42 = 0.18
    A[2, 3] = 4.0
    assert directed_modularity_q(A, [0, 0, 0, 1, 1, 1]) == pytest.approx(0.18, abs=1e-12)


def test_signs_are_ignored():
    A = two_directed_cycles()
    A[0, 1] = -1.0
    assert directed_modularity(A)[1] == pytest.approx(18 / 49, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_directed_q_of_a_symmetric_matrix_is_newman_q(seed):
    rng = np.random.default_rng(seed)
    A = rng.random((12, 12)) * (rng.random((12, 12)) < 0.5)
    A = A + A.T
    np.fill_diagonal(A, 0.0)
    partition = rng.integers(0, 3, size=12)
    assert directed_modularity_q(A, partition) == pytest.approx(modularity_q(A, partition), abs=1e-12)
    assert directed_modularity_q(A, partition, gamma=0.5) == pytest.approx(
        modularity_q(A, partition, gamma=0.5), abs=1e-12)
    # and the spectral method gives the undirected partition and Q
    directed, q_directed = directed_modularity(A)
    undirected, q_undirected = spectral_modularity(A)
    assert directed.tolist() == undirected.tolist()
    assert q_directed == pytest.approx(q_undirected, abs=1e-12)


def test_all_in_one_module_has_q_zero():
    W = np.random.default_rng(3).normal(size=(10, 10))
    assert directed_modularity_q(W, np.zeros(10, dtype=int)) == pytest.approx(0.0, abs=1e-12)


def test_directed_q_matches_networkx():
    rng = np.random.default_rng(4)
    n = 15
    A = rng.random((n, n)) * (rng.random((n, n)) < 0.4)
    np.fill_diagonal(A, 0.0)
    graph = nx.from_numpy_array(A, create_using=nx.DiGraph)   # edge i -> j with weight A[i, j]
    for _ in range(5):
        partition = rng.integers(0, 4, size=n)
        communities = [set(np.flatnonzero(partition == c).tolist()) for c in np.unique(partition)]
        for gamma in (1.0, 0.7):
            expected = nx.community.modularity(graph, communities, weight="weight", resolution=gamma)
            assert directed_modularity_q(A, partition, gamma=gamma) == pytest.approx(expected, abs=1e-12)
    partition, q = directed_modularity(A)
    communities = [set(np.flatnonzero(partition == c).tolist()) for c in np.unique(partition)]
    assert q == pytest.approx(nx.community.modularity(graph, communities, weight="weight"), abs=1e-12)


def test_directed_modularity_finds_planted_directed_modules():
    # three planted modules of 8 units: directed edges with probability 0.6 inside, 0.05 between
    rng = np.random.default_rng(5)
    n, labels = 24, np.repeat([0, 1, 2], 8)
    same = labels[:, None] == labels[None, :]
    A = np.where(same, rng.random((n, n)) < 0.6, rng.random((n, n)) < 0.05) * (1.0 - np.eye(n))
    assert not np.array_equal(A, A.T)
    partition, q = directed_modularity(A)
    assert partition.tolist() == labels.tolist()
    assert q == pytest.approx(directed_modularity_q(A, labels), abs=1e-12)
    assert q > 0.4


def test_fine_tuning_never_lowers_q_and_empty_graph_is_nan():
    A = np.random.default_rng(6).random((20, 20)) ** 4
    assert directed_modularity(A)[1] >= directed_modularity(A, fine_tune=False)[1] - 1e-12
    partition, q = directed_modularity(np.zeros((4, 4)))
    assert partition.tolist() == [0, 0, 0, 0] and math.isnan(q)


def test_directed_modularity_checks_arguments():
    with pytest.raises(ValueError):
        directed_modularity(np.ones((3, 4)))
    with pytest.raises(ValueError):
        directed_modularity(np.ones((3, 3)), gamma=0.0)
    with pytest.raises(TypeError):
        directed_modularity(np.ones((3, 3)), fine_tune=1)
    with pytest.raises(ValueError):
        directed_modularity_q(np.ones((3, 3)), [0, 1])


# ---------------------------------------------------------------- spectral entropy

@pytest.mark.parametrize("n", [2, 5, 9])
def test_equal_magnitude_eigenvalues_give_log_n(n):
    permutation = np.roll(np.eye(n), 1, axis=1)     # eigenvalues: the n-th roots of unity
    orthogonal = scipy.linalg.qr(np.random.default_rng(n).normal(size=(n, n)))[0]
    for W in (np.eye(n), -3.0 * np.eye(n), permutation, orthogonal):
        assert spectral_entropy(W) == pytest.approx(math.log(n), abs=1e-10)
        assert spectral_entropy(W, normalize=True) == pytest.approx(1.0, abs=1e-10)


def test_rank_one_matrix_gives_zero_and_zero_matrix_nan():
    rng = np.random.default_rng(7)
    W = np.outer(rng.normal(size=30), rng.normal(size=30))
    assert spectral_entropy(W) == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(spectral_entropy(np.zeros((4, 4))))


def test_spectral_entropy_by_hand():
    # eigenvalues 3, -1, 0: p = (3/4, 1/4), H = -(3/4) log(3/4) - (1/4) log(1/4)
    expected = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    Q = scipy.linalg.qr(np.random.default_rng(8).normal(size=(3, 3)))[0]
    W = Q @ np.diag([3.0, -1.0, 0.0]) @ Q.T
    assert spectral_entropy(W) == pytest.approx(expected, abs=1e-10)
    assert spectral_entropy(W, normalize=True) == pytest.approx(expected / math.log(3), abs=1e-10)


# ---------------------------------------------------------------- communicability entropy

def reference_communicability(W):
    A = np.abs(np.asarray(W, dtype=float))
    s = A.sum(axis=1)
    inv = np.where(s > 0, 1.0 / np.sqrt(np.where(s > 0, s, 1.0)), 0.0)
    return scipy.linalg.expm(inv[:, None] * A * inv[None, :])


def shannon(values):
    p = values[values > 0] / values.sum()
    return float(-np.sum(p * np.log(p)))


@pytest.mark.parametrize("seed", [0, 1])
def test_communicability_entropy_matches_scipy_expm(seed):
    W = np.random.default_rng(seed).normal(size=(20, 20)) * (np.random.default_rng(seed + 10).random((20, 20)) < 0.3)
    C = reference_communicability(W)
    off = ~np.eye(20, dtype=bool)
    assert communicability_entropy(W) == pytest.approx(shannon(C[off]), abs=1e-10)
    assert communicability_entropy(W, diagonal=True) == pytest.approx(shannon(C.ravel()), abs=1e-10)
    assert communicability_entropy(W) < math.log(20 * 19)


def test_communicability_entropy_of_zero_and_uniform_matrices():
    # expm(0) = I: with the diagonal, n equal entries (log n); without, no mass (NaN)
    assert communicability_entropy(np.zeros((5, 5)), diagonal=True) == pytest.approx(math.log(5), abs=1e-12)
    assert math.isnan(communicability_entropy(np.zeros((5, 5))))
    # all-equal weights: C = I + (e - 1)/n J, all n(n - 1) off-diagonal entries equal
    assert communicability_entropy(np.ones((5, 5))) == pytest.approx(math.log(20), abs=1e-12)


# ---------------------------------------------------------------- topology

def test_topology_reports_the_three_measures():
    W = np.random.default_rng(9).normal(size=(16, 16))
    result = topology(W, n_nulls=10)
    A = np.abs(W)
    np.fill_diagonal(A, 0.0)
    assert result["modularity_directed"] == pytest.approx(directed_modularity(A)[1], abs=1e-12)
    assert result["spectral_entropy"] == pytest.approx(spectral_entropy(W), abs=1e-12)
    assert result["communicability_entropy"] == pytest.approx(communicability_entropy(W), abs=1e-12)
    binary = topology(W, n_nulls=10, recipe="binary")
    assert binary["modularity_directed"] == pytest.approx(result["modularity_directed"], abs=1e-12)
