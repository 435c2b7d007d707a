"""Null ensembles shared between snapshots with the same (n, m, n_nulls, seed): the same σ, computed once."""
import numpy as np
import pandas as pd
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


def test_the_cached_ensemble_does_not_depend_on_the_threads_that_drew_it():
    drawn_on_two = shared_null_measures(40, 120, 300, seed=3, workers=2)
    assert np.array_equal(drawn_on_two, null_measures(40, 120, 300, seed=3, workers=1))
    assert shared_null_measures(40, 120, 300, seed=3, workers=1) is drawn_on_two


def test_a_cache_of_size_zero_computes_every_ensemble(monkeypatch):
    g = _graph(20, 40, 0)
    kept = small_worldness(g, n_nulls=40, seed=0)
    monkeypatch.setattr(null_graphs, "CACHE_SIZE", 0)
    calls = _count_ensembles(monkeypatch)
    first, second = (small_worldness(g, n_nulls=40, seed=0) for _ in range(2))
    assert len(calls) == 2 and first == second == kept


def _history_sharing_edge_counts():
    """Four snapshots of 24 units: 0 and 2 share their edge count, 1 and 3 have others."""
    rng = np.random.default_rng(7)
    W = rng.normal(size=(24, 24))
    # 55 directed edges kept: m = 52 (W), 28 (W + W.T, every pair reciprocal), 52 (3 W), 41 (W + W.T / 2)
    return np.stack([W, W + W.T, 3.0 * W + 0.01 * rng.normal(size=W.shape), W + 0.5 * W.T])


def test_a_history_draws_each_edge_count_once_and_matches_snapshots_analysed_alone(monkeypatch):
    from sernn.analysis import binarize

    history = _history_sharing_edge_counts()
    edges = [int(binarize(W, 0.1)[0].sum()) // 2 for W in history]
    assert edges[0] == edges[2] and len(set(edges)) == 3               # the premise of the test
    calls = _count_ensembles(monkeypatch)
    shared = topology_history(history, n_nulls=60, seed=2)
    assert sorted(call[1] for call in calls) == sorted(set(edges))     # one ensemble per distinct m
    alone = []
    for epoch, W in enumerate(history):
        clear_null_cache()
        alone.append(topology_history(W[None], epochs=[epoch], n_nulls=60, seed=2))
    alone = pd.concat(alone, ignore_index=True)
    pd.testing.assert_frame_equal(shared, alone, check_exact=True)
    assert shared["clustering_null"].iloc[0] == shared["clustering_null"].iloc[2]
    assert shared["clustering_null"].nunique() == 3                    # another m, another ensemble


def _folder(path):
    from sernn.runfolder import RunStore, make_run_id

    store = RunStore(path, "maze", {"epochs": 3})
    history = _history_sharing_edge_counts()
    for seed in range(3):
        params = {"condition": "sernn", "seed": seed}
        kernel = history[[seed % 4, 2, (seed + 1) % 4]] * (1.0 + seed)   # runs share edge counts too
        rows = [{"epoch": e, "val_accuracy": 0.1 * e} for e in (1, 2)]
        store.save_run(make_run_id(params), params, rows, {"recurrent_kernel": kernel,
                                                            "epoch": np.arange(3)})
    return store.path


def test_a_folder_analysis_with_shared_ensembles_writes_the_same_table(tmp_path, monkeypatch):
    from sernn.analysis.folder import analyze_folder

    shared_dir, alone_dir = _folder(tmp_path / "shared"), _folder(tmp_path / "alone")
    calls = _count_ensembles(monkeypatch)
    analyze_folder(shared_dir, n_nulls=40, seed=1, log=lambda line: None, batch_size=2)
    assert len(calls) == 3                                             # 9 snapshots, 3 distinct m
    monkeypatch.setattr(null_graphs, "CACHE_SIZE", 0)                  # no reuse, not even of kept keys
    analyze_folder(alone_dir, n_nulls=40, seed=1, log=lambda line: None, batch_size=2)
    assert len(calls) == 3 + 9
    assert (shared_dir / "topology.csv").read_bytes() == (alone_dir / "topology.csv").read_bytes()
