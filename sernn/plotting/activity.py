"""Figures of what trained networks compute (the seRNN paper's functional panels)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sernn.plotting.common import condition_colours, conditions_of, new_figure, subset

__all__ = ["figure_ev_by_window", "figure_clustering_p", "figure_correlations", "window_columns"]


def window_columns(table: pd.DataFrame, prefix: str) -> dict:
    """Columns ``<prefix>_w<k>`` of a table, by window number k (sorted).

    >>> import pandas as pd
    >>> window_columns(pd.DataFrame(columns=["ev_goal_w9", "ev_goal_w3", "energy"]), "ev_goal")
    {3: 'ev_goal_w3', 9: 'ev_goal_w9'}
    """
    pattern = re.compile(rf"^{re.escape(prefix)}_w(\d+)$")
    found = {int(m.group(1)): column for column in table.columns if (m := pattern.match(str(column)))}
    return dict(sorted(found.items()))


def figure_ev_by_window(table: pd.DataFrame, path, title: str = "") -> None:
    """Mean explained variance of goal, offered options and correct choice per window, per condition
    (mean ± 95 % normal CI over networks): the units' coding over the trial.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per network: ``condition`` and columns ``ev_goal_w<k>``, ``ev_options_w<k>``,
        ``ev_choice_w<k>`` (one panel for each that is present).
    path : path-like
        The PNG written.
    title : str, default=""
    """
    conditions = conditions_of(table)
    palette = condition_colours(conditions)
    shown = [(f"ev_{name}", label) for name, label in
             (("goal", "goal"), ("options", "offered options"), ("choice", "correct choice"))
             if window_columns(table, f"ev_{name}")]
    fig = new_figure((4.2 * max(1, len(shown)), 3.4))
    axes = np.atleast_1d(fig.subplots(1, max(1, len(shown)), sharey=True))
    for ax, (what, label) in zip(axes, shown):
        columns = window_columns(table, what)
        for condition in conditions:
            part = subset(table, condition)[list(columns.values())]
            if part.empty:
                continue
            mean, sem = part.mean(), part.sem()
            ax.errorbar(list(columns), mean.to_numpy(), yerr=1.96 * sem.fillna(0).to_numpy(), marker="o", ms=3,
                        capsize=2, color=palette[condition], label=f"{condition} (n={len(part)})")
        ax.set(xlabel="window (5 steps each)", ylabel=f"explained variance of {label}", xticks=list(columns))
    axes[0].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.savefig(path, dpi=120)


def figure_clustering_p(table: pd.DataFrame, path, windows=None, title: str = "") -> None:
    """Histograms of the spatial-clustering P_perm of goal and choice units, per window and condition.

    Clustered coding piles P_perm near 0; coding with no spatial structure spreads it uniformly.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per network: ``condition`` and columns ``p_goal_w<k>``, ``p_choice_w<k>``.
    path : path-like
    windows : sequence of int, optional
        Windows drawn (default: every window with a ``p_goal`` column).
    title : str, default=""
    """
    goal = window_columns(table, "p_goal")
    windows = list(goal) if windows is None else [w for w in windows if w in goal]
    conditions = conditions_of(table)
    palette = condition_colours(conditions)
    fig = new_figure((3.0 * max(1, len(windows)), 5.6))
    axes = np.atleast_2d(fig.subplots(2, max(1, len(windows)), squeeze=False))
    bins = np.linspace(0, 1, 11)
    for row, kind in enumerate(("goal", "choice")):
        columns = window_columns(table, f"p_{kind}")
        for col, window in enumerate(windows):
            ax = axes[row, col]
            for condition in conditions:
                values = subset(table, condition).get(columns.get(window), pd.Series(dtype=float)).dropna()
                if len(values):
                    ax.hist(values, bins=bins, weights=np.full(len(values), 1 / len(values)), histtype="step",
                            lw=1.6, color=palette[condition], label=f"{condition} (n={len(values)})")
            ax.axhline(0.1, color="0.6", lw=0.8, ls=":")
            ax.set(xlabel=f"P_perm, {kind} units, window {window}", ylabel="fraction of networks", xlim=(0, 1))
    axes[0, 0].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.savefig(path, dpi=120)


def figure_correlations(table: pd.DataFrame, path, title: str = "") -> None:
    """Correlation matrices side by side, one per condition (red positive, blue negative, r printed).

    Parameters
    ----------
    table : pandas.DataFrame
        Stacked square matrices: a ``feature`` column naming the rows, one column per feature, and a
        ``condition`` column (e.g. :func:`sernn.experiments.maze_function.functional_section`'s
        ``structure_function``).
    path : path-like
    title : str, default=""
    """
    conditions = list(dict.fromkeys(table["condition"]))
    features = [c for c in table.columns if c not in ("feature", "condition")]
    size = 0.42 * len(features) + 1.6
    fig = new_figure((size * len(conditions), size))
    axes = np.atleast_1d(fig.subplots(1, len(conditions)))
    for ax, condition in zip(axes, conditions):
        matrix = table[table["condition"] == condition].set_index("feature").loc[features, features].to_numpy(float)
        image = ax.imshow(matrix, vmin=-1, vmax=1, cmap="RdBu_r")
        for (i, j), value in np.ndenumerate(matrix):
            if np.isfinite(value) and i != j:
                ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=5)
        ax.set_xticks(range(len(features)), features, rotation=90, fontsize=6)
        ax.set_yticks(range(len(features)), features, fontsize=6)
        ax.set_title(condition, fontsize=8)
    fig.colorbar(image, ax=list(axes), shrink=0.6, label="Pearson r")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.savefig(path, dpi=120)
