"""Analyses of every saved network of a ``sernn maze`` folder, cached per run: the engine that the activity
(:mod:`sernn.experiments.maze_activity`) and dynamics (:mod:`sernn.experiments.maze_dynamics`) analyses share.

For each finished run the network is rebuilt from its saved weights at one epoch and handed, in batches, to
the analysis's *worker* (a picklable callable, so batches can run on a Ray cluster); each run's row and
tables are written atomically under ``runs/<run_id>/`` as they arrive, and a re-run reuses them when the
settings that shape them are unchanged, so an interrupted analysis resumes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sernn.analysis.folder import format_seconds
from sernn.executors import Progress, run_items
from sernn.hidden_states import RECURRENT_WEIGHTS, MissingWeights
from sernn.readers import load_npz, read_cached_csv
from sernn.validation import check_integer, check_real

__all__ = ["analysed_epoch", "saved_network", "maze_records", "analyse_runs", "kept_with_analysis"]

_RECORD_SKIP = ("finished", "info")


def analysed_epoch(settings: dict, epoch=None) -> int:
    """The analysed epoch: ``epoch``, else the seRNN paper's 9, or the last one when fewer were trained.

    >>> analysed_epoch({"epochs": 10}), analysed_epoch({"epochs": 3}), analysed_epoch({"epochs": 10}, 4)
    (9, 3, 4)
    """
    epochs = int(settings.get("epochs", 10))
    if epoch is None:
        return min(9, epochs)
    epoch = check_integer(epoch, "epoch", low=0)
    if epoch > epochs:
        raise ValueError(f"epoch must be at most {epochs} (the folder's epochs); got {epoch}")
    return epoch


def saved_network(store, run_id, epoch, what="the activity analysis"):
    """``(weights at epoch, coordinates)`` of a run; ``(None, None)`` if it diverged; MissingWeights names a
    sernn 0.1 folder."""
    path = store.run_dir(run_id) / "history.npz"
    arrays = load_npz(path, "weight history", keys=(*RECURRENT_WEIGHTS, "epoch", "coordinates"))
    missing = [name for name in RECURRENT_WEIGHTS if name not in arrays]
    if missing:
        raise MissingWeights(f"{store.path}: its runs saved only their recurrent kernels (a folder of sernn 0.1: "
                             f"{path.name} of {run_id} lacks {', '.join(missing)}); {what} "
                             "rebuilds every network, so train the folder again with this version")
    if "coordinates" not in arrays:
        raise MissingWeights(f"{path} has no unit coordinates; the spatial analyses need them")
    epochs = np.asarray(arrays.get("epoch", np.arange(len(arrays["recurrent_kernel"]))))
    where = np.flatnonzero(epochs == epoch)
    if where.size == 0:
        raise ValueError(f"epoch {epoch} was not recorded for {run_id}; recorded epochs: {epochs.tolist()}")
    weights = {name: arrays[name][where[0]] for name in RECURRENT_WEIGHTS}
    if not all(np.isfinite(w).all() for w in weights.values()):
        return None, None
    return weights, np.asarray(arrays["coordinates"], dtype=np.float64)


def maze_records(run_dir, epoch, min_accuracy, log, what: str, maze_only: bool = True):
    """``(store, records, metrics, epoch)``: the finished runs of a ``sernn maze`` folder to analyse at
    ``epoch`` (:func:`analysed_epoch`),
    checked before anything is written (another benchmark, a NeuroGym folder when ``maze_only``, a sernn 0.1
    folder, no run), and those with validation accuracy >= ``min_accuracy`` there (None: all)."""
    from sernn.runfolder import RunStore

    store = RunStore.open(run_dir)
    if store.benchmark != "maze":
        raise ValueError(f"{str(run_dir)!r} is a {store.benchmark!r} folder; {what} reads the "
                         "maze task's networks (a `sernn maze` folder)")
    if maze_only and store.settings.get("task") not in (None, "maze"):
        raise ValueError(f"{str(run_dir)!r} trained on {store.settings['task']}; {what} reads the "
                         "maze task's networks (goal, options and choice units)")
    epoch = analysed_epoch(store.settings, epoch)
    records = [r for r in store.done_runs() if (store.run_dir(r["run_id"]) / "history.npz").exists()]
    if not records:
        raise ValueError(f"{str(run_dir)!r} has no finished run with a weight history to analyse")
    saved_network(store, records[0]["run_id"], epoch, what)  # a sernn 0.1 folder stops here, nothing written
    metrics = store.metrics()
    if min_accuracy is not None:
        min_accuracy = check_real(min_accuracy, "min_accuracy", low=0, high=1)
        at = metrics[metrics["epoch"] == epoch] if "epoch" in metrics.columns else metrics.iloc[:0]
        passed = set(at.loc[at["val_accuracy"] >= min_accuracy, "run_id"]) if "val_accuracy" in at.columns else set()
        log(f"{len(passed & {r['run_id'] for r in records})} of {len(records)} runs have validation accuracy "
            f">= {min_accuracy} at epoch {epoch}; the others are not analysed")
        records = [r for r in records if r["run_id"] in passed]
        if not records:
            raise ValueError(f"min_accuracy {min_accuracy} leaves no network at epoch {epoch}")
    return store, records, metrics, epoch


def _cached(path, options, keys) -> pd.DataFrame | None:
    frame = read_cached_csv(path)
    if frame is None or len(frame) != 1 or any(key not in frame.columns for key in keys):
        return None
    if any(not np.isclose(float(frame[key].iloc[0]), float(options[key])) for key in keys):
        return None
    return frame


def analyse_runs(store, records, metrics, options: dict, *, name: str, keys, worker, log=print, executor=None,
                 batch_size=32, what="the analysis") -> pd.DataFrame:
    """Run ``worker`` on every record's network (cached per run) and write ``RUN_DIR/<name>.csv``.

    ``worker(jobs)`` takes a list of ``(run_id, weights, coordinates)`` and returns, per job,
    ``(run_id, row dict, {file name: DataFrame} of further per-run tables, seconds)``. A run's cache
    ``runs/<run_id>/<name>.csv`` is reused when its ``keys`` equal ``options``'.
    """
    batch_size = check_integer(batch_size, "batch_size", low=1)
    rows, todo = {}, []
    for position, record in enumerate(records, start=1):
        cached = _cached(store.run_dir(record["run_id"]) / f"{name}.csv", options, keys)
        if cached is None:
            todo.append((position, record))
        else:
            rows[record["run_id"]] = cached
    if rows:
        log(f"{len(rows)} of {len(records)} runs cached")
    progress = Progress(len(todo))
    by_id = {record["run_id"]: (position, record) for position, record in todo}

    def save(batch, results):
        for run_id, row, tables, seconds in results:
            position, record = by_id[run_id]
            params = {k: v for k, v in record.items() if k not in _RECORD_SKIP}
            frame = pd.DataFrame([{**params, **options, **row}])
            for file_name, table in tables.items():
                store.write_table(f"runs/{run_id}/{file_name}", table)
            store.write_table(f"runs/{run_id}/{name}.csv", frame)
            rows[run_id] = frame
            _, eta = progress.advance(1)
            log(f"[{position}/{len(records)}] {run_id}: {seconds:.2f} s (ETA {format_seconds(eta)})")

    def batches():
        for first in range(0, len(todo), batch_size):
            jobs = []
            for position, record in todo[first:first + batch_size]:
                weights, coordinates = saved_network(store, record["run_id"], options["epoch"], what)
                if weights is None:
                    progress.drop(1)
                    log(f"[{position}/{len(records)}] {record['run_id']}: skipped (weights not finite: "
                        "the network diverged)")
                    continue
                jobs.append((record["run_id"], weights, coordinates))
            if jobs:
                yield jobs

    run_items(worker, batches(), ids=lambda jobs: [job[0] for job in jobs], on_result=save,
              executor=executor, log=log, kept="cached")
    table = pd.concat([rows[r["run_id"]] for r in records if r["run_id"] in rows], ignore_index=True)
    if {"run_id", "epoch", "val_accuracy"} <= set(metrics.columns):
        accuracy = metrics.loc[metrics["epoch"] == options["epoch"], ["run_id", "val_accuracy"]]
        table = table.drop(columns=[c for c in ("val_accuracy",) if c in table.columns]).merge(
            accuracy, on="run_id", how="left")
    store.write_table(f"{name}.csv", table)
    return table


def kept_with_analysis(run_dir, name: str, kept: pd.DataFrame, epoch: int) -> pd.DataFrame | None:
    """The report's kept networks merged with ``RUN_DIR/<name>.csv`` (``sernn analyze --<name>``), or None
    without that table; refused when it holds no networks or was analysed at another epoch than ``epoch``."""
    from pathlib import Path

    from sernn.readers import read_csv

    path = Path(run_dir) / f"{name}.csv"
    if not path.exists():
        return None
    analysed = read_csv(path, f"{name} table")
    if analysed.empty or "run_id" not in analysed.columns or "epoch" not in analysed.columns:
        raise ValueError(f"{path} holds no analysed networks; run `sernn analyze {run_dir} --{name}` again")
    epochs = sorted(set(analysed["epoch"].astype(int)))
    if epochs != [int(epoch)]:
        raise ValueError(f"{path} was analysed at epoch {', '.join(map(str, epochs))}, the report compares epoch "
                         f"{epoch}; run `sernn analyze {run_dir} --{name} --activity-epoch {epoch}`")
    extra = [c for c in analysed.columns if c not in kept.columns or c == "run_id"]
    return kept.merge(analysed[extra], on="run_id", how="inner")
