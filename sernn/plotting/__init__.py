"""Every figure of the package (matplotlib, imported only when a figure is drawn).

Each function takes tables or arrays and a path, draws one figure and saves it
as PNG; none computes an analysis itself. ``sernn analyze`` and ``sernn report``
call those of :mod:`sernn.plotting.analysis`, :mod:`sernn.plotting.comparisons` and
:mod:`sernn.plotting.activity` (what the units compute) and :mod:`sernn.plotting.dynamics` (trajectories and
fixed points);
:func:`memory_figures` and :func:`microns_figures` (:mod:`sernn.plotting.benchmarks`)
draw the figures of the ``sernn memory`` and ``sernn microns`` benchmarks.
"""
from sernn.plotting.activity import figure_clustering_p, figure_correlations, figure_ev_by_window
from sernn.plotting.analysis import (figure_accuracy, figure_accuracy_bands, figure_against_strength,
                                     figure_matrix, figure_measure_bands, figure_over_epochs, figure_units_3d)
from sernn.plotting.benchmarks import memory_figures, microns_figures
from sernn.plotting.common import CONDITION_ORDER, FIGURE_METRICS
from sernn.plotting.comparisons import figure_learning_by_strength, figure_measures_vs_weight
from sernn.plotting.dynamics import figure_trajectories

__all__ = ["FIGURE_METRICS", "CONDITION_ORDER", "figure_accuracy", "figure_over_epochs", "figure_against_strength",
           "figure_matrix", "figure_units_3d", "figure_measure_bands", "figure_accuracy_bands", "memory_figures",
           "microns_figures", "figure_measures_vs_weight", "figure_ev_by_window", "figure_clustering_p",
           "figure_correlations", "figure_trajectories", "figure_learning_by_strength"]
