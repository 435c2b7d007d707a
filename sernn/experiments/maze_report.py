"""``sernn report`` for maze folders: the seRNN paper's comparisons with confidence intervals.

After ``sernn maze`` and ``sernn analyze``, :func:`maze_report` reads the
folder's ``topology.csv`` and ``metrics.csv`` and writes ``RUN_DIR/report/``:

``report.md``, ``report.json``
    per condition, among the networks whose validation accuracy at the report
    epoch (default 9, the paper's) is at least ``min_accuracy`` (default 0.9,
    the paper's filter): ``n``, the mean and its 95 % bootstrap CI of
    modularity Q, small-worldness σ, the weight–distance correlation, the total
    weight and the two published entropies; every condition against L1 and
    against the baseline (difference of means with a bootstrap CI, Hedges' g,
    Welch's t-test, Mann–Whitney U: unpaired); learning outcomes per condition
    and strength bin with Wilson CIs; and one line per headline claim of the
    paper with the verdict this folder supports.
``*.png``
    each measure against strength (bins, mean with CI band), each measure over
    epochs (the filter applied at every epoch), and validation accuracy over
    epochs.

The report is built in a temporary folder and swapped in whole, so a failed
report never leaves a half-written one.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sernn.analysis.findings import (
    binned_band,
    compare_to,
    describe_groups,
    strength_bins,
)
from sernn.analysis.learning import OUTCOMES, learning_outcomes, learning_table
from sernn.atomic import atomic_write_csv, atomic_write_text, replaced_folder
from sernn.experiments.maze import CONDITIONS, PLATEAU
from sernn.experiments.maze_claims import CLAIMS, judge_claims
from sernn.experiments.maze_dynamics_report import dynamics_markdown, dynamics_section
from sernn.experiments.maze_function import (claim_lines, functional_markdown, functional_section,
                                          means_table)
from sernn.readers import read_csv
from sernn.runfolder import RunStore
from sernn.validation import check_integer, check_real

__all__ = ["maze_report", "MEASURES", "CLAIMS"]

#: Measures of the report: column of topology.csv -> label.
MEASURES = {
    "modularity": "modularity Q",
    "small_worldness": "small-worldness σ",
    "weight_distance_corr": "weight–distance correlation r",
    "total_weight": "total weight Σ|W|",
    "row_entropy": "row entropy (bits)",
    "kde_entropy": "KDE entropy (bits)",
    "modularity_directed": "directed modularity Q_dir",
    "spectral_entropy": "spectral entropy",
    "communicability_entropy": "communicability entropy",
}

def _fmt(value, digits=4):
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{value:.{digits}g}"


def _p(value):
    if not np.isfinite(value):
        return "–"
    return f"{value:.2g}" if value >= 1e-4 else "<1e-4"


def _load(run_dir, epoch, min_accuracy):
    store = RunStore.open(run_dir)
    if store.benchmark != "maze":
        raise ValueError(f"{str(run_dir)!r} holds a {store.benchmark!r} benchmark; maze_report reads maze "
                         "folders (memory_report and microns_report read the others)")
    path = Path(run_dir) / "topology.csv"
    if not path.exists():
        raise ValueError(f"{str(run_dir)!r} has no topology.csv yet; run `sernn analyze {run_dir}` first")
    table = read_csv(path, "topology table")
    if table.empty or "epoch" not in table.columns:
        raise ValueError(f"{path} holds no analysed epochs; run `sernn analyze {run_dir}` again")
    metrics = store.metrics()
    if metrics.empty or "val_accuracy" not in metrics.columns:
        raise ValueError(f"{str(run_dir)!r} has no validation accuracy in its metrics.csv")
    analysed = sorted(set(table["epoch"].astype(int)))
    if check_integer(epoch, "epoch", low=0) not in analysed:
        raise ValueError(f"epoch {epoch}: not analysed in {str(run_dir)!r}; analysed epochs are "
                         f"{', '.join(map(str, analysed))} (0 = untrained)")
    check_real(min_accuracy, "min_accuracy", low=0, high=1)
    table["condition"] = table["condition"].astype(str)
    metrics["condition"] = metrics["condition"].astype(str)
    return store, table, metrics


def _filtered(table, epoch, min_accuracy):
    at = table[table["epoch"] == epoch]
    return at[at["val_accuracy"] >= min_accuracy].copy()


def maze_report(run_dir, epoch: int = 9, min_accuracy: float = 0.9, bins: int = 10, n_boot: int = 10000,
                seed: int = 0, figures: bool = True, command: str | None = None,
                min_networks: int = 10) -> dict:
    """Write ``RUN_DIR/report/`` (report.md, report.json, tables, figures) and return the report.

    Parameters
    ----------
    run_dir : str or path-like
        A ``sernn maze`` folder analysed by ``sernn analyze``.
    epoch : int, default=9
        Completed training epochs at which networks are compared (the seRNN paper's 9).
    min_accuracy : float, default=0.9
        Networks below this validation accuracy at ``epoch`` are left out (per
        epoch in the time courses), as in the paper.
    bins : int, default=10
        Strength bins of the learning table and the strength figures.
    n_boot : int, default=10000
        Bootstrap resamples of every CI.
    seed : int, default=0
        Seed of the bootstrap.
    figures : bool, default=True
    command : str, optional
    min_networks : int, default=10
        A claim gets a verdict only when both groups keep at least this many
        networks (a percentile bootstrap of a handful of values is too narrow);
        otherwise it is reported as "cannot test", with the estimates.
        The command line quoted in report.md.

    Returns
    -------
    report : dict
        What ``report.json`` holds.
    """
    store, table, metrics = _load(run_dir, epoch, min_accuracy)
    check_integer(bins, "bins", low=1)
    check_integer(min_networks, "min_networks", low=2)
    kept = _filtered(table, epoch, min_accuracy)
    if kept.empty:
        best = table.loc[table["epoch"] == epoch, "val_accuracy"].max()
        raise ValueError(f"min_accuracy {min_accuracy} leaves no network at epoch {epoch} (the best "
                         f"validation accuracy there is {_fmt(float(best))}); lower it or train longer")
    measures = [m for m in MEASURES if m in kept.columns]
    order = list(CONDITIONS)
    summary = describe_groups(kept, "condition", measures, n_boot=n_boot, seed=seed, order=order)
    comparisons = pd.concat([compare_to(kept, "condition", measures, reference, n_boot=n_boot, seed=seed,
                                        order=order) for reference in ("l1", "baseline")],
                            ignore_index=True)
    outcomes, by_condition, by_bin = _learning(metrics, epoch, min_accuracy, bins, order)
    claims, matched, weight_bins = judge_claims(comparisons[comparisons["reference"] == "l1"], kept, min_networks,
                                                n_boot=n_boot, seed=seed)
    function = functional_section(run_dir, kept, epoch, min_networks, n_boot=n_boot, seed=seed)
    dynamics = dynamics_section(run_dir, kept, epoch, n_boot=n_boot, seed=seed, min_networks=min_networks)
    recipes = sorted(set(table["recipe"].astype(str))) if "recipe" in table.columns else ["binary"]
    report = {
        "folder": str(Path(run_dir).resolve()), "benchmark": "maze", "command": command,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"), "recipe": recipes, "epoch": int(epoch),
        "min_accuracy": float(min_accuracy), "n_boot": int(n_boot), "seed": int(seed),
        "min_networks": int(min_networks),
        "networks": {c: int(n) for c, n in table[table["epoch"] == epoch].groupby("condition").size().items()},
        "networks_kept": {c: int(n) for c, n in kept.groupby("condition").size().items()},
        "measures": _records(summary), "comparisons": _records(comparisons),
        "learning": _records(by_condition), "learning_by_strength": _records(by_bin), "claims": claims,
        "matched_total_weight": _records(matched),
        "settings": store.settings,
    }
    report.update(_section_records(function, dynamics))
    with replaced_folder(Path(run_dir) / "report") as out:
        atomic_write_csv(out / "measures.csv", summary)
        atomic_write_csv(out / "comparisons.csv", comparisons)
        atomic_write_csv(out / "learning.csv", by_bin)
        atomic_write_csv(out / "outcomes.csv", outcomes)
        atomic_write_csv(out / "matched.csv", matched)
        atomic_write_csv(out / "matched_bins.csv", weight_bins)
        report["figures"] = _figures(table, metrics, kept, measures, epoch, min_accuracy, bins, seed, by_bin,
                                     out) if figures else []
        markdown = _markdown(report, summary, comparisons, by_condition, by_bin)
        if function is not None:
            atomic_write_csv(out / "function_measures.csv", function["measures"])
            atomic_write_csv(out / "function_comparisons.csv", function["comparisons"])
            atomic_write_csv(out / "function_matched.csv", function["matched"])
            atomic_write_csv(out / "clustering.csv", function["clustering"])
            atomic_write_csv(out / "structure_function.csv", function["structure_function"])
            if figures:
                report["figures"] += _function_figures(function, epoch, min_accuracy, out)
            markdown = _before_networks(markdown, functional_markdown(function, _SENTENCE))
        if dynamics is not None:
            atomic_write_csv(out / "dynamics_measures.csv", dynamics["measures"])
            atomic_write_csv(out / "dynamics_comparisons.csv", dynamics["comparisons"])
            atomic_write_csv(out / "dynamics_matched.csv", dynamics["matched"])
            markdown = _before_networks(markdown, dynamics_markdown(dynamics, _SENTENCE))
        atomic_write_text(out / "report.json", json.dumps(report, indent=2, default=_json_default))
        atomic_write_text(out / "report.md", markdown)
    return report


def _section_records(function, dynamics) -> dict:
    """The report.json entries of the functional and dynamics sections (none for a section not analysed)."""
    records = {}
    if function is not None:
        records.update({"functional_claims": function["claims"], "functional_measures": _records(function["measures"]),
                        "functional_matched_total_weight": _records(function["matched"]),
                        "clustering": _records(function["clustering"]),
                        "median_mixed_selectivity": function["median_mixed_selectivity"]})
    if dynamics is not None:
        records.update({"dynamics_measures": _records(dynamics["measures"]),
                        "dynamics_comparisons": _records(dynamics["comparisons"]),
                        "dynamics_questions": dynamics["questions"],
                        "dynamics_matched_total_weight": _records(dynamics["matched"])})
    return records


def _learning(metrics, epoch, min_accuracy, bins, order):
    """``(outcomes, by_condition, by_bin)``: each run's learning outcome and their rates per condition and per
    condition and strength bin, in the conditions' order (bins by their lower edge)."""
    outcomes = learning_outcomes(metrics, epoch=epoch, threshold=min_accuracy, plateau=PLATEAU)
    outcomes["condition"] = outcomes["condition"].astype(str)
    outcomes["strength_bin"] = "0"
    for condition, part in outcomes.groupby("condition"):
        outcomes.loc[part.index, "strength_bin"] = strength_bins(part["strength"], bins).to_numpy()
    by_condition = learning_table(outcomes, by=["condition"])
    by_bin = learning_table(outcomes, by=["condition", "strength_bin"])
    for frame in (by_condition, by_bin):
        frame["_order"] = frame["condition"].map({c: i for i, c in enumerate(order)}).fillna(len(order))
    by_condition = by_condition.sort_values("_order").drop(columns="_order")
    by_bin["_low"] = by_bin["strength_bin"].str.extract(r"([0-9.eE+-]+)")[0].astype(float)
    by_bin = by_bin.sort_values(["_order", "_low"]).drop(columns=["_order", "_low"])
    return outcomes, by_condition, by_bin


def _before_networks(markdown: str, lines: list) -> str:
    """``markdown`` with a section's ``lines`` put before its "## Networks" section."""
    head, tail = markdown.split("\n## Networks\n", 1)
    return "\n".join([head.rstrip("\n"), *lines, "", "## Networks", tail])


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(type(value).__name__)


def _records(frame):
    return [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


_SENTENCE = {"supported": "supported by this folder", "contradicted": "contradicted by this folder",
             "not shown": "not shown by this folder (the CI of the difference includes 0)",
             "cannot test": "cannot be tested with this folder"}


def _figures(table, metrics, kept, measures, epoch, min_accuracy, bins, seed, by_bin, out):
    from sernn.plotting import figure_accuracy_bands, figure_learning_by_strength, figure_measure_bands

    written = []
    regularised = kept[kept["strength"] > 0]
    if not regularised.empty:
        bands = pd.concat([binned_band(regularised, "strength", m, "condition", bins=bins, seed=seed)
                           .assign(measure=m) for m in measures], ignore_index=True)
        flat = kept[kept["strength"] == 0]
        lines = {m: flat[m].mean() for m in measures} if not flat.empty else {}
        figure_measure_bands(bands, "strength", {m: MEASURES[m] for m in measures}, out / "measures_strength.png",
                             title=f"Epoch {epoch}, networks with validation accuracy ≥ {min_accuracy} "
                                   "(mean, 95 % CI)", xlabel="regularisation strength λ",
                             reference_lines=lines, reference_label="baseline (mean)")
        written.append("measures_strength.png")
    per_epoch = table[(table["epoch"] == 0) | (table["val_accuracy"] >= min_accuracy)]
    bands = pd.concat([binned_band(per_epoch, "epoch", m, "condition", seed=seed).assign(measure=m)
                       for m in measures], ignore_index=True)
    figure_measure_bands(bands, "epoch", {m: MEASURES[m] for m in measures}, out / "measures_epochs.png",
                         title=f"Over training: at each epoch the networks with validation accuracy ≥ "
                               f"{min_accuracy} (epoch 0: all, untrained)",
                         xlabel="completed training epochs")
    written.append("measures_epochs.png")
    accuracy = binned_band(metrics, "epoch", "val_accuracy", "condition", seed=seed)
    figure_accuracy_bands(accuracy, out / "accuracy_epochs.png", threshold=min_accuracy, plateau=PLATEAU)
    written.append("accuracy_epochs.png")
    if not by_bin.empty:
        figure_learning_by_strength(by_bin, out / "learning_strength.png",
                                    title=f"Learning outcomes at epoch {epoch} by strength (success: validation "
                                          f"accuracy ≥ {min_accuracy})")
        written.append("learning_strength.png")
    if "total_weight" in kept and {"sernn", "l1"} <= set(kept["condition"]):
        from sernn.plotting import figure_measures_vs_weight

        pair = kept[kept["condition"].isin(["sernn", "l1"])]
        shown = [m for m in measures if m != "total_weight"]
        figure_measures_vs_weight(pair, {m: MEASURES[m] for m in shown}, out / "measures_weight.png",
                                  title=f"Epoch {epoch}, validation accuracy ≥ {min_accuracy}: each measure "
                                        "against total weight")
        written.append("measures_weight.png")
    return written


def _function_figures(function, epoch, min_accuracy, out):
    """The functional figures: EV by window, P_perm histograms, functional measures against total weight,
    the structure-function correlation matrices."""
    from sernn.plotting import (figure_clustering_p, figure_correlations, figure_ev_by_window,
                                figure_measures_vs_weight)

    table = function["table"]
    pair = table[table["condition"].isin(["sernn", "l1"])]
    if pair.empty:
        return []
    title = f"Epoch {epoch}, validation accuracy ≥ {min_accuracy}"
    figure_ev_by_window(pair, out / "function_ev_windows.png", title=title)
    figure_clustering_p(pair, out / "function_clustering.png", windows=(3, 6, 9), title=title)
    short = {"energy": "mean activity (choice period)", "mixed_selectivity_w9": "mixed selectivity r (window 9)",
             "p_goal_w6": "P_perm goal units (window 6)"}
    shown = {m: label for m, label in short.items() if m in pair}
    figure_measures_vs_weight(pair, shown, out / "function_weight.png",
                              title=title + ": functional measures against total weight")
    written = ["function_ev_windows.png", "function_clustering.png", "function_weight.png"]
    if not function["structure_function"].empty:
        figure_correlations(function["structure_function"], out / "structure_function.png",
                            title=title + ": Pearson r across networks")
        written.append("structure_function.png")
    return written


def _markdown(report, summary, comparisons, by_condition, by_bin):
    lines = [f"# seRNN report: {report['folder']}", ""]
    if report["command"]:
        lines += [f"Command: `{report['command']}`  ", ""]
    lines += [f"Created {report['created']}. Analysis recipe: {', '.join(report['recipe'])}. Networks are "
              f"compared at epoch {report['epoch']} (completed training epochs) among those with validation "
              f"accuracy ≥ {report['min_accuracy']} there (matched accuracy, the seRNN paper's filter). "
              f"95 % CIs: percentile bootstrap of the mean ({report['n_boot']} resamples, seed "
              f"{report['seed']}); differences are unpaired. A claim gets a verdict when both groups keep "
              f"at least {report['min_networks']} networks: supported when the CI of the difference lies "
              "on the claimed side of 0, contradicted when it lies on the other side, not shown when it "
              "contains 0.", ""]
    lines += ["## Headline claims", "",
              "Each verdict says which comparison it rests on: at matched total weight (the regression of "
              "the measure on the group and log Σ|W| over the weight range both groups cover, checked against "
              "the within-bin differences) when the groups' total weights differ, else at matched accuracy. "
              "The paper's own test (Student's pooled t-test and Cohen's d over the networks as they are) is "
              "printed beside ours.", ""]
    lines += claim_lines(report["claims"], _SENTENCE)
    lines += _matched_rows(report.get("matched_total_weight", []))
    lines += ["", "## Networks", "", "| condition | trained | kept at the filter |", "|---|---|---|"]
    for condition, n in report["networks"].items():
        lines.append(f"| {condition} | {n} | {report['networks_kept'].get(condition, 0)} |")
    lines += ["", "## Measures (mean [95 % CI], n)", ""] + means_table(summary, MEASURES)
    if not comparisons.empty:
        lines += ["", "## Differences (condition − reference; unpaired)", "",
                  "| condition | reference | measure | difference [95 % CI] | Hedges' g | Welch p | "
                  "Mann–Whitney p |", "|---|---|---|---|---|---|---|"]
        for r in comparisons.itertuples():
            lines.append(f"| {r.condition} | {r.reference} | {MEASURES[r.measure]} | {_fmt(r.difference)} "
                         f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}] | {_fmt(r.hedges_g, 3)} | {_p(r.welch_p)} | "
                         f"{_p(r.mannwhitney_p)} |")
    lines += ["", f"## Learning (validation accuracy; success = ≥ {report['min_accuracy']} at epoch "
              f"{report['epoch']}; rate [Wilson 95 % CI])", "",
              "Reached: at any epoch. Final: at the last epoch. Plateau: last accuracy in the no-memory band "
              f"{PLATEAU[0]}–{PLATEAU[1]}. Collapse: reached the threshold, then lost it by the last epoch.", ""]
    lines += _learning_rows(by_condition, ["condition"])
    lines += ["", "Per strength bin:", ""]
    lines += _learning_rows(by_bin, ["condition", "strength_bin"])
    if report.get("figures"):
        lines += ["", "## Figures", ""] + [f"![{name}]({name})" for name in report["figures"]]
    return "\n".join(lines) + "\n"


