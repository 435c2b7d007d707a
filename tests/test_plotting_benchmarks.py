"""The memory and microns benchmark figures drawn by :mod:`sernn.plotting`."""

import numpy as np
import pandas as pd

from sernn.plotting import memory_figures, microns_figures

SETTING_NAMES = {"sequence": "length", "nback": "n"}
PLATEAUS = {"maze": (0.58, 0.66), "go_nogo": (0.45, 0.55), "perceptual_decision": (0.45, 0.55)}
MEMORY_RUN = ["species", "task", "setting", "optimizer", "activation", "learning_rate", "strategy", "seed"]


def memory_metrics():
    """Two species, both tasks (n-back with accuracy), two strategies, two seeds, three epochs."""
    rows = []
    for species in ("macaque", "human"):
        for task, setting in (("sequence", 3), ("nback", 2)):
            for k, strategy in enumerate(("b_w_no", "r_b_w_eq")):
                for seed in (0, 1):
                    for epoch in (1, 2, 3):
                        row = dict(species=species, task=task, setting=setting, optimizer="adam",
                                   activation="relu", learning_rate=1e-3, strategy=strategy, seed=seed,
                                   epoch=epoch, loss=1.0, task_loss=1.0,
                                   test_loss=0.5 / (epoch + seed + k) + 0.01 * (epoch == 3))
                        if task == "nback":
                            row.update(accuracy=0.5, test_accuracy=0.4 + 0.1 * epoch + 0.05 * seed)
                        rows.append(row)
    return pd.DataFrame(rows)


def memory_summary(metrics):
    """By hand, the columns :func:`memory_figures` reads (as ``sernn.experiments.memory.summarize``)."""
    rows = []
    for run, frame in metrics.groupby(MEMORY_RUN, sort=False):
        best = int(np.argmin(frame["test_loss"].to_numpy()))
        rows.append(dict(zip(MEMORY_RUN, run), min_test_loss=frame["test_loss"].min(),
                         epoch_of_min=int(frame["epoch"].iloc[best])))
    return pd.DataFrame(rows)


def microns_metrics():
    """Two tasks, three variants (one that never leaves the no-memory band), two seeds."""
    rows = []
    for task in ("go_nogo", "maze"):
        for variant, level in (("W", 0.9), ("W+D", 0.8), ("S+M+P", 0.5)):
            for seed in (0, 1):
                for epoch in (1, 2, 3):
                    rows.append(dict(task=task, variant=variant, seed=seed, epoch=epoch,
                                     run_id=f"{task}-{variant}-{seed}", reg_loss=0.1,
                                     val_accuracy=min(level, 0.5 + 0.15 * epoch) - 0.02 * seed))
    return pd.DataFrame(rows)


def microns_summary(metrics):
    final = metrics[metrics["epoch"] == 3]
    summary = final.groupby(["task", "variant"], as_index=False).agg(
        val_accuracy=("val_accuracy", "mean"), val_accuracy_sd=("val_accuracy", "std"))
    summary["status"] = np.where(summary["val_accuracy"] > 0.6, "learned", "plateau")
    return summary


def names(paths):
    return [p.name for p in paths]


def test_memory_figures_write_one_loss_figure_per_setting_and_two_box_plots_per_task(tmp_path):
    metrics = memory_metrics()
    written = memory_figures(metrics, memory_summary(metrics), tmp_path, SETTING_NAMES)
    assert names(written) == ["loss_curves_sequence_length=3_adam_relu_lr=0.001.png",
                              "loss_curves_nback_n=2_adam_relu_lr=0.001.png",
                              "min_test_loss_sequence.png", "epoch_of_min_sequence.png",
                              "min_test_loss_nback.png", "epoch_of_min_nback.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names(written))
    assert all(p.stat().st_size > 0 for p in written)


def test_microns_figures_write_the_two_figures_in_the_task_order(tmp_path):
    metrics = microns_metrics()
    written = microns_figures(metrics, microns_summary(metrics), tmp_path / "figures", PLATEAUS)
    assert names(written) == ["accuracy_by_variant.png", "learning_curves.png"]
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == sorted(names(written))


def test_empty_frames_write_nothing(tmp_path):
    assert memory_figures(pd.DataFrame(), pd.DataFrame(), tmp_path / "memory", SETTING_NAMES) == []
    assert microns_figures(pd.DataFrame(), pd.DataFrame(), tmp_path / "microns", PLATEAUS) == []
    metrics = microns_metrics()  # tasks the plateaus do not name are not drawn
    assert microns_figures(metrics, microns_summary(metrics), tmp_path / "other", {"unknown": (0, 1)}) == []
    assert list(tmp_path.iterdir()) == []
