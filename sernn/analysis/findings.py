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
from sernn.validation import check_integer, check_option

__all__ = ["describe_groups", "compare_to", "judge", "paired_verdict", "binned_band", "strength_bins", "VERDICTS"]

#: What :func:`judge` can say of a claimed direction.
VERDICTS = ("supported", "contradicted", "not shown", "cannot test")


def describe_groups(frame: pd.DataFrame, group: str, measures, confidence: float = 0.95,
                    n_boot: int = 10000, seed: int = 0, order=None) -> pd.DataFrame:
    """One row per (group, measure): ``n``, ``mean``, ``sd``, ``median`` and the bootstrap CI of the mean.

    ``order`` lists the groups first (others follow, sorted).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"condition": ["l1", "l1", "l1", "sernn", "sernn", "sernn"],
    ...                       "modularity": [0.2, 0.3, 0.4, 0.5, 0.6, 0.7]})
    >>> table = describe_groups(frame, "condition", ["modularity"], n_boot=1000, order=["sernn"])
    >>> table[["condition", "measure", "n", "mean", "sd"]].round(4)
      condition     measure  n  mean   sd
    0     sernn  modularity  3   0.6  0.1
    1        l1  modularity  3   0.3  0.1
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

    Examples
    --------
    The means differ by 0.3 = 3 pooled s.d.; Hedges' correction for 3 + 3
    values is ``1 - 3/15``, so ``g = 2.4``; the Mann–Whitney p of two
    separated groups of 3 is ``2 / C(6, 3) = 0.1``:

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"condition": ["l1", "l1", "l1", "sernn", "sernn", "sernn"],
    ...                       "modularity": [0.2, 0.3, 0.4, 0.5, 0.6, 0.7]})
    >>> row = compare_to(frame, "condition", ["modularity"], reference="l1", n_boot=1000).iloc[0]
    >>> row["condition"], row["reference"], int(row["n"]), int(row["n_reference"])
    ('sernn', 'l1', 3, 3)
    >>> [round(float(row[key]), 4) for key in ("difference", "hedges_g", "mannwhitney_p")]
    [0.3, 2.4, 0.1]
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
    direction = check_option(direction, "direction", ("greater", "less"))
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


def _bin_index(edges, values) -> np.ndarray:
    """Bin of each value for ascending ``edges``: a value within float rounding of an edge (e.g. 0.3 against
    the computed 0.30000000000000004) belongs to the bin that the edge opens."""
    tolerance = 1e-9 * max(float(edges[-1] - edges[0]), float(np.abs(edges).max()), 1e-300)
    return np.searchsorted(edges, values + tolerance, side="right") - 1


def strength_bins(strengths, bins: int = 10) -> pd.Series:
    """Equal-width bins of regularisation strength, labelled ``"[a, b)"`` (the last closed).

    Zero strengths (an unregularised condition) get their own bin ``"0"``.

    Examples
    --------
    Three bins over the positive strengths 0.25 to 1; the largest value falls
    in the last, closed, bin:

    >>> strength_bins([0.0, 0.25, 0.5, 0.75, 1.0], bins=3).tolist()
    ['0', '[0.25, 0.5)', '[0.5, 0.75)', '[0.75, 1]', '[0.75, 1]']
    """
    bins = check_integer(bins, "bins", low=1)
    values = pd.Series(strengths, dtype=float)
    labels = pd.Series("0", index=values.index, dtype=object)
    positive = values > 0
    if positive.any():
        low, high = values[positive].min(), values[positive].max()
        if high == low:
            labels[positive] = f"{low:.4g}"
        else:
            edges = np.linspace(low, high, int(bins) + 1)
            index = np.clip(_bin_index(edges, values[positive].to_numpy()), 0, int(bins) - 1)
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

    Examples
    --------
    Mean accuracy of two conditions at every epoch:

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"condition": ["a"] * 4 + ["b"] * 4,
    ...                       "epoch": [0, 0, 1, 1] * 2,
    ...                       "accuracy": [0.1, 0.3, 0.5, 0.7, 0.2, 0.2, 0.4, 0.6]})
    >>> band = binned_band(frame, "epoch", "accuracy", "condition", n_boot=500)
    >>> band[["condition", "epoch", "n", "mean"]].round(4)
      condition  epoch  n  mean
    0         a    0.0  2   0.2
    1         a    1.0  2   0.6
    2         b    0.0  2   0.2
    3         b    1.0  2   0.5

    With ``bins=2`` the strengths 0 to 0.4 are cut at 0.2 and each row names
    its bin centre:

    >>> frame = pd.DataFrame({"condition": ["a"] * 4, "strength": [0.0, 0.1, 0.3, 0.4],
    ...                       "accuracy": [0.1, 0.3, 0.5, 0.7]})
    >>> band = binned_band(frame, "strength", "accuracy", "condition", bins=2, n_boot=500)
    >>> band["strength"].round(4).tolist(), band["mean"].round(4).tolist()
    ([0.1, 0.3], [0.2, 0.6])
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
            index = np.clip(_bin_index(edges, np.asarray(part[x], dtype=float)), 0, len(edges) - 2)
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
