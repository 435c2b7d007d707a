"""Binary clustering, path length, G(n, m) nulls and small-worldness against networkx."""
import networkx as nx
import numpy as np
import pytest

from sernn.analysis import binary_measures, clustering_coefficients, path_length, random_graphs, small_worldness


def _adjacency(G):
    return nx.to_numpy_array(G, nodelist=range(G.number_of_nodes())) > 0


GRAPHS = [
    nx.gnp_random_graph(60, 0.08, seed=1),
    nx.watts_strogatz_graph(80, 6, 0.1, seed=2),
    nx.barabasi_albert_graph(70, 3, seed=3),
    nx.gnp_random_graph(90, 0.02, seed=4),  # disconnected, with isolated nodes
]


@pytest.mark.parametrize("G", GRAPHS)
def test_clustering_equals_networkx(G):
    expected = np.array([nx.clustering(G, i) for i in range(G.number_of_nodes())])
    np.testing.assert_allclose(clustering_coefficients(_adjacency(G)), expected, atol=1e-12)


def _path_reference(G):
    """Mean shortest path over connected ordered pairs, by networkx BFS per component."""
    total = pairs = 0
    for component in nx.connected_components(G):
        for source, lengths in nx.all_pairs_shortest_path_length(G.subgraph(component)):
            for target, d in lengths.items():
                if target != source:
                    total, pairs = total + d, pairs + 1
    return total / pairs, pairs / (G.number_of_nodes() * (G.number_of_nodes() - 1))


@pytest.mark.parametrize("G", GRAPHS)
def test_path_length_and_efficiency_equal_networkx(G):
    result = path_length(_adjacency(G))
    length, connected = _path_reference(G)
    assert result["path_length"] == pytest.approx(length, rel=1e-12)
    assert result["connected_fraction"] == pytest.approx(connected, rel=1e-12)
    assert result["efficiency"] == pytest.approx(nx.global_efficiency(G), rel=1e-12)
    if nx.is_connected(G):
        assert result["path_length"] == pytest.approx(nx.average_shortest_path_length(G), rel=1e-12)


def test_stack_gives_the_same_as_one_graph_at_a_time():
    stack = np.stack([_adjacency(G) for G in GRAPHS[:1] * 2 + [nx.gnp_random_graph(60, 0.3, seed=9)]])
    batched = path_length(stack)
    for index, A in enumerate(stack):
        single = path_length(A)
        assert batched["path_length"][index] == pytest.approx(single["path_length"])
        np.testing.assert_allclose(clustering_coefficients(stack)[index], clustering_coefficients(A))


def test_long_paths_use_every_level():
    # A path graph has distances up to n - 1: exercises the dense and the pair-wise BFS steps.
    G = nx.path_graph(40)
    assert path_length(_adjacency(G))["path_length"] == pytest.approx(nx.average_shortest_path_length(G))
    assert path_length(_adjacency(nx.cycle_graph(41)))["path_length"] == pytest.approx(
        nx.average_shortest_path_length(nx.cycle_graph(41)))


def test_random_graphs_have_exact_size_and_are_seeded():
    graphs = random_graphs(30, 57, 200, seed=5)
    assert graphs.shape == (200, 30, 30)
    assert np.array_equal(graphs, graphs.transpose(0, 2, 1))
    assert not graphs[:, np.arange(30), np.arange(30)].any()
    assert (graphs.sum(axis=(1, 2)) == 2 * 57).all()
    assert np.array_equal(graphs, random_graphs(30, 57, 200, seed=5))
    assert not np.array_equal(graphs, random_graphs(30, 57, 200, seed=6))
    # uniform over pairs: every pair is an edge with probability m / pairs
    frequency = graphs.mean(axis=0)[np.triu_indices(30, 1)]
    assert frequency.mean() == pytest.approx(57 / 435, rel=1e-12)
    assert abs(frequency - 57 / 435).max() < 5 * np.sqrt(57 / 435 / 200)


def test_erdos_renyi_is_not_small_world():
    sigmas = [small_worldness(_adjacency(nx.gnm_random_graph(80, 400, seed=s)), n_nulls=100, seed=s)
              ["small_worldness"] for s in range(5)]
    assert np.mean(sigmas) == pytest.approx(1.0, abs=0.05)
    assert max(abs(s - 1) for s in sigmas) < 0.15


def test_watts_strogatz_is_small_world():
    A = _adjacency(nx.watts_strogatz_graph(100, 8, 0.05, seed=0))
    result = small_worldness(A, n_nulls=100, seed=0)
    assert result["small_worldness"] > 3
    # the definition, from the returned parts
    ratio = (result["clustering"] / result["clustering_null"]) / (
        result["path_length"] / result["path_length_null"])
    assert result["small_worldness"] == pytest.approx(ratio)
    assert result["null_model"] == "Erdos-Renyi G(n=100, m=400)"


