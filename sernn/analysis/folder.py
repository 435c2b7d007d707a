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

from sernn.analysis.smallworld import NULL_BYTES
from sernn.analysis.topology import RECIPES, SCALAR_KEYS, topology_history
from sernn.executors import Progress, RunsFailed, run_items
from sernn.readers import DamagedFile, load_npz, read_cached_csv
from sernn.resources import check_fits
from sernn.validation import check_integer, check_option

__all__ = ["analyze_folder", "AnalysisFailed", "parse_epochs", "select_epochs", "load_history", "format_seconds"]

_SETTINGS_COLUMNS = ("density_target", "n_nulls", "analysis_seed")
_TEXT_SETTINGS = ("recipe",)
_RECORD_SKIP = ("finished", "info")


def parse_epochs(text: str):
    """``"all"``, ``"last"`` or ``"0,9"`` (epoch numbers) -> ``"all"``, ``"last"`` or a sorted list.

    Examples
    --------
    >>> parse_epochs("all"), parse_epochs(" Last ")
    ('all', 'last')
    >>> parse_epochs("9,0,9")    # sorted, duplicates dropped
    [0, 9]
    """
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
    """Positions of the wanted snapshots among a run's saved epoch numbers.

    Parameters
    ----------
    epochs_available : array-like of int
        Epoch number of every saved snapshot, in order.
    wanted : {"all", "last"} or list of int
        Epochs to analyse, as returned by :func:`parse_epochs`.
    run_id : str
        The run, named in the error when a wanted epoch was not saved.

    Returns
    -------
    index : ndarray of int
        Positions in ``epochs_available``.

    Raises
    ------
    ValueError
        If a wanted epoch number is not in ``epochs_available``.

    Examples
    --------
    A run that saved its weights at epochs 0, 5 and 10:

    >>> select_epochs([0, 5, 10], "all", "run").tolist()
    [0, 1, 2]
    >>> select_epochs([0, 5, 10], "last", "run").tolist()
    [2]
    >>> select_epochs([0, 5, 10], [0, 10], "run").tolist()
    [0, 2]
    """
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


def _saved_epochs(path) -> np.ndarray:
    """The epoch numbers of a weight history, reading no more than needed."""
    arrays = load_npz(path, "weight history", keys=("epoch",))
    if "epoch" in arrays:
        return np.asarray(arrays["epoch"])
    kernel = load_npz(path, "weight history", keys=("recurrent_kernel",)).get("recurrent_kernel")
    if kernel is None:
        raise DamagedFile(f"{path}: not a weight history (it has no 'recurrent_kernel' array)")
    return np.arange(len(kernel))


def load_history(store, run_id):
    """The weight history that a run saved in its ``history.npz``.

    Parameters
    ----------
    store : sernn.runfolder.RunStore
        The run folder.
    run_id : str
        The run.

    Returns
    -------
    history : tuple or None
        ``(kernel, epochs, coordinates)``: the ``recurrent_kernel`` snapshots
        (snapshots, n, n), their epoch numbers (default ``0, 1, ...``) and the
        unit coordinates (None if not saved); None when the run saved no
        ``history.npz``.

    Raises
    ------
    ValueError
        If ``history.npz`` has no ``recurrent_kernel`` array.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sernn.runfolder import RunStore
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = RunStore(folder, "maze", {})
    ...     store.save_run("a", {"seed": 0}, [{"epoch": 1}],
    ...                    {"recurrent_kernel": np.zeros((3, 4, 4)), "epoch": np.array([0, 1, 2])})
    ...     store.save_run("b", {"seed": 1}, [{"epoch": 1}])    # no weights saved
    ...     kernel, epochs, coordinates = load_history(store, "a")
    ...     missing = load_history(store, "b")
    >>> kernel.shape, epochs.tolist(), coordinates, missing
    ((3, 4, 4), [0, 1, 2], None, None)
    """
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
    frame = read_cached_csv(path)
    if frame is None:
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
    """A duration in seconds as short text: seconds below 1 min, minutes below 1 h, then hours.

    Examples
    --------
    >>> format_seconds(42.4), format_seconds(90), format_seconds(7200)
    ('42 s', '1.5 min', '2.0 h')
    """
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


