"""The trained MICrONS networks' structure, by the seRNN paper's recipe and by the study's published code.

:func:`structure_table` reads the final recurrent kernel of every finished run
of a ``sernn microns`` folder and measures it twice over: the seRNN paper's
recipe (weighted spectral modularity, small-worldness against nulls of the
graph's own density: :mod:`sernn.analysis`) and the MICrONS-constrained RNN
study's published code (greedy modularity of the union graph, small-worldness
against a fixed-density null, KDE entropy on 100 points:
:mod:`sernn.analysis.published_code`), beside total weight and the share of it
on the diagonal (self-connections). The table is cached in
``OUT/structure.csv``; runs already measured are not measured again.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sernn.atomic import atomic_write_csv
from sernn.runfolder import RunStore

__all__ = ["structure_table", "STRUCTURE_COLUMNS", "measure_kernel"]

#: Columns of :func:`structure_table` besides ``run_id``.
STRUCTURE_COLUMNS = ("total_weight", "diagonal_share", "modularity", "small_worldness", "modularity_greedy",
                     "small_worldness_fixed_null", "kde_entropy_100", "edge_density")


def measure_kernel(W, n_nulls: int = 100, seed: int = 0, fixed_nulls: int = 1000) -> dict:
    """Both recipes' measures of one kernel (see the module docstring): ``n_nulls`` nulls of the graph's own
    density for the seRNN recipe's small-worldness, ``fixed_nulls`` of the published code's fixed null (drawn
    once per network size and cached, 1,000 as published)."""
    from sernn.analysis import binarize, modules, small_worldness
    from sernn.analysis.published_code import published_code_measures
    from sernn.initializers.microns_kernels import diagonal_share

    W = np.asarray(W, dtype=np.float64)
    row = {"total_weight": float(np.abs(W).sum()), "diagonal_share": diagonal_share(W)}
    if not np.isfinite(W).all() or not np.abs(W).sum() > 0:
        return {**row, **{key: float("nan") for key in STRUCTURE_COLUMNS[2:]}}
    row["modularity"] = float(modules(W, recipe="paper")[1])
    A, _ = binarize(W, 0.1)
    row["small_worldness"] = float(small_worldness(A, n_nulls=n_nulls, seed=seed)["small_worldness"])
    row.update(published_code_measures(W, n_nulls=fixed_nulls, seed=seed))
    return {key: row[key] for key in STRUCTURE_COLUMNS}


def structure_table(run_dir, n_nulls: int = 100, seed: int = 0, log=print) -> pd.DataFrame:
    """One row per finished run with saved weights: run_id and :data:`STRUCTURE_COLUMNS` of its final kernel
    (cached; a run without ``history.npz`` has no row).

    Parameters
    ----------
    run_dir : path-like
        A ``sernn microns`` folder.
    n_nulls : int, default=100
        Null graphs of the seRNN recipe's small-worldness, drawn per network
        (the published code's fixed null: 1,000, drawn once per size).
    seed : int, default=0
    log : callable, default=print
        Receives a progress line every 25 runs.
    """
    store = RunStore.open(run_dir, "microns")
    cache_path = store.path / "structure.csv"
    cached = pd.read_csv(cache_path) if cache_path.exists() else pd.DataFrame(columns=["run_id", *STRUCTURE_COLUMNS])
    done = set(cached["run_id"])
    todo = [r["run_id"] for r in store.done_runs()
            if r["run_id"] not in done and (store.run_dir(r["run_id"]) / "history.npz").exists()]
    rows, start = [], time.perf_counter()
    for k, run_id in enumerate(todo, 1):
        kernels = store.load_arrays(run_id)["recurrent_kernel"]
        rows.append({"run_id": run_id, **measure_kernel(kernels[-1], n_nulls=n_nulls, seed=seed)})
        if k % 25 == 0 or k == len(todo):
            log(f"structure of {k}/{len(todo)} runs measured ({time.perf_counter() - start:.0f} s)")
    table = pd.concat([cached, pd.DataFrame(rows)], ignore_index=True) if rows else cached
    if rows:
        atomic_write_csv(cache_path, table)
    return table
