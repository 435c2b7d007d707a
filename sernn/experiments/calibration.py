"""Choosing a condition's strength range the seRNN paper's way, from a short pilot sweep.

Achterberg et al. (Nature Machine Intelligence 2023) chose each group's
strengths so that "task performance started to deteriorate half-way through
the set of networks", and meant the L1 networks to "match seRNNs in overall
connectivity strength"; the L1 range itself is not published. Two rules turn a
pilot sweep (a few strengths on a geometric grid, a few seeds, the full 10
epochs) into a range a user can paste:

* :func:`half_way_range` (the paper's rule). Per pilot strength, the fraction
  of networks that succeed (validation accuracy ≥ 0.9 at epoch 9) is smoothed
  to be non-increasing in strength (isotonic regression); ``s_half`` is the
  strength at which it falls to ``level`` (default one half) of its value at
  the weakest strength, by linear interpolation in log strength. The range is
  ``[s_min, 2 s_half − s_min]``, so that networks start failing half-way
  through a ``linspace`` of it. The paper does not define "deteriorate"; one
  half is chosen because then about half of the range's networks pass the
  filter, as in the paper (479 of 1,000 L1 and 390 of 1,000 seRNNs kept).
* :func:`weight_matched_range`. The pilot's median log total weight Σ|W| at
  epoch 9 is smoothed to be non-increasing in strength, and the range is the
  strengths whose weights span the reference group's kept networks (their
  5th to 95th percentile of log Σ|W|), so the compared groups' total weights
  overlap. Reference weights above the pilot's heaviest (its weakest strength,
  where networks are hardly regularised) start the range at that strength.

:func:`pilot_table` reads a pilot folder (one row per run: success and total
weight at the epoch); :func:`calibrate` runs the pilot with
:func:`sernn.experiments.maze.maze_sweep` and applies both rules.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sernn.validation import check_integer, check_real

__all__ = ["PILOT_STRENGTHS", "Calibration", "pilot_table", "half_way_range", "weight_matched_range",
           "calibrate"]

#: Pilot strengths per condition (13 on a geometric grid, wide enough to reach failure).
PILOT_STRENGTHS = {"sernn": np.geomspace(1e-3, 3.0, 13).tolist(), "l1": np.geomspace(1e-5, 0.3, 13).tolist(),
                   "spatial": np.geomspace(1e-5, 0.3, 13).tolist()}


@dataclass(frozen=True)
class Calibration:
    """A calibrated range: ``condition``, ``rule`` ("half-way" or "weight-matched"), ``low``, ``high``,
    and ``anchor`` (``s_half``, or the reference group's weight percentiles)."""

    condition: str
    rule: str
    low: float
    high: float
    anchor: object = None

    def options(self, count: int = 1001) -> str:
        """The ``sernn maze`` options of this range with ``count`` strengths.

        >>> Calibration("l1", "half-way", 1e-4, 0.02).options()
        '--conditions l1 --strength-range 0.0001 0.02 1001'
        """
        return f"--conditions {self.condition} --strength-range {self.low:.6g} {self.high:.6g} {int(count)}"


def pilot_table(run_dir, epoch: int = 9, min_accuracy: float = 0.9) -> pd.DataFrame:
    """One row per finished run of a maze folder: ``condition``, ``strength``, ``seed``, ``val_accuracy``
    and ``success`` (≥ ``min_accuracy``) at ``epoch``, and ``total_weight`` Σ|W| of the recurrent kernel there."""
    from sernn.runfolder import RunStore

    store = RunStore.open(run_dir, "maze")
    epoch = check_integer(epoch, "epoch", low=0)
    min_accuracy = check_real(min_accuracy, "min_accuracy", low=0, high=1)
    metrics = store.metrics()
    accuracy = metrics[metrics["epoch"] == epoch].set_index("run_id")["val_accuracy"]
    rows = []
    for record in store.done_runs():
        arrays = store.load_arrays(record["run_id"])
        where = np.flatnonzero(np.asarray(arrays.get("epoch", [])) == epoch)
        if record["run_id"] not in accuracy.index or not where.size:
            continue
        kernel = arrays["recurrent_kernel"][int(where[0])]
        rows.append({"condition": record["condition"], "strength": float(record["strength"]),
                     "seed": int(record["seed"]), "val_accuracy": float(accuracy[record["run_id"]]),
                     "success": bool(accuracy[record["run_id"]] >= min_accuracy),
                     "total_weight": float(np.abs(kernel).sum())})
    if not rows:
        raise ValueError(f"{str(run_dir)!r} has no run with epoch {epoch} in its metrics and weight history")
    return pd.DataFrame(rows)


def _non_increasing(y, weights) -> np.ndarray:
    """Weighted isotonic (non-increasing) fit by pooling adjacent violators."""
    blocks = []  # [mean, weight, size]
    for value, weight in zip(np.asarray(y, dtype=float), np.asarray(weights, dtype=float)):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    return np.concatenate([np.full(n, v) for v, _, n in blocks])


def _per_strength(table, condition, column, how):
    part = table[table["condition"] == condition]
    if part.empty:
        raise ValueError(f"condition: the pilot has no {condition!r} runs")
    grouped = part.groupby("strength")[column]
    values = grouped.mean() if how == "mean" else grouped.median()
    return values.index.to_numpy(dtype=float), values.to_numpy(dtype=float), grouped.size().to_numpy()


def half_way_range(table: pd.DataFrame, condition: str, level: float = 0.5) -> Calibration:
    """The range over which a condition's networks start failing half-way (see the module docstring).

    Examples
    --------
    Success falls from 1 to 0 between strengths 0.01 and 0.04 (one half at 0.02):

    >>> import pandas as pd
    >>> pilot = pd.DataFrame({"condition": "l1", "strength": [0.001, 0.01, 0.02, 0.04, 0.08],
    ...                       "success": [1.0, 1.0, 0.5, 0.0, 0.0]})
    >>> calibration = half_way_range(pilot, "l1")
    >>> round(calibration.anchor, 4), round(calibration.low, 4), round(calibration.high, 4)
    (0.02, 0.001, 0.039)
    """
    level = check_real(level, "level", low=0, high=1, inclusive="neither")
    strengths, success, counts = _per_strength(table, condition, "success", "mean")
    fitted = _non_increasing(success, counts)
    target = level * fitted[0]
    if fitted[0] <= 0:
        raise ValueError(f"{condition}: no network of the pilot succeeds, even at its weakest strength "
                         f"{strengths[0]:.3g}; start the pilot lower")
    below = np.flatnonzero(fitted <= target)
    if not below.size:
        raise ValueError(f"{condition}: the pilot's networks still succeed at its strongest strength "
                         f"{strengths[-1]:.3g}; extend the pilot upwards")
    k = int(below[0])
    x0, x1 = np.log(strengths[k - 1]), np.log(strengths[k])
    y0, y1 = fitted[k - 1], fitted[k]
    half = float(np.exp(x0 + (y0 - target) / (y0 - y1) * (x1 - x0))) if y0 != y1 else float(strengths[k])
    return Calibration(condition, "half-way", float(strengths[0]), 2 * half - float(strengths[0]), half)


def weight_matched_range(table: pd.DataFrame, condition: str, reference_weights) -> Calibration:
    """Strengths whose total weights span the reference networks' 5th–95th percentile of log Σ|W|.

    Examples
    --------
    Weights halve with every doubling of strength; the reference networks weigh 100 to 400:

    >>> import numpy as np, pandas as pd
    >>> s = np.geomspace(1e-3, 1.6e-2, 5)
    >>> pilot = pd.DataFrame({"condition": "l1", "strength": s, "total_weight": 800 * 1e-3 / s})
    >>> calibration = weight_matched_range(pilot, "l1", np.geomspace(100, 400, 101))
    >>> round(calibration.low, 5), round(calibration.high, 5)
    (0.00214, 0.00746)
    """
    reference = np.log(np.asarray(reference_weights, dtype=float))
    reference = reference[np.isfinite(reference)]
    if reference.size < 2:
        raise ValueError("reference_weights must hold at least 2 positive total weights")
    strengths, weights, counts = _per_strength(table, condition, "total_weight", "median")
    fitted = _non_increasing(np.log(weights), counts)
    low_w, high_w = np.quantile(reference, [0.05, 0.95])
    # strength as a function of log weight (decreasing): interpolate on the reversed, increasing arrays
    x, y = fitted[::-1], np.log(strengths)[::-1]
    if low_w < x[0]:
        raise ValueError(f"{condition}: the pilot's lightest networks ({np.exp(x[0]):.3g}) are heavier than the "
                         f"reference's 5th percentile ({np.exp(low_w):.3g}); extend the pilot to stronger strengths")
    # Heavier than the pilot's weakest strength: the networks are then hardly regularised, so the range
    # starts at the pilot's weakest strength (a weaker one weighs the same).
    low = float(strengths[0]) if high_w >= x[-1] else float(np.exp(np.interp(high_w, x, y)))
    return Calibration(condition, "weight-matched", low, float(np.exp(np.interp(low_w, x, y))),
                       [float(np.exp(low_w)), float(np.exp(high_w))])


def calibrate(out, conditions=("sernn", "l1", "spatial"), pilot_strengths=None, seeds=(0, 1), reference="sernn",
              log=print, **options) -> list:
    """Run (or resume) a pilot maze sweep in ``out`` and calibrate every condition's range.

    Parameters
    ----------
    out : path-like
        The pilot's run folder.
    conditions : sequence of str, default=("sernn", "l1", "spatial")
    pilot_strengths : dict, optional
        Condition -> pilot strengths (default :data:`PILOT_STRENGTHS`).
    seeds : sequence of int, default=(0, 1)
    reference : str, default="sernn"
        The group whose kept networks' total weights the other conditions are matched to
        (its half-way range's networks that pass the filter).
    log : callable, default=print
    **options
        Other :class:`~sernn.experiments.maze.MazeSettings` fields (``epochs``, trials...).

    Returns
    -------
    list of Calibration
        A half-way range per condition, and a weight-matched range per condition other than
        ``reference``; also written to ``out/calibration.json``.
    """
    from sernn.atomic import atomic_write_text
    from sernn.experiments.maze import maze_sweep

    strengths = {c: list((pilot_strengths or PILOT_STRENGTHS)[c]) for c in conditions}
    maze_sweep(out=out, conditions=list(conditions), strengths=strengths, seeds=list(seeds), figures=False,
               log=log, **options)
    table = pilot_table(out)
    results = [half_way_range(table, c) for c in conditions]
    if reference in conditions:
        kept = table[(table["condition"] == reference) & table["success"]]
        half = next(r for r in results if r.condition == reference)
        kept = kept[kept["strength"].between(half.low, half.high)]
        results += [weight_matched_range(table, c, kept["total_weight"]) for c in conditions if c != reference]
    from pathlib import Path

    atomic_write_text(Path(out) / "calibration.json", json.dumps([asdict(r) for r in results], indent=2))
    for r in results:
        log(f"{r.condition:8s} {r.rule:15s} {r.options()}")
    return results
