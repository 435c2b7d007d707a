"""Figures of group comparisons: measures at matched total weight, learning outcomes by strength."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sernn.plotting.common import condition_colours, conditions_of, new_figure, subset

__all__ = ["figure_measures_vs_weight", "figure_learning_by_strength"]


def figure_measures_vs_weight(table: pd.DataFrame, labels: dict, path, title: str = "", bins: int = 8) -> None:
    """Each measure against total weight Σ|W| (log scale), one colour per condition.

    Every network is a dot; the line joins the condition's mean measure in ``bins``
    quantile bins of its log total weight, so a difference between conditions at equal
    weight can be told from a difference in weight.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per network: ``condition``, ``total_weight`` and the measures.
    labels : dict
        Measure column -> axis label (one panel each).
    path : path-like
        The PNG written.
    title : str, default=""
    bins : int, default=8
    """
    from matplotlib.ticker import NullFormatter

    fig = new_figure((4.2 * min(3, len(labels)), 3.4 * int(np.ceil(len(labels) / 3))))
    axes = np.atleast_1d(fig.subplots(int(np.ceil(len(labels) / 3)), min(3, len(labels)), squeeze=False)).ravel()
    conditions = conditions_of(table)
    palette = condition_colours(conditions)
    for ax, (measure, label) in zip(axes, labels.items()):
        for condition in conditions:
            part = subset(table, condition)[["total_weight", measure]].dropna()
            part = part[part["total_weight"] > 0]
            if part.empty:
                continue
            ax.scatter(part["total_weight"], part[measure], s=8, alpha=0.45, color=palette[condition],
                       label=f"{condition} (n={len(part)})")
            edges = np.unique(np.quantile(np.log(part["total_weight"]), np.linspace(0, 1, bins + 1)))
            if len(edges) > 2:
                which = np.clip(np.searchsorted(edges, np.log(part["total_weight"]), side="right") - 1, 0,
                                len(edges) - 2)
                means = part.groupby(which).mean()
                ax.plot(means["total_weight"], means[measure], color=palette[condition], lw=1.6)
        ax.set(xscale="log", xlabel="total weight Σ|W|", ylabel=label)
        ax.xaxis.set_minor_formatter(NullFormatter())  # the log axis's minor labels overlap
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.savefig(path, dpi=120)


def figure_learning_by_strength(learning: pd.DataFrame, path, outcomes=("success", "plateau", "collapse"),
                                title: str = "") -> None:
    """Learning outcomes against regularisation strength, one panel per condition (each over its own strength
    range): each outcome's rate per strength bin with its Wilson 95 % interval.

    Parameters
    ----------
    learning : pandas.DataFrame
        One row per condition and strength bin (:func:`sernn.analysis.learning.learning_table` with
        ``by=["condition", "strength_bin"]``, the report's ``learning.csv``): ``strength_bin`` as
        ``"[low, high)"``, and ``<outcome>_rate``, ``<outcome>_low``, ``<outcome>_high``.
    path : path-like
        The PNG written.
    outcomes : sequence of str, default=("success", "plateau", "collapse")
        One line each.
    title : str
    """
    from matplotlib import colormaps

    frame = learning.copy()
    bounds = frame["strength_bin"].astype(str).str.extract(r"([0-9.eE+-]+),\s*([0-9.eE+-]+)").astype(float)
    frame["middle"] = bounds.mean(axis=1)
    conditions = conditions_of(frame)
    fig = new_figure((3.8 * len(conditions), 3.3))
    axes = fig.subplots(1, len(conditions), sharey=True, squeeze=False)[0]
    colours = colormaps["tab10"]
    for ax, condition in zip(axes, conditions):
        part = subset(frame, condition).sort_values("middle")
        for i, outcome in enumerate(outcomes):
            ax.plot(part["middle"], part[f"{outcome}_rate"], "o-", ms=3, color=colours(i), label=outcome)
            ax.fill_between(part["middle"], part[f"{outcome}_low"], part[f"{outcome}_high"], color=colours(i),
                            alpha=0.2, lw=0)
        ax.set_title(f"{condition} (n = {int(part['n'].sum())})" if "n" in part else str(condition), fontsize=9)
        ax.set_xlabel("regularisation strength λ (bin middle)")
        ax.set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("fraction of networks (Wilson 95 % CI)")
    axes[0].legend(fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.savefig(path, dpi=130)
