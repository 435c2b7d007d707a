"""sernn.analysis.topology / topology_history, and the Keras-free import."""
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg

from sernn.analysis import (SCALAR_KEYS, binarize, louvain, small_worldness, spectral_modularity, topology,
                            topology_history)
from sernn.spatial import distance_matrix, grid_coordinates

REQUIRED = ("modularity", "small_worldness", "clustering", "path_length", "total_weight", "wiring_cost",
            "weight_distance_corr", "weight_entropy", "assortativity")


def test_import_does_not_load_keras_or_tensorflow():
    # neither the package nor the command module; matplotlib only when figures are drawn
    code = ("import sys, numpy as np, sernn.analysis as a, sernn.analysis.folder, sernn.analysis.statistics, sernn.analysis.learning; "
            "a.topology(np.random.default_rng(0).normal(size=(12, 12)), n_nulls=5); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'keras', 'tensorflow', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def weights():
    rng = np.random.default_rng(0)
    coordinates = grid_coordinates()
    D = distance_matrix(coordinates)
    W = rng.normal(size=(100, 100)) * 0.1 * np.exp(-D)  # spatially decaying weights
    return W, coordinates, D


def test_topology_returns_every_measure_consistently(weights):
    W, coordinates, D = weights
    result = topology(W, coordinates, density=0.1, n_nulls=50, seed=2, recipe="binary")
    assert result["recipe"] == "binary"
    assert set(REQUIRED) <= set(result) and set(SCALAR_KEYS) <= set(result)
    A, rule = binarize(W, 0.1)
    assert np.array_equal(result["adjacency"], A) and result["threshold_rule"] == rule["rule"]
    partition, q = louvain(A.astype(float), seed=2)
    assert np.array_equal(result["partition"], partition) and result["modularity"] == q
    sw = small_worldness(A, n_nulls=50, seed=2)
    assert result["small_worldness"] == sw["small_worldness"]
    assert result["wiring_cost"] == pytest.approx(np.sum(np.abs(W) * D))
    assert result["weight_distance_corr"] < -0.3
    # spatially decaying weights give a clustered, modular, small-world graph
    assert result["small_worldness"] > 1.5 and result["modularity"] > 0.3
    # mean communicability from the published formula
    A_abs = np.abs(W)
    s = A_abs.sum(axis=1)
    C = scipy.linalg.expm(A_abs / np.sqrt(np.outer(s, s)))
    np.fill_diagonal(C, 0)
    assert result["mean_communicability"] == pytest.approx(C.sum() / (100 * 99), rel=1e-10)


def test_without_coordinates_spatial_measures_are_nan(weights):
    result = topology(weights[0], n_nulls=10)
    assert np.isnan(result["wiring_cost"]) and np.isnan(result["weight_distance_corr"])
    assert np.isfinite(result["modularity"])


def test_paper_recipe_differs_from_binary_only_in_modularity(weights):
    W, coordinates, _ = weights
    paper = topology(W, coordinates, n_nulls=30, seed=1)
    binary = topology(W, coordinates, n_nulls=30, seed=1, recipe="binary")
    assert paper["recipe"] == "paper"
    S = (np.abs(W) + np.abs(W).T) / 2
    np.fill_diagonal(S, 0)
    partition, q = spectral_modularity(S)
    assert np.array_equal(paper["partition"], partition) and paper["modularity"] == q
    for key in SCALAR_KEYS:
        if key not in ("modularity", "n_modules"):
            assert paper[key] == pytest.approx(binary[key], nan_ok=True), key
    with pytest.raises(ValueError, match="recipe must be one of 'paper', 'binary'; got 'weighted'"):
        topology(W, recipe="weighted")


def test_history_gives_one_row_per_epoch_equal_to_topology(weights):
    W, coordinates, _ = weights
    rng = np.random.default_rng(1)
    history = np.stack([W, W + 0.05 * rng.normal(size=W.shape), 0.5 * W])
    calls = []
    table = topology_history(history, coordinates, epochs=[0, 5, 9], n_nulls=20, seed=4,
                             progress=lambda i, total, seconds: calls.append((i, total)))
    assert list(table["epoch"]) == [0, 5, 9] and calls == [(0, 3), (1, 3), (2, 3)]
    assert list(table["recipe"]) == ["paper"] * 3
    for row, snapshot in zip(table.itertuples(), history):
        expected = topology(snapshot, coordinates, n_nulls=20, seed=4)
        for key in REQUIRED:
            assert getattr(row, key) == pytest.approx(expected[key], nan_ok=True)
    # scaling all weights changes neither the graph nor the scale-free measures
    assert table.loc[2, "modularity"] == table.loc[0, "modularity"]
    assert table.loc[2, "weight_entropy"] == pytest.approx(table.loc[0, "weight_entropy"])
    assert table.loc[2, "total_weight"] == pytest.approx(0.5 * table.loc[0, "total_weight"])


def test_bad_inputs(weights):
    with pytest.raises(ValueError, match="coordinates"):
        topology(weights[0], coordinates=grid_coordinates((2, 2, 2)), n_nulls=5)
    with pytest.raises(ValueError, match="history"):
        topology_history(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="epochs"):
        topology_history(np.zeros((2, 4, 4)), epochs=[0])
