"""Null ensembles shared between snapshots with the same (n, m, n_nulls, seed): the same σ, computed once."""
import numpy as np
import pytest

import sernn.analysis.null_graphs as null_graphs
from sernn.analysis import small_worldness, topology_history
from sernn.analysis.null_graphs import clear_null_cache, null_measures, shared_null_measures


def _graph(n, m, seed):
    """An undirected graph with exactly m edges."""
    rng = np.random.default_rng(seed)
    upper = np.flatnonzero(np.triu(np.ones((n, n), bool), 1))
    A = np.zeros(n * n, bool)
    A[rng.choice(upper, m, replace=False)] = True
    A = A.reshape(n, n)
    return A | A.T


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_null_cache()
    yield
    clear_null_cache()


def _count_ensembles(monkeypatch):
    calls = []
    real = null_graphs.null_measures

    def counting(n, m, n_nulls, seed, workers=None):
        calls.append((n, m, n_nulls, seed))
        return real(n, m, n_nulls, seed, workers)

    monkeypatch.setattr(null_graphs, "null_measures", counting)
    return calls


def test_graphs_with_the_same_n_and_m_share_one_ensemble_and_get_the_same_sigma(monkeypatch):
    calls = _count_ensembles(monkeypatch)
    a, b, c = _graph(30, 60, 0), _graph(30, 60, 1), _graph(30, 70, 2)
    shared = [small_worldness(g, n_nulls=200, seed=4) for g in (a, b, c)]
    assert calls == [(30, 60, 200, 4), (30, 70, 200, 4)]          # b reused a's ensemble
    clear_null_cache()
    monkeypatch.setattr(null_graphs, "null_measures", null_measures)
    alone = []
    for g in (a, b, c):
        clear_null_cache()
        alone.append(small_worldness(g, n_nulls=200, seed=4))
    assert shared == alone                                          # bit for bit, every key


def test_another_seed_or_count_is_another_ensemble(monkeypatch):
    calls = _count_ensembles(monkeypatch)
    g = _graph(20, 40, 0)
    small_worldness(g, n_nulls=50, seed=0)
    small_worldness(g, n_nulls=50, seed=1)
    small_worldness(g, n_nulls=60, seed=0)
    small_worldness(g, n_nulls=50, seed=0)
    assert len(calls) == 3


def test_a_weight_history_reuses_the_ensembles_of_its_snapshots(monkeypatch):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(20, 20))
    history = np.stack([W, W * 2.0, W * 3.0])        # the same top-10 % graph at every snapshot
    calls = _count_ensembles(monkeypatch)
    table = topology_history(history, n_nulls=30, seed=0)
    assert len(calls) == 1 and table["small_worldness"].nunique() == 1


def test_the_cache_is_bounded_and_read_only(monkeypatch):
    monkeypatch.setattr(null_graphs, "CACHE_SIZE", 3)
    for m in range(10, 16):
        shared_null_measures(12, m, 5, seed=0)
    assert list(null_graphs._CACHE) == [(12, 13, 5, 0), (12, 14, 5, 0), (12, 15, 5, 0)]
    values = shared_null_measures(12, 15, 5, seed=0)
    with pytest.raises(ValueError):
        values[0, 0] = 1.0
