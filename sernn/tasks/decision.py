"""Decision tasks: Go/NoGo and perceptual decision making (numpy, seeded).

The tasks of the MICrONS inductive-bias study (Shakiba, Rokni & Mohammadi,
Neuromatch Academy project).

Both are read out at the last step (targets are one-hot ``(n_trials, 2)``) and
both need working memory: the stimulus is gone when the answer is due.

**Go/NoGo** (40 steps, 3 channels):

=========  ======  =====================================================
steps      phase   input
=========  ======  =====================================================
0–4        fix     channel 0 (fixation) = 1
5–24       stim    channel 0 = 1, and channel 1 (Go) or channel 2 (NoGo) = 1
25–34      delay   channel 0 = 1
35–39      dec     nothing (fixation off: respond)
=========  ======  =====================================================

Class 1 = Go (respond), class 0 = NoGo (withhold). The answer depends only on
which stimulus was shown.

**Perceptual decision** (random-dots motion; 41 steps, 3 channels): step 0
fixation; steps 1–30 stimulus; steps 31–40 decision. Channel 0 (fixation) is 1
on steps 0–30. On the stimulus steps, with motion direction ``d`` (−1 = left,
+1 = right) and coherence ``c`` (fraction, e.g. 0.064)::

    channel 1 (evidence left)  = (1 − d·c) / 2 + noise
    channel 2 (evidence right) = (1 + d·c) / 2 + noise

with independent Gaussian noise (standard deviation ``noise``) on every step
(NeuroGym's ``PerceptualDecisionMaking`` convention). Class 0 = left, class 1 =
right: the answer is the sign of the motion direction. At coherence 0 the
stimulus carries no information about it (chance by construction).

Classes are balanced exactly (odd ``n_trials``: the extra trial's class is
drawn at random); the coherence levels are used equally often (±1).
"""
from __future__ import annotations

import numpy as np

from sernn.tasks.maze import check_task_arguments
from sernn.validation import check_array, check_real, describe

__all__ = ["go_nogo", "perceptual_decision", "COHERENCES", "GO_NOGO_PHASES",
           "PERCEPTUAL_PHASES"]

#: Motion coherences of the perceptual decision task, in percent.
COHERENCES = (0.0, 6.4, 12.8, 25.6, 51.2)
#: Go/NoGo phases: name -> (start, stop) steps.
GO_NOGO_PHASES = {"fixation": (0, 5), "stimulus": (5, 25), "delay": (25, 35), "decision": (35, 40)}
#: Perceptual decision phases: name -> (start, stop) steps.
PERCEPTUAL_PHASES = {"fixation": (0, 1), "stimulus": (1, 31), "decision": (31, 41)}


