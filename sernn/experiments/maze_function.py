"""The seRNN paper's functional claims, judged on a maze folder analysed with ``sernn analyze --activity``.

Achterberg et al. (Nature Machine Intelligence 2023) report that, among networks with validation accuracy
≥ 0.9 at epoch 9, seRNN units are more mixed-selective than L1 units (the correlation across units between
their explained variance of goal and of choice is closer to 0: median r −0.057 against −0.303), that goal
coding is spatially clustered in seRNNs and not in L1 networks (the permutation P_perm of goal units'
weighted mean distance piles near 0, most at the delay→choice window), and that seRNN units are less
active in the choice period at matched recurrent weight (energy efficiency).

:func:`functional_section` merges ``activity.csv`` with the networks the structural report keeps and
judges :data:`FUNCTIONAL_CLAIMS` exactly as the structural ones
(:func:`sernn.experiments.maze_claims.judge_claims`): at matched total weight when the groups' total
weights differ, else at matched accuracy. A lower mean P_perm does not make coding clustered (a group
whose goal units are spread out has P_perm piled near 1), so two more lines judge whether goal coding is
clustered at all, as the paper claims for seRNNs and denies for L1 networks (:func:`clustered_claim`). The
section also gives, per group and window, the fraction of networks with P_perm < 0.05 with its Wilson CI.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from sernn.analysis.activity import structure_function_table
from sernn.analysis.findings import compare_to, describe_groups
from sernn.analysis.statistics import compare_proportions
from sernn.experiments.maze_claims import judge_claims
from sernn.experiments.run_analysis import kept_with_analysis

__all__ = ["FUNCTIONAL_CLAIMS", "FUNCTIONAL_MEASURES", "STRUCTURE_FUNCTION", "CLUSTERED_P", "functional_section",
           "clustering_rates",
           "functional_markdown", "claim_lines", "means_table", "clustered_claim"]

#: The functional claims: (measure, direction of seRNN − L1, claim).
FUNCTIONAL_CLAIMS = (
    ("mixed_selectivity_w9", "greater",
     "seRNNs are more mixed-selective than L1 networks (correlation across units of EV goal and EV of the "
     "offered choices, last window, closer to 0)"),
    ("p_goal_w6", "less",
     "goal-coding units sit closer together in seRNNs than in L1 networks (lower P_perm of goal units, "
     "window 6: steps 30–34, delay→choice)"),
    ("energy", "less", "seRNN units are less active than L1 units (mean activity in the choice period)"),
)

#: Per-network functional measures reported (column of activity.csv -> label). Windows are 0-based
#: (window k: steps 5k to 5k + 4); "choice units" prefer the offered choices over the goal.
FUNCTIONAL_MEASURES = {
    "mixed_selectivity_w9": "mixed selectivity r (EV goal vs EV options, window 9)",
    "ev_goal_w9": "EV goal (window 9, mean over units)",
    "ev_options_w9": "EV offered options (window 9, mean over units)",
    "ev_choice_w9": "EV correct choice (window 9, mean over units)",
    "p_goal_w3": "P_perm goal units (window 3)",
    "p_goal_w6": "P_perm goal units (window 6)",
    "p_goal_w9": "P_perm goal units (window 9)",
    "p_choice_w6": "P_perm choice units (window 6)",
    "p_choice_w9": "P_perm choice units (window 9)",
    "p_top50_w6": "P_perm top-50 units by EV (window 6, unweighted)",
    "energy": "mean activity, choice period",
}

#: The per-network features of the structure-function table (Achterberg et al. 2023's correlation matrix).
STRUCTURE_FUNCTION = ("strength", "total_weight", "efficiency", "modularity", "weight_distance_corr",
                      "small_worldness", "p_goal_w6", "p_choice_w6", "ev_goal_w9", "ev_options_w9",
                      "mixed_selectivity_w9", "energy")

#: A network counts as spatially clustered when its P_perm is below this.
CLUSTERED_P = 0.05


def clustering_rates(kept: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per window and kind (goal, choice): the fraction of seRNN and of L1 networks with P_perm < 0.05,
    each with its Wilson CI, and their difference with Newcombe's CI and Fisher's test.

    Examples
    --------
    >>> import pandas as pd
    >>> kept = pd.DataFrame({"condition": ["sernn"] * 4 + ["l1"] * 4,
    ...                      "p_goal_w6": [0.01, 0.02, 0.5, 0.001, 0.3, 0.7, 0.04, 0.9]})
    >>> clustering_rates(kept)[["window", "kind", "sernn_clustered", "l1_clustered"]].to_dict("records")
    [{'window': 6, 'kind': 'goal', 'sernn_clustered': 3, 'l1_clustered': 1}]
    """
    rows = []
    sernn, l1 = kept[kept["condition"] == "sernn"], kept[kept["condition"] == "l1"]
    for column in sorted(c for c in kept.columns if c.startswith(("p_goal_w", "p_choice_w", "p_top50_w"))):
        kind, window = column[2:].rsplit("_w", 1)
        a, b = sernn[column].dropna(), l1[column].dropna()
        if a.empty and b.empty:
            continue
        k1, k2 = int((a < CLUSTERED_P).sum()), int((b < CLUSTERED_P).sum())
        result = compare_proportions(k1, len(a), k2, len(b), confidence)
        rows.append({"window": int(window), "kind": kind, "sernn_clustered": k1, "sernn_n": len(a),
                     "sernn_rate": result["rate_a"], "sernn_low": result["ci_a"][0], "sernn_high": result["ci_a"][1],
                     "l1_clustered": k2, "l1_n": len(b), "l1_rate": result["rate_b"], "l1_low": result["ci_b"][0],
                     "l1_high": result["ci_b"][1], "difference": result["difference"],
                     "ci_low": result["ci_low"], "ci_high": result["ci_high"], "fisher_p": result["fisher_p"]})
    return pd.DataFrame(rows)


