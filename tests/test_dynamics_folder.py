"""``sernn analyze --dynamics`` on maze folders: the table against a direct computation, its cache, the report's
dynamics section, the figure, and bad input."""
import shutil

import numpy as np
import pandas as pd
import pytest

from sernn.cli import main
from sernn.experiments.maze_dynamics import dynamics_folder, network_dynamics
from sernn.runfolder import RunStore

TINY = ["--units", "27", "--grid", "3", "3", "3", "--epochs", "2", "--train-trials", "256", "--val-trials", "64",
        "--test-trials", "64", "--no-figures"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A maze folder of 4 small networks (2 seRNN, 2 L1) with every weight saved."""
    folder = tmp_path_factory.mktemp("dynamics") / "maze"
    assert main(["maze", "--out", str(folder), "--conditions", "l1,sernn", "--seeds", "0,1", *TINY]) == 0
    return folder


def test_the_table_holds_each_networks_dynamics_computed_from_its_saved_weights(trained, tmp_path):
    folder = tmp_path / "maze"
    shutil.copytree(trained, folder)
    lines = []
    table, store = dynamics_folder(folder, initial_states=200, max_iters=1000, log=lines.append)
    assert len(table) == 4 and set(table["epoch"]) == {2}
    run_id = table["run_id"].iloc[2]
    arrays = store.load_arrays(run_id)
    weights = {name: arrays[name][2] for name in ("kernel", "recurrent_kernel", "bias")}
    (row, points), = network_dynamics(weights, initial_states=200, max_iters=1000)   # one network alone
    saved = table.iloc[2]
    for key in ("n_stable", "n_unstable", "n_slow"):
        assert saved[key] == row[key], key
    for key in ("dimensionality", "delay_dimensionality"):
        assert saved[key] == pytest.approx(row[key], rel=1e-9), key
    assert saved["total_weight"] == pytest.approx(np.abs(weights["recurrent_kernel"]).sum(), rel=1e-6)
    assert len(pd.read_csv(folder / "runs" / run_id / "fixed_points.csv")) == len(points)
    # cached on a second call; other settings analyse again
    again, _ = dynamics_folder(folder, initial_states=200, max_iters=1000, log=lines.append)
    assert lines[-1] == "4 of 4 runs cached"
    pd.testing.assert_frame_equal(again, table)
    dynamics_folder(folder, initial_states=100, max_iters=1000, log=lines.append)
    assert "cached" not in lines[-1]


def test_the_command_writes_the_table_and_figure_and_the_report_compares_conditions(trained, tmp_path, capsys):
    folder = tmp_path / "maze"
    shutil.copytree(trained, folder)
    assert main(["analyze", str(folder), "--dynamics", "--initial-states", "100", "--max-iters", "500"]) == 0
    out = capsys.readouterr().out
    assert "dynamics.csv (4 networks)" in out and list((folder / "figures").glob("dynamics_*.png"))
    assert main(["analyze", str(folder), "--nulls", "20", "--no-figures"]) == 0
    assert main(["report", str(folder), "--epoch", "2", "--min-accuracy", "0", "--min-networks", "2", "--boot", "200",
                 "--no-figures"]) == 0
    report = (folder / "report" / "report.md").read_text()
    assert "## Dynamics (fixed points and dimensionality)" in report
    comparisons = pd.read_csv(folder / "report" / "dynamics_comparisons.csv")
    table = pd.read_csv(folder / "dynamics.csv")
    row = comparisons[comparisons["measure"] == "dimensionality"].iloc[0]
    means = table.groupby("condition")["dimensionality"].mean()
    assert row["difference"] == pytest.approx(means["sernn"] - means["l1"])


@pytest.mark.parametrize("options, message", [
    ({"initial_states": 0}, "initial_states must be an integer >= 1"),
    ({"q_tol": 0}, "q_tol must be a finite real number > 0"),
    ({"q_tol": 1e-3, "max_q": 1e-5}, "max_q (1e-05) must be >= q_tol (0.001)"),
    ({"epoch": 7}, "epoch must be at most 2"),
])
def test_bad_input_is_refused_before_anything_is_written(trained, options, message):
    before = sorted(p.name for p in trained.iterdir())
    with pytest.raises(ValueError) as error:
        dynamics_folder(trained, log=lambda line: None, **options)
    assert message in str(error.value)
    assert sorted(p.name for p in trained.iterdir()) == before


def test_a_neurogym_folder_is_refused(tmp_path):
    store = RunStore(tmp_path / "ng", "maze", {"task": "neurogym:GoNogo-v0", "epochs": 2})
    store.save_run("a", {"seed": 0}, [{"epoch": 1}], {"recurrent_kernel": np.zeros((2, 3, 3))})
    with pytest.raises(ValueError, match="trained on neurogym:GoNogo-v0; the dynamics analysis reads"):
        dynamics_folder(tmp_path / "ng", log=lambda line: None)
