"""Neuron positions for an expanded connectome: region centroids plus seeded jitter.

A connectome-expanded network has no neuron coordinates of its own. To train it
with a wiring-cost regulariser (e.g. ``sernn.regularizers.SpatialCommunicability``)
each neuron is placed at its region's centroid plus an isotropic Gaussian
offset (standard deviation ``jitter``, in the centroids' unit), drawn with an
explicit seed. Neurons of one region then sit close together, and distances
between regions follow the centroids.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sernn.spatial import check_coordinates, distance_matrix

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
    (1.0 if all centroids coincide)."""
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
    """
    anchor = region_centroids(centroids, network.connectome.names)
    if jitter is None:
        jitter = default_jitter(anchor)
    if isinstance(jitter, bool) or not isinstance(jitter, numbers.Real):
        raise TypeError(f"jitter must be a finite number >= 0 (a standard deviation), got {jitter!r}")
    if not np.isfinite(jitter) or jitter < 0:
        raise ValueError(f"jitter must be a finite number >= 0 (a standard deviation), got {jitter!r}")
    rng = np.random.default_rng(seed)
    offsets = rng.normal(0.0, float(jitter), size=(network.n_units, 3))
    return anchor[network.region_index] + offsets
