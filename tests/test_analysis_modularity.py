"""Louvain partition and Newman Q against networkx (bctpy's modularity_und fails under numpy 2)."""
import networkx as nx
import numpy as np
import pytest

from sernn.analysis import louvain, modularity_q


def _planted(sizes=(25, 25, 25, 25), p_in=0.4, p_out=0.02, seed=0):
    G = nx.random_partition_graph(list(sizes), p_in, p_out, seed=seed)
    A = nx.to_numpy_array(G, nodelist=range(G.number_of_nodes()))
    truth = np.repeat(np.arange(len(sizes)), sizes)
    return G, A, truth


def _same_partition(a, b):
    """True when two labelings split the nodes identically (labels may differ)."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_partition_q_matches_networkx_louvain(seed):
    G, A, truth = _planted(seed=seed)
    partition, q = louvain(A, seed=seed)
    communities = nx.community.louvain_communities(G, seed=seed)
    q_networkx = nx.community.modularity(G, communities)
    assert abs(q - q_networkx) < 0.02
    assert _same_partition(partition, truth)
    # Q of the returned partition, recomputed by networkx
    found = [set(np.flatnonzero(partition == c)) for c in np.unique(partition)]
    assert q == pytest.approx(nx.community.modularity(G, found), abs=1e-12)


def test_modularity_q_equals_networkx_for_any_partition():
    rng = np.random.default_rng(0)
    G = nx.gnp_random_graph(50, 0.1, seed=3)
    A = nx.to_numpy_array(G, nodelist=range(50))
    for _ in range(5):
        labels = rng.integers(0, 4, size=50)
        groups = [set(np.flatnonzero(labels == c)) for c in np.unique(labels)]
        assert modularity_q(A, labels) == pytest.approx(nx.community.modularity(G, groups), abs=1e-12)
        assert modularity_q(A, labels, gamma=0.5) == pytest.approx(
            nx.community.modularity(G, groups, resolution=0.5), abs=1e-12)


def test_hand_worked_q_two_triangles():
    # Two triangles joined by one edge: m = 7; each half has 3 internal edges and degree sum 7.
    A = np.zeros((6, 6))
    for i, j in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]:
        A[i, j] = A[j, i] = 1
    expected = 2 * (3 / 7 - (7 / 14) ** 2)
    assert modularity_q(A, [0, 0, 0, 1, 1, 1]) == pytest.approx(expected)
    partition, q = louvain(A, seed=0)
    assert q == pytest.approx(expected) and _same_partition(partition, np.array([0, 0, 0, 1, 1, 1]))


def test_louvain_is_seeded_and_labels_by_size():
    _, A, _ = _planted(sizes=(30, 20, 10), p_in=0.5, seed=4)
    first = louvain(A, seed=3)
    second = louvain(A, seed=3)
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    sizes = np.bincount(first[0])
    assert list(sizes) == sorted(sizes, reverse=True)


def test_empty_graph_and_directed_input():
    partition, q = louvain(np.zeros((5, 5)))
    assert np.isnan(q) and np.array_equal(partition, np.arange(5))
    A = np.zeros((4, 4))
    A[0, 1] = 1
    with pytest.raises(ValueError, match="symmetric"):
        louvain(A)
    with pytest.raises(ValueError, match="partition"):
        modularity_q(A + A.T, [0, 1])