@pytest.mark.parametrize("n, m", [(40, 120), (70, 60), (90, 300)])
def test_nulls_match_networkx_on_the_same_graphs(n, m):
    # The null means are the plain means of networkx's measures on the same random graphs
    # (sparse nulls have isolated nodes and several components; n > 64 spans several words).
    A = _adjacency(nx.gnm_random_graph(n, m, seed=1))
    result = small_worldness(A, n_nulls=30, seed=7)
    nulls = random_graphs(n, m, 30, seed=7)
    assert (nulls.sum(axis=(1, 2)) == 2 * m).all()
    graphs = [nx.from_numpy_array(g.astype(int)) for g in nulls]
    references = [_path_reference(g) for g in graphs]
    assert result["clustering_null"] == pytest.approx(np.mean([nx.average_clustering(g) for g in graphs]))
    assert result["path_length_null"] == pytest.approx(np.mean([r[0] for r in references]))
    assert result["efficiency_null"] == pytest.approx(np.mean([nx.global_efficiency(g) for g in graphs]))
    assert result["null_connected_fraction"] == pytest.approx(np.mean([r[1] == 1 for r in references]))


def test_small_worldness_is_seeded_and_nan_without_edges():
    A = _adjacency(nx.watts_strogatz_graph(50, 4, 0.1, seed=0))
    assert small_worldness(A, 50, seed=3) == small_worldness(A, 50, seed=3)
    assert np.isnan(small_worldness(np.zeros((10, 10), bool), 10)["small_worldness"])


def test_directed_or_looped_graphs_are_refused():
    A = np.zeros((5, 5), bool)
    A[0, 1] = True
    with pytest.raises(ValueError, match="symmetric"):
        small_worldness(A, 10)
    with pytest.raises(ValueError, match="self-loops"):
        clustering_coefficients(np.eye(4, dtype=bool))
    with pytest.raises(ValueError, match="n_nulls"):
        small_worldness(np.zeros((4, 4), bool), 0)


def test_threads_do_not_change_the_result():
    A = _adjacency(nx.gnm_random_graph(50, 400, seed=2))
    assert binary_measures.batch_size(50, 400) < 500  # several batches
    one = small_worldness(A, n_nulls=1000, seed=4, workers=1)
    two = small_worldness(A, n_nulls=1000, seed=4, workers=2)
    assert one == two
    with pytest.raises(ValueError, match="workers"):
        small_worldness(A, n_nulls=5, workers=0)


def test_standard_error_matches_the_spread_over_seeds():
    # sigma's Monte-Carlo SE (from one set of nulls) predicts its spread between seeds
    A = _adjacency(nx.watts_strogatz_graph(60, 6, 0.2, seed=1))
    results = [small_worldness(A, n_nulls=100, seed=s) for s in range(30)]
    spread = np.std([r["small_worldness"] for r in results], ddof=1)
    se = np.mean([r["small_worldness_se"] for r in results])
    assert 0.6 < spread / se < 1.6


@pytest.mark.parametrize("G", [
    nx.path_graph(170),
    nx.watts_strogatz_graph(200, 4, 0.02, seed=3),
    nx.gnp_random_graph(200, 0.012, seed=5),  # disconnected
])
def test_large_graphs_equal_networkx(G):
    # several 64-bit words per row, long paths, several components
    result = path_length(_adjacency(G))
    length, connected = _path_reference(G)
    assert result["path_length"] == pytest.approx(length, rel=1e-12)
    assert result["connected_fraction"] == pytest.approx(connected, rel=1e-12)
    assert result["efficiency"] == pytest.approx(nx.global_efficiency(G), rel=1e-12)


@pytest.mark.parametrize("n", [63, 64, 65, 128, 129])
def test_word_boundaries(n):
    # rows are bit-packed in 64-bit words: sizes at and around a word boundary
    G = nx.gnp_random_graph(n, 4 / n, seed=n)
    A = _adjacency(G)
    expected = np.array([nx.clustering(G, i) for i in range(n)])
    np.testing.assert_allclose(clustering_coefficients(A), expected, atol=1e-12)
    length, connected = _path_reference(G)
    result = path_length(A)
    assert result["path_length"] == pytest.approx(length, rel=1e-12)
    assert result["connected_fraction"] == pytest.approx(connected, rel=1e-12)
    assert result["efficiency"] == pytest.approx(nx.global_efficiency(G), rel=1e-12)
