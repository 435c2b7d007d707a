"""``sernn analyze --activity`` on maze folders: the table, its cache, the report's functional claims, bad input."""
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sernn.analysis.activity import network_activity
from sernn.cli import main
from sernn.experiments.maze_activity import activity_folder, probe_set
from sernn.hidden_states import MissingWeights, run_states
from sernn.runfolder import RunStore

FIXTURES = Path(__file__).parent / "fixtures" / "v0_1"
TINY = ["--units", "27", "--grid", "3", "3", "3", "--epochs", "2", "--train-trials", "256", "--val-trials", "64",
        "--test-trials", "64", "--no-figures"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A maze folder of 6 small networks (3 seRNN, 3 L1) with every weight saved."""
    folder = tmp_path_factory.mktemp("activity") / "maze"
    assert main(["maze", "--out", str(folder), "--conditions", "l1,sernn", "--seeds", "0,1,2", *TINY]) == 0
    return folder


def test_the_table_holds_each_networks_features_computed_from_its_saved_weights(trained, tmp_path):
    folder = tmp_path / "maze"
    shutil.copytree(trained, folder)
    lines = []
    table, store = activity_folder(folder, n_perm=50, log=lines.append)
    assert len(table) == 6 and set(table["epoch"]) == {2}          # the last epoch when fewer than 9
    assert {"val_accuracy", "total_weight", "energy", "mixed_selectivity_w9"} <= set(table.columns)
    run_id = table["run_id"].iloc[1]
    x, problems, labels = probe_set()
    states = run_states(store, run_id, x, epoch=2)                 # all 640 probe trials, no shortcut
    coordinates = store.load_arrays(run_id)["coordinates"]
    labels = {name: labels[name] for name in ("goal", "options", "choice")}
    out = network_activity(states, labels, coordinates, n_perm=50, seed=0, top=27)
    features, units = out["features"], out["units"]
    row = table.iloc[1]
    for key in ("energy", "mixed_selectivity_w9", "ev_goal_w9", "p_goal_w6"):
        assert row[key] == pytest.approx(features[key], rel=1e-4, abs=1e-6, nan_ok=True), key
    kernel = store.load_arrays(run_id)["recurrent_kernel"][2]
    assert row["total_weight"] == pytest.approx(np.abs(kernel).sum(), rel=1e-6)
    saved_units = pd.read_csv(folder / "runs" / run_id / "activity_units.csv")
    assert len(saved_units) == len(units)
    metrics = store.metrics()
    expected = metrics[(metrics["run_id"] == run_id) & (metrics["epoch"] == 2)]["val_accuracy"].iloc[0]
    assert row["val_accuracy"] == pytest.approx(expected)
    # a second call reads every run from its cache; other settings analyse again
    again, _ = activity_folder(folder, n_perm=50, log=lines.append)
    assert lines[-1] == "6 of 6 runs cached"
    pd.testing.assert_frame_equal(again, table)
    other, _ = activity_folder(folder, n_perm=50, seed=1, log=lines.append)
    assert "cached" not in lines[-1]


def test_the_command_and_the_report_with_functional_claims(trained, tmp_path, capsys):
    folder = tmp_path / "maze"
    shutil.copytree(trained, folder)
    assert main(["analyze", str(folder), "--nulls", "10", "--no-figures"]) == 0
    assert main(["analyze", str(folder), "--activity", "--permutations", "50"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["report", str(folder), "--epoch", "2", "--min-accuracy", "0", "--min-networks", "2",
                 "--boot", "200"]) == 0
    text = (folder / "report" / "report.md").read_text()
    assert "## Functional claims" in text and "more mixed-selective" in text
    for name in ("function_ev_windows.png", "function_clustering.png", "function_weight.png", "clustering.csv"):
        assert (folder / "report" / name).exists(), name


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("args, message", [
    (["--probe-trials", "10"], "--probe-trials must be an integer >= 40"),
    (["--permutations", "0"], "--permutations must be an integer >= 1"),
    (["--activity-epoch", "7"], "--activity-epoch must be at most 2"),
    (["--probe-noise", "-1"], "--probe-noise must be"),
])
def test_bad_options_are_one_line_and_write_nothing(trained, tmp_path, capsys, args, message):
    folder = tmp_path / "maze"
    shutil.copytree(trained, folder)
    before = _tree(folder)
    assert main(["analyze", str(folder), "--activity", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert _tree(folder) == before


def test_a_sernn_0_1_folder_is_named_and_left_as_it_was(tmp_path, capsys):
    shutil.copytree(FIXTURES / "maze", tmp_path / "maze")
    before = _tree(tmp_path / "maze")
    assert main(["analyze", str(tmp_path / "maze"), "--activity"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "only their recurrent kernels (a folder of sernn 0.1" in err[0], err
    assert _tree(tmp_path / "maze") == before
    with pytest.raises(MissingWeights):
        activity_folder(tmp_path / "maze")


def test_another_benchmarks_folder_is_refused(tmp_path, capsys):
    shutil.copytree(FIXTURES / "memory", tmp_path / "memory")
    before = _tree(tmp_path / "memory")
    assert main(["analyze", str(tmp_path / "memory"), "--activity"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'memory' folder" in err[0] and "sernn maze" in err[0], err
    assert _tree(tmp_path / "memory") == before


def test_the_probe_shortcut_equals_the_full_forward_pass(trained):
    """Without probe noise each trial's states are its problem's: the folder analysis runs 8 problems."""
    from sernn.hidden_states import forward_states
    from sernn.tasks.maze import PROBLEM_INPUTS

    store = RunStore.open(trained)
    run_id = store.done_runs()[0]["run_id"]
    arrays = store.load_arrays(run_id)
    weights = {name: arrays[name][2] for name in ("kernel", "recurrent_kernel", "bias")}
    x, problems, _ = probe_set(100, seed=5)
    np.testing.assert_array_equal(forward_states(weights, PROBLEM_INPUTS)[problems], forward_states(weights, x))
    noisy, _, _ = probe_set(100, seed=5, noise=0.1)
    assert not np.allclose(noisy, x)


def test_min_accuracy_analyses_only_the_networks_that_pass(trained, tmp_path):
    folder = tmp_path / "maze"
    shutil.copytree(trained, folder)
    metrics = RunStore.open(folder).metrics()
    at = metrics[metrics["epoch"] == 2].set_index("run_id")["val_accuracy"]
    threshold = float(np.median(at))
    lines = []
    table, _ = activity_folder(folder, n_perm=20, min_accuracy=threshold, log=lines.append)
    assert sorted(table["run_id"]) == sorted(at.index[at >= threshold])
    assert lines[0].startswith(f"{int((at >= threshold).sum())} of 6 runs have validation accuracy >= ")
    with pytest.raises(ValueError, match="min_accuracy must be"):
        activity_folder(folder, min_accuracy=1.5)
    if at.max() < 1:  # a filter above every network's accuracy keeps none
        with pytest.raises(ValueError, match="leaves no network"):
            activity_folder(folder, min_accuracy=1.0)
