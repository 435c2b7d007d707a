"""The dynamics part of the maze report: fixed-point structure and dimensionality compared between conditions.

:func:`dynamics_section` merges ``dynamics.csv`` (``sernn analyze RUN_DIR --dynamics``) with the networks
the structural report keeps (validation accuracy >= the report's threshold at its epoch, so the groups are
compared at matched accuracy) and gives, per condition, each measure's mean with a bootstrap 95 % CI and
every condition's difference from the L1 networks with its CI, Hedges' g and tests
(:func:`sernn.analysis.findings.compare_to`). Counts of fixed points are also compared as medians.

The seRNN paper makes no claim about dynamics, so :data:`DYNAMICS_QUESTIONS` are asked as open questions
("do seRNNs have more ...?"), judged exactly as the structural claims
(:func:`sernn.experiments.maze_claims.judge_claims`): at matched total weight when the groups' total weights
differ, since seRNNs are much heavier than the L1 networks they are compared with, else at matched accuracy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sernn.analysis.findings import compare_to, describe_groups
from sernn.experiments.maze_claims import judge_claims
from sernn.experiments.maze_function import claim_lines, means_table
from sernn.experiments.run_analysis import kept_with_analysis

__all__ = ["DYNAMICS_MEASURES", "DYNAMICS_QUESTIONS", "dynamics_section", "dynamics_markdown"]

#: Per-network dynamics measures reported (column of dynamics.csv -> label).
DYNAMICS_MEASURES = {
    "n_stable": "stable fixed points at the delay input",
    "n_unstable": "unstable fixed points at the delay input",
    "n_slow": "slow points (not fixed) at the delay input",
    "slowest_time_constant": "slowest stable mode's time constant (steps)",
    "dimensionality": "dimensionality (participation ratio, all steps)",
    "delay_dimensionality": "dimensionality (participation ratio, delay steps)",
}


#: Open questions about dynamics, judged like the paper's claims: (measure, direction of seRNN − L1, question).
DYNAMICS_QUESTIONS = (
    ("n_stable", "greater", "seRNNs have more stable fixed points at the delay input than L1 networks"),
    ("n_slow", "greater", "seRNNs have more slow points at the delay input than L1 networks"),
    ("dimensionality", "greater", "seRNN trajectories are higher-dimensional than L1 networks' (participation "
                                  "ratio, all steps)"),
)


def dynamics_section(run_dir, kept: pd.DataFrame, epoch: int, n_boot: int = 10000, seed: int = 0,
                     min_networks: int = 10):
    """The dynamics part of the maze report, or None when the folder has no ``dynamics.csv``.

    Returns ``{"measures", "comparisons", "medians", "questions", "matched", "table"}``:
    :func:`describe_groups` and :func:`compare_to` (against L1) of :data:`DYNAMICS_MEASURES` over the kept
    networks, the medians of the counts per condition, the judged :data:`DYNAMICS_QUESTIONS` and their
    matched-weight table, and the merged table.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"run_id": list("abcd"), "epoch": 9, "n_stable": [4, 4, 2, 1],
    ...               "dimensionality": [3.0, 3.5, 5.0, 6.0]}).to_csv(folder / "dynamics.csv", index=False)
    >>> kept = pd.DataFrame({"run_id": list("abcd"), "condition": ["sernn", "sernn", "l1", "l1"]})
    >>> section = dynamics_section(folder, kept, epoch=9, n_boot=200)     # no total_weight: no questions judged
    >>> row = section["comparisons"].query("measure == 'n_stable'").iloc[0]
    >>> row["condition"], float(row["difference"])
    ('sernn', 2.5)
    """
    table = kept_with_analysis(run_dir, "dynamics", kept, epoch)
    if table is None:
        return None
    measures = [m for m in DYNAMICS_MEASURES if m in table.columns]
    order = ["baseline", "l1", "spatial", "sernn"]
    summary = describe_groups(table, "condition", measures, n_boot=n_boot, seed=seed, order=order)
    comparisons = compare_to(table, "condition", measures, "l1", n_boot=n_boot, seed=seed, order=order)
    counts = [m for m in ("n_stable", "n_unstable", "n_slow") if m in table.columns]
    medians = table.groupby("condition")[counts].median() if counts else pd.DataFrame()
    questions, matched = [], pd.DataFrame()
    asked = [q for q in DYNAMICS_QUESTIONS if q[0] in table.columns]
    if asked and "total_weight" in table.columns and {"sernn", "l1"} <= set(table["condition"]):
        questions, matched, _ = judge_claims(comparisons, table, min_networks, n_boot=n_boot, seed=seed,
                                             claims=asked)
    return {"measures": summary, "comparisons": comparisons, "medians": medians, "questions": questions,
            "matched": matched, "table": table}


def _fmt(value, digits=3):
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def dynamics_markdown(section: dict, sentences: dict) -> list:
    """The report.md lines of a :func:`dynamics_section` (``sentences``: a verdict in words)."""
    lines = ["", "## Dynamics (fixed points and dimensionality)", "",
             "From `dynamics.csv` (`sernn analyze RUN_DIR --dynamics`): each kept network's fixed and slow points "
             "at the delay input (zero), found from states on its own trajectories, and the participation ratio "
             "of its trajectories. Open questions (the paper makes no claim about dynamics), judged as the "
             "structural claims:", ""]
    lines += claim_lines(section["questions"], sentences)
    lines += ["", "All kept networks (matched accuracy; the groups' total weights may differ):", ""]
    comparisons = section["comparisons"]
    if not comparisons.empty:
        lines += ["| measure | condition − L1 [95 % CI] | Hedges' g | Mann–Whitney p |", "|---|---|---|---|"]
        for r in comparisons.itertuples():
            lines.append(f"| {DYNAMICS_MEASURES[r.measure]} ({r.condition}) | {_fmt(r.difference)} "
                         f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}] | {_fmt(r.hedges_g)} | {_fmt(r.mannwhitney_p, 2)} |")
    medians = section["medians"]
    if not medians.empty:
        lines += ["", "Median counts: " + "; ".join(
            f"{condition}: " + ", ".join(f"{column.removeprefix('n_')} {_fmt(value)}" for column, value in row.items())
            for condition, row in medians.iterrows()) + "."]
    if not section["measures"].empty:
        lines += [""] + means_table(section["measures"], DYNAMICS_MEASURES, "dynamics measure")
    return lines