def functional_section(run_dir, kept: pd.DataFrame, epoch: int, min_networks: int, n_boot: int = 10000,
                       seed: int = 0):
    """The functional part of the maze report, or None when the folder has no ``activity.csv``.

    Parameters
    ----------
    run_dir : path-like
        The folder.
    kept : pandas.DataFrame
        The networks the report keeps at ``epoch`` (one row per run: ``run_id``, ``condition``,
        ``total_weight``...).
    epoch : int
        The report's epoch; ``activity.csv`` must have been analysed there.
    min_networks, n_boot, seed :
        As for :func:`sernn.experiments.maze_claims.judge_claims`.

    Returns
    -------
    section : dict or None
        ``claims``, ``matched`` (the matched-weight table), ``measures`` (per condition, mean and CI),
        ``comparisons``, ``clustering`` (:func:`clustering_rates`), ``table`` (the merged networks),
        ``structure_function`` (per condition, seRNN and L1, the correlation matrix across networks of
        :data:`STRUCTURE_FUNCTION`, :func:`sernn.analysis.activity.structure_function_table`).
    """
    table = kept_with_analysis(run_dir, "activity", kept, epoch)
    if table is None:
        return None
    measures = [m for m in FUNCTIONAL_MEASURES if m in table.columns]
    order = ["baseline", "l1", "spatial", "sernn"]
    summary = describe_groups(table, "condition", measures, n_boot=n_boot, seed=seed, order=order)
    comparisons = compare_to(table, "condition", measures, "l1", n_boot=n_boot, seed=seed, order=order)
    claims = [c for c in FUNCTIONAL_CLAIMS if c[0] in table.columns]
    judged, matched, _ = judge_claims(comparisons, table, min_networks, n_boot=n_boot, seed=seed, claims=claims)
    medians = table.groupby("condition")["mixed_selectivity_w9"].median() if "mixed_selectivity_w9" in table else {}
    features = [c for c in STRUCTURE_FUNCTION if c in table.columns]
    correlations = pd.concat([structure_function_table(part, features).rename_axis("feature").reset_index()
                              .assign(condition=condition)
                              for condition, part in table.groupby("condition") if condition in ("sernn", "l1")],
                             ignore_index=True) if features else pd.DataFrame()
    clustering = clustering_rates(table)
    judged += [clustered_claim(clustering, condition, min_networks) for condition in ("sernn", "l1")]
    return {"claims": judged, "matched": matched, "measures": summary, "comparisons": comparisons,
            "clustering": clustering, "table": table, "structure_function": correlations,
            "median_mixed_selectivity": {str(k): float(v) for k, v in dict(medians).items()}}


def clustered_claim(clustering: pd.DataFrame, condition: str, min_networks: int) -> dict:
    """Whether goal coding is spatially clustered in a group at all (the paper: in seRNNs, not in L1 networks).

    The rate of networks with P_perm < 0.05 at window 6 is compared with the 5 % that chance gives, by its
    Wilson 95 % CI. For seRNNs the claim is that the rate exceeds 5 % (supported when the CI lies above
    0.05, contradicted when below); for L1 networks that it does not (supported when the CI lies at or
    below 0.05, contradicted when above). Otherwise: not shown.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"condition": ["sernn"] * 100 + ["l1"] * 100,
    ...                       "p_goal_w6": [0.01] * 40 + [0.5] * 60 + [0.5] * 100})
    >>> rates = clustering_rates(table)
    >>> clustered_claim(rates, "sernn", 10)["verdict"], clustered_claim(rates, "l1", 10)["verdict"]
    ('supported', 'supported')
    >>> clustered_claim(rates, "sernn", 10)["detail"]
    '40 of 100 seRNNs have P_perm < 0.05: rate 0.400 [Wilson 95 % CI 0.309, 0.498]'
    """
    absent = condition == "l1"
    name = {"sernn": "seRNNs", "l1": "L1 networks"}[condition]
    text = (f"goal coding is {'not ' * absent}spatially clustered in {name} ({'no ' if absent else ''}more networks "
            f"with P_perm < {CLUSTERED_P} at window 6 than the {CLUSTERED_P:.0%} chance gives)")
    claim = {"claim": text, "measure": "p_goal_w6", "basis": "chance rate",
             "why": f"the rate of networks with P_perm < {CLUSTERED_P} against {CLUSTERED_P}"}
    row = clustering if clustering.empty else clustering[(clustering["kind"] == "goal") & (clustering["window"] == 6)]
    if row.empty or int(row.iloc[0][f"{condition}_n"]) < min_networks:
        n = 0 if row.empty else int(row.iloc[0][f"{condition}_n"])
        return {**claim, "verdict": "cannot test", "detail": f"{n} {name} with goal units at window 6"}
    r = row.iloc[0]
    k, n = int(r[f"{condition}_clustered"]), int(r[f"{condition}_n"])
    low, high = float(r[f"{condition}_low"]), float(r[f"{condition}_high"])
    if absent:
        verdict = "supported" if high <= CLUSTERED_P else "contradicted" if low > CLUSTERED_P else "not shown"
    else:
        verdict = "supported" if low > CLUSTERED_P else "contradicted" if high < CLUSTERED_P else "not shown"
    return {**claim, "verdict": verdict, "difference": k / n - CLUSTERED_P,
            "ci": [low - CLUSTERED_P, high - CLUSTERED_P],
            "detail": f"{k} of {n} {name} have P_perm < {CLUSTERED_P}: rate {k / n:.3f} [Wilson 95 % CI {low:.3f}, "
                      f"{high:.3f}]"}


