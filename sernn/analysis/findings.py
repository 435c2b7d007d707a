"""Group statistics for reports: per-group means with CIs, comparisons, claims, binned bands.

Generic over column names: the benchmark's report decides which column holds
the group (e.g. ``condition``), which measures matter and which claims to judge.
Intervals come from :mod:`sernn.analysis.statistics` (percentile bootstrap,
seeded); comparisons are unpaired.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sernn.analysis.statistics import bootstrap_ci, compare_groups

__all__ = ["describe_groups", "compare_to", "judge", "paired_verdict", "binned_band", "strength_bins", "VERDICTS"]

#: What :func:`judge` can say of a claimed direction.
VERDICTS = ("supported", "contradicted", "not shown", "cannot test")


def describe_groups(frame: pd.DataFrame, group: str, measures, confidence: float = 0.95,
                    n_boot: int = 10000, seed: int = 0, order=None) -> pd.DataFrame:
    """One row per (group, measure): ``n``, ``mean``, ``sd``, ``median`` and the bootstrap CI of the mean.

    ``order`` lists the groups first (others follow, sorted).
    """
    rows = []
    for name in _ordered(frame[group], order):
        part = frame[frame[group] == name]
        for position, measure in enumerate(measures):
            values = part[measure].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            low, high = bootstrap_ci(values, confidence, n_boot, seed + position)
            rows.append({group: name, "measure": measure, "n": int(values.size),
                         "mean": float(values.mean()) if values.size else np.nan,
                         "sd": float(values.std(ddof=1)) if values.size > 1 else np.nan,
                         "median": float(np.median(values)) if values.size else np.nan,
                         "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def compare_to(frame: pd.DataFrame, group: str, measures, reference: str, confidence: float = 0.95,
               n_boot: int = 10000, seed: int = 0, order=None) -> pd.DataFrame:
    """Every other group against ``reference``, per measure (unpaired; see :func:`compare_groups`).

    Rows: ``group``, ``reference``, ``measure``, ``n``, ``n_reference``,
    ``difference`` (group mean minus reference mean), ``ci_low``, ``ci_high``,
    ``hedges_g``, ``welch_p``, ``mannwhitney_p``. Empty when ``reference`` is absent.
    """
    rows = []
    if reference not in set(frame[group]):
        return pd.DataFrame(rows)
    base = frame[frame[group] == reference]
    for name in _ordered(frame[group], order):
        if name == reference:
            continue
        part = frame[frame[group] == name]
        for position, measure in enumerate(measures):
            c = compare_groups(part[measure], base[measure], confidence, n_boot, seed + position)
            rows.append({group: name, "reference": reference, "measure": measure, "n": c["n_a"],
                         "n_reference": c["n_b"], "difference": c["difference"], "ci_low": c["ci_low"],
                         "ci_high": c["ci_high"], "hedges_g": c["hedges_g"], "welch_p": c["welch_p"],
                         "mannwhitney_p": c["mannwhitney_p"]})
    return pd.DataFrame(rows)


def judge(ci_low: float, ci_high: float, direction: str) -> str:
    """Verdict on a claimed sign of a difference from its confidence interval.

    ``direction`` is ``"greater"`` (the claim: difference > 0) or ``"less"``.
    ``"supported"`` when the whole interval lies on the claimed side of 0,
    ``"contradicted"`` when it lies on the other side, ``"not shown"`` when it
    contains 0 and ``"cannot test"`` when it is undefined (too few networks).

    Examples
    --------
    >>> judge(0.02, 0.10, "greater"), judge(-0.1, 0.2, "greater"), judge(0.02, 0.10, "less")
    ('supported', 'not shown', 'contradicted')
    """
    if direction not in ("greater", "less"):
        raise ValueError(f"direction must be 'greater' or 'less'; got {direction!r}")
    if not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return "cannot test"
    sign = 1.0 if direction == "greater" else -1.0
    low, high = sorted((sign * ci_low, sign * ci_high))
    if low > 0:
        return "supported"
    if high < 0:
        return "contradicted"
    return "not shown"


def paired_verdict(comparison, direction: str, min_pairs: int, absence: bool = False) -> tuple[str, str]:
    """(verdict, detail) of a claim on a paired difference (a row of ``pairs, difference, ci_low, ci_high``).

    ``direction`` is the claimed sign of the difference (see :func:`judge`). With
    ``absence=True`` the claim is that there is *no* advantage in ``direction``
    (e.g. "no strategy beats its control"): an interval on the claimed side then
    contradicts it, one that contains 0 supports it ("no difference shown"),
    and one on the other side supports it too. Fewer than ``min_pairs`` pairs:
    ``"cannot test"``.

    Examples
    --------
    >>> row = {"pairs": 12, "difference": 0.1, "ci_low": 0.05, "ci_high": 0.15, "p": 0.01}
    >>> paired_verdict(row, "greater", 10)[0], paired_verdict(row, "greater", 10, absence=True)[0]
    ('supported', 'contradicted')
    """
    detail = (f"difference {comparison['difference']:.4g} [{comparison['ci_low']:.4g}, {comparison['ci_high']:.4g}], "
              f"{int(comparison['pairs'])} pairs")
    if "p" in comparison and np.isfinite(comparison["p"]):
        detail += f", Wilcoxon p = {comparison['p']:.2g}"
    if comparison["pairs"] < min_pairs:
        return "cannot test", f"{detail}; fewer than {min_pairs} pairs"
    verdict = judge(comparison["ci_low"], comparison["ci_high"], direction)
    if absence:
        verdict = {"supported": "contradicted", "contradicted": "supported (the other way round)",
                   "not shown": "supported (no difference shown)", "cannot test": "cannot test"}[verdict]
    return verdict, detail


def strength_bins(strengths, bins: int = 10) -> pd.Series:
    """Equal-width bins of regularisation strength, labelled ``"[a, b)"`` (the last closed).

    Zero strengths (an unregularised condition) get their own bin ``"0"``.
    """
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer; got {bins!r}")
    values = pd.Series(strengths, dtype=float)
    labels = pd.Series("0", index=values.index, dtype=object)
    positive = values > 0
    if positive.any():
        low, high = values[positive].min(), values[positive].max()
        if high == low:
            labels[positive] = f"{low:.4g}"
        else:
            edges = np.linspace(low, high, int(bins) + 1)
            index = np.clip(np.searchsorted(edges, values[positive], side="right") - 1, 0, int(bins) - 1)
            names = [f"[{edges[i]:.4g}, {edges[i + 1]:.4g}{']' if i == bins - 1 else ')'}"
                     for i in range(int(bins))]
            labels[positive] = [names[i] for i in index]
    return labels


def binned_band(frame: pd.DataFrame, x: str, y: str, group: str, bins=None, confidence: float = 0.95,
                n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Mean of ``y`` with a bootstrap CI per group and value (or equal-width bin) of ``x``, for bands.

    With ``bins`` (an int), ``x`` is cut into that many equal-width bins over
    its range and each row reports the bin centre; without, every distinct
    ``x`` (e.g. an epoch) is a row. Rows: ``group``, ``x``, ``n``, ``mean``,
    ``ci_low``, ``ci_high``.
    """
    rows = []
    data = frame[[group, x, y]].replace([np.inf, -np.inf], np.nan).dropna()
    for name in _ordered(data[group], None):
        part = data[data[group] == name]
        if bins is None:
            keys = part[x]
            centres = {v: v for v in keys.unique()}
        else:
            low, high = part[x].min(), part[x].max()
            edges = np.linspace(low, high, int(bins) + 1) if high > low else np.array([low, low])
            index = np.clip(np.searchsorted(edges, part[x], side="right") - 1, 0, len(edges) - 2)
            keys = pd.Series(index, index=part.index)
            centres = {i: (edges[i] + edges[i + 1]) / 2 for i in range(len(edges) - 1)}
        for key, values in part[y].groupby(keys):
            low, high = bootstrap_ci(values.to_numpy(), confidence, n_boot, seed)
            rows.append({group: name, x: float(centres[key]), "n": int(values.size),
                         "mean": float(values.mean()), "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=[group, x, "n", "mean", "ci_low", "ci_high"])


def _ordered(values, order):
    present = list(dict.fromkeys(pd.Series(values).astype(str)))
    first = [v for v in (order or ()) if v in present]
    return first + sorted(v for v in present if v not in first)
