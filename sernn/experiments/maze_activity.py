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

from sernn.experiments.run_analysis import analyse_runs, analysed_epoch, maze_records
from sernn.hidden_states import RECURRENT_WEIGHTS, forward_states
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


#: The analysed epoch (:func:`sernn.experiments.run_analysis.analysed_epoch`).
activity_epoch = analysed_epoch


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
            results.append((run_id, row, {"activity_units.csv": units}, time.perf_counter() - tick))
            tick = time.perf_counter()
        return results


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
    store, records, metrics, epoch = maze_records(run_dir, epoch, min_accuracy, log, "the activity analysis")
    tau = store.settings.get("tau")
    options = {"epoch": epoch,
               "alpha": 1.0 if tau is None else float(store.settings["dt"]) / float(tau),
               "probe_trials": check_integer(probe_trials, "probe_trials", low=MIN_PROBE_TRIALS),
               "probe_seed": check_seed(probe_seed, allow_none=False),
               "probe_noise": check_real(probe_noise, "probe_noise", low=0),
               "n_perm": check_integer(n_perm, "n_perm", low=1), "activity_seed": check_seed(seed, allow_none=False)}
    table = analyse_runs(store, records, metrics, options, name="activity", keys=_SETTINGS,
                         worker=_ActivityBatch(options), log=log, executor=executor, batch_size=batch_size,
                         what="the activity analysis")
    return table, store