def _fmt(value, digits=3):
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def claim_lines(claims, sentences: dict) -> list:
    """One report.md line per judged claim: the claim, its verdict in words, its basis and estimates."""
    lines = []
    for claim in claims:
        basis = f" (verdict at {claim['basis']}: {claim['why']})" if claim.get("why") else ""
        lines.append(f"- **{claim['claim']}**: {sentences[claim['verdict']]}{basis}; {claim['detail']}.")
    return lines


def functional_markdown(section: dict, sentences: dict) -> list:
    """The report.md lines of a :func:`functional_section`."""
    lines = ["", "## Functional claims (what the units compute)", "",
             "From `activity.csv` (`sernn analyze RUN_DIR --activity`): hidden states of each kept network on "
             "the probe trials, explained variance (EV) by lasso per unit and window, spatial clustering "
             "P_perm, mean activity. Verdicts rest on the same comparisons as the structural claims.", ""]
    lines += claim_lines(section["claims"], sentences)
    medians = section.get("median_mixed_selectivity") or {}
    if medians:
        lines += ["", "Median mixed-selectivity r: " + ", ".join(f"{k} {_fmt(v)}" for k, v in medians.items())
                  + " (Achterberg et al. 2023: seRNN −0.057, L1 −0.303)."]
    clustering = section["clustering"]
    if not clustering.empty:
        lines += ["", f"Networks whose coding is spatially clustered (P_perm < {CLUSTERED_P}; 5 % expected without "
                      "spatial structure), rate [Wilson 95 % CI]:", "",
                  "| units | window | seRNN | L1 | difference [95 % CI] | Fisher p |", "|---|---|---|---|---|---|"]
        for r in clustering.itertuples():
            lines.append(f"| {r.kind} | {r.window} | {r.sernn_clustered}/{r.sernn_n} ({r.sernn_rate:.2f} "
                         f"[{r.sernn_low:.2f}, {r.sernn_high:.2f}]) | {r.l1_clustered}/{r.l1_n} ({r.l1_rate:.2f} "
                         f"[{r.l1_low:.2f}, {r.l1_high:.2f}]) | {_fmt(r.difference)} [{_fmt(r.ci_low)}, "
                         f"{_fmt(r.ci_high)}] | {_fmt(r.fisher_p, 2)} |")
    if not section["measures"].empty:
        lines += [""] + means_table(section["measures"], FUNCTIONAL_MEASURES, "functional measure")
    return lines


def means_table(summary: pd.DataFrame, labels: dict, header: str = "measure") -> list:
    """Markdown rows of a :func:`~sernn.analysis.findings.describe_groups` table: one row per measure,
    one column per condition, each cell ``mean [95 % CI] (n=...)``.

    >>> import pandas as pd
    >>> summary = pd.DataFrame({"condition": ["l1"], "measure": ["energy"], "mean": [0.5], "ci_low": [0.4],
    ...                         "ci_high": [0.6], "n": [12]})
    >>> means_table(summary, {"energy": "mean activity"})[-1]
    '| mean activity | 0.5 [0.4, 0.6] (n=12) |'
    """
    conditions = list(dict.fromkeys(summary["condition"]))
    lines = ["| " + header + " | " + " | ".join(conditions) + " |", "|---" * (len(conditions) + 1) + "|"]
    for measure in dict.fromkeys(summary["measure"]):
        cells = []
        for condition in conditions:
            r = summary[(summary["condition"] == condition) & (summary["measure"] == measure)].iloc[0]
            cells.append(f"{_fmt(r['mean'], 4)} [{_fmt(r['ci_low'], 4)}, {_fmt(r['ci_high'], 4)}] (n={r['n']})")
        lines.append(f"| {labels[measure]} | " + " | ".join(cells) + " |")
    return lines
