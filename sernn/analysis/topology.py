"""All topology measures of one weight matrix, or of every epoch of a weight history.

:func:`topology` is the one call that the analysis of trained networks needs;
:func:`topology_history` maps it over the snapshots saved during training
(:class:`sernn.callbacks.WeightHistory`) and returns one row per epoch.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sernn.analysis.graph import binarize, check_weights
from sernn.analysis.metrics import (
    degree_assortativity,
    total_weight,
    weight_distance_correlation,
    weight_entropy,
    weighted_clustering,
    wiring_cost,
)
from sernn.analysis.modularity import louvain
from sernn.analysis.smallworld import small_worldness

__all__ = ["topology", "topology_history", "SCALAR_KEYS"]

#: The scalar results of :func:`topology`, in the column order of :func:`topology_history`.
SCALAR_KEYS = (
    "modularity",
    "n_modules",
    "small_worldness",
    "small_worldness_se",
    "clustering",
    "path_length",
    "efficiency",
    "connected_fraction",
    "clustering_null",
    "path_length_null",
    "efficiency_null",
    "clustering_null_sd",
    "path_length_null_sd",
    "null_connected_fraction",
    "n_nulls",
    "total_weight",
    "wiring_cost",
    "weight_distance_corr",
    "weight_distance_spearman",
    "weighted_clustering",
    "weight_entropy",
    "assortativity",
    "mean_communicability",
    "density_target",
    "density",
    "edges",
)


def _distances(coordinates, n):
    if coordinates is None:
        return None
    from sernn.spatial import check_coordinates, distance_matrix

    coordinates = check_coordinates(coordinates)
    if coordinates.shape[0] != n:
        raise ValueError(
            f"coordinates must have one row per unit ({n}); got {coordinates.shape[0]} rows"
        )
    return distance_matrix(coordinates)


def _mean_communicability(W) -> float:
    from sernn.communicability import communicability

    C = np.asarray(communicability(W), dtype=np.float64)
    n = C.shape[0]
    return float((C.sum() - np.trace(C)) / (n * (n - 1)))


def topology(W, coordinates=None, density: float = 0.1, n_nulls: int = 1000, seed: int = 0,
             entropy_bins: int = 50) -> dict:
    """Topology of one recurrent weight matrix, as the seRNN analysis defines it.

    The binary measures (modularity, clustering, path length, small-worldness,
    assortativity) use the graph of :func:`sernn.analysis.graph.binarize`: the
    top ``density`` fraction of off-diagonal ``|W|``, symmetrised as
    ``A or A.T``, without self-loops. The weighted measures use ``|W|``.

    Parameters
    ----------
    W : array-like of shape (n, n)
        Recurrent weights, Keras layout (``W[i, j]`` from unit i to unit j).
    coordinates : array-like of shape (n, 3), optional
        Unit positions; needed for the wiring cost and the weight–distance
        correlations (NaN without them).
    density : float, default=0.1
        Proportional threshold: fraction of off-diagonal weights kept.
    n_nulls : int, default=1000
        Number of Erdős–Rényi ``G(n, m)`` null graphs for small-worldness.
    seed : int, default=0
        Seed of the Louvain node order and of the null graphs.
    entropy_bins : int, default=50
        Histogram bins of the weight entropy.

    Returns
    -------
    result : dict
        Scalars (see :data:`SCALAR_KEYS`):

        - ``modularity`` (Newman Q of the Louvain partition, γ = 1) and
          ``n_modules``;
        - ``small_worldness`` σ, ``clustering`` (mean binary clustering),
          ``path_length`` (mean over connected pairs), ``efficiency``,
          ``connected_fraction``, and the null means/SDs;
        - ``total_weight`` (Σ|W|), ``wiring_cost`` (Σ|W|∘D),
          ``weight_distance_corr`` (Pearson) and ``weight_distance_spearman``
          over non-zero off-diagonal weights;
        - ``weighted_clustering``, ``weight_entropy`` (bits), ``assortativity``,
          ``mean_communicability`` (mean off-diagonal communicability);
        - ``density_target``, ``density`` (of the symmetrised graph), ``edges``;

        plus ``partition`` (ndarray (n,), module of every unit),
        ``threshold_rule`` (text), ``null_model`` (text) and ``adjacency``
        (ndarray (n, n) bool, the analysed graph).
    """
    W = check_weights(W)
    return _analyse(W, _distances(coordinates, W.shape[0]), density, n_nulls, seed, entropy_bins)


def _analyse(W, D, density, n_nulls, seed, entropy_bins) -> dict:
    """:func:`topology` of a checked matrix with a precomputed distance matrix (or None)."""
    A, rule = binarize(W, density)
    partition, q = louvain(A.astype(np.float64), seed=seed)
    result = {"modularity": q, "n_modules": int(np.unique(partition).size)}
    result.update(small_worldness(A, n_nulls=n_nulls, seed=seed))
    if D is None:
        cost, pearson, spearman = np.nan, np.nan, np.nan
    else:
        cost = wiring_cost(W, D)
        pearson, spearman = weight_distance_correlation(W, D)
    result.update(
        total_weight=total_weight(W),
        wiring_cost=cost,
        weight_distance_corr=pearson,
        weight_distance_spearman=spearman,
        weighted_clustering=weighted_clustering(W),
        weight_entropy=weight_entropy(W, bins=entropy_bins),
        assortativity=degree_assortativity(A),
        mean_communicability=_mean_communicability(W),
        density_target=rule["density_target"],
        density=rule["density"],
        edges=rule["edges"],
        partition=partition,
        threshold_rule=rule["rule"],
        adjacency=A,
    )
    return result


def topology_history(history, coordinates=None, epochs=None, density: float = 0.1,
                     n_nulls: int = 1000, seed: int = 0, entropy_bins: int = 50,
                     progress=None) -> pd.DataFrame:
    """:func:`topology` of every snapshot of a weight history, one row per epoch.

    Every snapshot is analysed with the same ``seed`` (the same null-graph
    stream and Louvain order), so that differences between epochs come from
    the weights, not from the random numbers.

    Parameters
    ----------
    history : array-like of shape (epochs, n, n)
        Weight snapshots, e.g. ``WeightHistory.snapshots`` or the
        ``recurrent_kernel`` array of a saved ``history.npz``.
    coordinates : array-like of shape (n, 3), optional
        Unit positions (for wiring cost and weight–distance correlations).
    epochs : array-like of int, optional
        Epoch number of every snapshot (default ``0, 1, ...``).
    density, n_nulls, seed, entropy_bins
        As in :func:`topology`.
    progress : callable, optional
        Called as ``progress(index, total, seconds)`` after every snapshot.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``epoch`` followed by :data:`SCALAR_KEYS`.
    """
    history = np.asarray(history)
    if history.ndim != 3 or history.shape[1] != history.shape[2]:
        raise ValueError(f"history must have shape (epochs, n, n); got {history.shape}")
    if epochs is None:
        epochs = np.arange(history.shape[0])
    epochs = np.asarray(epochs)
    if epochs.shape != (history.shape[0],):
        raise ValueError(
            f"epochs must give one number per snapshot ({history.shape[0]}); got shape {epochs.shape}"
        )
    D = _distances(coordinates, history.shape[1])
    rows = []
    for index, (epoch, W) in enumerate(zip(epochs, history)):
        start = time.perf_counter()
        result = _analyse(check_weights(W, name="history[epoch]"), D, density, n_nulls, seed,
                          entropy_bins)
        rows.append({"epoch": int(epoch), **{key: result[key] for key in SCALAR_KEYS}})
        if progress is not None:
            progress(index, len(epochs), time.perf_counter() - start)
    return pd.DataFrame(rows, columns=["epoch", *SCALAR_KEYS])
