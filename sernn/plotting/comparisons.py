"""Figures of group comparisons at matched total weight."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sernn.plotting.common import condition_colours, conditions_of, new_figure, subset

__all__ = ["figure_measures_vs_weight"]


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
