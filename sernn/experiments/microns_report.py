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

Claims are judged on ``val_auc`` (or the structure measure they name) with every
task pooled (pairs = task x seed), and need at least ``min_pairs`` pairs. A claim
about a variant the folder does not hold (e.g. ``W*`` without functional traces)
says "cannot test". A structural claim between variants whose median total
weights differ more than :data:`WEIGHT_FOLD`-fold says "not comparable": the
trained networks' structure follows their total weight on its own (at a strong
distance penalty only the free self-connections survive, for instance).

With ``structure=True`` (the default) the final kernels are measured
(:mod:`sernn.experiments.microns_structure`), reported per variant, and the
study's maze numbers are set beside this folder's medians in ``published.csv``.
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
#: absence claim, text[, measure]). The first pair the folder holds is judged, on ``val_auc`` unless a
#: measure is named (structure measures come from :mod:`sernn.experiments.microns_structure`).
CLAIMS = (
    ((("W*", "W"), ("W*+D*+C", "Wlog+D*+C")), "greater", False,
     "function-derived initialisation (W*) learns better than the orthogonal baseline (W), else than the "
     "log-normal init scaled the same way (Wlog, with D*+C); published: the largest gain"),
    ((("W+D*", "W+D"), ("D*", "D")), "greater", False,
     "real soma distances (D*) learn better than grid distances (D); published: a robust gain"),
    ((("W+D*+C*", "W"),), "greater", False,
     "distance plus communicability matching (W+D*+C*) learns better than the baseline (W); published: "
     "constrained models outperform baseline"),
    ((("W*+P", "W*"), ("S+M+P", "S+M"), ("W*+D*+C+P", "W*+D*+C")), "less", True,
     "a biologically initialised network restricted to positive weights (W*+P, S+M+P or W*+D*+C+P) does not "
     "learn worse than without the restriction; published: strong performance retained"),
    ((("W*+D*+C", "L1"),), "greater", False,
     "the function-initialised spatial network (W*+D*+C) learns better than the study's baseline (orthogonal "
     "init with L1, its \"W\"); Neuromatch report: +37 % accuracy"),
    ((("W*+D*+C", "W!+D*+C"),), "greater", True,
     "the functional initialisation (W*) is no better than its permuted control (W!); published: W* and W! "
     "not different"),
    ((("D*+C", "D*"),), "greater", False,
     "the communicability term makes networks more modular (D*+C against D*, seRNN paper's recipe)",
     "modularity"),
)

