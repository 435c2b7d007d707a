"""The maze task (one-step inference): the seRNN benchmark.

The task of the spatially embedded RNNs of Achterberg et al., Nature Machine
Intelligence 2023.

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

import numpy as np

from sernn.validation import check_integer, check_seed

__all__ = ["MAZE_PROBLEMS", "PROBLEM_INPUTS", "PROBLEM_TARGETS", "GOALS", "DIRECTIONS", "maze", "maze_problems", "maze_dataset",
           "MAZE_STEPS", "GOAL_STEPS", "CHOICE_STEPS", "OFFERED_PAIRS", "maze_labels"]

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
#: The 5 distinct offered pairs, each in channel order (l, u, r, d): the codes of the ``options`` label.
OFFERED_PAIRS = (("l", "u"), ("r", "d"), ("l", "d"), ("u", "r"), ("l", "r"))
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


#: The 8 distinct trials: inputs (8, 50, 8) and one-hot targets (8, 4), row ``p`` for
#: ``MAZE_PROBLEMS[p]``. ``maze(n, seed)`` is ``PROBLEM_INPUTS[maze_problems(n, seed)]`` and the same
#: rows of ``PROBLEM_TARGETS``, so a population can keep one bank of 8 trials and index it.
PROBLEM_INPUTS, PROBLEM_TARGETS = _problem_arrays()
_PROBLEM_INPUTS, _PROBLEM_TARGETS = PROBLEM_INPUTS, PROBLEM_TARGETS  # sernn 0.1 names


def check_task_arguments(n_trials, seed) -> tuple[int, int]:
    """``(n_trials, seed)`` of a task function, checked: an integer >= 1 and an integer seed.

    >>> check_task_arguments(3, 0)
    (3, 0)
    """
    return check_integer(n_trials, "n_trials", low=1), check_seed(seed, allow_none=False)


def maze_problems(n_trials: int, seed: int) -> np.ndarray:
    """Problem indices (0-7) of ``n_trials`` trials drawn uniformly with ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> problems = maze_problems(6, seed=0)
    >>> problems.shape, bool(((problems >= 0) & (problems < 8)).all())
    ((6,), True)
    >>> bool(np.array_equal(problems, np.random.default_rng(0).integers(0, 8, size=6)))
    True
    """
    n_trials, seed = check_task_arguments(n_trials, seed)
    rng = np.random.default_rng(seed)
    return rng.integers(0, len(MAZE_PROBLEMS), size=n_trials)


def maze(n_trials: int, seed: int, return_problems: bool = False):
    """Maze-task trials as numpy arrays.

    Parameters
    ----------
    n_trials : int
        Number of trials (Achterberg et al. 2023: 5,120 training, 2,560 validation,
        2,560 test).
    seed : int
        Seed of the problem draw. The same seed gives the same arrays.
    return_problems : bool, default=False
        Also return the problem index (0-7, row of :data:`MAZE_PROBLEMS`) of each trial.

    Returns
    -------
    x : ndarray of shape (n_trials, 50, 8), float32
    y : ndarray of shape (n_trials, 4), float32, one-hot in the order l, u, r, d
    problems : ndarray of shape (n_trials,), int, only if ``return_problems``

    Examples
    --------
    >>> import numpy as np
    >>> x, y, problems = maze(4, seed=0, return_problems=True)
    >>> x.shape, y.shape
    ((4, 50, 8), (4, 4))
    >>> bool((y.sum(axis=1) == 1).all())                  # one-hot targets
    True
    >>> goal, offered, answer = MAZE_PROBLEMS[int(problems[0])]
    >>> GOALS[int(x[0, 0, :4].argmax())] == goal            # the goal, on steps 0-19
    True
    >>> float(x[:, 20:30].sum())                            # the delay shows nothing
    0.0
    >>> sorted(DIRECTIONS[k] for k in np.flatnonzero(x[0, 30, 4:])) == sorted(offered)
    True
    >>> DIRECTIONS[int(y[0].argmax())] == answer
    True
    >>> bool(np.array_equal(maze(4, seed=0)[0], x))         # same seed, same trials
    True
    """
    problems = maze_problems(n_trials, seed)
    x = _PROBLEM_INPUTS[problems]
    y = _PROBLEM_TARGETS[problems]
    return (x, y, problems) if return_problems else (x, y)


def maze_labels(problems) -> dict:
    """Per-trial labels of maze trials, by problem index: what each trial's units could encode.

    Parameters
    ----------
    problems : array-like of int, shape (n_trials,)
        Problem indices (0-7, rows of :data:`MAZE_PROBLEMS`), e.g. from
        ``maze(n, seed, return_problems=True)``.

    Returns
    -------
    dict of ndarray, each of shape (n_trials,) unless stated
        ``goal``: the goal's channel (0-3, :data:`GOALS`); ``options``: the offered pair's
        code (0-4, :data:`OFFERED_PAIRS`); ``choice``: the correct direction (0-3,
        :data:`DIRECTIONS`); ``offered``: the offered directions two-hot, shape
        (n_trials, 4), as the input channels 4-7 show them.

    Examples
    --------
    >>> labels = maze_labels([0, 7])
    >>> [GOALS[g] for g in labels["goal"]], [OFFERED_PAIRS[o] for o in labels["options"]]
    ([9, 7], [('l', 'u'), ('l', 'r')])
    >>> [DIRECTIONS[c] for c in labels["choice"]], labels["offered"].tolist()
    (['u', 'l'], [[1, 1, 0, 0], [1, 0, 1, 0]])
    """
    problems = np.asarray(problems)
    if problems.ndim != 1 or not np.issubdtype(problems.dtype, np.integer) or problems.size and (
            problems.min() < 0 or problems.max() >= len(MAZE_PROBLEMS)):
        raise ValueError(f"problems must be a 1-d array of integers 0-{len(MAZE_PROBLEMS) - 1}; got "
                         f"{problems.dtype} of shape {problems.shape}")
    table = {"goal": [], "options": [], "choice": [], "offered": []}
    for goal, offered, answer in MAZE_PROBLEMS:
        pair = tuple(sorted(offered, key=DIRECTIONS.index))
        table["goal"].append(GOALS.index(goal))
        table["options"].append(OFFERED_PAIRS.index(pair))
        table["choice"].append(DIRECTIONS.index(answer))
        table["offered"].append([int(d in offered) for d in DIRECTIONS])
    return {name: np.asarray(values, dtype=np.int64)[problems] for name, values in table.items()}


def maze_dataset(n_trials: int, seed: int, batch_size: int = 128, **kwargs):
    """The maze trials of :func:`maze` as a :class:`keras.utils.PyDataset`, built batch by batch.

    Only the problem indices are held in memory (8 bytes a trial), so very
    large sets cost little. Batch ``i`` holds trials ``i*batch_size`` onwards of
    ``maze(n_trials, seed)``, in the same order (identical values).

    Parameters
    ----------
    n_trials, seed : as for :func:`maze`.
    batch_size : int, default=128
    **kwargs : passed to :class:`keras.utils.PyDataset` (``workers``, ``use_multiprocessing``...).

    Returns
    -------
    sernn.tasks.batches.IndexedBatches

    Examples
    --------
    >>> import numpy as np
    >>> data = maze_dataset(300, seed=0, batch_size=128)
    >>> len(data)                                     # ceil(300 / 128)
    3
    >>> x, y = data[2]                                # trials 256-299
    >>> x.shape, y.shape
    ((44, 50, 8), (44, 4))
    >>> bool(np.array_equal(x, maze(300, seed=0)[0][256:]))
    True
    """
    from sernn.tasks.batches import IndexedBatches

    batch_size = check_integer(batch_size, "batch_size", low=1)
    return IndexedBatches(maze_problems(n_trials, seed), _PROBLEM_INPUTS, _PROBLEM_TARGETS,
                          batch_size, **kwargs)
