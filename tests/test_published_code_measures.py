"""The MICrONS study's graph measures as its published code computes them, against independent references."""
import bct
import networkx as nx
import numpy as np
import pytest

from sernn.analysis import binarize, kde_entropy
from sernn.analysis.published_code import (fixed_null_measures, fixed_null_small_worldness, greedy_modularity,
                                           published_kde_entropy, top_density_graph)


def _weights(n=40, seed=0):
    W = np.random.default_rng(seed).normal(size=(n, n))
    W[:20, :20] *= 3.0  # a stronger block
    return W


def test_the_graph_is_what_networkx_makes_of_the_notebooks_binary_matrix():
    W = _weights()
    kept = (np.abs(W) > np.quantile(np.abs(W), 0.9)).astype(int)
    graph = nx.from_numpy_array(kept)  # undirected: either direction makes the edge
    graph.remove_edges_from(nx.selfloop_edges(graph))
    assert np.array_equal(top_density_graph(W), nx.to_numpy_array(graph).astype(int))
    # without a strong diagonal it is the paper recipe's graph; a strong diagonal takes places in the top 10 %
    A, _ = binarize(W, 0.1)
    assert abs(int(top_density_graph(W).sum()) - int(A.sum())) <= 0.02 * A.sum()  # 160 of n^2 vs 156 of n(n-1)
    D = W + np.diag(np.full(W.shape[0], 50.0))
    assert top_density_graph(D).sum() < binarize(D, 0.1)[0].sum()


def test_greedy_modularity_is_networkxs_on_that_graph():
    W = _weights(seed=1)
    graph = nx.from_numpy_array(top_density_graph(W))
    communities = nx.community.greedy_modularity_communities(graph)
    partition, q = greedy_modularity(W)
    assert q == pytest.approx(nx.community.modularity(graph, communities))
    assert len(set(partition.tolist())) == len(communities)


def test_the_fixed_null_and_sigma_by_hand():
    n, nulls = 30, 40
    rng = np.random.default_rng(7)
    clustering, efficiency = [], []
    for _ in range(nulls):  # the published null, drawn in the same order
        U = rng.random((n, n))
        A = np.where((U + U.T) / 2 > 0.7, 1.0, 0.0)
        clustering.append(np.mean(bct.clustering_coef_bu(A)))
        efficiency.append(bct.efficiency_bin(A))
    null = fixed_null_measures(n, nulls, 7)
    assert null["clustering"] == pytest.approx(np.mean(clustering)) and null["efficiency"] == pytest.approx(np.mean(efficiency))
    W = _weights(n, seed=2)
    A = top_density_graph(W).astype(float)
    sigma = (np.mean(bct.clustering_coef_bu(A)) / np.mean(clustering)) / (np.mean(efficiency) / bct.efficiency_bin(A))
    assert fixed_null_small_worldness(W, n_nulls=nulls, seed=7)["sigma"] == pytest.approx(sigma)
    # the null ignores the network: a denser graph alone raises sigma
    denser = fixed_null_small_worldness(W, density=0.3, n_nulls=nulls, seed=7)["sigma"]
    assert denser > fixed_null_small_worldness(W, density=0.1, n_nulls=nulls, seed=7)["sigma"]


def test_the_kde_entropy_counts_the_diagonal_and_is_bounded():
    W = np.full((10, 10), 0.01)
    np.fill_diagonal(W, 1.0)
    h = published_kde_entropy(W)
    assert 0 < h < np.log2(100)
    assert np.isnan(published_kde_entropy(np.ones((4, 4))))
    assert np.isnan(kde_entropy(W))  # the off-diagonal entries alone have no spread at all
