"""``sernn report`` for memory folders: the connectome study's comparisons with confidence intervals.

After ``sernn memory``, :func:`memory_report` reads the folder's ``metrics.csv``
and writes ``RUN_DIR/report/``:

``report.md``, ``report.json``
    per task cell (species, task, setting, optimizer, activation, learning rate)
    and strategy: the number of runs, the mean minimum test loss and the mean
    epoch of that minimum, each with its 95 % bootstrap CI (and, for n-back, the
    best test accuracy); the **paired** comparisons the design allows: every
    strategy against its randomised control, and ``b_w_eq`` against the other
    two strategies, on the same seeds (one seed builds every strategy's
    network and draws the trials, so the pairs share their data); and one line
    per published claim of Goulas, Damicelli & Hilgetag (Neural Networks 2021) with the verdict
    this folder supports.
``strategies.csv``, ``paired.csv``
    the two tables.

Losses are compared on a log scale: a paired difference is the mean of
``log10(loss_a) - log10(loss_b)`` over seeds (10 to its power is the ratio of
geometric means), because minimum test losses of one cell span orders of
magnitude and a plain mean would be the largest loss's. A claim gets a verdict
only when at least ``min_pairs`` pairs support it.

The report is built in a temporary folder and swapped in whole.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sernn.analysis.findings import paired_verdict
from sernn.analysis.statistics import bootstrap_ci, compare_paired
from sernn.connectomes.strategies import STRATEGIES
from sernn.experiments.memory import summarize
from sernn.experiments.report_parts import write_report
from sernn.runfolder import RunStore

__all__ = ["memory_report", "CELL"]

#: The columns that make a task cell (everything but strategy and seed).
CELL = ["species", "task", "setting", "optimizer", "activation", "learning_rate"]


def _fmt(value, digits=4):
    return "nan" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def _strategy_table(summary, n_boot, seed):
    rows = []
    for key, part in summary.groupby(CELL + ["strategy"], sort=False):
        row = dict(zip(CELL + ["strategy"], key))
        losses = np.log10(part["min_test_loss"].to_numpy(dtype=float))
        row["runs"] = int(len(part))
        row["min_test_loss_geomean"] = float(10 ** np.nanmean(losses))
        low, high = bootstrap_ci(losses, n_boot=n_boot, seed=seed)
        row["min_test_loss_ci_low"], row["min_test_loss_ci_high"] = 10 ** low, 10 ** high
        row["epoch_of_min"] = float(part["epoch_of_min"].mean())
        row["epoch_ci_low"], row["epoch_ci_high"] = bootstrap_ci(part["epoch_of_min"], n_boot=n_boot, seed=seed)
        if "max_test_accuracy" in part and part["max_test_accuracy"].notna().any():
            row["max_test_accuracy"] = float(part["max_test_accuracy"].mean())
            row["accuracy_ci_low"], row["accuracy_ci_high"] = bootstrap_ci(part["max_test_accuracy"],
                                                                           n_boot=n_boot, seed=seed)
        rows.append(row)
    return pd.DataFrame(rows)


def _pairs(summary, a, b):
    """Per cell, the runs of strategies a and b on the same seeds: (cell key, log10 losses a, b)."""
    for key, part in summary.groupby(CELL, sort=False):
        wide = part.pivot_table(index="seed", columns="strategy", values="min_test_loss", aggfunc="first")
        if a in wide and b in wide:
            both = wide[[a, b]].dropna()
            yield key, np.log10(both[a].to_numpy(float)), np.log10(both[b].to_numpy(float))


def _paired_table(summary, comparisons, n_boot, seed):
    rows = []
    for a, b in comparisons:
        pooled_a, pooled_b = [], []
        for key, la, lb in _pairs(summary, a, b):
            c = compare_paired(la, lb, n_boot=n_boot, seed=seed)
            rows.append({**dict(zip(CELL, key)), "strategy": a, "against": b, "pairs": c["n"],
                         "log10_ratio": c["difference"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
                         "ratio": 10 ** c["difference"] if np.isfinite(c["difference"]) else np.nan,
                         "wilcoxon_p": c["wilcoxon_p"]})
            pooled_a.extend(la)
            pooled_b.extend(lb)
        if pooled_a:  # every cell together: pairs are (cell, seed)
            c = compare_paired(pooled_a, pooled_b, n_boot=n_boot, seed=seed)
            rows.append({**{k: "all" for k in CELL}, "strategy": a, "against": b, "pairs": c["n"],
                         "log10_ratio": c["difference"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
                         "ratio": 10 ** c["difference"] if np.isfinite(c["difference"]) else np.nan,
                         "wilcoxon_p": c["wilcoxon_p"]})
    return pd.DataFrame(rows)


def _claims(paired, min_pairs):
    """The published claims, judged on every cell pooled (pairs = cell x seed)."""
    pooled = paired[paired["species"] == "all"] if not paired.empty else paired
    claims = []

    def row(a, b):
        match = pooled[(pooled["strategy"] == a) & (pooled["against"] == b)]
        return None if match.empty else match.iloc[0]

    for strategy in ("b_w_no", "b_w_eq", "b_w_div"):
        r = row(strategy, "r_" + strategy)
        text = f"{strategy} does not beat its randomised control r_{strategy} (published: no strategy did)"
        claims.append(_claim(text, r, "less", min_pairs, published_sign="not"))
    for other in ("b_w_no", "b_w_div"):
        r = row("b_w_eq", other)
        claims.append(_claim(f"b_w_eq has a higher minimum test loss than {other} (published: b_w_eq was the "
                             "worst strategy)", r, "greater", min_pairs))
    return claims


def _claim(text, r, direction, min_pairs, published_sign=None):
    if r is None:
        return {"claim": text, "verdict": "cannot test", "detail": "the folder has no such pairs"}
    comparison = {"pairs": r["pairs"], "difference": r["log10_ratio"], "ci_low": r["ci_low"],
                  "ci_high": r["ci_high"], "p": r["wilcoxon_p"]}
    verdict, detail = paired_verdict(comparison, direction, min_pairs, absence=published_sign == "not")
    detail = detail.replace("difference", "log10 ratio", 1) + f" (ratio of geometric means {_fmt(r['ratio'], 3)})"
    return {"claim": text, "verdict": verdict, "detail": detail}


def memory_report(run_dir, n_boot=10000, seed=0, min_pairs=10, command=None) -> dict:
    """Write ``RUN_DIR/report/`` for a ``sernn memory`` folder and return the report as a dict.

    Parameters
    ----------
    run_dir : path-like
        A folder made by ``sernn memory``.
    n_boot : int, default=10000
        Bootstrap resamples.
    seed : int, default=0
        Seed of the bootstrap.
    min_pairs : int, default=10
        Pairs (cell x seed) a claim needs for a verdict. With 5 pairs (one cell of the paper's 5
        runs) a percentile bootstrap interval is too narrow to judge by and the exact Wilcoxon test
        cannot go below p = 0.0625; the paper's whole grid pools many cells.
    command : str, optional
        The command line, recorded in the report.
    """
    store = RunStore.open(run_dir, "memory")
    metrics = store.metrics()
    if metrics.empty:
        raise ValueError(f"{str(run_dir)!r} has no finished runs to report on")
    summary = summarize(metrics)
    strategies = _strategy_table(summary, n_boot, seed)
    comparisons = [(s, "r_" + s) for s in ("b_w_no", "b_w_eq", "b_w_div")] + \
        [("b_w_eq", "b_w_no"), ("b_w_eq", "b_w_div")]
    present = set(summary["strategy"])
    comparisons = [(a, b) for a, b in comparisons if a in present and b in present]
    paired = _paired_table(summary, comparisons, n_boot, seed)
    report = {"folder": str(store.path), "made": time.strftime("%Y-%m-%d %H:%M"),
              "command": command or f"memory_report({str(run_dir)!r})", "n_boot": int(n_boot), "seed": int(seed),
              "runs": int(len(summary)), "strategies_present": [s for s in STRATEGIES if s in present],
              "claims": _claims(paired, min_pairs)}
    write_report(run_dir, report,
                 "Minimum test loss per run (the study's measure), compared on a log scale; "
                 f"95 % bootstrap CIs ({report['n_boot']} resamples, seed {report['seed']}).",
                 {"strategies.csv": ("Strategies", strategies), "paired.csv": ("Paired comparisons (same seeds)", paired)}, CELL + ["strategy"], n_boot=n_boot, seed=seed)
    return report
