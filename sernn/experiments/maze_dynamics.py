"""The dynamics of the trained maze networks: fixed points at the delay input and dimensionality, cached per run.

For every finished run the network is rebuilt from its saved weights at one epoch (the seRNN paper's 9
by default) and run without noise on the maze's 8 distinct problems. Its fixed and slow points under the
delay period's input (zero: the goal is gone and the options not yet shown, so what holds the goal is
the dynamics) are found from ``initial_states`` states drawn on those trajectories
(:func:`sernn.fixed_points.find_fixed_points`, every network of a batch in one optimisation), and the
dimensionality of its trajectories is their participation ratio
(:func:`sernn.analysis.trajectories.participation_ratio`). Writes

``dynamics.csv``
    one row per run: its parameters, the analysed ``epoch``, its validation accuracy there,
    ``total_weight`` (sum of ``|W|``), ``n_stable`` and ``n_unstable`` (distinct fixed points, q <=
    ``q_tol``), ``n_slow`` (distinct slow points, ``q_tol`` < q <= ``max_q``), ``slowest_time_constant``
    (the longest time constant of a stable fixed point's slowest mode, in steps or, for leaky units,
    in the units of ``dt``; NaN without a stable point), ``dimensionality`` (all steps) and
    ``delay_dimensionality`` (the delay steps 20-29).
``runs/<run_id>/dynamics.csv`` and ``runs/<run_id>/fixed_points.csv``
    the run's row and its points (q, fixed, stable, largest eigenvalue modulus, time constant, norm),
    written as each run is analysed; a re-run reuses them when the settings are unchanged.

Leaky networks: the search runs on the units' potentials z and starts from the rates on the
trajectories (which are potentials of the same units wherever a unit is active).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sernn.experiments.run_analysis import analyse_runs, maze_records
from sernn.hidden_states import RECURRENT_WEIGHTS, forward_states
from sernn.validation import check_integer, check_real, check_seed

__all__ = ["INITIAL_STATES", "DELAY_STEPS", "dynamics_folder", "network_dynamics", "goal_trajectories"]

#: Initial states per network.
INITIAL_STATES = 1000
#: Steps (start, stop) of the maze's delay period, whose input (zero) the fixed points are found at.
DELAY_STEPS = (20, 30)
_SETTINGS = ("epoch", "initial_states", "state_noise", "dynamics_seed", "q_tol", "max_q", "max_iters")


def network_dynamics(weights: dict, *, alpha=1.0, dt=1.0, initial_states=INITIAL_STATES, state_noise=0.0, seed=0,
                     q_tol=1e-12, max_q=1e-4, max_iters=1000, activation="relu"):
    """Fixed points at the delay input and dimensionality of maze networks (one, or a stack of K).

    Returns a list (one per network) of ``(row dict, points DataFrame)``; see the module for the columns.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.experiments.maze_dynamics import network_dynamics
    >>> from sernn.models import build_sernn
    >>> from sernn.architecture import Architecture
    >>> weights = Architecture.model_weights(build_sernn(units=12, seed=0))
    >>> (row, points), = network_dynamics(weights, initial_states=50)
    >>> sorted(row)[:4], int(row["n_stable"] + row["n_unstable"]) == int(points["fixed"].sum())
    (['delay_dimensionality', 'dimensionality', 'n_slow', 'n_stable'], True)
    """
    from sernn.analysis.trajectories import participation_ratio
    from sernn.fixed_points import find_fixed_points, sample_states
    from sernn.tasks.maze import PROBLEM_INPUTS

    max_q = check_real(max_q, "max_q", low=0, inclusive="neither")
    weights = {name: np.asarray(weights[name]) for name in RECURRENT_WEIGHTS}
    stacked = weights["recurrent_kernel"].ndim == 3
    if not stacked:
        weights = {name: value[None] for name, value in weights.items()}
    states = forward_states(weights, PROBLEM_INPUTS, activation=activation, alpha=alpha)  # (K, 8, 50, n)
    initial = sample_states(states, initial_states, noise=state_noise, seed=seed)
    found = find_fixed_points(weights, initial, activation=activation, alpha=alpha, dt=dt, q_tol=q_tol,
                              max_q=max_q, max_iters=max_iters, seed=seed)
    results = []
    for k, points in enumerate(found):
        near = points.q <= max_q
        fixed, stable = points.is_fixed & near, points.stable & near
        constants = points.time_constant[fixed & stable]
        largest = np.abs(points.eigenvalues[:, 0]) if len(points) else np.zeros(0)
        row = {"n_stable": int(np.sum(fixed & stable)), "n_unstable": int(np.sum(fixed & ~stable)),
               "n_slow": int(np.sum(near & ~points.is_fixed)),
               "slowest_time_constant": float(np.max(constants)) if constants.size else float("nan"),
               "dimensionality": participation_ratio(states[k]),
               "delay_dimensionality": participation_ratio(states[k][:, DELAY_STEPS[0]:DELAY_STEPS[1]])}
        table = pd.DataFrame({"q": points.q[near], "fixed": points.is_fixed[near], "stable": points.stable[near],
                              "largest_eigenvalue": largest[near], "time_constant": points.time_constant[near],
                              "norm": np.linalg.norm(points.points[near], axis=-1)})
        results.append((row, table))
    return results


def goal_trajectories(weights: dict, *, alpha=1.0, dt=1.0, initial_states=INITIAL_STATES, seed=0,
                      activation="relu") -> dict:
    """What :func:`sernn.plotting.figure_trajectories` draws for one maze network: its mean trajectory per goal
    (over the 8 problems) on shared principal axes, and its fixed points at the delay input on the same axes.

    Returns ``{"trajectories" (4, 50, 3), "labels", "points" (m, 3), "stable" (m,), "explained" (3,),
    "marks"}`` (for leaky units the points are the rates at the fixed points).

    Examples
    --------
    >>> from sernn.architecture import Architecture
    >>> from sernn.models import build_sernn
    >>> data = goal_trajectories(Architecture.model_weights(build_sernn(units=12, seed=0)), initial_states=50)
    >>> data["trajectories"].shape, data["labels"]
    ((4, 50, 3), ['goal 7', 'goal 9', 'goal 17', 'goal 19'])
    """
    from sernn.analysis.trajectories import condition_means, project, trajectory_pca
    from sernn.fixed_points import find_fixed_points, sample_states
    from sernn.tasks.maze import CHOICE_STEPS, GOALS, PROBLEM_INPUTS, maze_labels

    weights = {name: np.asarray(weights[name]) for name in RECURRENT_WEIGHTS}
    states = forward_states(weights, PROBLEM_INPUTS, activation=activation, alpha=alpha)  # (8, 50, n)
    goals, means = condition_means(states, maze_labels(np.arange(len(PROBLEM_INPUTS)))["goal"])
    pca = trajectory_pca(means, n_components=3)
    found = find_fixed_points(weights, sample_states(states, initial_states, seed=seed), activation=activation,
                              alpha=alpha, dt=dt, seed=seed)
    fixed = found.is_fixed
    return {"trajectories": pca.projections, "labels": [f"goal {GOALS[int(g)]}" for g in goals],
            "points": project(found.rates[fixed], pca), "stable": found.stable[fixed], "explained": pca.explained,
            "marks": {DELAY_STEPS[0]: "delay starts", CHOICE_STEPS[0]: "options shown"}}


class _DynamicsBatch:
    """A batch of networks -> their dynamics rows and point tables (picklable, for the Ray executor)."""

    def __init__(self, options):
        self.options = options

    def __call__(self, jobs):
        o = self.options
        tick = time.perf_counter()
        weights = {name: np.stack([job[1][name] for job in jobs]) for name in RECURRENT_WEIGHTS}
        found = network_dynamics(weights, alpha=o["alpha"], dt=o["dt"], initial_states=o["initial_states"],
                                 state_noise=o["state_noise"], seed=o["dynamics_seed"], q_tol=o["q_tol"],
                                 max_q=o["max_q"], max_iters=o["max_iters"])
        seconds = (time.perf_counter() - tick) / len(jobs)
        return [(run_id, {"total_weight": float(np.abs(network["recurrent_kernel"]).sum()), **row},
                 {"fixed_points.csv": points}, seconds)
                for (run_id, network, _), (row, points) in zip(jobs, found)]


def dynamics_folder(run_dir, *, epoch=None, initial_states=INITIAL_STATES, state_noise=0.0, seed=0, q_tol=1e-12,
                    max_q=1e-4, max_iters=1000, min_accuracy=None, log=print, executor=None, batch_size=32):
    """The dynamics analysis of every finished run of a ``sernn maze`` folder, cached per run.

    Parameters
    ----------
    run_dir : str or path-like
        A ``sernn maze`` output folder whose runs saved every weight.
    epoch : int, optional
        Completed epochs of the analysed snapshot (default: the paper's 9, or the last).
    initial_states : int, default=1000
        States drawn on each network's trajectories to start the search from.
    state_noise : float, default=0.0
        Standard deviation of noise added to them.
    seed : int, default=0
        Seed of the draw and the noise.
    q_tol : float, default=1e-12
        A point with ``q <= q_tol`` is a fixed point.
    max_q : float, default=1e-4
        Points with ``q_tol < q <= max_q`` are counted as slow points; faster ones are dropped.
    max_iters : int, default=1000
        Iterations of the descent.
    min_accuracy : float, optional
        Analyse only the networks whose validation accuracy at ``epoch`` is at least this.
    log, executor, batch_size :
        As for :func:`sernn.experiments.maze_activity.activity_folder`.

    Returns
    -------
    table : pandas.DataFrame
        One row per analysed run (also ``RUN_DIR/dynamics.csv``).
    store : RunStore
    """
    store, records, metrics, epoch = maze_records(run_dir, epoch, min_accuracy, log, "the dynamics analysis",
                                                  maze_only=True)
    tau = store.settings.get("tau")
    options = {"epoch": epoch,
               "alpha": 1.0 if tau is None else float(store.settings["dt"]) / float(tau),
               "dt": 1.0 if tau is None else float(store.settings["dt"]),
               "initial_states": check_integer(initial_states, "initial_states", low=1),
               "state_noise": check_real(state_noise, "state_noise", low=0),
               "dynamics_seed": check_seed(seed, allow_none=False),
               "q_tol": check_real(q_tol, "q_tol", low=0, inclusive="neither"),
               "max_q": check_real(max_q, "max_q", low=0, inclusive="neither"),
               "max_iters": check_integer(max_iters, "max_iters", low=1)}
    if options["max_q"] < options["q_tol"]:
        raise ValueError(f"max_q ({options['max_q']}) must be >= q_tol ({options['q_tol']})")
    table = analyse_runs(store, records, metrics, options, name="dynamics", keys=_SETTINGS,
                         worker=_DynamicsBatch(options), log=log, executor=executor, batch_size=batch_size,
                         what="the dynamics analysis")
    return table, store
