"""``sernn report`` for MICrONS folders: the variants compared on the same seeds, with confidence intervals.

After ``sernn microns``, :func:`microns_report` reads the folder's ``metrics.csv``
and run records and writes ``RUN_DIR/report/``:

``report.md``, ``report.json``
    per task and variant: the number of runs, the mean final validation
    accuracy, the mean learning-curve area (``val_auc``: validation accuracy
    averaged over the epochs, the study's "learns more effectively") and the
    mean test accuracy, each with its 95 % bootstrap CI, and the fraction of
    runs on the no-memory plateau (Wilson CI); the **paired** comparisons the
    design allows (every variant of a seed sees the same trials); and one line
    per claim of the MICrONS inductive-bias study with the verdict this folder
    supports.
``variants.csv``, ``paired.csv``
    the two tables.

Claims are judged on ``val_auc`` with every task pooled (pairs = task x seed),
and need at least ``min_pairs`` pairs. A claim about a variant the folder does
not hold (e.g. ``W*`` without functional traces) says "cannot test".
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sernn.analysis.findings import paired_verdict
from sernn.analysis.statistics import bootstrap_ci, compare_paired, wilson_interval
from sernn.experiments.microns import PLATEAUS
from sernn.experiments.report_parts import write_report
from sernn.runfolder import RunStore

__all__ = ["microns_report", "CLAIMS"]

#: The study's claims: (pairs of (variant, reference) tried in order, claimed sign of variant - reference,
#: absence claim, text). The first pair the folder holds is judged.
CLAIMS = (
    ((("W*", "W"),), "greater", False,
     "function-derived initialisation (W*) learns better than the orthogonal baseline (W); published: the "
     "largest gain"),
    ((("W+D*", "W+D"),), "greater", False,
     "real soma distances (W+D*) learn better than grid distances (W+D); published: a robust gain"),
    ((("W+D*+C*", "W"),), "greater", False,
     "distance plus communicability matching (W+D*+C*) learns better than the baseline (W); published: "
     "constrained models outperform baseline"),
    ((("W*+P", "W*"), ("S+M+P", "S+M")), "less", True,
     "a biologically initialised network restricted to positive weights (W*+P, else S+M+P) does not learn "
     "worse than without the restriction (W*, else S+M); published: strong performance retained"),
)


def _runs(store: RunStore, metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per run: task, variant, seed, final validation accuracy, val_auc, test accuracy, plateau."""
    tests = {r["run_id"]: r.get("info", {}).get("test_accuracy", np.nan) for r in store.done_runs()}
    rows = []
    for run_id, part in metrics.sort_values("epoch").groupby("run_id", sort=False):
        task = part["task"].iloc[0]
        final = float(part["val_accuracy"].iloc[-1])
        rows.append({"run_id": run_id, "task": task, "variant": part["variant"].iloc[0],
                     "seed": int(part["seed"].iloc[0]), "final_val_accuracy": final,
                     "val_auc": float(part["val_accuracy"].mean()), "test_accuracy": tests.get(run_id, np.nan),
                     "plateau": final <= PLATEAUS[task][1]})
    return pd.DataFrame(rows)


def _variant_table(runs, n_boot, seed):
    rows = []
    for (task, variant), part in runs.groupby(["task", "variant"], sort=False):
        row = {"task": task, "variant": variant, "runs": int(len(part))}
        for column in ("final_val_accuracy", "val_auc", "test_accuracy"):
            row[column] = float(part[column].mean())
            row[f"{column}_ci_low"], row[f"{column}_ci_high"] = bootstrap_ci(part[column], n_boot=n_boot, seed=seed)
        row["frac_plateau"] = float(part["plateau"].mean())
        row["plateau_ci_low"], row["plateau_ci_high"] = wilson_interval(int(part["plateau"].sum()), len(part))
        rows.append(row)
    return pd.DataFrame(rows)