#: The study's task-1 (maze) numbers from its published notebook, per sernn variant: (measure, value).
PUBLISHED_NUMBERS = (
    ("L1", "median final accuracy", "final_val_accuracy", 0.62),
    ("W*+D*+C", "median final accuracy", "final_val_accuracy", 1.0),
    ("W!+D*+C", "median final accuracy", "final_val_accuracy", 1.0),
    ("L1", "median KDE entropy (bits, 100 points)", "kde_entropy_100", 5.62),
    ("W*+D*+C", "median KDE entropy (bits, 100 points)", "kde_entropy_100", 1.35),
    ("D*+C", "median greedy Q (top 10 %)", "modularity_greedy", 0.485),
    ("W*+D*+C", "median greedy Q (top 10 %)", "modularity_greedy", 0.485),
    ("D*+C", "median sigma (fixed null)", "small_worldness_fixed_null", 2.2),
    ("W*+D*+C", "median sigma (fixed null)", "small_worldness_fixed_null", 2.2),
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
    from sernn.experiments.microns_structure import STRUCTURE_COLUMNS

    measures = ["final_val_accuracy", "val_auc", "test_accuracy"] + [c for c in STRUCTURE_COLUMNS if c in runs]
    rows = []
    for (task, variant), part in runs.groupby(["task", "variant"], sort=False):
        row = {"task": task, "variant": variant, "runs": int(len(part))}
        for column in measures:
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


#: A structural comparison between variants whose median total weights differ more than this many-fold
#: gets no verdict: weighted modularity and the binarised graph follow total weight on their own.
WEIGHT_FOLD = 2.0


def _weight_confound(runs, pair, verdict, detail):
    """("not comparable", detail) when the pair's median total weights differ more than :data:`WEIGHT_FOLD`-fold."""
    weights = [runs.loc[runs["variant"] == v, "total_weight"].median() for v in pair]
    if not all(np.isfinite(weights)) or min(weights) <= 0:
        return verdict, detail
    fold = max(weights) / min(weights)
    if fold <= WEIGHT_FOLD:
        return verdict, detail + f"; median total weight {weights[0]:.3g} vs {weights[1]:.3g}"
    return "not comparable", (f"{detail}; but the median total weights differ {fold:.0f}-fold ({weights[0]:.3g} vs "
                              f"{weights[1]:.3g}), and structure follows total weight on its own")


def _median_ci(values, n_boot, seed):
    """95 % percentile bootstrap interval of the median."""
    if values.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    medians = np.median(values[rng.integers(0, values.size, size=(n_boot, values.size))], axis=1)
    return float(np.quantile(medians, 0.025)), float(np.quantile(medians, 0.975))


def _published_numbers(runs, n_boot, seed):
    """The study's maze numbers beside this folder's medians (with bootstrap CIs of the median)."""
    rows = []
    maze = runs[runs["task"] == "maze"]
    for variant, label, column, value in PUBLISHED_NUMBERS:
        part = maze[maze["variant"] == variant]
        if part.empty or column not in part:
            continue
        low, high = _median_ci(part[column].dropna().to_numpy(), n_boot, seed)
        rows.append({"variant": variant, "measure": label, "runs": int(part[column].notna().sum()),
                     "median": float(part[column].median()), "ci_low": low, "ci_high": high, "published": value})
    baseline, bio = (maze.loc[maze["variant"] == v, "final_val_accuracy"] for v in ("L1", "W*+D*+C"))
    if len(baseline) and len(bio):
        rows.append({"variant": "W*+D*+C vs L1", "measure": "median accuracy gain (ratio - 1)",
                     "runs": int(min(len(baseline), len(bio))), "median": float(bio.median() / baseline.median() - 1),
                     "ci_low": np.nan, "ci_high": np.nan, "published": 0.37})
    return pd.DataFrame(rows)


def microns_report(run_dir, n_boot=10000, seed=0, min_pairs=10, reference="W", command=None,
                   structure: bool = True, n_nulls: int = 100, log=print) -> dict:
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
        The variant every other variant is compared with in ``paired.csv`` (the claims name their own;
        a folder without W runs is compared with its first variant).
    structure : bool, default=True
        Measure the final kernels (:func:`~sernn.experiments.microns_structure.structure_table`, cached in
        ``OUT/structure.csv``) and report them per variant, in the claims and beside the study's numbers.
    n_nulls : int, default=100
        Null graphs of the small-worldness measures.
    log : callable, default=print
    """
    store = RunStore.open(run_dir, "microns")
    metrics = store.metrics()
    if metrics.empty:
        raise ValueError(f"{str(run_dir)!r} has no finished runs to report on")
    runs = _runs(store, metrics)
    if structure:
        from sernn.experiments.microns_structure import structure_table

        table = structure_table(run_dir, n_nulls=n_nulls, seed=seed, log=log)
        structure = not table.empty
        if structure:
            runs = runs.merge(table, on="run_id", how="left")
    if reference not in set(runs["variant"]):
        reference = runs["variant"].iloc[0]
    variants = _variant_table(runs, n_boot, seed)
    pairs = []
    for variant in dict.fromkeys(runs["variant"]):
        if variant != reference:
            pairs.extend(_paired(runs, variant, reference, n_boot, seed))
    claims = []
    present = set(runs["variant"])
    for pairs_tried, direction, absence, text, *measure in CLAIMS:
        measure = measure[0] if measure else "val_auc"
        chosen = next(((v, a) for v, a in pairs_tried if v in present and a in present), None)
        if measure not in runs:
            chosen = None
        rows = [] if chosen is None else [r for r in _paired(runs, *chosen, n_boot, seed, measure=measure)
                                          if r["task"] == "all"]
        if not rows:
            missing = sorted({v for pair in pairs_tried for v in pair} - present)
            claims.append({"claim": text, "verdict": "cannot test",
                           "detail": f"the folder has no {' or '.join(missing)} runs" if missing
                           else "no pairs on the same seeds"})
            continue
        verdict, detail = paired_verdict(rows[0], direction, min_pairs, absence=absence)
        if measure != "val_auc" and verdict != "cannot test":
            verdict, detail = _weight_confound(runs, chosen, verdict, detail)
        claims.append({"claim": text, "verdict": verdict, "detail": f"{chosen[0]} - {chosen[1]} ({measure}): {detail}"})
    paired = pd.DataFrame(pairs)
    report = {"folder": str(store.path), "made": time.strftime("%Y-%m-%d %H:%M"),
              "command": command or f"microns_report({str(run_dir)!r})", "n_boot": int(n_boot), "seed": int(seed),
              "runs": int(len(runs)), "variants_present": list(dict.fromkeys(runs["variant"])), "claims": claims}
    tables = {"variants.csv": ("Variants", variants), "paired.csv": ("Paired comparisons (same seeds)", paired)}
    published = _published_numbers(runs, n_boot, seed) if structure else pd.DataFrame()
    if not published.empty:
        tables["published.csv"] = ("The study's maze numbers beside this folder's medians", published)
    write_report(run_dir, report,
                 f"95 % bootstrap CIs ({report['n_boot']} resamples, seed {report['seed']}); claims on "
                 "val_auc unless another measure is named, tasks pooled, pairs = task x seed.",
                 tables, ["task", "variant"], n_boot=n_boot, seed=seed)
    return report
