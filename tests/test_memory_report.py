"""``sernn report`` on memory folders: paired comparisons of strategies and their controls, claims."""
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sernn.analysis.statistics import compare_paired
from sernn.runfolder import RunStore

CELL = {"species": "macaque", "task": "sequence", "setting": 3, "optimizer": "adam", "activation": "relu",
        "learning_rate": 0.001}


def test_compare_paired_against_scipy_and_by_hand():
    a = np.array([3.0, 4.0, 6.0, 8.0, 1.0, 2.5])
    b = np.array([2.0, 2.0, 5.0, 5.0, 1.5, 2.0])
    result = compare_paired(a, b, n_boot=2000, seed=1)
    assert result["n"] == 6 and result["difference"] == pytest.approx(np.mean(a - b))
    assert result["wilcoxon_p"] == pytest.approx(stats.wilcoxon(a, b).pvalue)
    assert result["ttest_p"] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert result["ci_low"] < result["difference"] < result["ci_high"]
    with_nan = compare_paired(np.append(a, np.nan), np.append(b, 1.0), n_boot=2000, seed=1)
    assert with_nan["n"] == 6 and with_nan["difference"] == result["difference"]
    with pytest.raises(ValueError, match="same number of paired values; got 2 and 3"):
        compare_paired([1, 2], [1, 2, 3])


def _folder(tmp_path, loss):
    """A memory folder whose minimum test loss of (strategy, seed) is loss(strategy, seed), reached at epoch 2."""
    store = RunStore(tmp_path / "memory", "memory", {})
    for strategy in ("b_w_no", "b_w_eq", "b_w_div", "r_b_w_no", "r_b_w_eq", "r_b_w_div"):
        for seed in range(8):
            params = {**CELL, "strategy": strategy, "seed": seed}
            low = loss(strategy, seed)
            rows = [{"epoch": e, "loss": 1.0, "task_loss": 1.0, "test_loss": v}
                    for e, v in ((1, 2 * low), (2, low), (3, 1.5 * low))]
            store.save_run(f"{strategy}_{seed}", params, rows)
    return store.path


def test_the_published_claims_on_a_folder_built_to_agree_with_them(tmp_path):
    from sernn.experiments.memory_report import memory_report

    noise = np.random.default_rng(0).normal(0.0, 0.05, size=(6, 8))
    names = ["b_w_no", "b_w_eq", "b_w_div", "r_b_w_no", "r_b_w_eq", "r_b_w_div"]

    def loss(strategy, seed):  # b_w_eq ten times worse; every control its strategy x 10^(+-0.01), mean 0
        base = 1e-3 * (10.0 if strategy.endswith("b_w_eq") else 1.0)
        value = base * 10 ** noise[names.index(strategy.removeprefix("r_")), seed]
        return value * 10 ** (0.01 * (-1) ** seed) if strategy.startswith("r_") else value

    folder = _folder(tmp_path, loss)
    report = memory_report(folder, n_boot=2000, seed=0, min_pairs=5)
    verdicts = {c["claim"].split(" (")[0]: c["verdict"] for c in report["claims"]}
    assert verdicts["b_w_eq has a higher minimum test loss than b_w_no"] == "supported"
    assert verdicts["b_w_eq has a higher minimum test loss than b_w_div"] == "supported"
    for s in ("b_w_no", "b_w_eq", "b_w_div"):
        assert verdicts[f"{s} does not beat its randomised control r_{s}"].startswith("supported")
    paired = pd.read_csv(folder / "report" / "paired.csv")
    row = paired[(paired["strategy"] == "b_w_eq") & (paired["against"] == "b_w_no")
                 & (paired["species"] == "macaque")].iloc[0]
    expected = np.mean(1.0 + noise[1] - noise[0])  # log10(10 x ...) - log10(...)
    assert row["pairs"] == 8 and row["log10_ratio"] == pytest.approx(expected)
    strategies = pd.read_csv(folder / "report" / "strategies.csv").set_index("strategy")
    assert strategies.loc["b_w_no", "epoch_of_min"] == 2.0 and strategies.loc["b_w_no", "runs"] == 8
    assert strategies.loc["b_w_eq", "min_test_loss_geomean"] == pytest.approx(1e-2 * 10 ** noise[1].mean())
    assert json.loads((folder / "report" / "report.json").read_text())["runs"] == 48


def test_a_strategy_that_beats_its_control_contradicts_the_paper(tmp_path):
    from sernn.experiments.memory_report import memory_report

    def loss(strategy, seed):
        return 1e-3 * (0.5 if strategy == "b_w_div" else 1.0) * (1 + 0.01 * seed)

    report = memory_report(_folder(tmp_path, loss), n_boot=2000, seed=0, min_pairs=5)
    verdicts = {c["claim"].split(" (")[0]: c["verdict"] for c in report["claims"]}
    assert verdicts["b_w_div does not beat its randomised control r_b_w_div"] == "contradicted"
    assert verdicts["b_w_no does not beat its randomised control r_b_w_no"].startswith("supported")
    report = memory_report(_folder(tmp_path / "few", loss), n_boot=2000, seed=0)  # 8 pairs < 10
    assert all(c["verdict"] == "cannot test" for c in report["claims"])


def test_the_report_adds_the_trained_networks_topology_after_analyze(tmp_path):
    from sernn.analysis.folder import analyze_folder
    from sernn.experiments.memory_report import memory_report

    store = RunStore(tmp_path / "memory", "memory", {})
    rng = np.random.default_rng(4)
    for strategy in ("b_w_no", "r_b_w_no"):
        for seed in range(3):
            kernel = np.abs(rng.normal(size=(2, 12, 12))).astype(np.float32)  # before and after training
            store.save_run(f"{strategy}_{seed}", {**CELL, "strategy": strategy, "seed": seed},
                           [{"epoch": e, "loss": 1.0, "task_loss": 1.0, "test_loss": 0.1 / e} for e in (1, 2, 3)],
                           arrays={"recurrent_kernel": kernel, "epoch": np.array([0, 3])})
    table, _ = analyze_folder(store.path, n_nulls=10, log=lambda line: None)
    memory_report(store.path, n_boot=500, seed=0)
    topology = pd.read_csv(store.path / "report" / "topology.csv")
    q = topology[(topology["measure"] == "modularity") & (topology["strategy"] == "b_w_no")].iloc[0]
    trained = table[(table["epoch"] == 3) & (table["strategy"] == "b_w_no")]
    assert q["n"] == 3 and q["epoch"] == 3 and q["mean"] == pytest.approx(trained["modularity"].mean())
