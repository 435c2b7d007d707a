"""Speed of the folder analysis with shared null ensembles against one ensemble per snapshot.

Analyses the weight histories of a run folder (every snapshot, the paper's recipe, 1,000 nulls) twice
in the same run: drawing a null ensemble for every snapshot (sernn 0.1), and sharing the ensembles of
equal (n, m, n_nulls, seed) (sernn.analysis.null_graphs.shared_null_measures). Checks that the two
tables are identical and prints the times, the number of distinct ensembles and the ratio, and
extrapolates to a sweep of --networks networks.

    python scripts/bench_null_reuse.py RUN_DIR --runs 40
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import sernn.analysis.null_graphs as null_graphs  # noqa: E402
from sernn.analysis import topology_history  # noqa: E402
from sernn.runfolder import RunStore  # noqa: E402


def analyse(histories, share):
    null_graphs.clear_null_cache()
    tables = []
    start = time.perf_counter()
    for kernel, coordinates in histories:
        if not share:
            null_graphs.clear_null_cache()
        tables.append(topology_history(kernel, coordinates=coordinates, n_nulls=1000, seed=0))
    return time.perf_counter() - start, tables, len(null_graphs._CACHE) if share else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--runs", type=int, default=40, help="runs analysed (default: 40)")
    parser.add_argument("--networks", type=int, default=2103, help="sweep size to extrapolate to")
    args = parser.parse_args()
    store = RunStore.open(args.run_dir)
    records = store.done_runs()
    chosen = [records[i] for i in np.linspace(0, len(records) - 1, min(args.runs, len(records))).astype(int)]
    histories = []
    for record in chosen:
        arrays = store.load_arrays(record["run_id"])
        histories.append((arrays["recurrent_kernel"], arrays.get("coordinates")))
    snapshots = sum(len(k) for k, _ in histories)
    alone, reference, _ = analyse(histories, share=False)
    shared, tables, ensembles = analyse(histories, share=True)
    same = all(a.equals(b) for a, b in zip(reference, tables))
    print(f"{len(histories)} runs, {snapshots} snapshots; identical tables: {same}")
    print(f"one ensemble per snapshot: {alone:.1f} s ({1000 * alone / snapshots:.1f} ms per snapshot)")
    print(f"shared ensembles ({ensembles} distinct): {shared:.1f} s ({1000 * shared / snapshots:.1f} ms per "
          f"snapshot); ratio {alone / shared:.1f}x")


if __name__ == "__main__":
    main()
