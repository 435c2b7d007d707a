import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sernn import cli
from sernn.experiments import maze as maze_bench

TINY = ["--train-trials", "64", "--val-trials", "32", "--test-trials", "32", "--epochs", "2",
        "--seeds", "0", "--batch-size", "32"]


@pytest.mark.slow
def test_quick_run_writes_rows_histories_and_summary(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["maze", "--out", str(out), "--conditions", "baseline,sernn", "--strengths", "0.1,0.3",
                     *TINY])
    assert code == 0
    printed = capsys.readouterr().out
    assert "[3/3]" in printed and "frac_plateau" in printed
    metrics = pd.read_csv(out / "metrics.csv")
    # baseline once, sernn at two strengths; 2 epochs each
    assert len(metrics) == 3 * 2
    assert {"run_id", "condition", "strength", "seed", "epoch", "loss", "task_loss", "reg_loss",
            "val_accuracy", "val_loss"} <= set(metrics.columns)
    assert sorted(metrics["epoch"].unique()) == [1, 2]
    assert (metrics.loc[metrics.condition == "baseline", "reg_loss"] == 0).all()
    assert (metrics.loc[metrics.condition == "sernn", "reg_loss"] > 0).all()
    run_dirs = sorted((out / "runs").iterdir())
    assert len(run_dirs) == 3
    with np.load(run_dirs[0] / "history.npz") as history:
        assert history["recurrent_kernel"].shape == (3, 100, 100)
        assert history["coordinates"].shape == (100, 3)
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 3
    final = metrics[metrics.epoch == 2].groupby(["condition", "strength"])["val_accuracy"].mean()
    for _, row in summary.iterrows():
        assert row["val_accuracy"] == pytest.approx(final[(row["condition"], row["strength"])])
        assert row["frac_plateau"] == float(0.58 <= row["val_accuracy"] <= 0.66)


