"""``sernn report`` on MICrONS folders: variants compared on the same seeds, the study's claims."""
import numpy as np
import pandas as pd
import pytest

from sernn.runfolder import RunStore


def _folder(tmp_path, curve):
    """A microns folder whose run (task, variant, seed) has validation accuracies curve(task, variant, seed)."""
    store = RunStore(tmp_path / "microns", "microns", {})
    for task in ("go_nogo", "perceptual_decision"):
        for variant in ("W", "W+D", "W+D*", "W+D*+C*", "W+P"):
            for seed in range(6):
                accuracies = curve(task, variant, seed)
                rows = [{"epoch": e + 1, "val_accuracy": a, "reg_loss": 0.0} for e, a in enumerate(accuracies)]
                params = {"task": task, "variant": variant, "seed": seed, "condition": f"{task}/{variant}"}
                store.save_run(f"{task}_{variant}_{seed}".replace("*", "s").replace("+", "-"), params, rows,
                               info={"test_accuracy": accuracies[-1]})
    return store.path


def test_the_claims_on_a_folder_built_for_them(tmp_path):
    from sernn.experiments.microns_report import microns_report

    jitter = np.random.default_rng(0).normal(0.0, 0.005, size=(2, 5, 6))
    names = ["W", "W+D", "W+D*", "W+D*+C*", "W+P"]

    def curve(task, variant, seed):  # real distances and the full model learn faster; W+P as W
        speed = {"W": 0.10, "W+D": 0.10, "W+D*": 0.15, "W+D*+C*": 0.15, "W+P": 0.10}[variant]
        base = 0.5 + jitter[int(task == "go_nogo"), names.index(variant), seed]
        return [min(1.0, base + speed * e) for e in range(4)]

    folder = _folder(tmp_path, curve)
    report = microns_report(folder, n_boot=2000, seed=0, min_pairs=10)
    verdicts = [c["verdict"] for c in report["claims"]]
    assert verdicts[0] == "cannot test" and "no W* or" in report["claims"][0]["detail"]
    assert verdicts[1] == "supported" and verdicts[2] == "supported"
    assert verdicts[3] == "cannot test"  # neither W*+P nor S+M+P in this folder
    paired = pd.read_csv(folder / "report" / "paired.csv")
    row = paired[(paired["variant"] == "W+D*") & (paired["task"] == "all")].iloc[0]
    auc = {v: np.mean([np.mean(curve(t, v, s)) for t in ("go_nogo", "perceptual_decision") for s in range(6)])
           for v in ("W+D*", "W")}
    assert row["pairs"] == 12 and row["difference"] == pytest.approx(auc["W+D*"] - auc["W"])
    variants = pd.read_csv(folder / "report" / "variants.csv")
    w = variants[(variants["task"] == "go_nogo") & (variants["variant"] == "W")].iloc[0]
    assert w["runs"] == 6 and w["final_val_accuracy"] == pytest.approx(
        np.mean([curve("go_nogo", "W", s)[-1] for s in range(6)]))
    assert report["runs"] == 60
    few = microns_report(folder, n_boot=2000, seed=0, min_pairs=13)
    assert all(c["verdict"] == "cannot test" for c in few["claims"])


