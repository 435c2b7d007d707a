"""What the trained maze networks compute: the activity analysis of a ``sernn maze`` folder, cached per run.

For every finished run the network is rebuilt from its saved weights at one epoch (the seRNN paper's
9 by default), run without input noise on a fixed, seeded probe set of maze trials
(:func:`probe_set`), and its hidden states are analysed by
:func:`sernn.analysis.activity.network_activity` (explained variance of goal, offered options and
choice per unit and window, mixed selectivity, spatial clustering of coding, energy, trajectory PCA).
Writes

``activity.csv``
    one row per run: its parameters, the analysed ``epoch``, its validation accuracy there, the total
    recurrent weight ``total_weight`` (sum of ``|W|``) and every per-network feature.
``runs/<run_id>/activity.csv`` and ``runs/<run_id>/activity_units.csv``
    the run's row and its per-unit table (window, unit, explained variances, preference, mean activity),
    written atomically as each run is analysed; a re-run reuses them when the settings are unchanged,
    so an interrupted analysis resumes.

The probe set: ``maze(probe_trials, seed=probe_seed)``, the same trials for every network (640 trials,
as in Achterberg et al., Nature Machine Intelligence 2023). Without probe noise a trial's states depend
only on its problem, so each batch of networks runs the 8 distinct problems once and the states of the
probe trials are indexed from them (the same values).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sernn.analysis.folder import format_seconds
from sernn.executors import Progress, run_items
from sernn.hidden_states import RECURRENT_WEIGHTS, MissingWeights, forward_states
from sernn.readers import load_npz, read_cached_csv
from sernn.validation import check_integer, check_real, check_seed

__all__ = ["PROBE_TRIALS", "PROBE_SEED", "MIN_PROBE_TRIALS", "ANALYSED_LABELS", "TOP_UNITS", "probe_set",
           "activity_folder", "activity_epoch"]

#: Probe trials per network (the seRNN paper's 640).
PROBE_TRIALS = 640
#: Seed of the probe trials' draw, apart from every training, validation and test seed.
PROBE_SEED = 30000
#: Fewest probe trials: the 5-fold choice of alpha inside 3-fold test splits needs at least 40.
MIN_PROBE_TRIALS = 40
#: The labels whose explained variance is analysed (the offered pair as its code, not also two-hot).
ANALYSED_LABELS = ("goal", "options", "choice")
#: Units of the top-units control of the spatial clustering (all units when a network has fewer).
TOP_UNITS = 50
_SETTINGS = ("epoch", "probe_trials", "probe_seed", "probe_noise", "n_perm", "activity_seed")
_RECORD_SKIP = ("finished", "info")


def probe_set(n_trials: int = PROBE_TRIALS, seed: int = PROBE_SEED, noise: float = 0.0):
    """The probe trials: inputs ``(n_trials, 50, 8)``, their problem indices and labels
    (:func:`sernn.tasks.maze.maze_labels`).

    ``noise`` > 0 adds seeded Gaussian input noise of that s.d. (the draw of ``seed + 1``).

    Examples
    --------
    >>> x, problems, labels = probe_set(6, seed=0)
    >>> x.shape, sorted(labels)
    ((6, 50, 8), ['choice', 'goal', 'offered', 'options'])
    """
    from sernn.tasks.maze import maze, maze_labels

    n_trials = check_integer(n_trials, "probe_trials", low=1)
    noise = check_real(noise, "probe_noise", low=0)
    x, _, problems = maze(n_trials, seed=check_seed(seed, allow_none=False), return_problems=True)
    if noise > 0:
        x = x + np.float32(noise) * np.random.default_rng(seed + 1).normal(size=x.shape).astype(np.float32)
    return x, problems, maze_labels(problems)


def activity_epoch(settings: dict, epoch=None) -> int:
    """The analysed epoch: ``epoch``, else the seRNN paper's 9, or the last one when fewer were trained.

    >>> activity_epoch({"epochs": 10}), activity_epoch({"epochs": 3}), activity_epoch({"epochs": 10}, 4)
    (9, 3, 4)
    """
    epochs = int(settings.get("epochs", 10))
    if epoch is None:
        return min(9, epochs)
    epoch = check_integer(epoch, "epoch", low=0)
    if epoch > epochs:
        raise ValueError(f"epoch must be at most {epochs} (the folder's epochs); got {epoch}")
    return epoch


class _ActivityBatch:
    """A batch of networks -> their activity rows and unit tables (picklable, for the Ray executor)."""

    def __init__(self, options):
        self.options = options

    def __call__(self, jobs):
        from sernn.analysis.activity import network_activity
        from sernn.tasks.maze import PROBLEM_INPUTS

        o = self.options
        x, problems, labels = probe_set(o["probe_trials"], o["probe_seed"], o["probe_noise"])
        weights = {name: np.stack([job[1][name] for job in jobs]) for name in RECURRENT_WEIGHTS}
        tick = time.perf_counter()
        if o["probe_noise"] > 0:
            states = forward_states(weights, x, alpha=o["alpha"])
        else:  # the 8 distinct problems once; every probe trial is one of them
            states = forward_states(weights, PROBLEM_INPUTS, alpha=o["alpha"])[:, problems]
        labels = {name: labels[name] for name in ANALYSED_LABELS}
        results = []
        for k, (run_id, network, coordinates) in enumerate(jobs):
            out = network_activity(states[k], labels, coordinates, n_perm=o["n_perm"], seed=o["activity_seed"],
                                   top=min(TOP_UNITS, states.shape[-1]))
            units = out["units"]
            by_window = units.groupby("window")[[f"ev_{name}" for name in ("total", *ANALYSED_LABELS)]].mean()
            every_window = {f"{column}_w{window}": float(value) for window, row in by_window.iterrows()
                            for column, value in row.items()}
            row = {"total_weight": float(np.abs(network["recurrent_kernel"]).sum()), **every_window,
                   **out["features"]}
            results.append((run_id, row, units, time.perf_counter() - tick))
            tick = time.perf_counter()
        return results


def _network(store, run_id, epoch):
    """``(weights at epoch, coordinates)`` of a run; MissingWeights names a sernn 0.1 folder."""
    path = store.run_dir(run_id) / "history.npz"
    arrays = load_npz(path, "weight history", keys=(*RECURRENT_WEIGHTS, "epoch", "coordinates"))
    missing = [name for name in RECURRENT_WEIGHTS if name not in arrays]
    if missing:
        raise MissingWeights(f"{store.path}: its runs saved only their recurrent kernels (a folder of sernn 0.1: "
                             f"{path.name} of {run_id} lacks {', '.join(missing)}); the activity analysis "
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


def _cached(path, options) -> pd.DataFrame | None:
    frame = read_cached_csv(path)
    if frame is None or len(frame) != 1 or any(key not in frame.columns for key in _SETTINGS):
        return None
    if any(not np.isclose(float(frame[key].iloc[0]), float(options[key])) for key in _SETTINGS):
        return None
    return frame


def activity_folder(run_dir, *, epoch=None, probe_trials=PROBE_TRIALS, probe_seed=PROBE_SEED, probe_noise=0.0,
                    n_perm=1000, seed=0, min_accuracy=None, log=print, executor=None, batch_size=32):
    """The activity analysis of every finished run of a ``sernn maze`` folder, cached per run.

    Parameters
    ----------
    run_dir : str or path-like
        A ``sernn maze`` output folder whose runs saved every weight (:mod:`sernn.hidden_states`).
    epoch : int, optional
        Completed epochs of the analysed snapshot (default: the paper's 9, or the last).
    probe_trials, probe_seed, probe_noise :
        The probe set (:func:`probe_set`); at least :data:`MIN_PROBE_TRIALS` trials.
    n_perm : int, default=1000
        Random unit sets of the spatial-clustering null.
    seed : int, default=0
        Seed of the cross-validation splits and the nulls.
    min_accuracy : float, optional
        Analyse only the networks whose validation accuracy at ``epoch`` is at least this (the report
        keeps those; the seRNN paper's filter is 0.9). Default: every network.
    log : callable, default=print
        Receives one progress line per run.
    executor : optional
        As for :func:`sernn.analysis.folder.analyze_folder` (e.g. :class:`sernn.executors.RayExecutor`).
    batch_size : int, default=32
        Networks per task (their states are computed together).

    Returns
    -------
    table : pandas.DataFrame
        One row per analysed run (also ``RUN_DIR/activity.csv``).
    store : RunStore

    Raises
    ------
    ValueError
        Before anything is written: a folder of another benchmark, runs without every weight
        (:class:`~sernn.hidden_states.MissingWeights`), too few probe trials, an epoch not recorded.
    """
    from sernn.runfolder import RunStore

    store = RunStore.open(run_dir)
    if store.benchmark != "maze":
        raise ValueError(f"{str(run_dir)!r} is a {store.benchmark!r} folder; the activity analysis reads the "
                         "maze task's networks (a `sernn maze` folder)")
    if store.settings.get("task") not in (None, "maze"):
        raise ValueError(f"{str(run_dir)!r} trained on {store.settings['task']}; the activity analysis reads the "
                         "maze task's networks (goal, options and choice units)")
    tau = store.settings.get("tau")
    options = {"epoch": activity_epoch(store.settings, epoch),
               "alpha": 1.0 if tau is None else float(store.settings["dt"]) / float(tau),
               "probe_trials": check_integer(probe_trials, "probe_trials", low=MIN_PROBE_TRIALS),
               "probe_seed": check_seed(probe_seed, allow_none=False),
               "probe_noise": check_real(probe_noise, "probe_noise", low=0),
               "n_perm": check_integer(n_perm, "n_perm", low=1), "activity_seed": check_seed(seed, allow_none=False)}
    batch_size = check_integer(batch_size, "batch_size", low=1)
    records = [r for r in store.done_runs() if (store.run_dir(r["run_id"]) / "history.npz").exists()]
    if not records:
        raise ValueError(f"{str(run_dir)!r} has no finished run with a weight history to analyse")
    _network(store, records[0]["run_id"], options["epoch"])  # a sernn 0.1 folder stops here, nothing written
    metrics = store.metrics()
    if min_accuracy is not None:
        min_accuracy = check_real(min_accuracy, "min_accuracy", low=0, high=1)
        at = metrics[metrics["epoch"] == options["epoch"]] if "epoch" in metrics.columns else metrics.iloc[:0]
        passed = set(at.loc[at["val_accuracy"] >= min_accuracy, "run_id"]) if "val_accuracy" in at.columns else set()
        log(f"{len(passed & {r['run_id'] for r in records})} of {len(records)} runs have validation accuracy "
            f">= {min_accuracy} at epoch {options['epoch']}; the others are not analysed")
        records = [r for r in records if r["run_id"] in passed]
        if not records:
            raise ValueError(f"min_accuracy {min_accuracy} leaves no network at epoch {options['epoch']}")
    rows, todo = {}, []
    for position, record in enumerate(records, start=1):
        cached = _cached(store.run_dir(record["run_id"]) / "activity.csv", options)
        if cached is None:
            todo.append((position, record))
        else:
            rows[record["run_id"]] = cached
    if rows:
        log(f"{len(rows)} of {len(records)} runs cached")
    progress = Progress(len(todo))
    by_id = {record["run_id"]: (position, record) for position, record in todo}

    def save(batch, results):
        for run_id, row, units, seconds in results:
            position, record = by_id[run_id]
            params = {k: v for k, v in record.items() if k not in _RECORD_SKIP}
            frame = pd.DataFrame([{**params, **options, **row}])
            store.write_table(f"runs/{run_id}/activity_units.csv", units)
            store.write_table(f"runs/{run_id}/activity.csv", frame)
            rows[run_id] = frame
            _, eta = progress.advance(1)
            log(f"[{position}/{len(records)}] {run_id}: {seconds:.2f} s (ETA {format_seconds(eta)})")

    def batches():
        for first in range(0, len(todo), batch_size):
            jobs = []
            for position, record in todo[first:first + batch_size]:
                weights, coordinates = _network(store, record["run_id"], options["epoch"])
                if weights is None:
                    progress.drop(1)
                    log(f"[{position}/{len(records)}] {record['run_id']}: skipped (weights not finite: "
                        "the network diverged)")
                    continue
                jobs.append((record["run_id"], weights, coordinates))
            if jobs:
                yield jobs

    run_items(_ActivityBatch(options), batches(), ids=lambda jobs: [job[0] for job in jobs], on_result=save,
              executor=executor, log=log, kept="cached")
    table = pd.concat([rows[r["run_id"]] for r in records if r["run_id"] in rows], ignore_index=True)
    if {"run_id", "epoch", "val_accuracy"} <= set(metrics.columns):
        accuracy = metrics.loc[metrics["epoch"] == options["epoch"], ["run_id", "val_accuracy"]]
        table = table.drop(columns=[c for c in ("val_accuracy",) if c in table.columns]).merge(
            accuracy, on="run_id", how="left")
    store.write_table("activity.csv", table)
    return table, store
