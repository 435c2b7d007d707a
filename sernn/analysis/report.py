"""``sernn analyze``: topology of every run and epoch of a benchmark folder, and figures.

Reads an output folder of ``sernn maze`` (or any benchmark folder whose runs
saved a ``history.npz`` with a ``recurrent_kernel`` array of shape
(snapshots, n, n), its ``epoch`` numbers and, optionally, unit ``coordinates``)
and writes:

``topology.csv``
    one row per run and epoch: the run's parameters, its validation accuracy
    at that epoch (from ``metrics.csv``; epoch 0 is before training) and every
    scalar of :func:`sernn.analysis.topology`.
``runs/<run_id>/topology.csv``
    the same rows for one run, written atomically as soon as that run is
    analysed. A re-run reuses them when the analysis settings (density,
    nulls, seed, epochs) are unchanged, so an interrupted analysis resumes.
``figures/*.png``
    validation accuracy over epochs per condition; modularity, small-worldness,
    wiring cost and weight–distance correlation over epochs and against the
    regularisation strength per condition; the weight matrix of one run
    ordered by module; that run's units in 3-D coloured by module with the
    strongest connections drawn.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sernn.analysis.graph import binarize
from sernn.analysis.modularity import louvain
from sernn.analysis.topology import SCALAR_KEYS, topology_history

__all__ = ["add_arguments", "run", "analyze_folder", "FIGURE_METRICS"]

#: The topology measures drawn over epochs and against strength: column -> axis label.
FIGURE_METRICS = {
    "modularity": "modularity Q",
    "small_worldness": "small-worldness σ",
    "wiring_cost": "wiring cost Σ|W|·D",
    "weight_distance_corr": "weight–distance correlation r",
}

#: Conditions of the maze benchmark, in the order they are drawn (others follow, sorted).
CONDITION_ORDER = ("baseline", "l1", "spatial", "sernn")

_SETTINGS_COLUMNS = ("density_target", "n_nulls", "analysis_seed")
_RECORD_SKIP = ("finished", "info")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sernn analyze``."""
    parser.add_argument("run_dir", metavar="RUN_DIR",
                        help="output folder of a benchmark (e.g. of `sernn maze`)")
    parser.add_argument("--density", type=float, default=0.1,
                        help="fraction of the strongest |weights| kept as edges (default: 0.1)")
    parser.add_argument("--nulls", type=int, default=1000,
                        help="Erdős–Rényi null graphs per network for small-worldness (default: 1000)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the Louvain order and the null graphs (default: 0)")
    parser.add_argument("--epochs", default="all",
                        help="snapshots to analyse: 'all' (default), 'last', or comma-separated "
                             "epoch numbers such as '0,9' (0 = before training)")
    parser.add_argument("--run", default=None, metavar="RUN_ID",
                        help="run drawn in the weight-matrix and 3-D figures (default: the first "
                             "'sernn' run, else the first run)")
    parser.add_argument("--figure-epoch", type=int, default=None,
                        help="epoch used for the strength, matrix and 3-D figures "
                             "(default: the last analysed epoch)")
    parser.add_argument("--edges", type=int, default=150,
                        help="strongest connections drawn in the 3-D figure (default: 150)")
    parser.add_argument("--no-figures", action="store_true", help="write topology.csv only")


def _parse_epochs(text: str):
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


def _select(epochs_available, wanted, run_id):
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


def _load_history(store, run_id):
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
    if frame.empty or any(c not in frame.columns for c in (*_SETTINGS_COLUMNS, "epoch", *SCALAR_KEYS)):
        return None
    for key, value in settings.items():
        if not np.allclose(frame[key].to_numpy(dtype=float), value):
            return None
    if sorted(frame["epoch"].astype(int)) != sorted(int(e) for e in epochs):
        return None
    return frame


