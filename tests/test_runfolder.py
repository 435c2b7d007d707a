"""The run folder's top-level metrics.csv: appended per run, healed after a crash."""
import pandas as pd

from sernn.experiments.sweep import train_pending
from sernn.runfolder import RunStore


def test_metrics_are_appended_per_run_and_healed_after_a_torn_append(tmp_path, monkeypatch):
    store = RunStore(tmp_path / "out", "maze", {})
    rebuilt = []
    original = RunStore.rebuild_metrics
    monkeypatch.setattr(RunStore, "rebuild_metrics", lambda self: rebuilt.append(1) or original(self))
    for seed in range(3):
        store.save_run(f"seed={seed}", {"seed": seed}, [{"epoch": 1, "loss": 0.5 + seed}])
    assert rebuilt == []  # appended, not rebuilt from every run after each save
    frame = pd.read_csv(tmp_path / "out" / "metrics.csv")
    assert frame["run_id"].tolist() == ["seed=0", "seed=1", "seed=2"] and frame["loss"].tolist() == [0.5, 1.5, 2.5]
    # a run with other columns rebuilds the file once, so every row keeps its columns
    store.save_run("seed=3", {"seed": 3}, [{"epoch": 1, "loss": 3.5, "accuracy": 0.9}])
    assert rebuilt == [1]
    frame = pd.read_csv(tmp_path / "out" / "metrics.csv")
    assert len(frame) == 4 and frame["accuracy"].isna().sum() == 3
    # a crash in the middle of an append leaves a torn line: the next start heals it
    with open(tmp_path / "out" / "metrics.csv", "a") as handle:
        handle.write("seed=9,9,1,0.")
    train_pending(store, [], lambda specs: [], lambda *a: "", "test")
    assert pd.read_csv(tmp_path / "out" / "metrics.csv").equals(store.metrics())
