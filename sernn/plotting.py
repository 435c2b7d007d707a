"""Every figure of the package (matplotlib, imported only when a figure is drawn).

Each function takes tables or arrays and a path, draws one figure and saves it
as PNG; none computes an analysis itself. ``sernn analyze`` and ``sernn report``
call them; :func:`memory_figures` and :func:`microns_figures` draw the figures
of the ``sernn memory`` and ``sernn microns`` benchmarks.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: The topology measures drawn over epochs and against strength: column -> axis label.
FIGURE_METRICS = {
    "modularity": "modularity Q",
    "small_worldness": "small-worldness σ",
    "wiring_cost": "wiring cost Σ|W|·D",
    "weight_distance_corr": "weight–distance correlation r",
}

#: Conditions of the maze benchmark, in the order they are drawn (others follow, sorted).
CONDITION_ORDER = ("baseline", "l1", "spatial", "sernn")


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


def _new_figure(size, layout="constrained"):
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout=layout)


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
    ax.set(xlabel="completed training epochs", ylabel="validation accuracy", ylim=(0, 1.02),
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
        ax.set(xlabel="completed training epochs (0 = untrained)", ylabel=label)
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


def _band_lines(ax, bands, x, colours):
    # bins of strength hold different networks (n is their sum); epochs hold the same networks
    # again and again (n is the most at any epoch)
    for condition in _conditions(bands):
        part = bands[bands["condition"] == condition].sort_values(x)
        if part.empty:
            continue
        count = f"n={int(part['n'].sum())}" if x != "epoch" else f"n≤{int(part['n'].max())}"
        ax.plot(part[x], part["mean"], marker="o", ms=3, color=colours[condition],
                label=f"{condition} ({count})")
        ax.fill_between(part[x], part["ci_low"].fillna(part["mean"]), part["ci_high"].fillna(part["mean"]),
                        color=colours[condition], alpha=0.25, linewidth=0)


def figure_measure_bands(bands: pd.DataFrame, x: str, labels: dict, path, title: str, xlabel: str,
                         reference_lines=None, reference_label: str = "") -> None:
    """One panel per measure: mean and CI band per condition against ``x``.

    ``bands`` has columns ``condition``, ``x``, ``measure``, ``n``, ``mean``,
    ``ci_low``, ``ci_high`` (:func:`sernn.analysis.findings.binned_band`, one
    measure after another); ``reference_lines`` maps a measure to a value drawn
    as a dashed line (e.g. the unregularised networks' mean).
    """
    measures = [m for m in labels if m in set(bands["measure"])]
    columns = 3 if len(measures) > 4 else 2
    rows = int(np.ceil(len(measures) / columns))
    fig = _new_figure((4.6 * columns, 3.6 * rows))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    colours = _colours(_conditions(bands))
    for ax, measure in zip(axes, measures):
        _band_lines(ax, bands[bands["measure"] == measure], x, colours)
        value = (reference_lines or {}).get(measure)
        if value is not None and np.isfinite(value):
            ax.axhline(value, color="grey", ls="--", lw=1, label=reference_label)
        if measure == "small_worldness":
            ax.axhline(1.0, color="grey", ls=":", lw=1)
        ax.set(xlabel=xlabel, ylabel=labels[measure])
    for ax in axes[len(measures):]:
        ax.set_visible(False)
    if measures:
        axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=120)


def figure_accuracy_bands(bands: pd.DataFrame, path, threshold=None, plateau=None) -> None:
    """Validation accuracy over epochs: mean and CI band per condition, with the threshold and plateau."""
    fig = _new_figure((6, 4))
    ax = fig.add_subplot()
    _band_lines(ax, bands, "epoch", _colours(_conditions(bands)))
    if threshold is not None:
        ax.axhline(threshold, color="k", ls="--", lw=0.8, label=f"threshold {threshold}")
    if plateau is not None:
        ax.axhspan(*plateau, color="grey", alpha=0.15, label="no-memory plateau")
    ax.set(xlabel="completed training epochs", ylabel="validation accuracy", ylim=(0, 1.02),
           title="Validation accuracy, all networks (mean, 95 % CI)")
    ax.legend(fontsize=7)
    fig.savefig(path, dpi=120)


_MEMORY_COMBO = ["task", "setting", "optimizer", "activation", "learning_rate"]


def _save(fig, path, dpi):
    # tight_layout at the figure's own dpi, as pyplot's figures of the benchmarks were laid out
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    return path


def _seed_band(ax, rows, column, strategy, style):
    # losses span decades: mean and s.d. of log10(loss), drawn back on the loss scale
    values = rows[["epoch", column]].copy()
    log_scale = column == "test_loss"
    if log_scale:
        values[column] = np.log10(np.clip(values[column], 1e-12, None))
    stats = values.groupby("epoch")[column].agg(["mean", "std"]).fillna(0.0)
    centre, low, high = stats["mean"], stats["mean"] - stats["std"], stats["mean"] + stats["std"]
    if log_scale:
        centre, low, high = 10 ** centre, 10 ** low, 10 ** high
    ax.plot(stats.index, centre, style[1], color=style[0], label=strategy, lw=1.4)
    ax.fill_between(stats.index, low, high, color=style[0], alpha=0.15)


def _loss_panel(ax, rows, column, label, styles):
    """One species' curves of one column (every strategy) in one setting."""
    for strategy, style in styles.items():
        part = rows[rows["strategy"] == strategy]
        if not part.empty:
            _seed_band(ax, part, column, strategy, style)
    ax.set(xlabel="completed training epochs", ylabel=label)
    if column == "test_loss":
        ax.set_yscale("log")


def _loss_curves(metrics, key, species, styles, label):
    """Loss (and n-back accuracy) curves of one setting, one column of panels per species."""
    task, setting, optimizer, activation, lr = key
    part = metrics[(metrics["task"] == task) & (metrics["setting"] == setting) & (metrics["optimizer"] == optimizer)
                   & (metrics["activation"] == activation) & np.isclose(metrics["learning_rate"], lr)]
    panels = [("test_loss", "test loss (MSE, recall steps)" if task == "sequence"
               else "test loss (cross-entropy, response step)")]
    if task == "nback":
        panels.append(("test_accuracy", "test accuracy"))
    fig = _new_figure((max(5.5, 4.2 * len(species)), 3.4 * len(panels)), layout=None)
    axes = fig.subplots(len(panels), len(species), squeeze=False)
    for col, name in enumerate(species):
        for row, (column, ylabel) in enumerate(panels):
            _loss_panel(axes[row, col], part[part["species"] == name], column, ylabel, styles)
        axes[0, col].set_title(name)
    axes[0, -1].legend(fontsize=7, frameon=False)
    fig.suptitle(f"{label}\nmean and s.d. over seeds (loss: of log10 loss)", fontsize=8)
    return fig


def _panel_row(table, column, values, size, draw):
    """A row of panels, one per value of ``column``, each drawn by ``draw(ax, value, rows)``."""
    fig = _new_figure(size, layout=None)
    for ax, value in zip(fig.subplots(1, len(values), squeeze=False)[0], values):
        draw(ax, value, table[table[column] == value])
        ax.set_title(value)
    return fig


def _box_panel(ax, rows, column, label, styles):
    """Box plots of one summary column per strategy (one species, one task)."""
    ax.set_ylabel(label)
    present = [s for s in styles if (rows["strategy"] == s).any()]
    if not present:
        return
    box = ax.boxplot([rows.loc[rows["strategy"] == s, column].to_numpy() for s in present], patch_artist=True)
    for patch, strategy in zip(box["boxes"], present):
        patch.set_facecolor(styles[strategy][0])
        patch.set_alpha(0.5)
    ax.set_xticks(range(1, len(present) + 1), present, rotation=45, fontsize=8)


def memory_figures(metrics: pd.DataFrame, summary: pd.DataFrame, folder, setting_names: dict) -> list:
    """The ``sernn memory`` figures: loss curves per setting, box plots per task.

    ``loss_curves_<setting>.png`` per task setting, optimizer, activation and learning rate
    (per species and strategy: mean of log10(test loss) over seeds ± one s.d., for n-back also
    the test accuracy), ``min_test_loss_<task>.png`` and ``epoch_of_min_<task>.png`` (box plots).

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per run and epoch: the run columns (``species``, ``task``, ``setting``,
        ``optimizer``, ``activation``, ``learning_rate``, ``strategy``, ``seed``),
        ``epoch``, ``test_loss``, for n-back ``test_accuracy``.
    summary : pandas.DataFrame
        One row per run: the run columns, ``min_test_loss``, ``epoch_of_min``.
    folder : str or pathlib.Path
        Where the PNG files go (created if missing).
    setting_names : dict
        Task -> the name of its setting in the file names (``{"sequence": "length"}``).

    Returns
    -------
    list of pathlib.Path
        The files written; none when ``metrics`` is empty.

    Examples
    --------
    >>> import tempfile
    >>> run = dict(species="macaque", task="sequence", setting=3, optimizer="adam", activation="relu",
    ...            learning_rate=1e-3, strategy="b_w_no")
    >>> metrics = pd.DataFrame([dict(run, seed=s, epoch=e, test_loss=1 / (e + s)) for s in (1, 2) for e in (1, 2)])
    >>> summary = pd.DataFrame([dict(run, seed=s, min_test_loss=0.5, epoch_of_min=2) for s in (1, 2)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in memory_figures(metrics, summary, folder, {"sequence": "length"})]
    ['loss_curves_sequence_length=3_adam_relu_lr=0.001.png', 'min_test_loss_sequence.png', 'epoch_of_min_sequence.png']
    """
    if metrics.empty:
        return []
    from matplotlib import colormaps
    from sernn.connectomes.strategies import STRATEGIES

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    styles = {s: (colormaps["tab10"](i), "--" if s.startswith("r_") else "-") for i, s in enumerate(STRATEGIES)}
    species = list(dict.fromkeys(summary["species"]))
    written = []
    for key in summary[_MEMORY_COMBO].drop_duplicates().itertuples(index=False, name=None):
        task, setting, optimizer, activation, lr = key
        label = f"{task}_{setting_names[task]}={setting}_{optimizer}_{activation}_lr={lr:g}"
        fig = _loss_curves(metrics, key, species, styles, label)
        written.append(_save(fig, folder / f"loss_curves_{label}.png", 110))
    for task in dict.fromkeys(summary["task"]):
        for column, label in (("min_test_loss", "minimum test loss"), ("epoch_of_min", "epoch of minimum")):
            fig = _panel_row(summary[summary["task"] == task], "species", species,
                             (max(5.5, 4.2 * len(species)), 3.6),
                             lambda ax, name, rows: _box_panel(ax, rows, column, label, styles))
            fig.suptitle(f"{task}: {label} over seeds and settings", fontsize=9)
            written.append(_save(fig, folder / f"{column}_{task}.png", 110))
    return written


def _variant_bars(ax, rows, plateau):
    """Final validation accuracy per variant of one task, plateaued ones grey and marked."""
    rows = rows.sort_values("variant")
    colours = ["#bbbbbb" if s == "plateau" else "#4477aa" for s in rows["status"]]
    ax.bar(range(len(rows)), rows["val_accuracy"], yerr=rows["val_accuracy_sd"], color=colours, capsize=3)
    for k, status in enumerate(rows["status"]):
        if status != "learned":
            ax.text(k, 0.02, "plateau" if status == "plateau" else "part.", rotation=90, ha="center",
                    va="bottom", fontsize=8)
    ax.axhspan(*plateau, color="#ee6677", alpha=0.15, label="no-memory band")
    ax.set_xticks(range(len(rows)), rows["variant"], rotation=60, ha="right", fontsize=8)
    ax.set(ylim=(0, 1), ylabel="final validation accuracy")
    ax.legend(loc="lower right", fontsize=8)


def _variant_curves(ax, rows):
    """Validation accuracy over epochs, mean over seeds, per variant of one task."""
    for variant, part in rows.groupby("variant"):
        curve = part.groupby("epoch")["val_accuracy"].mean()
        ax.plot(curve.index, curve.values, marker="o", ms=3, label=variant)
    ax.set(xlabel="completed training epochs", ylabel="validation accuracy (mean over seeds)", ylim=(0, 1))
    ax.legend(fontsize=7)


def microns_figures(metrics: pd.DataFrame, summary: pd.DataFrame, folder, plateaus: dict) -> list:
    """The ``sernn microns`` figures, one panel per task.

    ``accuracy_by_variant.png``: final validation accuracy (mean ± s.d. over seeds)
    per variant with the no-memory band, plateaued variants grey and marked;
    ``learning_curves.png``: validation accuracy over epochs per variant.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per run and epoch (``task``, ``variant``, ``epoch``, ``val_accuracy``).
    summary : pandas.DataFrame
        One row per task and variant (``task``, ``variant``, ``val_accuracy``,
        ``val_accuracy_sd``, ``status``: ``"learned"``, ``"partly plateau"`` or ``"plateau"``).
    folder : str or pathlib.Path
        Where the PNG files go (created if missing).
    plateaus : dict
        Task -> (low, high) accuracy band without memory; its key order is the
        panel order (tasks not in it are not drawn).

    Returns
    -------
    list of pathlib.Path
        The two files written; empty when ``summary`` holds none of the tasks.

    Examples
    --------
    >>> import tempfile
    >>> metrics = pd.DataFrame(dict(task="maze", variant="W", seed=[0, 0, 1, 1], epoch=[1, 2, 1, 2],
    ...                             val_accuracy=[0.5, 0.8, 0.6, 0.9]))
    >>> summary = pd.DataFrame(dict(task=["maze"], variant=["W"], val_accuracy=[0.85],
    ...                             val_accuracy_sd=[0.07], status=["learned"]))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in microns_figures(metrics, summary, folder, {"maze": (0.58, 0.66)})]
    ['accuracy_by_variant.png', 'learning_curves.png']
    """
    tasks = [t for t in plateaus if t in set(summary.get("task", ()))]
    if not tasks:
        return []
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    size = (5 * len(tasks), 4)
    bars = _panel_row(summary, "task", tasks, size, lambda ax, task, rows: _variant_bars(ax, rows, plateaus[task]))
    curves = _panel_row(metrics, "task", tasks, size, lambda ax, task, rows: _variant_curves(ax, rows))
    return [_save(bars, folder / "accuracy_by_variant.png", 120), _save(curves, folder / "learning_curves.png", 120)]
