"""The maze task (one-step inference): the seRNN benchmark.

An agent sees a goal location, waits through a delay, then is offered two
directions and must choose the one that leads towards the goal. There are
exactly 8 distinct problems (:data:`MAZE_PROBLEMS`).

Input, shape ``(n_trials, 50, 8)``, float32:

* channels 0-3: one-hot of the goal, goals ordered 7, 9, 17, 19; shown on
  steps 0-19;
* steps 20-29: nothing (the delay);
* channels 4-7: two-hot of the offered directions, ordered l, u, r, d; shown
  on steps 30-49.

Target, shape ``(n_trials, 4)``: one-hot of the correct direction (l, u, r, d),
read at the last step. Problems are drawn uniformly at random; each direction is
the answer of 2 problems, so chance is 25 %. The offered directions alone allow
at most 5/8 = 62.5 % correct and the goal alone at most 50 %: 100 % needs the
goal held across the delay (working memory).
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["MAZE_PROBLEMS", "GOALS", "DIRECTIONS", "maze", "maze_problems", "maze_dataset",
           "MAZE_STEPS", "GOAL_STEPS", "CHOICE_STEPS"]

#: Goal locations in channel order (channels 0-3).
GOALS = (7, 9, 17, 19)
#: Directions in channel order (channels 4-7) and class order.
DIRECTIONS = ("l", "u", "r", "d")
#: The 8 problems: (goal, offered directions, correct direction).
MAZE_PROBLEMS = (
    (9, ("u", "l"), "u"),
    (9, ("r", "d"), "r"),
    (19, ("l", "d"), "d"),
    (17, ("r", "d"), "d"),
    (17, ("u", "l"), "l"),
    (7, ("u", "r"), "u"),
    (19, ("l", "r"), "r"),
    (7, ("l", "r"), "l"),
)
MAZE_STEPS = 50
#: Steps (start, stop) on which the goal is shown.
GOAL_STEPS = (0, 20)
#: Steps (start, stop) on which the offered directions are shown.
CHOICE_STEPS = (30, 50)
N_CHANNELS = 8
N_CLASSES = 4


def _problem_arrays():
    """Per-problem input (8, 50, 8) and one-hot targets (8, 4)."""
    inputs = np.zeros((len(MAZE_PROBLEMS), MAZE_STEPS, N_CHANNELS), dtype=np.float32)
    targets = np.zeros((len(MAZE_PROBLEMS), N_CLASSES), dtype=np.float32)
    for p, (goal, offered, answer) in enumerate(MAZE_PROBLEMS):
        inputs[p, GOAL_STEPS[0]:GOAL_STEPS[1], GOALS.index(goal)] = 1.0
        for direction in offered:
            inputs[p, CHOICE_STEPS[0]:CHOICE_STEPS[1], 4 + DIRECTIONS.index(direction)] = 1.0
        targets[p, DIRECTIONS.index(answer)] = 1.0
    return inputs, targets


_PROBLEM_INPUTS, _PROBLEM_TARGETS = _problem_arrays()


def _check_n_trials(n_trials):
    if isinstance(n_trials, bool) or not isinstance(n_trials, numbers.Integral) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer, got {n_trials!r}")
    return int(n_trials)


def _check_seed(seed):
    if seed is None or isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (explicit seeding), got {seed!r}")
    return int(seed)


def maze_problems(n_trials: int, seed: int) -> np.ndarray:
    """Problem indices (0-7) of ``n_trials`` trials drawn uniformly with ``seed``."""
    n_trials = _check_n_trials(n_trials)
    rng = np.random.default_rng(_check_seed(seed))
    return rng.integers(0, len(MAZE_PROBLEMS), size=n_trials)


def maze(n_trials: int, seed: int, return_problems: bool = False):
    """Maze-task trials as numpy arrays.

    Parameters
    ----------
    n_trials : int
        Number of trials (the paper: 5,120 training, 2,560 validation, 2,560 test).
    seed : int
        Seed of the problem draw. The same seed gives the same arrays.
    return_problems : bool, default False
        Also return the problem index (0-7, row of :data:`MAZE_PROBLEMS`) of each trial.

    Returns
    -------
    x : ndarray of shape (n_trials, 50, 8), float32
    y : ndarray of shape (n_trials, 4), float32, one-hot in the order l, u, r, d
    problems : ndarray of shape (n_trials,), int, only if ``return_problems``
    """
    problems = maze_problems(n_trials, seed)
    x = _PROBLEM_INPUTS[problems]
    y = _PROBLEM_TARGETS[problems]
    return (x, y, problems) if return_problems else (x, y)


def maze_dataset(n_trials: int, seed: int, batch_size: int = 128, **kwargs):
    """The maze trials of :func:`maze` as a :class:`keras.utils.PyDataset`, built batch by batch.

    Only the problem indices are held in memory (8 bytes a trial), so very
    large sets cost little. Batch ``i`` holds trials ``i*batch_size`` onwards of
    ``maze(n_trials, seed)``, in the same order (identical values).

    Parameters
    ----------
    n_trials, seed : as for :func:`maze`.
    batch_size : int, default 128
    **kwargs : passed to :class:`keras.utils.PyDataset` (``workers``, ``use_multiprocessing``...).
    """
    from sernn.tasks.batches import IndexedBatches

    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return IndexedBatches(maze_problems(n_trials, seed), _PROBLEM_INPUTS, _PROBLEM_TARGETS,
                          int(batch_size), **kwargs)