@pytest.mark.slow
def test_interrupted_run_resumes_without_loss_or_duplicates(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    args = ["maze", "--out", str(out), "--conditions", "baseline,l1,spatial", "--strengths", "0.001",
            "--trainer", "fit", *TINY]
    real_run_one = maze_bench.run_one
    calls = []

    def interrupted(spec, settings, coordinates):
        calls.append(spec.run_id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_run_one(spec, settings, coordinates)

    monkeypatch.setattr(maze_bench, "run_one", interrupted)
    assert cli.main(args) == 130
    assert len(pd.read_csv(out / "metrics.csv")) == 2  # the first run is kept
    first = json.loads(next((out / "runs").glob("*/run.json")).read_text())

    monkeypatch.setattr(maze_bench, "run_one", real_run_one)
    assert cli.main(args) == 0
    assert "1 already done, 2 to run" in capsys.readouterr().out
    metrics = pd.read_csv(out / "metrics.csv")
    assert len(metrics) == 3 * 2
    assert not metrics.duplicated(["run_id", "epoch"]).any()
    again = json.loads((out / "runs" / first["run_id"] / "run.json").read_text())
    assert again == first  # the finished run was not redone
    assert cli.main(args) == 0
    assert "3 already done, 0 to run" in capsys.readouterr().out
    assert len(pd.read_csv(out / "metrics.csv")) == 6


def test_other_settings_in_the_same_folder_are_refused(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "runs").mkdir(parents=True)
    (out / "settings.json").write_text(json.dumps({"benchmark": "maze", "settings": {"epochs": 5}}))
    code = cli.main(["maze", "--out", str(out), *TINY])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "epochs" in err[0]


@pytest.mark.parametrize("bad", [
    ["--epochs", "0"], ["--conditions", "sernn,lasso"], ["--strengths", "a,b"], ["--units", "50"],
    ["--shard", "3/2"], ["--strengths", "0.1", "--strength-range", "0", "1", "3"], ["--bogus"],
    ["--preset", "huge"], ["--trainer", "keras"], ["--population", "4", "--trainer", "fit"], ["--paper"],
])
def test_bad_options_print_one_line_and_fail(bad, tmp_path):
    result = subprocess.run([sys.executable, "-m", "sernn.cli", "maze", "--out", str(tmp_path / "x"), *bad],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "error" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_subcommands():
    result = subprocess.run([sys.executable, "-m", "sernn.cli", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for name in ("maze", "analyze", "memory", "microns"):
        assert name in result.stdout


def test_shards_partition_the_runs():
    runs = maze_bench.plan_runs(["baseline", "sernn"], {"sernn": [0.1, 0.2, 0.3]}, [0, 1])
    shards = [maze_bench.plan_runs(["baseline", "sernn"], {"sernn": [0.1, 0.2, 0.3]}, [0, 1], shard=(i, 3))
              for i in range(3)]
    assert len(runs) == 8
    assert sorted(r.run_id for s in shards for r in s) == sorted(r.run_id for r in runs)


def test_changed_long_setting_is_summarised_in_one_short_line(tmp_path):
    from sernn.runfolder import RunStore

    RunStore(tmp_path / "f", "demo", {"ids": list(range(500))})
    with pytest.raises(ValueError) as error:
        RunStore(tmp_path / "f", "demo", {"ids": list(range(1, 501))})
    message = str(error.value)
    assert "ids" in message and "500 items" in message and len(message) < 400


def test_summary_reads_the_papers_epoch_9_and_counts_collapses():
    rows = []
    curves = {  # run -> (condition, strength, validation accuracy after epochs 1..10)
        "a": ("sernn", 0.3, [0.5, 0.7, 0.95, 1, 1, 1, 1, 1, 1, 1]),
        "b": ("sernn", 0.3, [0.5, 0.9, 1, 1, 1, 1, 0.8, 0.7, 0.62, 0.62]),  # learned, then collapsed
        "c": ("l1", 0.02, [0.5, 0.6, 0.62, 0.62, 0.62, 0.62, 0.62, 0.62, 0.62, 0.62]),
    }
    for run, (condition, strength, accuracy) in curves.items():
        for epoch, value in enumerate(accuracy, start=1):
            rows.append({"run_id": run, "condition": condition, "strength": strength, "seed": 0,
                         "epoch": epoch, "val_accuracy": value, "reg_loss": float(epoch)})
    summary = maze_bench.summarize(pd.DataFrame(rows)).set_index("condition")
    assert (summary["epoch"] == 9).all()
    assert summary.loc["sernn", "val_accuracy"] == pytest.approx((1 + 0.62) / 2)
    assert summary.loc["sernn", "frac_success"] == 0.5 and summary.loc["sernn", "frac_collapse"] == 0.5
    assert summary.loc["sernn", "frac_plateau"] == 0.5 and summary.loc["l1", "frac_plateau"] == 1.0
    assert summary.loc["sernn", "reg_loss"] == 9.0
    later = maze_bench.summarize(pd.DataFrame(rows), epoch=4, min_accuracy=0.99).set_index("condition")
    assert (later["epoch"] == 4).all() and later.loc["sernn", "frac_success"] == 1.0


POP_TINY = ["--train-trials", "128", "--val-trials", "64", "--test-trials", "64", "--epochs", "2",
            "--batch-size", "32", "--conditions", "baseline,l1,sernn", "--strengths", "0.01,0.3",
            "--seeds", "0,1"]


@pytest.mark.slow
def test_population_runs_do_not_depend_on_the_population_size(tmp_path, capsys):
    assert cli.main(["maze", "--out", str(tmp_path / "k2"), "--population", "2", *POP_TINY]) == 0
    printed = capsys.readouterr().out
    # 10 runs: baseline x 2 seeds, l1 and sernn x 2 strengths x 2 seeds, one architecture
    assert "10 to run, in 5 populations" in printed and "[10/10]" in printed
    assert cli.main(["maze", "--out", str(tmp_path / "k4"), "--population", "4", *POP_TINY]) == 0
    a = pd.read_csv(tmp_path / "k2" / "metrics.csv").sort_values(["run_id", "epoch"]).reset_index(drop=True)
    b = pd.read_csv(tmp_path / "k4" / "metrics.csv").sort_values(["run_id", "epoch"]).reset_index(drop=True)
    assert len(a) == 10 * 2
    pd.testing.assert_frame_equal(a, b)
    runs = sorted(p.name for p in (tmp_path / "k2" / "runs").iterdir())
    for run in runs[:3]:
        with np.load(tmp_path / "k2" / "runs" / run / "history.npz") as x, \
                np.load(tmp_path / "k4" / "runs" / run / "history.npz") as y:
            np.testing.assert_allclose(x["recurrent_kernel"], y["recurrent_kernel"], rtol=0, atol=1e-6)
    # a folder holds runs of one trainer only; without --trainer, a resumed folder keeps its own
    assert cli.main(["maze", "--out", str(tmp_path / "k2"), "--trainer", "fit", *POP_TINY]) == 2
    assert "holds runs of the 'population' trainer" in capsys.readouterr().err
    assert cli.main(["maze", "--out", str(tmp_path / "k2"), *POP_TINY]) == 0
    assert "10 already done, 0 to run" in capsys.readouterr().out


@pytest.mark.slow
def test_population_resume_after_an_interrupt_loses_and_duplicates_nothing(tmp_path, monkeypatch, capsys):
    real = maze_bench.run_population
    calls = []

    def interrupted(specs, settings, coordinates):
        calls.append(len(specs))
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed in the middle of the second population
        return real(specs, settings, coordinates)

    monkeypatch.setattr(maze_bench, "run_population", interrupted)
    args = ["maze", "--out", str(tmp_path / "run"), "--population", "4", *POP_TINY]
    assert cli.main(args) == 130
    assert len(pd.read_csv(tmp_path / "run" / "metrics.csv")) == 4 * 2  # the first population is kept
    monkeypatch.setattr(maze_bench, "run_population", real)
    capsys.readouterr()
    assert cli.main(args) == 0
    assert "4 already done, 6 to run" in capsys.readouterr().out
    resumed = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert len(resumed) == 10 * 2 and not resumed.duplicated(["run_id", "epoch"]).any()
    assert cli.main(["maze", "--out", str(tmp_path / "fresh"), "--population", "10", *POP_TINY]) == 0
    fresh = pd.read_csv(tmp_path / "fresh" / "metrics.csv")
    pd.testing.assert_frame_equal(resumed.sort_values(["run_id", "epoch"]).reset_index(drop=True),
                                  fresh.sort_values(["run_id", "epoch"]).reset_index(drop=True))


@pytest.mark.parametrize("args, message", [
    (["--population", "0"], "argument --population: expected a positive integer"),
    (["--preset", "huge"], "--preset: unknown preset 'huge' for sernn maze; accepted: quick, paper"),
    # 256 members x (3*4*128*50*100 + 12*4*100*100) bytes = 1.9 GiB; 0.8 GiB / 8.16 MB = 105 members
    (["--population", "256"], "a population of 256 networks needs about 1.9 GiB for one training step (batch 128, "
                              "50 time steps, 100 units) and 1.0 GiB is available; use a population of at most 105"),
])
def test_bad_population_options_are_one_line_before_any_folder(tmp_path, capsys, monkeypatch, args, message):
    import sernn.population

    monkeypatch.setattr(sernn.population, "available_memory", lambda: 2 ** 30)  # 1 GiB free
    out = tmp_path / "never"
    assert cli.main(["maze", "--out", str(out), "--conditions", "sernn",
                     "--strength-range", "0.001", "0.3", "200", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists()


def test_presets_plan_the_papers_grid_and_explicit_options_override_them():
    from sernn.experiments.sweep import resolve_preset

    paper = resolve_preset(maze_bench.MAZE, "paper")
    runs = maze_bench.plan_runs(paper["conditions"], paper["strengths"], paper["seeds"])
    counts = pd.Series([r.condition for r in runs]).value_counts().to_dict()
    assert counts == {"l1": 1001, "sernn": 1001, "spatial": 101} and len(runs) == 2103
    strengths = sorted({r.strength for r in runs if r.condition == "sernn"})
    assert strengths[0] == pytest.approx(0.001) and strengths[-1] == pytest.approx(0.3)
    assert np.diff(strengths) == pytest.approx(np.full(1000, 0.000299))
    quick = resolve_preset(maze_bench.MAZE, "quick", seeds=[5], conditions=None)
    assert quick["seeds"] == [5] and quick["conditions"] == list(maze_bench.CONDITIONS)


@pytest.mark.slow
def test_a_folder_made_with_keras_fit_resumes_with_its_trainer(tmp_path, capsys):
    out = tmp_path / "old"
    args = ["maze", "--out", str(out), "--conditions", "sernn", "--strengths", "0.3", *TINY]
    assert cli.main([*args, "--trainer", "fit"]) == 0
    settings = json.loads((out / "settings.json").read_text())["settings"]
    assert "trainer" not in settings  # as folders made before population training
    capsys.readouterr()
    assert cli.main([*args, "--seeds", "0,1"]) == 0  # no --trainer: keeps keras fit
    printed = capsys.readouterr().out
    assert "1 already done, 1 to run)" in printed and "populations" not in printed
