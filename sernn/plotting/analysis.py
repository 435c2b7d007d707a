"""The figures of ``sernn analyze`` and ``sernn report``: accuracy, measures over epochs and strength, weight matrices, units in 3-D, CI bands."""
from __future__ import annotations


import numpy as np
import pandas as pd

from sernn.plotting.common import condition_colours, FIGURE_METRICS, conditions_of, new_figure, subset


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


def figure_accuracy(metrics: pd.DataFrame, path, benchmark=None) -> bool:
    """Validation accuracy over epochs, mean ± SD over runs per condition.

    For the maze benchmark the no-memory ceiling (5/8) is drawn as a guide.
    """
    if metrics.empty or "val_accuracy" not in metrics.columns:
        return False
    conditions = conditions_of(metrics)
    colours = condition_colours(conditions)
    fig = new_figure((6, 4))
    ax = fig.add_subplot()
    for condition in conditions:
        _band(ax, subset(metrics, condition), "epoch", "val_accuracy", colours[condition],
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
    conditions = conditions_of(table)
    colours = condition_colours(conditions)
    fig = new_figure((10, 7))
    axes = fig.subplots(2, 2).ravel()
    for ax, (column, label) in zip(axes, FIGURE_METRICS.items()):
        for condition in conditions:
            _band(ax, subset(table, condition), "epoch", column, colours[condition],
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
    conditions = conditions_of(frame)
    colours = condition_colours(conditions)
    fig = new_figure((10, 7))
    axes = fig.subplots(2, 2).ravel()
    has_strength = "strength" in frame.columns
    for ax, (column, label) in zip(axes, FIGURE_METRICS.items()):
        for condition in conditions:
            part = subset(frame, condition)
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
    fig = new_figure((6.2, 5.4))
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
    fig = new_figure((7, 6))
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
    for condition in conditions_of(bands):
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
    fig = new_figure((4.6 * columns, 3.6 * rows))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    colours = condition_colours(conditions_of(bands))
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
    fig = new_figure((6, 4))
    ax = fig.add_subplot()
    _band_lines(ax, bands, "epoch", condition_colours(conditions_of(bands)))
    if threshold is not None:
        ax.axhline(threshold, color="k", ls="--", lw=0.8, label=f"threshold {threshold}")
    if plateau is not None:
        ax.axhspan(*plateau, color="grey", alpha=0.15, label="no-memory plateau")
    ax.set(xlabel="completed training epochs", ylabel="validation accuracy", ylim=(0, 1.02),
           title="Validation accuracy, all networks (mean, 95 % CI)")
    ax.legend(fontsize=7)
    fig.savefig(path, dpi=120)


