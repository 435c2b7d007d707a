"""The N-bit flip-flop task (numpy, seeded): the standard test of fixed-point analysis.

Each of ``bits`` input channels carries occasional pulses of +1 or -1; the matching output
channel must hold the sign of the last pulse it received. A network that solves it stores
``2**bits`` memories, which appear as that many stable fixed points of its dynamics at zero
input (Sussillo & Barak, Neural Computation 2013).

Conventions: every channel pulses at step 0 (so the target is defined from the start); on the
other steps each channel pulses with probability ``pulse_probability``, its sign +1 or -1 with
equal odds. Inputs and targets are ``(n_trials, steps, bits)`` float32; train with the readout
at every step and a mean squared error (``build_sernn(return_sequences=True, loss="mse",
output_activation="linear", activation="tanh")``).
"""
from __future__ import annotations

import numpy as np

from sernn.tasks.maze import check_task_arguments
from sernn.validation import check_integer, check_real

__all__ = ["flip_flop"]


def flip_flop(n_trials: int, seed: int, *, bits: int = 3, steps: int = 60, pulse_probability: float = 0.08):
    """Inputs and targets of the N-bit flip-flop task.

    Parameters
    ----------
    n_trials : int >= 1
    seed : int
    bits : int >= 1, default=3
    steps : int >= 1, default=60
    pulse_probability : float in [0, 1], default=0.08
        Chance of a pulse on each channel at each step after the first.

    Returns
    -------
    x, y : ndarrays of shape (n_trials, steps, bits), float32

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.tasks.flipflop import flip_flop
    >>> x, y = flip_flop(2, seed=0, bits=1, steps=6, pulse_probability=0.3)
    >>> x[1, :, 0].tolist()      # pulses
    [-1.0, -1.0, 0.0, 1.0, 0.0, 0.0]
    >>> y[1, :, 0].tolist()      # the last pulse's sign, held
    [-1.0, -1.0, -1.0, 1.0, 1.0, 1.0]
    >>> bool(np.array_equal(flip_flop(2, seed=0)[0], flip_flop(2, seed=0)[0]))
    True
    """
    n_trials, seed = check_task_arguments(n_trials, seed)
    bits = check_integer(bits, "bits", low=1)
    steps = check_integer(steps, "steps", low=1)
    pulse_probability = check_real(pulse_probability, "pulse_probability", low=0, high=1)
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(n_trials, steps, bits))
    pulses = np.where(rng.random((n_trials, steps, bits)) < pulse_probability, signs, 0.0)
    pulses[:, 0] = signs[:, 0]
    # the target: the last pulse's sign, carried forward
    last = np.where(pulses != 0, np.arange(steps)[None, :, None], 0)
    last = np.maximum.accumulate(last, axis=1)
    targets = np.take_along_axis(pulses, last, axis=1)
    return pulses.astype(np.float32), targets.astype(np.float32)
