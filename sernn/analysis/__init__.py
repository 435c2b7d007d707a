"""Topology of trained recurrent networks (numpy/scipy/bctpy; never imports Keras).

=====================================  ============================================
:func:`topology`                       every measure of one weight matrix (a dict)
:func:`topology_history`               the same for every epoch of a weight history
:func:`binarize`                       proportional threshold + symmetrisation
:func:`small_worldness`                σ against vectorised G(n, m) nulls
:func:`spectral_modularity`            Newman's spectral partition (the paper's Q)
:func:`louvain`, :func:`modularity_q`  Louvain partition and Newman Q
:func:`directed_modularity`            Leicht–Newman directed spectral partition and Q
:func:`spectral_entropy`               entropy of the eigenvalue magnitudes
:func:`communicability_entropy`        entropy of the weighted communicability
:func:`modules`                        the partition and Q of a recipe (``RECIPES``)
:mod:`sernn.analysis.statistics`       Wilson/Newcombe/bootstrap CIs, effect sizes, tests
:mod:`sernn.analysis.learning`         success, plateau and collapse of training runs
:mod:`sernn.analysis.findings`         per-group statistics, comparisons and claims
=====================================  ============================================

:func:`sernn.analysis.folder.analyze_folder` applies them to a benchmark output
folder (``sernn analyze``); :mod:`sernn.analysis.statistics` and
:mod:`sernn.analysis.learning` give the confidence intervals, tests and learning
outcomes of ``sernn report``. Figures live in :mod:`sernn.plotting`.
See ``docs/analysis.md`` for the definitions and conventions.
"""
from sernn.analysis.binary_measures import clustering_coefficients, path_length
from sernn.analysis.entropy import communicability_entropy, spectral_entropy
from sernn.analysis.graph import binarize, check_weights, proportional_threshold, symmetrize
from sernn.analysis.metrics import (
    degree_assortativity,
    total_weight,
    weight_distance_correlation,
    kde_entropy,
    row_entropy,
    weight_entropy,
    weighted_clustering,
    wiring_cost,
)
from sernn.analysis.modularity import (
    directed_modularity,
    directed_modularity_q,
    louvain,
    modularity_q,
    spectral_modularity,
)
from sernn.analysis.null_graphs import random_graphs
from sernn.analysis.smallworld import small_worldness
from sernn.analysis.topology import RECIPES, SCALAR_KEYS, modules, topology, topology_history

__all__ = [
    "topology",
    "topology_history",
    "SCALAR_KEYS",
    "RECIPES",
    "modules",
    "spectral_modularity",
    "binarize",
    "check_weights",
    "proportional_threshold",
    "symmetrize",
    "small_worldness",
    "clustering_coefficients",
    "path_length",
    "random_graphs",
    "louvain",
    "modularity_q",
    "directed_modularity",
    "directed_modularity_q",
    "total_weight",
    "wiring_cost",
    "weight_distance_correlation",
    "weighted_clustering",
    "weight_entropy",
    "row_entropy",
    "kde_entropy",
    "spectral_entropy",
    "communicability_entropy",
    "degree_assortativity",
]