def _learning_rows(frame, keys):
    header = "| " + " | ".join(k.replace("_", " ") for k in keys) + " | n | " + " | ".join(
        o.replace("_", " ") for o in OUTCOMES) + " |"
    rows = [header, "|---" * (len(keys) + 1 + len(OUTCOMES)) + "|"]
    for r in frame.to_dict("records"):
        cells = [f"{r[o]} ({r[o + '_rate']:.2f} [{r[o + '_low']:.2f}, {r[o + '_high']:.2f}])" for o in OUTCOMES]
        rows.append("| " + " | ".join(str(r[k]) for k in keys) + f" | {r['n']} | " + " | ".join(cells) + " |")
    return rows


def _matched_rows(rows):
    if not rows:
        return []
    lines = ["", "## Matched total weight (seRNN − L1)", "",
             "| measure | matched accuracy [95 % CI] | paper's test: t (dof), p, Cohen's d | regression on log "
             "Σ\\|W\\| [95 % CI] | within weight bins [95 % CI] | overlap Σ\\|W\\| (n seRNN, n L1) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        p_value = np.nan if r["paper_p"] is None else r["paper_p"]
        lines.append(
            f"| {MEASURES.get(r['measure'], r['measure'])} | {_fmt(r['raw_difference'])} [{_fmt(r['raw_ci_low'])}, "
            f"{_fmt(r['raw_ci_high'])}] | {_fmt(r['paper_t'], 3)} ({r['paper_dof']}), {_p(p_value)}, "
            f"{_fmt(r['paper_cohens_d'], 3)} | {_fmt(r['regression_difference'])} [{_fmt(r['regression_ci_low'])}, "
            f"{_fmt(r['regression_ci_high'])}] | {_fmt(r['binned_difference'])} [{_fmt(r['binned_ci_low'])}, "
            f"{_fmt(r['binned_ci_high'])}] | {_fmt(r['overlap_low'], 3)}–{_fmt(r['overlap_high'], 3)} "
            f"({r['overlap_n_sernn']}, {r['overlap_n_l1']}) |")
    return lines
