"""Working-memory tasks of the bio-instantiated RNN study: sequence memory and n-back.

The tasks of Goulas, Damicelli & Hilgetag, Neural Networks 2021.

Both tasks have 2 input channels, ``[value, cue]``, with values drawn uniformly
from [0, 1], and return per-time-step targets and a per-time-step sample
weight that is 1 only where the loss counts. Train a temporal model on them,
e.g. ``build_sernn(input_size=2, output_size=1, return_sequences=True,
output_activation="linear", loss="mse")`` and
``model.fit(x, y, sample_weight=w)``: Keras then averages the loss over the
weighted steps only, so outputs on the other steps are free.

Sequence memory (length L), ``2 L + 1`` steps::

    step     0 .. L-1         L          L+1 .. 2L
    value    v_0 .. v_{L-1}   0          0
    cue      0                1          0
    target   -                -          v_0 .. v_{L-1}     (weight 1 only here)

n-back (n, sequence length M), ``M + 1`` steps, values at steps 0 .. M-1 and the
single response at step M. The class is *match* when the last value equals the
value ``n`` steps before it (``v_{M-1} == v_{M-1-n}``), else *no-match*; exactly
half of the trials (rounded down) are matches. Two timings:

``timing="separate-cue"`` (default; M = n + 4)::

    step     0 .. M-1         M
    value    v_0 .. v_{M-1}   0
    cue      0                1
    target   -                class    (weight 1 only here)

``timing="original"``, as in the authors' published experiment code (bio_rnn_mem;
M = 5 for every n): the cue comes on the same step as the last value and the
response on the next step, which has no input::

    step     0 .. M-2         M-1        M
    value    v_0 .. v_{M-2}   v_{M-1}    0
    cue      0                1          0
    target   -                -          class

Targets are one-hot over ``classes=2`` (no-match, match; default) or ``classes=3``
(fixate, no-match, match, the published code's read-out; fixate is never a
target, so a trained network learns never to choose it).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sernn.validation import check_integer, check_option, check_real, check_seed

__all__ = ["TaskData", "sequence_memory", "nback", "train_test_split", "NBACK_TIMINGS"]


class TaskData(NamedTuple):
    """Arrays of a temporal task; unpacks as ``x, y, sample_weight``.

    Attributes
    ----------
    x : ndarray of shape (n_trials, n_steps, 2), float32
        Inputs (value, cue).
    y : ndarray of shape (n_trials, n_steps, n_outputs), float32
        Targets at every step (0 where the sample weight is 0).
    sample_weight : ndarray of shape (n_trials, n_steps), float32
        1 on the steps where the loss counts, else 0.

    Examples
    --------
    >>> data = sequence_memory(2, length=3, seed=0)
    >>> data._fields
    ('x', 'y', 'sample_weight')
    >>> x, y, sample_weight = data          # unpacks like a tuple
    >>> x.shape, y.shape, sample_weight.shape
    ((2, 7, 2), (2, 7, 1), (2, 7))
    >>> data.sample_weight is sample_weight
    True
    """

    x: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray


def _check_count(value, name: str, minimum: int = 1) -> int:
    return check_integer(value, name, low=minimum)


def sequence_memory(n_trials: int, length: int = 3, seed=None) -> TaskData:
    """The sequence-memory task: recall L values in order after a cue.

    Parameters
    ----------
    n_trials : int >= 1
    length : int >= 1, default=3
        Number of values to remember, L (Goulas et al. 2021 used 3, 5 and 10).
    seed : int, numpy.random.Generator or None
        Seed of the values; same seed, same arrays.

    Returns
    -------
    TaskData
        ``x`` (n_trials, 2L+1, 2), ``y`` (n_trials, 2L+1, 1) and
        ``sample_weight`` (n_trials, 2L+1), 1 only on the L recall steps.

    Examples
    --------
    >>> import numpy as np
    >>> data = sequence_memory(4, length=3, seed=0)
    >>> data.x.shape, data.y.shape, data.sample_weight.shape   # 2 L + 1 = 7 steps
    ((4, 7, 2), (4, 7, 1), (4, 7))
    >>> data.x[0, :, 1].tolist()                 # the cue, at step L
    [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    >>> data.sample_weight[0].tolist()           # the loss counts on the L recall steps
    [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    >>> bool(np.array_equal(data.y[:, 4:, 0], data.x[:, :3, 0]))   # the target is the input sequence
    True
    >>> bool(np.array_equal(sequence_memory(4, length=3, seed=0).x, data.x))   # same seed, same trials
    True
    """
    n_trials = _check_count(n_trials, "n_trials")
    length = _check_count(length, "length")
    rng = np.random.default_rng(check_seed(seed, allow_generator=True))
    values = rng.uniform(0.0, 1.0, size=(n_trials, length))
    n_steps = 2 * length + 1
    x = np.zeros((n_trials, n_steps, 2), dtype=np.float32)
    y = np.zeros((n_trials, n_steps, 1), dtype=np.float32)
    weight = np.zeros((n_trials, n_steps), dtype=np.float32)
    x[:, :length, 0] = values
    x[:, length, 1] = 1.0
    y[:, length + 1:, 0] = values
    weight[:, length + 1:] = 1.0
    return TaskData(x, y, weight)


#: The n-back timings: sernn's (a cue step of its own) and the published code's.
NBACK_TIMINGS = ("separate-cue", "original")


def nback(n_trials: int, n: int = 2, seed=None, length=None, min_difference: float = 0.0,
          timing: str = "separate-cue", classes: int = 2) -> TaskData:
    """The n-back task: does the last value equal the value n steps earlier?

    Parameters
    ----------
    n_trials : int >= 1
    n : int >= 1, default=2
        How many steps back to compare (Goulas et al. 2021 used 2, 3 and 4).
    seed : int, numpy.random.Generator or None
        Seed of values and labels; same seed, same arrays.
    length : int, optional
        Number of values shown, M (> n). Default ``n + 4`` (``"separate-cue"``) or 5
        (``"original"``, the published code's M for every n).
    min_difference : float in [0, 0.5), default=0.0
        In no-match trials, the last value differs from the value n steps back
        by at least this much (0: any other uniform value, as in the paper;
        a positive value removes near-matches).
    timing : {"separate-cue", "original"}, default="separate-cue"
        Where the cue and the response are (see the module docstring).
    classes : {2, 3}, default=2
        2: (no-match, match); 3: (fixate, no-match, match), fixate never a target.

    Returns
    -------
    TaskData
        ``x`` (n_trials, M+1, 2); ``y`` (n_trials, M+1, classes), a one-hot of
        the class on the response step M and 0 elsewhere;
        ``sample_weight`` (n_trials, M+1), 1 only on step M. Exactly
        ``n_trials // 2`` trials are matches, in random order.

    Examples
    --------
    >>> data = nback(4, n=2, seed=0, timing="original", classes=3)
    >>> data.x.shape, data.y.shape          # M = 5 values, then the response step
    ((4, 6, 2), (4, 6, 3))
    >>> data.x[0, :, 1].tolist()            # the cue comes with the last value
    [0.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    >>> int(data.y[:, 5, 0].sum())          # fixate is never a target
    0
    >>> import numpy as np
    >>> match = data.y[:, 5, 2] == 1        # match: the last value equals the one 2 steps back
    >>> bool(np.array_equal(match, data.x[:, 4, 0] == data.x[:, 2, 0])), int(match.sum())
    (True, 2)
    """
    n_trials = _check_count(n_trials, "n_trials")
    n = _check_count(n, "n")
    timing = check_option(timing, "timing", NBACK_TIMINGS)
    classes = check_option(check_integer(classes, "classes"), "classes", (2, 3))
    default_length = 5 if timing == "original" else n + 4
    if length is None and default_length <= n:
        raise ValueError(f"timing='original' shows M = 5 values, which needs n < 5; got n={n} (give length > n)")
    length = default_length if length is None else _check_count(length, "length", minimum=n + 1)
    min_difference = check_real(min_difference, "min_difference", low=0, high=0.5, inclusive="left")
    rng = np.random.default_rng(check_seed(seed, allow_generator=True))
    # float32 from the start: a no-match value must differ from the reference in
    # the float32 inputs the network sees, not only in float64.
    values = rng.uniform(0.0, 1.0, size=(n_trials, length)).astype(np.float32)
    labels = rng.permutation(np.arange(n_trials) < n_trials // 2).astype(np.int64)
    reference = values[:, length - 1 - n]
    match = labels == 1
    values[match, length - 1] = reference[match]
    # No-match: a uniform value outside [reference - d, reference + d], drawn by
    # inverse transform over the allowed set (never equal to the reference).
    d = float(min_difference)
    low_width = np.clip(reference.astype(np.float64) - d, 0.0, None)
    high_start = np.clip(reference.astype(np.float64) + d, None, 1.0)
    allowed = low_width + (1.0 - high_start)
    u = rng.uniform(0.0, 1.0, size=n_trials) * allowed
    other = np.where(u < low_width, u, high_start + (u - low_width)).astype(np.float32)
    away = np.nextafter(reference, np.where(reference < 0.5, 1.0, 0.0).astype(np.float32))
    other = np.where(other == reference, away, other)
    values[~match, length - 1] = other[~match]

    n_steps = length + 1
    x = np.zeros((n_trials, n_steps, 2), dtype=np.float32)
    x[:, :length, 0] = values
    x[:, length - 1 if timing == "original" else length, 1] = 1.0
    y = np.zeros((n_trials, n_steps, classes), dtype=np.float32)
    y[np.arange(n_trials), length, labels + (classes - 2)] = 1.0
    weight = np.zeros((n_trials, n_steps), dtype=np.float32)
    weight[:, length] = 1.0
    return TaskData(x, y, weight)


def train_test_split(data: TaskData, test_fraction: float = 0.2):
    """Split a task's trials into a training part and a test part (first / last trials).

    The trials are already in random order, so the split is the leading
    ``1 - test_fraction`` of the trials for training and the rest for testing
    (Goulas et al. 2021: 1,000 trials, 80 % / 20 %).

    Parameters
    ----------
    data : TaskData
    test_fraction : float in (0, 1), default=0.2
        Fraction of the trials (rounded) that goes to the test part.

    Returns
    -------
    train, test : TaskData

    Examples
    --------
    >>> import numpy as np
    >>> data = sequence_memory(10, length=2, seed=0)
    >>> train, test = train_test_split(data, test_fraction=0.2)
    >>> train.x.shape[0], test.x.shape[0]
    (8, 2)
    >>> bool(np.array_equal(train.y, data.y[:8])), bool(np.array_equal(test.y, data.y[8:]))
    (True, True)
    """
    test_fraction = check_real(test_fraction, "test_fraction", low=0, high=1, inclusive="neither")
    n_trials = data.x.shape[0]
    n_test = int(round(n_trials * test_fraction))
    if n_test < 1 or n_test >= n_trials:
        raise ValueError(f"test_fraction {test_fraction} of {n_trials} trials leaves an empty part")
    cut = n_trials - n_test
    return (TaskData(*(a[:cut] for a in data)), TaskData(*(a[cut:] for a in data)))
