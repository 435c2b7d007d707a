"""Topology of every run and epoch of a benchmark output folder, cached per run.

Reads an output folder of ``sernn maze`` (or any benchmark folder whose runs
saved a ``history.npz`` with a ``recurrent_kernel`` array of shape
(snapshots, n, n), its ``epoch`` numbers and, optionally, unit ``coordinates``)
and writes:

``topology.csv``
    one row per run and epoch: the run's parameters, its validation accuracy
    at that epoch (from ``metrics.csv``; epoch 0 is before training), the
    analysis ``recipe`` and every scalar of :func:`sernn.analysis.topology`.
``runs/<run_id>/topology.csv``
    the same rows for one run, written atomically as soon as that run is
    analysed. A re-run reuses them when the analysis settings (recipe,
    density, nulls, seed, epochs) are unchanged, so an interrupted analysis
    resumes.

``sernn analyze`` (:mod:`sernn.commands.analyze`) calls :func:`analyze_folder`
and draws the figures of :mod:`sernn.plotting`.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from sernn.analysis.topology import RECIPES, SCALAR_KEYS, topology_history

__all__ = ["analyze_folder", "parse_epochs", "select_epochs", "load_history", "format_seconds"]

_SETTINGS_COLUMNS = ("density_target", "n_nulls", "analysis_seed")
_TEXT_SETTINGS = ("recipe",)
_RECORD_SKIP = ("finished", "info")


def parse_epochs(text: str):
    """``"all"``, ``"last"`` or ``"0,9"`` (epoch numbers) -> ``"all"``, ``"last"`` or a sorted list."""
    text = str(text).strip().lower()
    if text in ("all", "last"):
        return text
    try:
        epochs = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(
            f"--epochs must be 'all', 'last' or comma-separated integers such as '0,9'; got {text!r}"
        ) from None
    if not epochs or epochs[0] < 0:
        raise ValueError(f"--epochs must list epoch numbers >= 0; got {text!r}")
    return epochs


def select_epochs(epochs_available, wanted, run_id):
    if wanted == "all":
        return np.arange(len(epochs_available))
    if wanted == "last":
        return np.array([len(epochs_available) - 1])
    index = {int(e): i for i, e in enumerate(epochs_available)}
    missing = [e for e in wanted if e not in index]
    if missing:
        raise ValueError(
            f"--epochs: epoch {missing[0]} is not in run {run_id!r}, which has epochs "
            f"{int(epochs_available[0])}..{int(epochs_available[-1])}"
        )
    return np.array([index[e] for e in wanted])


def load_history(store, run_id):
    path = store.run_dir(run_id) / "history.npz"
    if not path.exists():
        return None
    arrays = store.load_arrays(run_id)
    if "recurrent_kernel" not in arrays:
        raise ValueError(f"{path} has no 'recurrent_kernel' array; it is not a weight history")
    kernel = arrays["recurrent_kernel"]
    epochs = arrays.get("epoch", np.arange(len(kernel)))
    return kernel, np.asarray(epochs), arrays.get("coordinates")


def _cached(path: Path, settings: dict, epochs) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None
    needed = (*_SETTINGS_COLUMNS, *_TEXT_SETTINGS, "epoch", *SCALAR_KEYS)
    if frame.empty or any(c not in frame.columns for c in needed):
        return None
    for key, value in settings.items():
        if key in _TEXT_SETTINGS:
            if not (frame[key].astype(str) == value).all():
                return None
        elif not np.allclose(frame[key].to_numpy(dtype=float), value):
            return None
    if sorted(frame["epoch"].astype(int)) != sorted(int(e) for e in epochs):
        return None
    return frame


def format_seconds(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def analyze_folder(run_dir, density=0.1, n_nulls=1000, seed=0, epochs="all", log=print,
                   recipe="paper"):
    """Topology of every finished run of a benchmark folder, cached per run.

    Parameters
    ----------
    run_dir : str or path-like
        Benchmark output folder (``settings.json`` and ``runs/`` inside).
    recipe : {"paper", "binary"}, default="paper"
        Analysis recipe of :func:`sernn.analysis.topology` (written into the
        ``recipe`` column).
    density : float, default=0.1
        Proportional threshold.
    n_nulls : int, default=1000
        Null graphs per network.
    seed : int, default=0
        Analysis seed.
    epochs : {"all", "last"} or list of int, default="all"
        Snapshots analysed.
    log : callable, default=print
        Receives one progress line per run.

    Returns
    -------
    table : pandas.DataFrame
        One row per run and epoch (also written to ``RUN_DIR/topology.csv``).
    store : RunStore
        The opened folder.
    """
    from sernn.runfolder import RunStore

    store = RunStore.open(run_dir)
    records = store.done_runs()
    if not records:
        raise ValueError(f"{str(run_dir)!r} has no finished runs to analyse (runs/*/run.json)")
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(map(repr, RECIPES))}; got {recipe!r}")
    settings = {"density_target": float(density), "n_nulls": int(n_nulls), "analysis_seed": int(seed),
                "recipe": recipe}
    frames, started, computed = [], time.perf_counter(), 0
    for position, record in enumerate(records, start=1):
        run_id = record["run_id"]
        loaded = load_history(store, run_id)
        if loaded is None:
            log(f"[{position}/{len(records)}] {run_id}: skipped (no history.npz)")
            continue
        kernel, epoch_numbers, coordinates = loaded
        chosen = select_epochs(epoch_numbers, epochs, run_id)
        cache = store.run_dir(run_id) / "topology.csv"
        frame = _cached(cache, settings, epoch_numbers[chosen])
        if frame is None:
            tick = time.perf_counter()
            frame = topology_history(kernel[chosen], coordinates=coordinates,
                                     epochs=epoch_numbers[chosen], density=density,
                                     n_nulls=n_nulls, seed=seed, recipe=recipe)
            frame["analysis_seed"] = int(seed)
            params = {k: v for k, v in record.items() if k not in _RECORD_SKIP}
            for index, (key, value) in enumerate(params.items()):
                frame.insert(index, key, value)
            store.write_table(f"runs/{run_id}/topology.csv", frame)
            computed += 1
            elapsed = time.perf_counter() - started
            remaining = elapsed / computed * (len(records) - position)
            log(f"[{position}/{len(records)}] {run_id}: {len(chosen)} epochs in "
                f"{time.perf_counter() - tick:.1f} s (ETA {format_seconds(remaining)})")
        else:
            log(f"[{position}/{len(records)}] {run_id}: cached")
        frames.append(frame)
    if not frames:
        raise ValueError(f"{str(run_dir)!r} has no run with a history.npz weight history to analyse")
    table = pd.concat(frames, ignore_index=True)
    metrics = store.metrics()
    wanted = [c for c in ("val_accuracy", "accuracy", "val_loss") if c in metrics.columns]
    if wanted and {"run_id", "epoch"} <= set(metrics.columns):
        table = table.merge(metrics[["run_id", "epoch", *wanted]], on=["run_id", "epoch"], how="left")
    store.write_table("topology.csv", table)
    return table, store