#: The error of runs that failed on the executor: the one failure type of :mod:`sernn.executors`
#: (sernn 0.1 named it ``AnalysisFailed``; a ``RuntimeError``).
AnalysisFailed = RunsFailed


class _AnalyzeBatch:
    """One batch of runs -> their topology tables (picklable, so an executor can run it elsewhere)."""

    def __init__(self, density, n_nulls, seed, recipe):
        self.density, self.n_nulls, self.seed, self.recipe = density, n_nulls, seed, recipe

    def __call__(self, jobs):
        frames = []
        for run_id, kernel, epochs, coordinates in jobs:
            tick = time.perf_counter()
            frame = topology_history(kernel, coordinates=coordinates, epochs=epochs, density=self.density,
                                     n_nulls=self.n_nulls, seed=self.seed, recipe=self.recipe)
            frames.append((run_id, frame, time.perf_counter() - tick))
        return frames


def analyze_folder(run_dir, density=0.1, n_nulls=1000, seed=0, epochs="all", log=print,
                   recipe="paper", executor=None, batch_size=8):
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
    executor : optional
        Where the batches are analysed: any object whose ``map(function, items)`` yields
        ``(index, result, error)`` as items finish, such as
        :class:`sernn.executors.RayExecutor` (default: in this process, in order).
        The weights travel to the task and its tables come back; only this process writes.
    batch_size : int, default=8
        Runs per task of the executor.

    Returns
    -------
    table : pandas.DataFrame
        One row per run and epoch (also written to ``RUN_DIR/topology.csv``).
    store : RunStore
        The opened folder.

    Raises
    ------
    RunsFailed
        After every other batch has been analysed and cached, if a batch failed on the executor
        (the message names its runs).

    Examples
    --------
    A folder with two runs of 10 units, each with weights saved before
    training (epoch 0) and after one epoch:

    >>> import tempfile
    >>> import numpy as np
    >>> from sernn.runfolder import RunStore, make_run_id
    >>> from sernn.analysis import topology
    >>> rng = np.random.default_rng(0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = RunStore(folder, "maze", {"epochs": 1})
    ...     for seed in (0, 1):
    ...         params = {"condition": "sernn", "seed": seed}
    ...         W = rng.normal(size=(10, 10))
    ...         rows = [{"epoch": 1, "val_accuracy": 0.5 + 0.1 * seed}]
    ...         arrays = {"recurrent_kernel": np.stack([W, W / 2]), "epoch": np.array([0, 1])}
    ...         store.save_run(make_run_id(params), params, rows, arrays)
    ...     lines = []
    ...     table, _ = analyze_folder(folder, n_nulls=10, log=lines.append)
    ...     again, _ = analyze_folder(folder, n_nulls=10, log=lines.append)    # reads the cache
    >>> table[["run_id", "epoch", "val_accuracy"]]
                       run_id  epoch  val_accuracy
    0  condition=sernn_seed=0      0           NaN
    1  condition=sernn_seed=0      1           0.5
    2  condition=sernn_seed=1      0           NaN
    3  condition=sernn_seed=1      1           0.6
    >>> bool(np.isclose(table["modularity"].iloc[3], topology(W / 2, n_nulls=10)["modularity"]))
    True
    >>> lines[-1]
    '[2/2] condition=sernn_seed=1: cached'
    """
    from sernn.runfolder import RunStore

    store = RunStore.open(run_dir)
    records = store.done_runs()
    if not records:
        raise ValueError(f"{str(run_dir)!r} has no finished runs to analyse (runs/*/run.json)")
    recipe = check_option(recipe, "recipe", RECIPES)
    batch_size = check_integer(batch_size, "batch_size", low=1)
    n_nulls = check_integer(n_nulls, "n_nulls", low=1)
    check_fits(NULL_BYTES * n_nulls, "n_nulls", n_nulls, "the null graphs' measures")  # before any file
    settings = {"density_target": float(density), "n_nulls": int(n_nulls), "analysis_seed": int(seed),
                "recipe": recipe}
    metrics = store.metrics()  # read (and checked) before anything is written
    frames, todo = _cached_runs(store, records, settings, epochs, log)
    progress = Progress(len(todo))
    by_id = {record["run_id"]: (position, record) for position, record, _ in todo}

    def save(batch, results):
        for run_id, frame, seconds in results:
            position, record = by_id[run_id]
            frame["analysis_seed"] = int(seed)
            params = {k: v for k, v in record.items() if k not in _RECORD_SKIP}
            for column, (key, value) in enumerate(params.items()):
                frame.insert(column, key, value)
            store.write_table(f"runs/{run_id}/topology.csv", frame)
            frames[run_id] = frame
            _, eta = progress.advance(1)
            log(f"[{position}/{len(records)}] {run_id}: {len(frame)} epochs in {seconds:.1f} s "
                f"(ETA {format_seconds(eta)})")

    run_items(_AnalyzeBatch(density, n_nulls, seed, recipe),
              _batches(store, todo, batch_size, len(records), progress, log),
              ids=lambda batch: [job[0] for job in batch], on_result=save, executor=executor, log=log,
              kept="cached")
    if not frames:
        raise ValueError(f"{str(run_dir)!r} has no run with a history.npz weight history to analyse")
    table = pd.concat([frames[r["run_id"]] for r in records if r["run_id"] in frames], ignore_index=True)
    wanted = [c for c in ("val_accuracy", "accuracy", "val_loss") if c in metrics.columns]
    if wanted and {"run_id", "epoch"} <= set(metrics.columns):
        table = table.merge(metrics[["run_id", "epoch", *wanted]], on=["run_id", "epoch"], how="left")
    store.write_table("topology.csv", table)
    return table, store


def _cached_runs(store, records, settings, epochs, log):
    """The cached tables ``{run_id: frame}`` and the runs to analyse ``[(position, record, snapshots)]``."""
    frames, todo = {}, []
    for position, record in enumerate(records, start=1):
        run_id = record["run_id"]
        if not (store.run_dir(run_id) / "history.npz").exists():
            log(f"[{position}/{len(records)}] {run_id}: skipped (no history.npz)")
            continue
        saved_epochs = _saved_epochs(store.run_dir(run_id) / "history.npz")
        chosen = select_epochs(saved_epochs, epochs, run_id)
        frame = _cached(store.run_dir(run_id) / "topology.csv", settings, saved_epochs[chosen])
        if frame is None:
            todo.append((position, record, chosen))
        else:
            log(f"[{position}/{len(records)}] {run_id}: cached")
            frames[run_id] = frame
    return frames, todo


def _batches(store, todo, batch_size, total, progress, log):
    """Batches of ``(run_id, kernels, epochs, coordinates)`` to analyse, read as the executor asks for them;
    a run whose weights are not finite (a diverged network) is skipped with a line."""
    for first in range(0, len(todo), batch_size):
        batch = []
        for position, record, chosen in todo[first:first + batch_size]:
            kernel, epoch_numbers, coordinates = load_history(store, record["run_id"])
            bad = [int(e) for e, k in zip(epoch_numbers[chosen], kernel[chosen]) if not np.isfinite(k).all()]
            if bad:  # a network that diverged has no topology; the other runs go on
                progress.drop(1)
                log(f"[{position}/{total}] {record['run_id']}: skipped (weights not finite at "
                    f"epoch{'s' * (len(bad) > 1)} {', '.join(map(str, bad[:5]))}: the network diverged)")
                continue
            batch.append((record["run_id"], kernel[chosen], epoch_numbers[chosen], coordinates))
        if batch:
            yield batch