def test_a_diverged_network_is_skipped_by_analyze_and_the_report_shows_the_topology(tmp_path):
    from sernn.analysis.folder import analyze_folder
    from sernn.experiments.microns_report import microns_report
    from sernn.spatial import grid_coordinates

    store = RunStore(tmp_path / "m", "microns", {})
    coordinates = grid_coordinates((3, 3, 2))
    rng = np.random.default_rng(0)
    for seed in range(3):
        for variant in ("W", "W+P"):
            kernel = rng.normal(size=(2, 18, 18)).astype(np.float32)
            if variant == "W+P":
                kernel[1] = np.nan  # diverged during the first epoch
            params = {"task": "go_nogo", "variant": variant, "seed": seed, "condition": f"go_nogo/{variant}"}
            store.save_run(f"go_nogo_{variant.replace('+', '-')}_{seed}", params,
                           [{"epoch": 1, "val_accuracy": 0.5, "reg_loss": 0.0}],
                           arrays={"recurrent_kernel": kernel, "epoch": np.arange(2), "coordinates": coordinates},
                           info={"test_accuracy": 0.5})
    lines = []
    table, _ = analyze_folder(store.path, n_nulls=10, epochs="last", log=lines.append)
    assert sorted(set(table["variant"])) == ["W"] and len(table) == 3
    assert sum("skipped (weights not finite at epoch 1: the network diverged)" in line for line in lines) == 3
    microns_report(store.path, n_boot=500, seed=0)
    topology = pd.read_csv(store.path / "report" / "topology.csv")
    q = topology[topology["measure"] == "modularity"].iloc[0]
    assert q["variant"] == "W" and q["n"] == 3 and q["epoch"] == 1
    assert q["mean"] == pytest.approx(table["modularity"].mean())


def test_structure_claims_and_the_studys_numbers_on_planted_kernels(tmp_path):
    """D*+C runs get block-modular kernels, D* runs unstructured ones: the modularity claim must hold, and the
    published-numbers table must carry the medians of the planted accuracies."""
    from sernn.analysis import modules
    from sernn.experiments.microns_report import microns_report

    store = RunStore(tmp_path / "microns", "microns", {})
    n, rng = 24, np.random.default_rng(3)
    blocks = np.kron(np.eye(3), np.ones((8, 8)))
    accuracy = {"D*": 0.62, "D*+C": 0.9, "L1": 0.62, "W*+D*+C": 0.95}
    for variant in accuracy:
        for seed in range(10):
            W = rng.random((n, n)) * (0.2 + (blocks if variant == "D*+C" else 1 / 3))  # the same total weight
            rows = [{"epoch": e + 1, "val_accuracy": accuracy[variant] + 0.001 * seed, "reg_loss": 0.0}
                    for e in range(2)]
            params = {"task": "maze", "variant": variant, "seed": seed, "condition": f"maze/{variant}"}
            store.save_run(f"maze_{variant}_{seed}".replace("*", "s").replace("+", "-"), params, rows,
                           arrays={"recurrent_kernel": np.stack([W, W])}, info={"test_accuracy": 0.5})
    report = microns_report(store.path, n_boot=500, seed=0, min_pairs=10, log=lambda line: None)
    claim = next(c for c in report["claims"] if "more modular" in c["claim"])
    assert claim["verdict"] == "supported" and "(modularity)" in claim["detail"]
    structure = pd.read_csv(store.path / "structure.csv").set_index("run_id")
    W = store.load_arrays("maze_Ds-C_0")["recurrent_kernel"][-1]
    assert structure.loc["maze_Ds-C_0", "modularity"] == pytest.approx(modules(W)[1])
    published = pd.read_csv(store.path / "report" / "published.csv")
    l1 = published[(published["variant"] == "L1") & (published["measure"] == "median final accuracy")].iloc[0]
    assert l1["median"] == pytest.approx(np.median(0.62 + 0.001 * np.arange(10))) and l1["published"] == 0.62
    gain = published[published["measure"].str.startswith("median accuracy gain")].iloc[0]
    assert gain["median"] == pytest.approx(np.median(0.95 + 0.001 * np.arange(10)) / l1["median"] - 1)


def test_a_structural_claim_at_very_different_total_weights_is_not_comparable():
    from sernn.experiments.microns_report import WEIGHT_FOLD, _weight_confound

    runs = pd.DataFrame({"variant": ["A"] * 3 + ["B"] * 3, "total_weight": [30.0, 40.0, 50.0, 100.0, 120.0, 140.0]})
    verdict, detail = _weight_confound(runs, ("A", "B"), "supported", "d")
    assert verdict == "not comparable" and "3-fold" in detail and 120 / 40 > WEIGHT_FOLD
    runs.loc[runs["variant"] == "B", "total_weight"] = [50.0, 60.0, 70.0]
    assert _weight_confound(runs, ("A", "B"), "supported", "d")[0] == "supported"
