"""Speed of the activity analysis (``sernn analyze --activity``) against training, and against a per-unit loop.

1. Copies ``--networks`` runs of a ``sernn maze`` folder (every weight saved) to a temporary folder and
   times :func:`sernn.experiments.maze_activity.activity_folder` on them (probe of 640 trials, 1,000
   permutations, everything the folder analysis does and writes). Extrapolates to 1,000 networks and
   compares with the folder's own training time per network, read from its runs' finish times.
2. Times the reference it replaces, on ``--reference-units`` (unit, window) targets of one network: a
   scikit-learn ``LassoCV`` (5 folds, the same 30-value alpha grid) per target, then the 3-fold x 2-repeat
   test EV with each group's columns removed, as a notebook following the paper's Methods would; prints the
   per-network time extrapolated to 1,000 targets, the ratio, and the largest EV difference between the two.

    python scripts/bench_activity.py RUN_DIR --networks 100
"""
import argparse
import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from sernn.analysis.activity import window_means  # noqa: E402
from sernn.analysis.explained_variance import ALPHA_RATIO, N_ALPHAS, design_matrix, explained_variance  # noqa: E402
from sernn.experiments.maze_activity import ANALYSED_LABELS, activity_folder, probe_set  # noqa: E402
from sernn.hidden_states import run_states  # noqa: E402
from sernn.runfolder import RunStore  # noqa: E402


def training_seconds(store, records):
    """Seconds per network of the folder's training: the span of its finish times over the runs finished
    after the first one (runs of a population finish together, so the first population's time is left out)."""
    times = sorted(datetime.fromisoformat(r["finished"]).timestamp() for r in records)
    first = [t for t in times if t > times[0]]
    return (times[-1] - times[0]) / len(first) if first else float("nan")


def reference_ev(activity, labels, seed=0):
    """Per-target LassoCV + repeated k-fold test EV with each group removed (scikit-learn, one target at a time)."""
    from sklearn.linear_model import Lasso, LassoCV
    from sklearn.model_selection import KFold, RepeatedKFold

    X, groups = design_matrix(labels)
    results = {"total": [], **{name: [] for name in groups}}
    for y in activity.T:
        if y.std() == 0:
            for key in results:
                results[key].append(0.0)
            continue
        search = LassoCV(alphas=N_ALPHAS, eps=ALPHA_RATIO, cv=KFold(5, shuffle=True, random_state=seed),
                         max_iter=5000, tol=1e-4).fit(X, y)
        scores = {key: [] for key in results}
        for train, test in RepeatedKFold(n_splits=3, n_repeats=2, random_state=seed).split(X):
            model = Lasso(alpha=search.alpha_, max_iter=5000).fit(X[train], y[train])
            sst = ((y[test] - y[test].mean()) ** 2).sum()
            full = 1 - ((y[test] - model.predict(X[test])) ** 2).sum() / sst
            scores["total"].append(full)
            for name, columns in groups.items():
                reduced = X[test].copy()
                reduced[:, columns] = X[train][:, columns].mean(axis=0)
                scores[name].append(full - (1 - ((y[test] - model.predict(reduced)) ** 2).sum() / sst))
        for key in results:
            results[key].append(float(np.mean(scores[key])))
    return {key: np.array(value) for key, value in results.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--networks", type=int, default=100, help="networks analysed (default: 100)")
    parser.add_argument("--reference-units", type=int, default=100,
                        help="(window, unit) targets of the reference loop, spread over every window (default: "
                             "100 of 1,000)")
    args = parser.parse_args()
    store = RunStore.open(args.run_dir)
    records = store.done_runs()
    chosen = [records[i] for i in np.linspace(0, len(records) - 1, min(args.networks, len(records))).astype(int)]
    train = training_seconds(store, records)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "folder"
        (copy / "runs").mkdir(parents=True)
        for name in ("settings.json", "metrics.csv"):
            shutil.copy(store.path / name, copy / name)
        for record in chosen:
            shutil.copytree(store.run_dir(record["run_id"]), copy / "runs" / record["run_id"],
                            ignore=shutil.ignore_patterns("activity*.csv"))  # no cached results
        start = time.perf_counter()
        table, _ = activity_folder(copy, log=lambda line: None)
        seconds = (time.perf_counter() - start) / len(table)
    print(f"activity analysis: {len(table)} networks in {seconds * len(table):.1f} s = {seconds:.2f} s per network; "
          f"1,000 networks: {seconds * 1000 / 60:.1f} min")
    print(f"training (this folder's finish times): {train:.2f} s per network; 1,000 networks: "
          f"{train * 1000 / 60:.1f} min; activity / training = {seconds / train:.2f}")
    # the reference loop on the first network's targets
    x, _, labels = probe_set()
    labels = {name: labels[name] for name in ANALYSED_LABELS}
    epoch = int(table["epoch"].iloc[0])
    activity = window_means(run_states(store, chosen[0]["run_id"], x, epoch=epoch))
    flat = activity.reshape(len(x), -1)  # (trials, windows x units): every window is sampled
    chosen_targets = np.linspace(0, flat.shape[1] - 1, min(args.reference_units, flat.shape[1])).astype(int)
    targets = flat[:, chosen_targets]
    start = time.perf_counter()
    ours = explained_variance(activity, labels)
    ours_seconds = time.perf_counter() - start
    start = time.perf_counter()
    reference = reference_ev(targets, labels)
    reference_seconds = (time.perf_counter() - start) * activity[0].size / targets.shape[1]
    print(f"explained variance of one network ({activity[0].size} targets): sernn {ours_seconds:.2f} s; "
          f"per-target scikit-learn LassoCV loop {reference_seconds:.1f} s (timed on {targets.shape[1]} targets, "
          f"scaled); ratio {reference_seconds / ours_seconds:.0f}x")
    for key in reference:
        ours_flat = ours[key].reshape(-1)[chosen_targets]
        difference = np.abs(ours_flat - reference[key])
        r = np.corrcoef(ours_flat, reference[key])[0, 1] if ours_flat.std() > 0 and reference[key].std() > 0 else 1.0
        print(f"  EV {key}: |sernn - reference| mean {difference.mean():.3f}, largest {difference.max():.3f}, "
              f"r = {r:.3f} "
              f"(mean EV {reference[key].mean():.3f}; the folds differ, so small differences are expected)")


if __name__ == "__main__":
    main()
