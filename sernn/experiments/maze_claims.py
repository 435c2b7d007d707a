"""The seRNN paper's structural claims, judged on a maze folder: at matched accuracy and at matched total weight.

Achterberg et al. (Nature Machine Intelligence 2023) compare seRNNs with L1
networks that reach the same validation accuracy (≥ 0.9 at epoch 9) and claim
that seRNNs are more modular (Q), more small-world (σ) and favour short
connections (a more negative weight–distance correlation). Weighted measures
track a network's total weight Σ|W|, and the two groups' total weights can
differ several-fold at matched accuracy; the paper meant its L1 networks to
match seRNNs in overall connectivity strength. So each claim is judged on:

1. **matched accuracy** (the raw comparison): the difference of means with its
   bootstrap CI, and, labelled as the paper's test, Student's pooled t-test
   with Cohen's d (:func:`sernn.analysis.matching.pooled_t_test`);
2. **matched total weight**, on the range of ``log Σ|W|`` both groups cover:
   the regression of the measure on the group and ``log Σ|W|``
   (:func:`~sernn.analysis.matching.adjusted_difference`), and the within-bin
   differences pooled over 4 quantile bins
   (:func:`~sernn.analysis.matching.binned_difference`).

**Which comparison gives the verdict.** When the groups' total weights differ
(the 95 % bootstrap CI of the difference of their mean ``log Σ|W|`` excludes
0), the verdict is that of the matched-weight regression, and it stands only
if the within-bin estimate does not point the other way (otherwise: "not
shown", the two matched comparisons disagree). When the weights do not
differ, the verdict is that of the raw comparison. A verdict needs at least
``min_networks`` networks of each group in the comparison it uses.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sernn.analysis.findings import compare_to, judge
from sernn.analysis.matching import adjusted_difference, binned_difference, pooled_t_test

__all__ = ["CLAIMS", "WEIGHT_BINS", "judge_claims"]

#: The seRNN paper's headline comparisons: (measure, direction of seRNN − L1, claim).
CLAIMS = (
    ("modularity", "greater", "seRNNs are more modular than L1 networks (higher Q)"),
    ("small_worldness", "greater", "seRNNs are more small-world than L1 networks (higher σ)"),
    ("weight_distance_corr", "less",
     "seRNNs favour short connections more than L1 networks (more negative weight–distance correlation)"),
)

#: Quantile bins of the overlapping total-weight range.
WEIGHT_BINS = 4


def _fmt(value, digits=4):
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def _weights_differ(kept, n_boot, seed) -> dict:
    """Whether seRNN and L1 networks differ in mean log Σ|W| (bootstrap CI of the difference excludes 0)."""
    frame = kept.assign(log_total_weight=np.log(kept["total_weight"].where(kept["total_weight"] > 0)))
    row = compare_to(frame, "condition", ["log_total_weight"], "l1", n_boot=n_boot, seed=seed)
    row = row[row["condition"] == "sernn"]
    if row.empty:
        return {"differ": False, "ratio": np.nan, "ci": (np.nan, np.nan)}
    r = row.iloc[0]
    medians = kept.groupby("condition")["total_weight"].median()
    return {"differ": bool(r["ci_low"] > 0 or r["ci_high"] < 0),
            "ratio": float(medians.get("sernn", np.nan) / medians.get("l1", np.nan)),
            "ci": (float(np.exp(r["ci_low"])), float(np.exp(r["ci_high"])))}


def _matched(kept, measure):
    regression = adjusted_difference(kept, measure, "condition", "sernn", "l1")
    pooled, bins = binned_difference(kept, measure, "condition", "sernn", "l1", bins=WEIGHT_BINS)
    return regression, pooled, bins.assign(measure=measure)


def judge_claims(comparisons: pd.DataFrame, kept: pd.DataFrame, min_networks: int, n_boot: int = 10000,
                 seed: int = 0, claims=CLAIMS):
    """Verdicts of ``claims`` (default :data:`CLAIMS`) on the networks ``kept`` (those passing the accuracy filter).

    Parameters
    ----------
    comparisons : pandas.DataFrame
        The raw comparisons (:func:`sernn.analysis.findings.compare_to` against ``"l1"``).
    kept : pandas.DataFrame
        One row per network: ``condition``, ``total_weight`` and the measures.
    min_networks : int
        Networks each group needs in the comparison a verdict rests on.
    n_boot, seed : int
        The bootstrap of the total-weight comparison.
    claims : sequence of (measure, direction, text), default=CLAIMS
        The claims: seRNN − L1 of ``measure`` is claimed ``"greater"`` or ``"less"`` than 0
        (the functional claims of :mod:`sernn.experiments.maze_function` are judged the same way).

    Returns
    -------
    claims : list of dict
        Per claim: ``claim``, ``measure``, ``verdict``, ``basis`` (``"matched accuracy"`` or
        ``"matched total weight"``), ``why`` (why that basis), ``detail``, and the estimates.
    matched : pandas.DataFrame
        Per measure: the raw difference, the paper's t-test and Cohen's d, the regression and the
        within-bin estimates with their CIs.
    bins : pandas.DataFrame
        The within-bin table of every measure.

    Examples
    --------
    Planted: seRNN Q is 0.02 higher at every weight, but seRNNs are four times heavier and Q falls
    with log weight, so at matched accuracy seRNNs look less modular:

    >>> import numpy as np, pandas as pd
    >>> from sernn.analysis.findings import compare_to
    >>> rng = np.random.default_rng(0)
    >>> w = np.r_[np.exp(rng.uniform(4.5, 6.5, 60)), np.exp(rng.uniform(3, 5, 60))]
    >>> condition = np.repeat(["sernn", "l1"], 60)
    >>> q = 0.02 * (condition == "sernn") - 0.05 * np.log(w) + 0.5 + rng.normal(0, 0.005, 120)
    >>> kept = pd.DataFrame({"condition": condition, "total_weight": w, "modularity": q})
    >>> raw = compare_to(kept, "condition", ["modularity"], "l1", n_boot=1000)
    >>> claims, matched, bins = judge_claims(raw, kept, min_networks=10, n_boot=1000)
    >>> bool(raw.iloc[0]["difference"] < 0), claims[0]["verdict"], claims[0]["basis"]
    (True, 'supported', 'matched total weight')
    >>> round(float(matched.iloc[0]["regression_difference"]), 2)
    0.02
    """
    weights = _weights_differ(kept, n_boot, seed)
    judged, rows, tables = [], [], []
    for measure, direction, text in claims:
        raw = comparisons[(comparisons["condition"] == "sernn") & (comparisons["reference"] == "l1")
                          & (comparisons["measure"] == measure)] if not comparisons.empty else comparisons
        if raw.empty or "total_weight" not in kept:
            counts = kept.groupby("condition").size()
            judged.append({"claim": text, "measure": measure, "verdict": "cannot test", "basis": "none",
                           "why": "", "detail": f"it needs seRNN and L1 networks that pass the filter; kept: "
                                                f"{int(counts.get('sernn', 0))} seRNN, {int(counts.get('l1', 0))} L1"})
            continue
        r = raw.iloc[0]
        paper = pooled_t_test(kept.loc[kept["condition"] == "sernn", measure],
                              kept.loc[kept["condition"] == "l1", measure])
        regression, pooled, bins = _matched(kept, measure)
        tables.append(bins)
        rows.append(_matched_row(measure, r, paper, regression, pooled))
        judged.append(_claim(text, measure, direction, r, paper, regression, pooled, weights, min_networks))
    return judged, pd.DataFrame(rows), (pd.concat(tables, ignore_index=True) if tables else pd.DataFrame())


def _matched_row(measure, raw, paper, regression, pooled) -> dict:
    return {"measure": measure, "raw_difference": raw["difference"], "raw_ci_low": raw["ci_low"],
            "raw_ci_high": raw["ci_high"], "n_sernn": int(raw["n"]), "n_l1": int(raw["n_reference"]),
            "paper_t": paper["t"], "paper_dof": paper["dof"], "paper_p": paper["p"],
            "paper_cohens_d": paper["cohens_d"], "regression_difference": regression["difference"],
            "regression_ci_low": regression["ci_low"], "regression_ci_high": regression["ci_high"],
            "regression_slope_log_weight": regression["slope"], "overlap_n_sernn": regression["n_a"],
            "overlap_n_l1": regression["n_b"], "overlap_low": regression["overlap"][0],
            "overlap_high": regression["overlap"][1], "binned_difference": pooled["difference"],
            "binned_ci_low": pooled["ci_low"], "binned_ci_high": pooled["ci_high"],
            "bins_used": pooled["bins_used"]}


def _claim(text, measure, direction, raw, paper, regression, pooled, weights, min_networks) -> dict:
    raw_text = (f"matched accuracy: seRNN − L1 = {_fmt(raw['difference'])} [95 % CI {_fmt(raw['ci_low'])}, "
                f"{_fmt(raw['ci_high'])}], n = {int(raw['n'])} vs {int(raw['n_reference'])} (the paper's test: "
                f"pooled t({paper['dof']}) = {_fmt(paper['t'], 3)}, p = {_fmt(paper['p'], 2)}, Cohen's d = "
                f"{_fmt(paper['cohens_d'], 3)})")
    matched_text = (f"matched total weight: regression on log Σ|W| {_fmt(regression['difference'])} [95 % CI "
                    f"{_fmt(regression['ci_low'])}, {_fmt(regression['ci_high'])}], within {pooled['bins_used']} "
                    f"weight bins {_fmt(pooled['difference'])} [{_fmt(pooled['ci_low'])}, "
                    f"{_fmt(pooled['ci_high'])}], on the overlap Σ|W| {_fmt(regression['overlap'][0], 3)}–"
                    f"{_fmt(regression['overlap'][1], 3)} ({regression['n_a']} seRNN, {regression['n_b']} L1)")
    claim = {"claim": text, "measure": measure, "difference": raw["difference"], "ci": [raw["ci_low"], raw["ci_high"]],
             "matched_difference": regression["difference"], "matched_ci": [regression["ci_low"], regression["ci_high"]],
             "detail": f"{raw_text}; {matched_text}"}
    if weights["differ"]:
        basis = "matched total weight"
        why = (f"the groups' total weights differ (median Σ|W| seRNN / L1 = {_fmt(weights['ratio'], 3)}, 95 % CI "
               f"of the ratio of geometric means {_fmt(weights['ci'][0], 3)}–{_fmt(weights['ci'][1], 3)})")
        verdict = judge(regression["ci_low"], regression["ci_high"], direction)
        binned = judge(pooled["ci_low"], pooled["ci_high"], direction)
        if {verdict, binned} == {"supported", "contradicted"}:
            verdict, why = "not shown", why + "; the regression and the within-bin estimate disagree"
        if min(regression["n_a"], regression["n_b"]) < min_networks:
            verdict, why = "cannot test", why + (f"; fewer than {min_networks} networks of a group in the "
                                                 "overlapping weight range")
    else:
        basis = "matched accuracy"
        why = "the groups' total weights do not differ (the CI of their log ratio includes 0)"
        verdict = judge(raw["ci_low"], raw["ci_high"], direction)
        if min(int(raw["n"]), int(raw["n_reference"])) < min_networks:
            verdict, why = "cannot test", why + f"; fewer than {min_networks} networks in a group"
    return {**claim, "verdict": verdict, "basis": basis, "why": why}
