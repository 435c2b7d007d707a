"""Neuron positions for an expanded connectome: region centroids plus seeded jitter.

A connectome-expanded network has no neuron coordinates of its own. To train it
with a wiring-cost regulariser (e.g. ``sernn.regularizers.SpatialCommunicability``)
each neuron is placed at its region's centroid plus an isotropic Gaussian
offset (standard deviation ``jitter``, in the centroids' unit), drawn with an
explicit seed. Neurons of one region then sit close together, and distances
between regions follow the centroids.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sernn.spatial import check_coordinates, distance_matrix
from sernn.validation import check_real, check_seed

__all__ = ["neuron_positions", "region_centroids", "default_jitter"]


def region_centroids(centroids, names) -> np.ndarray:
    """Region centroids as an ``(n_regions, 3)`` array in the order of ``names``.

    Parameters
    ----------
    centroids : array-like of shape (n_regions, 3), mapping or DataFrame
        An array in the connectome's region order; a mapping ``name -> (x, y, z)``;
        or a DataFrame indexed by region name with three coordinate columns
        (``x, y, z`` if present, otherwise its three columns).
    names : sequence of str
        The region names (connectome order).

    Returns
    -------
    ndarray of shape (n_regions, 3), float64

    Examples
    --------
    >>> region_centroids({"B": (1, 0, 0), "A": (0, 0, 0)}, names=["A", "B"]).tolist()
    [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [0, 3], "y": [0, 4], "z": [0, 0]}, index=["A", "B"])
    >>> region_centroids(table, ["B", "A"]).tolist()     # reordered to the connectome's order
    [[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]]
    """
    names = list(names)
    if isinstance(centroids, pd.DataFrame):
        columns = [c for c in ("x", "y", "z") if c in centroids.columns] or list(centroids.columns)
        if len(columns) != 3:
            raise ValueError(f"centroids table must have x, y, z columns (or exactly 3 columns), "
                             f"got {list(centroids.columns)}")
        centroids = {str(k): row for k, row in zip(centroids.index, centroids[columns].to_numpy())}
    if isinstance(centroids, Mapping):
        missing = [name for name in names if name not in centroids]
        if missing:
            raise ValueError(f"centroids has no coordinates for regions {missing[:10]} "
                             f"({len(missing)} of {len(names)} missing)")
        centroids = [centroids[name] for name in names]
    array = check_coordinates(centroids, name="centroids")
    if array.shape[0] != len(names):
        raise ValueError(f"centroids has {array.shape[0]} rows but the connectome has {len(names)} "
                         "regions; give one (x, y, z) per region, in the connectome's order")
    return array


def default_jitter(centroids) -> float:
    """One tenth of the median nearest-neighbour distance between centroids
    (1.0 if all centroids coincide).

    Examples
    --------
    The nearest-neighbour distances of these three points are 2, 2 and 5
    (median 2):

    >>> default_jitter([[0, 0, 0], [2, 0, 0], [0, 5, 0]])
    0.2
    >>> default_jitter([[1, 1, 1], [1, 1, 1]])
    1.0
    """
    dist = distance_matrix(centroids)
    np.fill_diagonal(dist, np.inf)
    nearest = dist.min(axis=1)
    nearest = nearest[np.isfinite(nearest) & (nearest > 0)]
    return float(0.1 * np.median(nearest)) if nearest.size else 1.0


def neuron_positions(network, centroids, jitter=None, seed=None) -> np.ndarray:
    """Coordinates of every neuron of an expanded network.

    Parameters
    ----------
    network : ExpandedNetwork
        From :func:`sernn.connectomes.expand`.
    centroids : array-like of shape (n_regions, 3), mapping or DataFrame
        Region centroids, see :func:`region_centroids` (any length unit; the
        result is in the same unit).
    jitter : float >= 0, optional
        Standard deviation of the Gaussian offset of each neuron from its
        region's centroid, per axis, in the centroids' unit. Default: one tenth
        of the median nearest-neighbour distance between centroids
        (:func:`default_jitter`). ``0`` puts all neurons of a region on its centroid.
    seed : int or None
        Seed of the offsets. Same seed, same positions.

    Returns
    -------
    ndarray of shape (n_units, 3), float64
        Row ``a`` is the position of neuron ``a`` (pass it as ``coordinates`` to
        the spatial regularisers).

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.connectomes import expand, from_array
    >>> net = expand(from_array([[0, 1.0], [1.0, 0]], ["A", "B"]), neurons_per_region=2, seed=0)
    >>> centroids = {"A": (0, 0, 0), "B": (10, 0, 0)}
    >>> neuron_positions(net, centroids, jitter=0).tolist()   # every neuron on its centroid
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [10.0, 0.0, 0.0]]

    With ``jitter``, the offsets are seeded Gaussian draws:

    >>> positions = neuron_positions(net, centroids, jitter=0.5, seed=1)
    >>> anchor = np.array([[0, 0, 0], [0, 0, 0], [10, 0, 0], [10, 0, 0]])
    >>> offsets = np.random.default_rng(1).normal(0.0, 0.5, size=(4, 3))
    >>> bool(np.allclose(positions, anchor + offsets))
    True
    """
    anchor = region_centroids(centroids, network.connectome.names)
    if jitter is None:
        jitter = default_jitter(anchor)
    jitter = check_real(jitter, "jitter", low=0)
    rng = np.random.default_rng(check_seed(seed, allow_generator=True))
    offsets = rng.normal(0.0, float(jitter), size=(network.n_units, 3))
    return anchor[network.region_index] + offsets