def _balanced_classes(n_trials, rng):
    classes = np.repeat([0, 1], n_trials // 2)
    if n_trials % 2:
        classes = np.append(classes, rng.integers(0, 2))
    return rng.permutation(classes)


def _one_hot(classes):
    y = np.zeros((classes.size, 2), dtype=np.float32)
    y[np.arange(classes.size), classes] = 1.0
    return y


def go_nogo(n_trials: int, seed: int, return_info: bool = False):
    """Go/NoGo trials.

    Parameters
    ----------
    n_trials : int
    seed : int
        Same seed, same trials.
    return_info : bool, default=False
        Also return ``{"go": bool array (n_trials,)}``.

    Returns
    -------
    x : ndarray of shape (n_trials, 40, 3), float32
    y : ndarray of shape (n_trials, 2), float32, one-hot (column 1 = Go)
    info : dict, only if ``return_info``

    Examples
    --------
    >>> import numpy as np
    >>> x, y, info = go_nogo(6, seed=0, return_info=True)
    >>> x.shape, y.shape
    ((6, 40, 3), (6, 2))
    >>> bool((y.sum(axis=1) == 1).all()), int(y[:, 1].sum())   # one-hot; 3 Go, 3 NoGo
    (True, 3)
    >>> bool(np.array_equal(y[:, 1] == 1, info["go"]))
    True
    >>> go = int(np.argmax(info["go"]))                 # a Go trial: channel 1 on steps 5-24
    >>> np.flatnonzero(x[go, :, 1]).tolist() == list(range(5, 25))
    True
    >>> float(x[:, 35:].sum())                          # nothing shown on the decision steps
    0.0
    >>> bool(np.array_equal(go_nogo(6, seed=0)[0], x))  # same seed, same trials
    True
    """
    n_trials, seed = check_task_arguments(n_trials, seed)
    rng = np.random.default_rng(seed)
    classes = _balanced_classes(n_trials, rng)
    steps = GO_NOGO_PHASES["decision"][1]
    x = np.zeros((n_trials, steps, 3), dtype=np.float32)
    x[:, : GO_NOGO_PHASES["decision"][0], 0] = 1.0
    start, stop = GO_NOGO_PHASES["stimulus"]
    x[classes == 1, start:stop, 1] = 1.0
    x[classes == 0, start:stop, 2] = 1.0
    y = _one_hot(classes)
    return (x, y, {"go": classes == 1}) if return_info else (x, y)


def perceptual_decision(n_trials: int, seed: int, coherences=COHERENCES, noise: float = 0.1,
                        return_info: bool = False):
    """Perceptual decision-making (random-dots motion) trials.

    Parameters
    ----------
    n_trials : int
    seed : int
        Same seed, same trials (conditions and noise).
    coherences : sequence of float, default=(0, 6.4, 12.8, 25.6, 51.2)
        Motion coherences in percent (0–100).
    noise : float, default=0.1
        Standard deviation of the per-step Gaussian noise on the evidence channels
        (NeuroGym's default: σ = 1 at dt = 100 ms gives 1/sqrt(100) = 0.1).
    return_info : bool, default=False
        Also return ``{"direction": (n,) of ±1, "coherence": (n,) in percent}``.

    Returns
    -------
    x : ndarray of shape (n_trials, 41, 3), float32
    y : ndarray of shape (n_trials, 2), float32, one-hot (column 0 = left, 1 = right)
    info : dict, only if ``return_info``

    Examples
    --------
    >>> import numpy as np
    >>> x, y, info = perceptual_decision(10, seed=0, return_info=True)
    >>> x.shape, y.shape
    ((10, 41, 3), (10, 2))
    >>> sorted(info["coherence"].tolist())               # each level equally often
    [0.0, 0.0, 6.4, 6.4, 12.8, 12.8, 25.6, 25.6, 51.2, 51.2]
    >>> bool(np.array_equal(y.argmax(axis=1), info["direction"] > 0))   # class 1 = right
    True
    >>> bool(np.array_equal(perceptual_decision(10, seed=0)[0], x))     # same seed, same trials
    True

    Without noise, right minus left evidence is ``direction * coherence / 100``:

    >>> x, _, info = perceptual_decision(4, seed=1, coherences=[50.0], noise=0.0, return_info=True)
    >>> (x[:, 1, 2] - x[:, 1, 1]).tolist() == (0.5 * info["direction"]).tolist()
    True
    """
    n_trials, seed = check_task_arguments(n_trials, seed)
    rng = np.random.default_rng(seed)
    levels = check_array(coherences, "coherences").ravel()
    if levels.size == 0 or (levels < 0).any() or (levels > 100).any():
        raise ValueError(f"coherences must be one or more percentages in [0, 100]; got {describe(coherences)}")
    noise = check_real(noise, "noise", low=0)
    classes = _balanced_classes(n_trials, rng)
    direction = np.where(classes == 1, 1.0, -1.0)
    coherence = rng.permutation(np.resize(levels, n_trials))
    steps = PERCEPTUAL_PHASES["decision"][1]
    start, stop = PERCEPTUAL_PHASES["stimulus"]
    x = np.zeros((n_trials, steps, 3), dtype=np.float64)
    x[:, :stop, 0] = 1.0
    signed = (direction * coherence / 100.0)[:, None]
    x[:, start:stop, 1] = (1.0 - signed) / 2.0 + noise * rng.standard_normal((n_trials, stop - start))
    x[:, start:stop, 2] = (1.0 + signed) / 2.0 + noise * rng.standard_normal((n_trials, stop - start))
    y = _one_hot(classes)
    x = x.astype(np.float32)
    if return_info:
        return x, y, {"direction": direction.astype(int), "coherence": coherence}
    return x, y