def _paired(runs, variant, reference, n_boot, seed, measure="val_auc"):
    """Per task and pooled over tasks: variant - reference on the same seeds."""
    rows, pooled = [], ([], [])
    for task, part in runs.groupby("task", sort=False):
        wide = part.pivot_table(index="seed", columns="variant", values=measure, aggfunc="first")
        if variant not in wide or reference not in wide:
            continue
        both = wide[[variant, reference]].dropna()
        c = compare_paired(both[variant], both[reference], n_boot=n_boot, seed=seed)
        rows.append({"task": task, "variant": variant, "against": reference, "measure": measure,
                     "pairs": c["n"], "difference": c["difference"], "ci_low": c["ci_low"],
                     "ci_high": c["ci_high"], "p": c["wilcoxon_p"]})
        pooled[0].extend(both[variant])
        pooled[1].extend(both[reference])
    if pooled[0]:
        c = compare_paired(pooled[0], pooled[1], n_boot=n_boot, seed=seed)
        rows.append({"task": "all", "variant": variant, "against": reference, "measure": measure,
                     "pairs": c["n"], "difference": c["difference"], "ci_low": c["ci_low"],
                     "ci_high": c["ci_high"], "p": c["wilcoxon_p"]})
    return rows


def microns_report(run_dir, n_boot=10000, seed=0, min_pairs=10, reference="W", command=None) -> dict:
    """Write ``RUN_DIR/report/`` for a ``sernn microns`` folder and return the report as a dict.

    Parameters
    ----------
    run_dir : path-like
        A folder made by ``sernn microns``.
    n_boot, seed : int
        Bootstrap resamples and their seed.
    min_pairs : int, default=10
        Pairs (task x seed) a claim needs for a verdict.
    reference : str, default="W"
        The variant every other variant is compared with in ``paired.csv`` (the claims name their own).
    """
    store = RunStore.open(run_dir, "microns")
    metrics = store.metrics()
    if metrics.empty:
        raise ValueError(f"{str(run_dir)!r} has no finished runs to report on")
    runs = _runs(store, metrics)
    variants = _variant_table(runs, n_boot, seed)
    pairs = []
    for variant in dict.fromkeys(runs["variant"]):
        if variant != reference:
            pairs.extend(_paired(runs, variant, reference, n_boot, seed))
    claims = []
    present = set(runs["variant"])
    for pairs_tried, direction, absence, text in CLAIMS:
        chosen = next(((v, a) for v, a in pairs_tried if v in present and a in present), None)
        rows = [] if chosen is None else [r for r in _paired(runs, *chosen, n_boot, seed) if r["task"] == "all"]
        if not rows:
            missing = sorted({v for pair in pairs_tried for v in pair} - present)
            claims.append({"claim": text, "verdict": "cannot test",
                           "detail": f"the folder has no {' or '.join(missing)} runs" if missing
                           else "no pairs on the same seeds"})
            continue
        verdict, detail = paired_verdict(rows[0], direction, min_pairs, absence=absence)
        claims.append({"claim": text, "verdict": verdict, "detail": f"{chosen[0]} - {chosen[1]}: {detail}"})
    paired = pd.DataFrame(pairs)
    report = {"folder": str(store.path), "made": time.strftime("%Y-%m-%d %H:%M"),
              "command": command or f"microns_report({str(run_dir)!r})", "n_boot": int(n_boot), "seed": int(seed),
              "runs": int(len(runs)), "variants_present": list(dict.fromkeys(runs["variant"])), "claims": claims}
    write_report(run_dir, report,
                 f"95 % bootstrap CIs ({report['n_boot']} resamples, seed {report['seed']}); claims on "
                 "val_auc, tasks pooled, pairs = task x seed.",
                 {"variants.csv": ("Variants", variants), "paired.csv": ("Paired comparisons (same seeds)", paired)}, ["task", "variant"], n_boot=n_boot, seed=seed)
    return report
