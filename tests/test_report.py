"""``sernn report`` on a synthetic, analysed maze folder (no Keras needed)."""
import json

import numpy as np
import pandas as pd
import pytest

from sernn.analysis.learning import learning_outcomes
from sernn.analysis.statistics import wilson_interval
from sernn.cli import main
from sernn.runfolder import RunStore, make_run_id
from sernn.spatial import distance_matrix, grid_coordinates

GRID = (3, 3, 3)
EPOCHS = 10


def _weights(condition, rng, D):
    W = rng.normal(size=D.shape) * 0.3
    if condition == "sernn":  # short, clustered connections: modular, small-world, negative r
        W = W * np.exp(-1.5 * D)
    elif condition == "l1":  # as heavy as a seRNN, give or take 5 %: the groups' total weights overlap
        reference = np.abs(rng.normal(size=D.shape) * 0.3 * np.exp(-1.5 * D)).sum()
        W = W * reference / np.abs(W).sum() * rng.uniform(0.95, 1.05)
    return W


def _make_folder(path):
    store = RunStore(path, "maze", {"epochs": EPOCHS}, extendable=("conditions", "seeds"))
    D = distance_matrix(grid_coordinates(GRID))
    rng = np.random.default_rng(0)
    plan = [("baseline", 0.0, 3), ("l1", 0.01, 3), ("l1", 0.2, 3), ("sernn", 0.05, 3), ("sernn", 0.3, 3)]
    for condition, strength, seeds in plan:
        for seed in range(seeds):
            params = {"condition": condition, "strength": strength, "seed": seed}
            start = rng.normal(size=D.shape) * 0.3
            end = _weights(condition, rng, D)
            history = np.stack([start + (end - start) * min(1.0, e / 5) for e in range(EPOCHS + 1)])
            # l1 at 0.2 stays on the plateau; the last sernn seed at 0.3 learns, then collapses
            accuracy = np.linspace(0.5, 1.0, EPOCHS)
            if condition == "l1" and strength == 0.2:
                accuracy = np.full(EPOCHS, 0.62)
            if condition == "sernn" and strength == 0.3 and seed == 2:
                accuracy = np.r_[np.linspace(0.5, 1.0, 6), [0.95, 0.85, 0.7, 0.62]]
            rows = [{"epoch": e + 1, "val_accuracy": float(a), "loss": 1.0} for e, a in enumerate(accuracy)]
            store.save_run(make_run_id(params), params, rows,
                           {"recurrent_kernel": history.astype(np.float32), "epoch": np.arange(EPOCHS + 1),
                            "coordinates": grid_coordinates(GRID)})
    return store


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "maze"
    _make_folder(path)
    assert main(["analyze", str(path), "--nulls", "20", "--epochs", "0,5,9,10", "--no-figures"]) == 0
    return path


