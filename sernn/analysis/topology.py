"""All topology measures of one weight matrix, or of every epoch of a weight history.

:func:`topology` is the one call that the analysis of trained networks needs;
:func:`topology_history` maps it over the snapshots saved during training
(:class:`sernn.callbacks.WeightHistory`) and returns one row per epoch.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sernn.analysis.entropy import communicability_entropy, spectral_entropy
from sernn.analysis.graph import binarize, check_weights
from sernn.analysis.metrics import (
    degree_assortativity,
    kde_entropy,
    row_entropy,
    total_weight,
    weight_distance_correlation,
    weight_entropy,
    weighted_clustering,
    wiring_cost,
)
from sernn.analysis.modularity import directed_modularity, louvain, spectral_modularity
from sernn.analysis.smallworld import small_worldness
from sernn.validation import check_option

__all__ = ["topology", "topology_history", "modules", "SCALAR_KEYS", "RECIPES"]

#: Analysis recipes: name -> how modularity is computed (every other measure is the same in both).
RECIPES = {
    "paper": "Newman spectral modularity with fine-tuning on the weighted (|W| + |W|.T) / 2, "
             "diagonal zeroed (the seRNN paper's modularity_und on |W|)",
    "binary": "Louvain (bctpy community_louvain, seeded) on the binary top-density graph",
}

#: The scalar results of :func:`topology`, in the column order of :func:`topology_history`.
SCALAR_KEYS = (
    "modularity",
    "n_modules",
    "modularity_directed",
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
    "row_entropy",
    "kde_entropy",
    "assortativity",
    "mean_communicability",
    "spectral_entropy",
    "communicability_entropy",
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


def _directed_q(W) -> float:
    """Leicht–Newman Q of the directed spectral partition of ``|W|``, diagonal zeroed (any recipe)."""
    A = np.abs(W)
    np.fill_diagonal(A, 0.0)
    return directed_modularity(A)[1]


def _check_recipe(recipe) -> str:
    return check_option(recipe, "recipe", RECIPES)


def modules(W, recipe: str = "paper", density: float = 0.1, seed: int = 0):
    """The module partition and Q of a weight matrix under an analysis recipe.

    ``recipe="paper"``: :func:`sernn.analysis.spectral_modularity` of the
    weighted, unthresholded ``S = (|W| + |W|.T) / 2`` with the diagonal zeroed
    (deterministic; ``density`` and ``seed`` are not used). ``recipe="binary"``:
    :func:`sernn.analysis.louvain` of the top-``density`` binary graph of
    :func:`sernn.analysis.binarize`, seeded.

    Parameters
    ----------
    W : array-like of shape (n, n)
        Recurrent weights (signs ignored).
    recipe : {"paper", "binary"}, default="paper"
        How modularity is computed (:data:`RECIPES`).
    density : float, default=0.1
        Fraction of off-diagonal weights kept (``"binary"`` recipe only).
    seed : int, default=0
        Seed of the Louvain node order (``"binary"`` recipe only).

    Returns
    -------
    partition : ndarray of shape (n,), int
    Q : float

    Examples
    --------
    Two blocks of 3 units with weights 1 inside and 0.1 between. The paper's
    recipe works on the weights: 12 of the total 13.8 lie inside the modules,
    each module holds half of the strength, so ``Q = 12/13.8 - 1/2``:

    >>> import numpy as np
    >>> W = np.full((6, 6), 0.1)
    >>> W[:3, :3] = W[3:, 3:] = 1.0
    >>> partition, q = modules(W)
    >>> partition.tolist(), round(q, 4), round(12 / 13.8 - 0.5, 4)
    ([0, 0, 0, 1, 1, 1], 0.3696, 0.3696)

    The binary recipe keeps the 6 strongest of the 15 pairs (``density=0.4``),
    two separate triangles, whose ``Q = 1 - 2 (1/2)^2``:

    >>> partition, q = modules(W, recipe="binary", density=0.4)
    >>> partition.tolist(), round(q, 4)
    ([0, 0, 0, 1, 1, 1], 0.5)
    """
    recipe = _check_recipe(recipe)
    W = check_weights(W)
    if recipe == "paper":
        S = (np.abs(W) + np.abs(W).T) / 2.0
        np.fill_diagonal(S, 0.0)
        return spectral_modularity(S)
    A, _ = binarize(W, density)
    return louvain(A.astype(np.float64), seed=seed)


def topology(W, coordinates=None, density: float = 0.1, n_nulls: int = 1000, seed: int = 0,
             entropy_bins: int = 50, recipe: str = "paper") -> dict:
    """Topology of one recurrent weight matrix, as the seRNN analysis defines it.

    Two recipes differ only in the modularity (see :data:`RECIPES` and
    :func:`modules`): ``"paper"`` (default) follows the seRNN paper (Achterberg
    et al., Nature Machine Intelligence 2023): Newman's spectral modularity with fine-tuning on the
    weighted, unthresholded ``|W|``, symmetrised as ``(|W| + |W|.T) / 2``;
    ``"binary"`` is Louvain on the thresholded binary graph. In both, the
    binary measures (clustering, path length, small-worldness, assortativity)
    use the graph of :func:`sernn.analysis.graph.binarize`: the top ``density``
    fraction of off-diagonal ``|W|``, symmetrised as ``A or A.T``, without
    self-loops; the weighted measures use ``|W|``.

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
        Seed of the null graphs (and of the Louvain node order, binary recipe).
    entropy_bins : int, default=50
        Histogram bins of ``weight_entropy``.
    recipe : {"paper", "binary"}, default="paper"
        How modularity is computed (:data:`RECIPES`).

    Returns
    -------
    result : dict
        Scalars (see :data:`SCALAR_KEYS`):

        - ``modularity`` (Newman Q, γ = 1, of the recipe's partition) and
          ``n_modules``;
        - ``small_worldness`` σ, ``clustering`` (mean binary clustering),
          ``path_length`` (mean over connected pairs), ``efficiency``,
          ``connected_fraction``, and the null means/SDs;
        - ``total_weight`` (Σ|W|), ``wiring_cost`` (Σ|W|∘D),
          ``weight_distance_corr`` (Pearson) and ``weight_distance_spearman``
          over non-zero off-diagonal weights;
        - ``modularity_directed``: Leicht–Newman directed Q of the directed
          spectral partition of the weighted ``|W|``, not symmetrised, diagonal
          zeroed (:func:`sernn.analysis.directed_modularity`; any recipe);
        - ``weighted_clustering``, ``assortativity``, ``mean_communicability``
          (mean off-diagonal communicability);
        - two entropies in nats: ``spectral_entropy`` (of the normalised
          eigenvalue magnitudes of the signed ``W``,
          :func:`sernn.analysis.spectral_entropy`) and
          ``communicability_entropy`` (of the normalised off-diagonal
          communicability, :func:`sernn.analysis.communicability_entropy`);
        - three entropies, in bits: ``row_entropy`` (the mean entropy of each
          unit's outgoing weights, :func:`sernn.analysis.row_entropy`: the
          spatial-embedding-and-entropy study's), ``kde_entropy`` (of a Gaussian
          KDE of the weights, :func:`sernn.analysis.kde_entropy`: the MICrONS
          study's) and ``weight_entropy`` (a 50-bin histogram of the non-zero
          ``|W|``, sernn's own);
        - ``density_target``, ``density`` (of the symmetrised graph), ``edges``;

        plus ``partition`` (ndarray (n,), module of every unit), ``recipe``,
        ``threshold_rule`` (text), ``null_model`` (text) and ``adjacency``
        (ndarray (n, n) bool, the analysed graph).

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.spatial import grid_coordinates
    >>> W = np.random.default_rng(0).normal(size=(27, 27))
    >>> result = topology(W, grid_coordinates((3, 3, 3)), n_nulls=100)
    >>> result["recipe"], result["n_modules"], round(result["total_weight"], 2)
    ('paper', 2, 580.21)
    """
    W = check_weights(W)
    return _analyse(W, _distances(coordinates, W.shape[0]), density, n_nulls, seed, entropy_bins,
                    _check_recipe(recipe))


def _analyse(W, D, density, n_nulls, seed, entropy_bins, recipe) -> dict:
    """:func:`topology` of a checked matrix with a precomputed distance matrix (or None)."""
    A, rule = binarize(W, density)
    if recipe == "binary":
        partition, q = louvain(A.astype(np.float64), seed=seed)
    else:
        partition, q = modules(W, recipe)
    result = {"modularity": q, "n_modules": int(np.unique(partition).size),
              "modularity_directed": _directed_q(W)}
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
        row_entropy=row_entropy(W),
        kde_entropy=kde_entropy(W),
        assortativity=degree_assortativity(A),
        mean_communicability=_mean_communicability(W),
        spectral_entropy=spectral_entropy(W),
        communicability_entropy=communicability_entropy(W),
        density_target=rule["density_target"],
        density=rule["density"],
        edges=rule["edges"],
        partition=partition,
        recipe=recipe,
        threshold_rule=rule["rule"],
        adjacency=A,
    )
    return result


def topology_history(history, coordinates=None, epochs=None, density: float = 0.1,
                     n_nulls: int = 1000, seed: int = 0, entropy_bins: int = 50,
                     progress=None, recipe: str = "paper") -> pd.DataFrame:
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
    density, n_nulls, seed, entropy_bins, recipe
        As in :func:`topology`.
    progress : callable, optional
        Called as ``progress(index, total, seconds)`` after every snapshot.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``epoch`` (the number of completed training epochs, 0 =
        untrained, when the history comes from ``WeightHistory``), ``recipe``
        and :data:`SCALAR_KEYS`.

    Examples
    --------
    Two snapshots, the second with every weight doubled: the total weight
    doubles, while modularity and small-worldness (scale-free measures,
    same seed) stay the same:

    >>> import numpy as np
    >>> W = np.random.default_rng(0).normal(size=(12, 12))
    >>> table = topology_history(np.stack([W, 2 * W]), epochs=[0, 5], n_nulls=20)
    >>> table.shape, table.columns[:4].tolist()
    ((2, 33), ['epoch', 'recipe', 'modularity', 'n_modules'])
    >>> table["epoch"].tolist()
    [0, 5]
    >>> bool(np.allclose(table["total_weight"], [np.abs(W).sum(), 2 * np.abs(W).sum()]))
    True
    >>> bool(table["modularity"].nunique() == 1 and table["small_worldness"].nunique() == 1)
    True
    """
    recipe = _check_recipe(recipe)
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
                          entropy_bins, recipe)
        rows.append({"epoch": int(epoch), "recipe": recipe, **{key: result[key] for key in SCALAR_KEYS}})
        if progress is not None:
            progress(index, len(epochs), time.perf_counter() - start)
    return pd.DataFrame(rows, columns=["epoch", "recipe", *SCALAR_KEYS])
