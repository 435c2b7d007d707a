"""``sernn analyze`` on a small synthetic benchmark folder (no Keras needed)."""
import numpy as np
import pandas as pd
import pytest

from sernn.analysis import topology
from sernn.cli import main
from sernn.runfolder import RunStore, make_run_id
from sernn.spatial import distance_matrix, grid_coordinates

GRID = (3, 3, 3)
EPOCHS = 3


def _make_folder(path, with_coordinates=True):
    store = RunStore(path, "maze", {"epochs": EPOCHS}, extendable=("conditions", "seeds"))
    coordinates = grid_coordinates(GRID)
    D = distance_matrix(coordinates)
    rng = np.random.default_rng(0)
    for condition, strengths in (("baseline", [0.0]), ("l1", [0.05]), ("sernn", [0.1, 0.3])):
        for strength in strengths:
            for seed in (0, 1):
                params = {"condition": condition, "strength": strength, "seed": seed}
                history = [rng.normal(size=D.shape) * 0.2]
                for epoch in range(EPOCHS):
                    history.append(history[-1] * np.exp(-strength * D * (epoch + 1)))
                rows = [{"epoch": e + 1, "loss": 1.0 / (e + 1), "val_accuracy": 0.4 + 0.1 * e + strength}
                        for e in range(EPOCHS)]
                arrays = {"recurrent_kernel": np.asarray(history, np.float32),
                          "epoch": np.arange(EPOCHS + 1)}
                if with_coordinates:
                    arrays["coordinates"] = coordinates
                store.save_run(make_run_id(params), params, rows, arrays)
    return store


@pytest.fixture
def folder(tmp_path):
    _make_folder(tmp_path / "maze")
    return tmp_path / "maze"


def test_analyze_writes_table_caches_and_figures(folder, capsys):
    assert main(["analyze", str(folder), "--nulls", "10", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "[1/8]" in out and "[8/8]" in out and "ETA" in out
    table = pd.read_csv(folder / "topology.csv")
    assert len(table) == 8 * (EPOCHS + 1)
    assert set(table["condition"]) == {"baseline", "l1", "sernn"}
    # one row checked against topology() directly
    row = table[(table["condition"] == "sernn") & (table["strength"] == 0.3) & (table["seed"] == 1)
                & (table["epoch"] == 2)].iloc[0]
    store = RunStore.open(folder)
    arrays = store.load_arrays(row["run_id"])
    assert (table["recipe"] == "paper").all()  # the seRNN paper's recipe by default
    expected = topology(arrays["recurrent_kernel"][2], arrays["coordinates"], n_nulls=10, seed=3)
    for key in ("modularity", "small_worldness", "clustering", "path_length", "wiring_cost",
                "weight_distance_corr", "weight_entropy", "assortativity", "total_weight"):
        assert row[key] == pytest.approx(expected[key], nan_ok=True, rel=1e-6)
    assert row["val_accuracy"] == pytest.approx(0.4 + 0.1 + 0.3)  # metrics epoch 2
    assert np.isnan(table.loc[table["epoch"] == 0, "val_accuracy"]).all()  # before training
    for run_id in table["run_id"].unique():
        assert (folder / "runs" / run_id / "topology.csv").exists()
    figures = sorted(p.name for p in (folder / "figures").glob("*.png"))
    assert {"accuracy.png", "topology_epochs.png", "topology_strength.png"} <= set(figures)
    assert any(name.startswith("weights_condition=sernn") for name in figures)
    assert any(name.startswith("units3d_condition=sernn") for name in figures)
    for png in (folder / "figures").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_analyze_resumes_from_cached_runs(folder, capsys):
    assert main(["analyze", str(folder), "--nulls", "10", "--no-figures"]) == 0
    caches = sorted((folder / "runs").glob("*/topology.csv"))
    stamps = {p: p.stat().st_mtime_ns for p in caches}
    first = pd.read_csv(folder / "topology.csv")
    caches[0].unlink()  # as if interrupted before this run
    capsys.readouterr()
    assert main(["analyze", str(folder), "--nulls", "10", "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert out.count(": cached") == 7
    assert all(p.stat().st_mtime_ns == stamps[p] for p in caches[1:])
    pd.testing.assert_frame_equal(pd.read_csv(folder / "topology.csv"), first)
    # other settings are not served from the cache
    assert main(["analyze", str(folder), "--nulls", "12", "--no-figures"]) == 0
    assert ": cached" not in capsys.readouterr().out
    # nor is another recipe, whose modularity differs and is labelled
    assert main(["analyze", str(folder), "--nulls", "12", "--no-figures", "--recipe", "binary"]) == 0
    assert ": cached" not in capsys.readouterr().out
    binary = pd.read_csv(folder / "topology.csv")
    assert (binary["recipe"] == "binary").all()
    row = binary.iloc[5]
    arrays = RunStore.open(folder).load_arrays(row["run_id"])
    index = list(arrays["epoch"]).index(row["epoch"])
    expected = topology(arrays["recurrent_kernel"][index], n_nulls=12, recipe="binary")
    assert row["modularity"] == pytest.approx(expected["modularity"], rel=1e-9)


def test_epoch_selection_and_chosen_run(folder):
    run_id = make_run_id({"condition": "l1", "strength": 0.05, "seed": 0})
    assert main(["analyze", str(folder), "--nulls", "5", "--epochs", "0,3", "--run", run_id,
                 "--figure-epoch", "0"]) == 0
    table = pd.read_csv(folder / "topology.csv")
    assert sorted(table["epoch"].unique()) == [0, 3]
    assert (folder / "figures" / f"weights_{run_id}_epoch0.png").exists()


def test_missing_coordinates_skip_spatial_parts(tmp_path, capsys):
    _make_folder(tmp_path / "nocoords", with_coordinates=False)
    assert main(["analyze", str(tmp_path / "nocoords"), "--nulls", "5", "--epochs", "last"]) == 0
    table = pd.read_csv(tmp_path / "nocoords" / "topology.csv")
    assert table["wiring_cost"].isna().all() and (table["epoch"] == EPOCHS).all()
    assert "3-D figure skipped" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--epochs", "x"], "--epochs"),
    (["--epochs", "7"], "epoch 7"),
    (["--run", "nope"], "--run"),
    (["--density", "2"], "--density"),
    (["--figure-epoch", "9"], "--figure-epoch"),
    (["--recipe", "weighted"], "--recipe"),
])
def test_bad_options_exit_2_with_one_line(folder, capsys, args, message):
    assert main(["analyze", str(folder), "--nulls", "5", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_not_a_run_folder_exits_2_with_one_line(tmp_path, capsys):
    (tmp_path / "plain").mkdir()
    assert main(["analyze", str(tmp_path / "plain")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not a sernn run folder" in err
    assert main(["analyze", str(tmp_path / "missing")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    RunStore(tmp_path / "empty", "maze", {})
    assert main(["analyze", str(tmp_path / "empty")]) == 2
    assert "no finished runs" in capsys.readouterr().err