def _format_seconds(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def analyze_folder(run_dir, density=0.1, n_nulls=1000, seed=0, epochs="all", log=print):
    """Topology of every finished run of a benchmark folder, cached per run.

    Parameters
    ----------
    run_dir : str or path-like
        Benchmark output folder (``settings.json`` and ``runs/`` inside).
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
    settings = {"density_target": float(density), "n_nulls": int(n_nulls), "analysis_seed": int(seed)}
    frames, started, computed = [], time.perf_counter(), 0
    for position, record in enumerate(records, start=1):
        run_id = record["run_id"]
        loaded = _load_history(store, run_id)
        if loaded is None:
            log(f"[{position}/{len(records)}] {run_id}: skipped (no history.npz)")
            continue
        kernel, epoch_numbers, coordinates = loaded
        chosen = _select(epoch_numbers, epochs, run_id)
        cache = store.run_dir(run_id) / "topology.csv"
        frame = _cached(cache, settings, epoch_numbers[chosen])
        if frame is None:
            tick = time.perf_counter()
            frame = topology_history(kernel[chosen], coordinates=coordinates,
                                     epochs=epoch_numbers[chosen], density=density,
                                     n_nulls=n_nulls, seed=seed)
            frame["analysis_seed"] = int(seed)
            params = {k: v for k, v in record.items() if k not in _RECORD_SKIP}
            for index, (key, value) in enumerate(params.items()):
                frame.insert(index, key, value)
            store.write_table(f"runs/{run_id}/topology.csv", frame)
            computed += 1
            elapsed = time.perf_counter() - started
            remaining = elapsed / computed * (len(records) - position)
            log(f"[{position}/{len(records)}] {run_id}: {len(chosen)} epochs in "
                f"{time.perf_counter() - tick:.1f} s (ETA {_format_seconds(remaining)})")
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


# -- figures -------------------------------------------------------------------

def _conditions(table):
    if "condition" not in table.columns:
        return [None]
    present = list(dict.fromkeys(table["condition"].astype(str)))
    ordered = [c for c in CONDITION_ORDER if c in present]
    return ordered + sorted(c for c in present if c not in ordered)


def _subset(table, condition):
    return table if condition is None else table[table["condition"].astype(str) == condition]


def _colours(conditions):
    from matplotlib import colormaps

    cycle = colormaps["tab10"]
    return {c: cycle(i % 10) for i, c in enumerate(conditions)}


def _band(ax, frame, x, y, colour, label):
    data = frame[[x, y]].dropna()
    if data.empty:
        return
    grouped = data.groupby(x)[y]
    mean, sd = grouped.mean(), grouped.std().fillna(0.0)
    ax.plot(mean.index, mean.to_numpy(), marker="o", ms=3, color=colour,
            label=f"{label} (n={data.shape[0] // max(1, mean.size)})")
    ax.fill_between(mean.index, (mean - sd).to_numpy(), (mean + sd).to_numpy(), color=colour,
                    alpha=0.2, linewidth=0)


def _new_figure(size):
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def figure_accuracy(metrics: pd.DataFrame, path, benchmark=None) -> bool:
    """Validation accuracy over epochs, mean ± SD over runs per condition.

    For the maze benchmark the no-memory ceiling (5/8) is drawn as a guide.
    """
    if metrics.empty or "val_accuracy" not in metrics.columns:
        return False
    conditions = _conditions(metrics)
    colours = _colours(conditions)
    fig = _new_figure((6, 4))
    ax = fig.add_subplot()
    for condition in conditions:
        _band(ax, _subset(metrics, condition), "epoch", "val_accuracy", colours[condition],
              condition or "all runs")
    if benchmark == "maze":
        ax.axhline(0.625, color="grey", ls=":", lw=1, label="no-memory ceiling (5/8)")
    ax.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0, 1.02),
           title="Validation accuracy per condition (mean ± SD)")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=120)
    return True


def figure_over_epochs(table: pd.DataFrame, path) -> None:
    """The four :data:`FIGURE_METRICS` over epochs, mean ± SD per condition."""
    conditions = _conditions(table)
    colours = _colours(conditions)
    fig = _new_figure((10, 7))
    axes = fig.subplots(2, 2).ravel()
    for ax, (column, label) in zip(axes, FIGURE_METRICS.items()):
        for condition in conditions:
            _band(ax, _subset(table, condition), "epoch", column, colours[condition],
                  condition or "all runs")
        ax.set(xlabel="epoch (0 = before training)", ylabel=label)
        if column == "small_worldness":
            ax.axhline(1.0, color="grey", ls=":", lw=1)
    axes[0].legend(fontsize=8)
    fig.suptitle("Topology over training (mean ± SD over runs)")
    fig.savefig(path, dpi=120)


def figure_against_strength(table: pd.DataFrame, epoch: int, path) -> None:
    """The four :data:`FIGURE_METRICS` against regularisation strength at one epoch."""
    frame = table[table["epoch"] == epoch]
    conditions = _conditions(frame)
    colours = _colours(conditions)
    fig = _new_figure((10, 7))
    axes = fig.subplots(2, 2).ravel()
    has_strength = "strength" in frame.columns
    for ax, (column, label) in zip(axes, FIGURE_METRICS.items()):
        for condition in conditions:
            part = _subset(frame, condition)
            name = condition or "all runs"
            strengths = part["strength"].astype(float) if has_strength else pd.Series(0.0, part.index)
            if strengths.nunique() <= 1 and (strengths.fillna(0) == 0).all():
                value = part[column].mean()
                if np.isfinite(value):
                    ax.axhline(value, color=colours[condition], ls="--", lw=1,
                               label=f"{name} (no regulariser, mean)")
                continue
            ax.scatter(strengths, part[column], s=10, color=colours[condition], alpha=0.6,
                       label=name)
            means = part.assign(_s=strengths).groupby("_s")[column].mean()
            ax.plot(means.index, means.to_numpy(), color=colours[condition], lw=1)
        ax.set(xlabel="regularisation strength λ", ylabel=label)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Topology against regularisation strength at epoch {epoch}")
    fig.savefig(path, dpi=120)


def _module_order(partition):
    return np.lexsort((np.arange(partition.size), partition))


def figure_matrix(W, partition, run_id, epoch, path) -> None:
    """Recurrent weights ordered by module, with module boundaries."""
    order = _module_order(partition)
    ordered = W[np.ix_(order, order)]
    limit = float(np.abs(ordered).max()) or 1.0
    fig = _new_figure((6.2, 5.4))
    ax = fig.add_subplot()
    image = ax.imshow(ordered, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    bounds = np.flatnonzero(np.diff(partition[order])) + 0.5
    for b in bounds:
        ax.axhline(b, color="k", lw=0.6)
        ax.axvline(b, color="k", lw=0.6)
    fig.colorbar(image, ax=ax, label="weight (from row unit to column unit)")
    ax.set(xlabel="to unit (ordered by module)", ylabel="from unit (ordered by module)")
    ax.set_title(f"{run_id}\nepoch {epoch}: weights ordered by module "
                 f"({np.unique(partition).size} modules)", fontsize=9)
    fig.savefig(path, dpi=120)


def figure_units_3d(W, coordinates, partition, run_id, epoch, n_edges, path) -> None:
    """Units in 3-D coloured by module, with the strongest connections drawn."""
    from matplotlib import colormaps

    coordinates = np.asarray(coordinates, dtype=float)
    strength = np.abs(W).copy()
    np.fill_diagonal(strength, 0.0)
    flat = np.argsort(strength, axis=None)[::-1][:max(0, int(n_edges))]
    sources, targets = np.unravel_index(flat, strength.shape)
    keep = strength[sources, targets] > 0
    sources, targets = sources[keep], targets[keep]
    top = strength[sources, targets].max() if sources.size else 1.0
    cmap = colormaps["tab10" if partition.max() < 10 else "tab20"]
    fig = _new_figure((7, 6))
    ax = fig.add_subplot(projection="3d")
    for s, t in zip(sources, targets):
        ax.plot(*coordinates[[s, t]].T, color="0.3", alpha=0.15 + 0.6 * strength[s, t] / top,
                lw=0.4 + 1.6 * strength[s, t] / top)
    ax.scatter(*coordinates.T, c=[cmap(p % cmap.N) for p in partition], s=40, depthshade=False,
               edgecolors="k", linewidths=0.3)
    ax.set(xlabel="x", ylabel="y", zlabel="z")
    ax.set_title(f"{run_id}\nepoch {epoch}: units coloured by module, "
                 f"{sources.size} strongest connections", fontsize=9)
    fig.savefig(path, dpi=120)


def _chosen_run(table, requested):
    runs = list(dict.fromkeys(table["run_id"]))
    if requested is not None:
        if requested not in runs:
            raise ValueError(f"--run: no analysed run named {requested!r}; runs are e.g. {runs[0]!r}")
        return requested
    if "condition" in table.columns:
        sernn_runs = table.loc[table["condition"].astype(str) == "sernn", "run_id"]
        if not sernn_runs.empty:
            return sernn_runs.iloc[0]
    return runs[0]


def draw_figures(table, store, run_id=None, epoch=None, density=0.1, seed=0, n_edges=150, log=print):
    """Write every figure of ``sernn analyze`` into ``RUN_DIR/figures``; returns their paths."""
    out = store.path / "figures"
    out.mkdir(exist_ok=True)
    written = []
    if epoch is None:
        epoch = int(table["epoch"].max())
    elif epoch not in set(table["epoch"].astype(int)):
        raise ValueError(f"--figure-epoch: epoch {epoch} was not analysed; analysed epochs are "
                         f"{sorted(set(table['epoch'].astype(int)))}")
    if figure_accuracy(store.metrics(), out / "accuracy.png", store.benchmark):
        written.append(out / "accuracy.png")
    else:
        log("no val_accuracy in metrics.csv: accuracy figure skipped")
    figure_over_epochs(table, out / "topology_epochs.png")
    figure_against_strength(table, epoch, out / "topology_strength.png")
    written += [out / "topology_epochs.png", out / "topology_strength.png"]
    run_id = _chosen_run(table, run_id)
    kernel, epochs, coordinates = _load_history(store, run_id)
    index = _select(epochs, [epoch], run_id)[0]
    W = np.asarray(kernel[index], dtype=np.float64)
    A, _ = binarize(W, density)
    partition, _ = louvain(A.astype(np.float64), seed=seed)
    name = f"weights_{run_id}_epoch{epoch}.png"
    figure_matrix(W, partition, run_id, epoch, out / name)
    written.append(out / name)
    if coordinates is None:
        log(f"{run_id} saved no coordinates: 3-D figure skipped")
    else:
        name = f"units3d_{run_id}_epoch{epoch}.png"
        figure_units_3d(W, coordinates, partition, run_id, epoch, n_edges, out / name)
        written.append(out / name)
    return written


def run(args) -> int:
    """Run ``sernn analyze``; returns the exit code."""
    if not 0 < args.density <= 1:
        raise ValueError(f"--density must be in (0, 1] (fraction of weights kept); got {args.density}")
    if args.nulls < 1:
        raise ValueError(f"--nulls must be a positive integer; got {args.nulls}")
    if args.edges < 0:
        raise ValueError(f"--edges must be >= 0; got {args.edges}")
    epochs = _parse_epochs(args.epochs)

    def log(line):
        print(line, flush=True)

    table, store = analyze_folder(args.run_dir, density=args.density, n_nulls=args.nulls,
                                  seed=args.seed, epochs=epochs, log=log)
    log(f"wrote {store.path / 'topology.csv'} ({len(table)} rows)")
    if not args.no_figures:
        for path in draw_figures(table, store, run_id=args.run, epoch=args.figure_epoch,
                                 density=args.density, seed=args.seed, n_edges=args.edges, log=log):
            log(f"wrote {path}")
    return 0
