"""The ``sernn memory`` benchmark: output folder, summary numbers, figures, resuming, errors."""
import json

import numpy as np
import pandas as pd
import pytest

from sernn.cli import main


@pytest.fixture(scope="module")
def tiny_run(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("memory") / "out"
    argv = ["memory", "--out", str(out), "--connectome-dir", str(shared_data / "connectomes"),
            "--species", "macaque", "--neurons-per-region", "1", "--strategies", "b_w_eq,r_b_w_eq",
            "--tasks", "sequence,nback", "--lengths", "3", "--nback-n", "2", "--epochs", "3",
            "--seeds", "0", "--n-trials", "80", "--batch-size", "32"]
    assert main(argv) == 0
    return out, argv


@pytest.mark.slow
def test_folder_contents_and_summary(tiny_run):
    out, _ = tiny_run
    metrics = pd.read_csv(out / "metrics.csv")
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 4 and set(summary["strategy"]) == {"b_w_eq", "r_b_w_eq"}
    assert len(metrics) == 4 * 3
    nback_rows = metrics[metrics["task"] == "nback"]
    assert nback_rows["test_accuracy"].between(0, 1).all()
    assert metrics.loc[metrics["task"] == "sequence", "test_accuracy"].isna().all()
    for _, row in summary.iterrows():
        curve = metrics[metrics["run_id"] == row["run_id"]].sort_values("epoch")
        assert row["min_test_loss"] == pytest.approx(curve["test_loss"].min())
        assert row["epoch_of_min"] == curve["epoch"].iloc[int(np.argmin(curve["test_loss"].to_numpy()))]
        record = json.loads((out / "runs" / row["run_id"] / "run.json").read_text())
        assert record["info"]["max_abs_weight_outside_mask"] == 0.0
        with np.load(out / "runs" / row["run_id"] / "history.npz") as arrays:
            assert arrays["recurrent_kernel"].shape == (2, 29, 29)
            assert not arrays["recurrent_kernel"][:, arrays["mask"] == 0].any()
    figures = sorted(p.name for p in out.glob("*.png"))
    assert figures == sorted(["epoch_of_min_nback.png", "epoch_of_min_sequence.png",
                              "min_test_loss_nback.png", "min_test_loss_sequence.png",
                              "loss_curves_nback_n=2_adam_relu_lr=0.001.png",
                              "loss_curves_sequence_length=3_adam_relu_lr=0.001.png"])
    table = pd.read_csv(out / "summary_by_strategy.csv")
    assert table["runs"].tolist() == [1, 1, 1, 1]
    one_seed = summary.set_index(["task", "strategy"]).loc[list(zip(table["task"], table["strategy"]))]
    np.testing.assert_allclose(table["min_loss_median"], one_seed["min_test_loss"])
    np.testing.assert_allclose(table["max_accuracy_median"], one_seed["max_test_accuracy"])  # NaN: sequence


@pytest.mark.slow
def test_rerun_resumes_without_training_again(tiny_run, capsys):
    out, argv = tiny_run
    before = {p: p.read_text() for p in out.glob("runs/*/run.json")}
    capsys.readouterr()
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "4 already done, 0 to run" in printed
    assert {p: p.read_text() for p in out.glob("runs/*/run.json")} == before
    assert len(pd.read_csv(out / "metrics.csv")) == 12


@pytest.mark.slow
def test_population_and_fit_trainers(tiny_run, tmp_path, shared_data):
    """The default trainer trains every strategy and seed of a task setting as one population; the
    fit trainer one network at a time. Both respect the mask and record the same columns."""
    out, argv = tiny_run
    settings = json.loads((out / "settings.json").read_text())
    assert settings["settings"]["trainer"] == "population"
    fit_out = tmp_path / "fit"
    fit_argv = [fit_out.as_posix() if a == str(out) else a for a in argv]
    fit_argv = [a if a != "sequence,nback" else "nback" for a in fit_argv] + ["--trainer", "fit"]
    assert main(fit_argv) == 0
    fitted = pd.read_csv(fit_out / "metrics.csv")
    together = pd.read_csv(out / "metrics.csv")
    assert set(fitted.columns) == set(together.columns)
    assert len(fitted) == 2 * 3
    for run_id in fitted["run_id"].unique():
        with np.load(fit_out / "runs" / run_id / "history.npz") as arrays:
            assert not arrays["recurrent_kernel"][:, arrays["mask"] == 0].any()


def test_changed_settings_and_bad_options_are_refused(tiny_run, capsys):
    out, argv = tiny_run
    changed = [a if a != "80" else "90" for a in argv]
    assert main(changed) == 2
    assert "other settings" in capsys.readouterr().err
    assert main(["memory", "--out", str(out.parent / "x"), "--strategies", "b_w_zz"]) == 2
    assert "--strategies must be one of 'b_w_no', " in capsys.readouterr().err
    assert main(["memory", "--out", str(out.parent / "y"), "--species", "cat"]) == 2
    assert "unknown species" in capsys.readouterr().err


@pytest.mark.parametrize("option,value,message", [
    ("--optimizers", "adam,foo", "--optimizers: unknown Keras optimizer 'foo'"),
    ("--activations", "relu,foo", "--activations: unknown Keras activation 'foo'"),
    ("--noise", "nan", "--noise must be a finite real number >= 0"),
    ("--test-fraction", "0.001", "--test-fraction 0.001 of 80 trials leaves an empty part"),
    ("--optimizers", "adam,sgd", "--optimizers sgd: the population trainer offers adam, rmsprop"),
    ("--preset", "huge", "--preset: unknown preset 'huge' for sernn memory; accepted: quick, paper"),
])
def test_bad_options_are_refused_before_anything_is_written(tiny_run, capsys, option, value, message):
    out, argv = tiny_run
    fresh = out.parent / "refused"
    argv = [fresh.as_posix() if a == str(out) else a for a in argv] + [option, value]
    capsys.readouterr()
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not fresh.exists()


@pytest.mark.slow
def test_repeated_values_do_not_plan_runs_twice(tiny_run, capsys):
    out, argv = tiny_run
    repeated = [{"0": "0,0", "b_w_eq,r_b_w_eq": "b_w_eq,r_w_eq,r_b_w_eq,b_w_eq"}.get(a, a) for a in argv]
    capsys.readouterr()
    assert main(repeated) == 0
    assert "4 runs in" in capsys.readouterr().out


def test_summary_ignores_epochs_after_a_run_diverged():
    from sernn.experiments.memory import summarize

    run = dict(species="macaque", task="sequence", setting=3, optimizer="rmsprop", activation="relu",
               learning_rate=1e-4, seed=0)
    losses = {"a": [0.3, 0.2, 0.25, np.nan, np.nan], "b": [0.4, 0.1, 0.1, 0.3, 0.2]}
    strategy = {"a": "b_w_no", "b": "b_w_eq"}
    metrics = pd.DataFrame([{"run_id": rid, **run, "strategy": strategy[rid], "epoch": e + 1, "test_loss": v}
                            for rid, values in losses.items() for e, v in enumerate(values)])
    summary = summarize(metrics).set_index("run_id")
    assert summary.loc["a", "min_test_loss"] == 0.2 and summary.loc["a", "epoch_of_min"] == 2
    assert np.isnan(summary.loc["a", "final_test_loss"])
    assert summary.loc["b", "min_test_loss"] == 0.1 and summary.loc["b", "epoch_of_min"] == 2  # first


def test_the_paper_preset_plans_the_published_grid():
    from sernn.connectomes.strategies import STRATEGIES
    from sernn.experiments import memory
    from sernn.experiments.sweep import resolve_preset

    paper = resolve_preset(memory.MEMORY, "paper")
    runs = memory.plan_runs(paper["species"], paper["tasks"], paper["lengths"], paper["nback_n"],
                            paper["optimizers"], paper["activations"], paper["learning_rates"], STRATEGIES,
                            paper["seeds"])
    # 3 species x (3 lengths + 3 n) x 2 optimizers x 2 activations x 1 learning rate x 5 seeds x 6 strategies
    assert len(runs) == 3 * 6 * 2 * 2 * 5 * 6 == 2160
    assert {r.learning_rate for r in runs} == {1e-4} and paper["epochs"] == 500 and paper["nback_epochs"] == 3000


@pytest.mark.slow
def test_the_published_code_options_train_and_are_recorded_only_when_chosen(tiny_run, capsys):
    out, argv = tiny_run
    settings = json.loads((out / "settings.json").read_text())["settings"]
    assert not {"intrinsic_rule", "partition", "orientation", "nback_timing", "nback_classes"} & set(settings)
    code = out.parent / "published"
    argv = [code.as_posix() if a == str(out) else a for a in argv]
    argv = [{"sequence,nback": "nback"}.get(a, a) for a in argv] + [
        "--intrinsic-rule", "bio2art", "--partition", "stick", "--orientation", "transposed",
        "--nback-timing", "original", "--nback-classes", "3"]
    argv[argv.index("--neurons-per-region") + 1] = "2"  # one neuron per region has no intrinsic block
    capsys.readouterr()
    assert main(argv) == 0
    stored = json.loads((code / "settings.json").read_text())["settings"]
    assert {k: stored[k] for k in ("intrinsic_rule", "partition", "orientation", "nback_timing", "nback_classes")} \
        == {"intrinsic_rule": "bio2art", "partition": "stick", "orientation": "transposed",
            "nback_timing": "original", "nback_classes": 3}
    run = next((code / "runs").glob("*strategy=b_w_eq*"))
    with np.load(run / "history.npz") as history:
        bio = history["bio_weights"]
        region = history["region_index"]
    inside = region[:, None] == region[None, :]
    assert bio[inside].sum() / bio.sum() == pytest.approx(0.8, rel=1e-5)  # bio2art's rule


@pytest.mark.slow
def test_the_published_code_preset_sets_every_choice_and_explicit_options_still_win(shared_data, tmp_path, capsys):
    from sernn.experiments import memory
    from sernn.experiments.sweep import resolve_preset

    preset = resolve_preset(memory.MEMORY, "published-code")
    assert {k: preset[k] for k in memory.PUBLISHED_CODE_DEFAULTS} == {
        "intrinsic_rule": "bio2art", "partition": "stick", "orientation": "transposed",
        "nback_timing": "original", "nback_classes": 3}
    assert preset["sequence_trials"] == 500 and preset["lengths"] == [3, 5, 10] and preset["seeds"] == [0, 1, 2, 3, 4]
    out = tmp_path / "published"
    assert main(["memory", "--preset", "published-code", "--out", str(out), "--connectome-dir",
                 str(shared_data / "connectomes"), "--species", "macaque", "--tasks", "sequence,nback",
                 "--lengths", "3", "--nback-n", "2", "--optimizers", "adam", "--activations", "relu",
                 "--learning-rates", "0.001", "--seeds", "0", "--epochs", "2", "--nback-epochs", "2",
                 "--strategies", "b_w_eq", "--neurons-per-region", "1", "--n-trials", "40", "--sequence-trials",
                 "50", "--batch-size", "32", "--orientation", "source-target", "--no-figures"]) == 0
    stored = json.loads((out / "settings.json").read_text())["settings"]
    assert stored["intrinsic_rule"] == "bio2art" and stored["nback_classes"] == 3
    assert "orientation" not in stored  # asked for the paper's orientation explicitly: the default, not stored
    assert stored["sequence_trials"] == 50
