"""Figures of a network's dynamics: trajectories on shared principal axes with its fixed points."""
from __future__ import annotations

import numpy as np

from sernn.plotting.common import new_figure

__all__ = ["figure_trajectories"]


def figure_trajectories(trajectories, labels, points, stable, path, *, explained=None, marks=None,
                        title: str = "") -> None:
    """Mean trajectories of trial types on two principal axes, with fixed points (stable filled, unstable open).

    Parameters
    ----------
    trajectories : array-like of shape (types, T, >= 2)
        Projected trajectories (e.g. :func:`sernn.analysis.trajectories.trajectory_pca` of the
        trial-type means); the first two axes are drawn.
    labels : sequence of str
        One label per trial type.
    points : array-like of shape (m, >= 2)
        Fixed points on the same axes.
    stable : array-like of shape (m,), bool
    path : path-like
        The PNG written.
    explained : array-like, optional
        Variance ratios of the axes (shown in the axis labels).
    marks : dict of {step: label}, optional
        Steps marked on every trajectory (e.g. the delay's start).
    title : str
    """
    trajectories = np.asarray(trajectories, dtype=float)
    points = np.asarray(points, dtype=float).reshape(-1, trajectories.shape[-1])
    stable = np.asarray(stable, dtype=bool)
    fig = new_figure((5.6, 4.6))
    ax = fig.add_subplot()
    from matplotlib import colormaps

    colours = colormaps["tab10"]
    for i, (trajectory, label) in enumerate(zip(trajectories, labels)):
        ax.plot(trajectory[:, 0], trajectory[:, 1], color=colours(i % 10), lw=1.4, label=label)
        ax.plot(trajectory[0, 0], trajectory[0, 1], "o", color=colours(i % 10), ms=3)
        for step, name in (marks or {}).items():
            if step < len(trajectory):
                ax.plot(trajectory[step, 0], trajectory[step, 1], "s", color=colours(i % 10), ms=4, mfc="white")
    if len(points):
        ax.scatter(points[stable, 0], points[stable, 1], s=70, c="black", marker="X", zorder=3,
                   label=f"stable fixed point ({int(stable.sum())})")
        ax.scatter(points[~stable, 0], points[~stable, 1], s=60, facecolors="none", edgecolors="black",
                   marker="o", zorder=3, label=f"unstable fixed point ({int((~stable).sum())})")
    names = ["PC1", "PC2"]
    if explained is not None:
        names = [f"{name} ({100 * float(value):.0f} %)" for name, value in zip(names, explained)]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if marks:
        ax.plot([], [], "s", color="grey", mfc="white", ms=4, label=", ".join(marks.values()))
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.set_title(title, fontsize=9)
    fig.savefig(path, dpi=130)