def test_report_tables_claims_and_figures(analysed, capsys):
    assert main(["report", str(analysed), "--boot", "2000", "--min-networks", "3"]) == 0
    out = capsys.readouterr().out
    assert "seRNNs are more modular than L1 networks (higher Q): supported" in out
    report = json.loads((analysed / "report" / "report.json").read_text())
    assert report["epoch"] == 9 and report["min_accuracy"] == 0.9 and report["recipe"] == ["paper"]
    # the filter: l1 at 0.2 (plateau) and the collapsing sernn seed (0.7 at epoch 9) are left out
    assert report["networks_kept"] == {"baseline": 3, "l1": 3, "sernn": 5}
    topology = pd.read_csv(analysed / "topology.csv")
    kept = topology[(topology["epoch"] == 9) & (topology["val_accuracy"] >= 0.9)]
    for row in report["measures"]:
        values = kept.loc[kept["condition"] == row["condition"], row["measure"]]
        assert row["n"] == len(values) and row["mean"] == pytest.approx(values.mean())
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    q = {c: kept.loc[kept["condition"] == c, "modularity"] for c in ("sernn", "l1")}
    comparison = next(r for r in report["comparisons"] if r["condition"] == "sernn"
                      and r["reference"] == "l1" and r["measure"] == "modularity")
    assert comparison["difference"] == pytest.approx(q["sernn"].mean() - q["l1"].mean())
    assert 0 < comparison["ci_low"] < comparison["difference"] < comparison["ci_high"]
    verdicts = {c["measure"]: c["verdict"] for c in report["claims"]}
    assert verdicts == {"modularity": "supported", "small_worldness": "supported",
                        "weight_distance_corr": "supported"}
    # learning outcomes with Wilson intervals, against a count by hand
    learning = {r["condition"]: r for r in report["learning"]}
    assert (learning["sernn"]["success"], learning["sernn"]["collapse"], learning["sernn"]["n"]) == (5, 1, 6)
    assert (learning["l1"]["plateau"], learning["l1"]["reached"]) == (3, 3)
    assert (learning["sernn"]["success_low"], learning["sernn"]["success_high"]) == \
        pytest.approx(wilson_interval(5, 6))
    by_bin = pd.read_csv(analysed / "report" / "learning.csv")
    # 10 equal-width bins over l1's range 0.01..0.2: the first and the last (closed) bin
    assert set(by_bin.loc[by_bin["condition"] == "l1", "strength_bin"]) == {"[0.01, 0.029)", "[0.181, 0.2]"}
    markdown = (analysed / "report" / "report.md").read_text()
    assert "## Headline claims" in markdown and "| modularity Q |" in markdown
    for name in ("measures_strength.png", "measures_epochs.png", "accuracy_epochs.png"):
        assert (analysed / "report" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # with the default of 10 networks per group, 5 seRNN and 3 L1 networks give no verdict
    assert main(["report", str(analysed), "--boot", "500", "--no-figures"]) == 0
    report = json.loads((analysed / "report" / "report.json").read_text())
    assert {c["verdict"] for c in report["claims"]} == {"cannot test"}
    assert "fewer than 10 networks" in report["claims"][0]["why"]


def test_another_epoch_and_filter(analysed):
    assert main(["report", str(analysed), "--epoch", "10", "--min-accuracy", "0.6", "--boot", "500",
                 "--no-figures"]) == 0
    report = json.loads((analysed / "report" / "report.json").read_text())
    metrics = RunStore.open(analysed).metrics()
    final = metrics[metrics["epoch"] == 10]
    expected = final[final["val_accuracy"] >= 0.6].groupby("condition").size().to_dict()
    assert report["networks_kept"] == expected
    outcomes = learning_outcomes(metrics, epoch=10, threshold=0.6)
    assert {r["condition"]: r["success"] for r in report["learning"]} == \
        outcomes.groupby("condition")["success"].sum().to_dict()
    assert not list((analysed / "report").glob("*.png"))  # the old figures went with the old report


@pytest.mark.parametrize("args, message", [
    (["--epoch", "3"], "--epoch 3: not analysed"),
    (["--min-accuracy", "0.99"], "--min-accuracy 0.99 leaves no network at epoch 9"),
    (["--min-accuracy", "2"], "--min-accuracy must be a finite real number in [0, 1]; got 2.0"),
    (["--boot", "3"], "--boot must be an integer >= 100"),
    (["--min-networks", "1"], "--min-networks must be an integer >= 2; got 1"),
])
def test_bad_options_leave_the_previous_report(analysed, capsys, args, message):
    assert main(["report", str(analysed), "--boot", "200", "--no-figures"]) == 0
    before = (analysed / "report" / "report.json").read_bytes()
    capsys.readouterr()
    assert main(["report", str(analysed), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert (analysed / "report" / "report.json").read_bytes() == before
    assert sorted(p.name for p in analysed.iterdir() if p.name.startswith(".report")) == []


def test_a_failure_while_writing_keeps_the_old_report(analysed, monkeypatch):
    import sernn.plotting

    assert main(["report", str(analysed), "--boot", "200", "--no-figures"]) == 0
    before = (analysed / "report" / "report.md").read_text()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sernn.plotting, "figure_accuracy_bands", broken)
    with pytest.raises(RuntimeError, match="disk full"):  # an internal error keeps its traceback
        main(["report", str(analysed), "--boot", "200"])
    assert (analysed / "report" / "report.md").read_text() == before
    assert not [p for p in analysed.iterdir() if p.name.startswith(".report")]


def test_folders_that_cannot_be_reported(tmp_path, capsys):
    (tmp_path / "plain").mkdir()
    assert main(["report", str(tmp_path / "plain")]) == 2
    assert "not a sernn run folder" in capsys.readouterr().err
    _make_folder(tmp_path / "fresh")
    assert main(["report", str(tmp_path / "fresh")]) == 2
    assert "run `sernn analyze" in capsys.readouterr().err
    RunStore(tmp_path / "memory", "memory", {})
    assert main(["report", str(tmp_path / "memory")]) == 2
    assert "memory' has no finished runs to report on" in capsys.readouterr().err
    RunStore(tmp_path / "other", "learning-study", {})
    assert main(["report", str(tmp_path / "other")]) == 2
    assert "sernn report reads maze, memory and microns folders" in capsys.readouterr().err
    assert not (tmp_path / "fresh" / "report").exists()


def test_matched_total_weight_and_the_paper_s_test_against_independent_computations(analysed):
    from scipy import stats

    assert main(["report", str(analysed), "--boot", "500", "--min-networks", "3", "--no-figures"]) == 0
    matched = pd.read_csv(analysed / "report" / "matched.csv").set_index("measure")
    topology = pd.read_csv(analysed / "topology.csv")
    kept = topology[(topology["epoch"] == 9) & (topology["val_accuracy"] >= 0.9)]
    a, b = (kept[kept["condition"] == c] for c in ("sernn", "l1"))
    for measure in ("modularity", "small_worldness", "weight_distance_corr"):
        row = matched.loc[measure]
        test = stats.ttest_ind(a[measure], b[measure], equal_var=True)   # the paper's pooled t-test
        assert row["paper_t"] == pytest.approx(test.statistic) and row["paper_p"] == pytest.approx(test.pvalue)
        pooled = np.sqrt(((len(a) - 1) * a[measure].var() + (len(b) - 1) * b[measure].var()) / (len(a) + len(b) - 2))
        assert row["paper_cohens_d"] == pytest.approx((a[measure].mean() - b[measure].mean()) / pooled)
        # OLS on the overlap of log total weight, by numpy
        la, lb = np.log(a["total_weight"]), np.log(b["total_weight"])
        low, high = max(la.min(), lb.min()), min(la.max(), lb.max())
        ia, ib = la.between(low, high), lb.between(low, high)
        x = np.r_[la[ia], lb[ib]]
        design = np.column_stack([np.ones_like(x), np.r_[np.ones(ia.sum()), np.zeros(ib.sum())], x])
        coef = np.linalg.lstsq(design, np.r_[a[measure][ia], b[measure][ib]], rcond=None)[0]
        assert row["regression_difference"] == pytest.approx(coef[1])
        assert (row["overlap_n_sernn"], row["overlap_n_l1"]) == (ia.sum(), ib.sum())
    markdown = (analysed / "report" / "report.md").read_text()
    assert "## Matched total weight (seRNN − L1)" in markdown and "the paper's test" in markdown


def test_groups_whose_weights_do_not_overlap_get_no_verdict(tmp_path):
    """The synthetic seRNNs are ~10x lighter than L1 networks of unscaled weights: the raw comparison
    says 'more modular', but no network of either group has a partner of equal weight."""
    from sernn.experiments.maze_claims import judge_claims
    from sernn.analysis.findings import compare_to

    rng = np.random.default_rng(3)
    D = distance_matrix(grid_coordinates(GRID))
    rows = []
    for condition in ("sernn", "l1"):
        for _ in range(12):
            W = rng.normal(size=D.shape) * 0.3 * (np.exp(-1.5 * D) if condition == "sernn" else 1.0)
            rows.append({"condition": condition, "total_weight": np.abs(W).sum(),
                         "modularity": np.abs(W).sum() ** -1 + rng.normal(0, 1e-3),
                         "small_worldness": 1.0, "weight_distance_corr": 0.0})
    kept = pd.DataFrame(rows)
    raw = compare_to(kept, "condition", ["modularity", "small_worldness", "weight_distance_corr"], "l1", n_boot=500)
    claims, _, _ = judge_claims(raw, kept, min_networks=10, n_boot=500)
    assert raw.set_index("measure").loc["modularity", "ci_low"] > 0          # raw: "supported"
    assert claims[0]["basis"] == "matched total weight" and claims[0]["verdict"] == "cannot test"
    assert "overlapping weight range" in claims[0]["why"]
