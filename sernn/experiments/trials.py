"""The data of a run: one rule for its seeds and one way to build a population's bank of trials.

Every benchmark draws a run's training, validation and test trials with the
run's seed plus :data:`SEED_OFFSETS` (``seed``, ``10000 + seed`` and
``20000 + seed``; :func:`data_seed`), so the three sets never share a draw and
every condition of one seed sees the same trials. A population trains on a
*bank* of distinct trials and, per member, the rows of its trials
(:class:`sernn.population.Population`); :func:`trial_bank` builds it from one
draw per distinct data seed, storing each draw once however many members share it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SEED_OFFSETS", "data_seed", "TrialBank", "trial_bank"]

#: Added to a run's seed to draw each part of its data.
SEED_OFFSETS = {"train": 0, "val": 10000, "test": 20000}


def data_seed(part: str, seed: int) -> int:
    """The seed of a run's ``part`` (``"train"``, ``"val"`` or ``"test"``) of the data.

    Examples
    --------
    >>> data_seed("train", 3), data_seed("val", 3), data_seed("test", 3)
    (3, 10003, 20003)
    """
    return SEED_OFFSETS[part] + int(seed)


@dataclass(frozen=True)
class TrialBank:
    """Distinct trials and, per member, the rows of its trials.

    ``x`` (M, T, d) and ``y`` (M, c) or (M, T, c) are the distinct trials, ``weights``
    their per-trial (and per-step) sample weights or None, and ``index`` (K, N) holds in
    row k the bank rows of member k's trials, in data order.
    """

    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    index: np.ndarray


def trial_bank(seeds, draw) -> TrialBank:
    """One bank for members whose data seeds are ``seeds`` (one per member).

    Parameters
    ----------
    seeds : sequence of int
        Member k's data seed.
    draw : callable
        ``draw(seed) -> (x, y, weights, rows)``: a draw's distinct trials, their weights
        (or None) and the rows of the member's trials among them (None: every trial, in
        order). Draws that return the same ``x`` object (e.g. the maze's 8 distinct
        problems) share their rows in the bank; each distinct seed is drawn once.

    Examples
    --------
    >>> import numpy as np
    >>> def draw(seed):
    ...     x = np.full((2, 1, 1), float(seed))
    ...     return x, x[:, 0], None, None
    >>> bank = trial_bank([5, 7, 5], draw)
    >>> bank.x[:, 0, 0].tolist(), bank.index.tolist()
    ([5.0, 5.0, 7.0, 7.0], [[0, 1], [2, 3], [0, 1]])
    """
    parts, rows_of, total = [], {}, 0  # parts: (x, y, weights, first row in the bank)
    for seed in dict.fromkeys(int(s) for s in seeds):
        x, y, weights, rows = draw(seed)
        first = next((start for px, _, _, start in parts if px is x), None)
        if first is None:
            parts.append((x, y, weights, total))
            first, total = total, total + len(x)
        rows_of[seed] = first + (np.arange(len(x)) if rows is None else np.asarray(rows))
    weights = None if parts[0][2] is None else np.concatenate([p[2] for p in parts])
    return TrialBank(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), weights,
                     np.stack([rows_of[int(s)] for s in seeds]))
