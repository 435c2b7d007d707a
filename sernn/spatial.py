"""Neuron positions in 3-D space and the distance matrices built from them.

Everything here is plain numpy; coordinates are ``(n, 3)`` float64 arrays, one
row per unit, in a single length unit (micrometres for real tissue, "grid
units" for the built-in grid).

The published seRNN places its 100 units on an even 5 x 5 x 4 grid with unit
spacing (:func:`grid_coordinates` with its defaults); its mean off-diagonal
distance is 3.06 and its largest distance sqrt(41) = 6.40.
"""
from __future__ import annotations

import numpy as np

from sernn.validation import (
    check_array,
    check_integer,
    check_option,
    check_real,
    describe,
)

__all__ = [
    "DEFAULT_GRID",
    "LENGTH_UNITS_UM",
    "DEFAULT_VOXEL_SIZE_NM",
    "grid_coordinates",
    "check_coordinates",
    "coordinates_from_table",
    "distance_matrix",
    "mean_distance",
    "mean_pairwise_distance",
]

#: Grid of the published seRNN: 5 x 5 x 4 = 100 units.
DEFAULT_GRID = (5, 5, 4)

#: Length units accepted by :func:`coordinates_from_table`, in micrometres.
LENGTH_UNITS_UM = {"nm": 1e-3, "um": 1.0, "µm": 1.0, "mm": 1e3}

#: MICrONS (minnie65) voxel size in nanometres (x, y, z).
DEFAULT_VOXEL_SIZE_NM = (4.0, 4.0, 40.0)


def grid_coordinates(shape=DEFAULT_GRID, spacing: float = 1.0) -> np.ndarray:
    """Coordinates of units on an even 3-D grid.

    Parameters
    ----------
    shape : tuple of 3 ints, default=(5, 5, 4)
        Number of grid points along x, y and z. The product is the number of units.
    spacing : float, default=1.0
        Distance between neighbouring grid points.

    Returns
    -------
    coordinates : ndarray of shape (prod(shape), 3), float64
        Unit ``i`` sits at ``(x, y, z)`` with z varying fastest, then y, then x
        (C order), i.e. unit ``i = (x * ny + y) * nz + z``.

    Examples
    --------
    >>> from sernn.spatial import grid_coordinates
    >>> grid_coordinates((2, 2, 1), spacing=10.0).tolist()
    [[0.0, 0.0, 0.0], [0.0, 10.0, 0.0], [10.0, 0.0, 0.0], [10.0, 10.0, 0.0]]

    The published 5 x 5 x 4 grid: unit ``(x * 5 + y) * 4 + z``.

    >>> grid = grid_coordinates()
    >>> grid.shape
    (100, 3)
    >>> grid[1].tolist(), grid[4].tolist(), grid[20].tolist()
    ([0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0])
    """
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__"):
        raise TypeError(f"shape must be 3 integers >= 1 (nx, ny, nz); got {describe(shape)} ({type(shape).__name__})")
    if len(shape) != 3:
        raise ValueError(f"shape must be 3 integers >= 1 (nx, ny, nz); got {describe(shape)}")
    shape = tuple(check_integer(s, f"shape[{i}]", low=1) for i, s in enumerate(shape))
    spacing = check_real(spacing, "spacing", low=0, inclusive="neither")
    axes = [np.arange(s, dtype=np.float64) * float(spacing) for s in shape]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def check_coordinates(coordinates, name: str = "coordinates") -> np.ndarray:
    """Validate coordinates and return them as an ``(n, 3)`` float64 array.

    Raises
    ------
    ValueError
        If the array is not two-dimensional with 3 columns, has fewer than 2
        rows, or contains NaN or infinite values.
    TypeError
        If it cannot be converted to a float array.

    Examples
    --------
    >>> from sernn.spatial import check_coordinates
    >>> coordinates = check_coordinates([[0, 0, 0], [3, 4, 0]])
    >>> coordinates.dtype, coordinates.shape
    (dtype('float64'), (2, 3))
    """
    array = check_array(coordinates, name, shape=(None, 3))
    if array.shape[0] < 2:
        raise ValueError(f"{name} must hold at least 2 units; got {array.shape[0]}")
    return array


def coordinates_from_table(table, columns=("x", "y", "z"), unit: str = "um",
                           voxel_size=DEFAULT_VOXEL_SIZE_NM) -> np.ndarray:
    """Coordinates in micrometres from a table or an ``(n, 3)`` array.

    Parameters
    ----------
    table : pandas.DataFrame, mapping of columns, or array-like of shape (n, 3)
        The positions. For a table, ``columns`` names the x, y and z columns; a
        single column holding 3-element lists or strings like ``"[x y z]"`` is
        also accepted (pass its name as ``columns``).
    columns : sequence of 3 str, or str, default=("x", "y", "z")
        Column names (ignored for arrays).
    unit : {"nm", "um", "mm", "voxel"}, default="um"
        Unit of the values. ``"voxel"`` multiplies by ``voxel_size`` (nm).
    voxel_size : 3 floats, default=(4, 4, 40)
        Voxel size in nanometres along x, y, z, used when ``unit="voxel"``
        (the MICrONS minnie65 resolution by default).

    Returns
    -------
    coordinates : ndarray of shape (n, 3), float64, in micrometres.

    Examples
    --------
    Three columns in nanometres:

    >>> import pandas as pd
    >>> from sernn.spatial import coordinates_from_table
    >>> table = pd.DataFrame({"x": [0, 1000], "y": [0, 0], "z": [0, 500]})
    >>> coordinates_from_table(table, unit="nm").tolist()
    [[0.0, 0.0, 0.0], [1.0, 0.0, 0.5]]

    One column of ``"[x y z]"`` strings in MICrONS voxels of 4 x 4 x 40 nm
    (so 100 voxels along x are 0.4 um and 10 along z are 0.4 um):

    >>> cells = pd.DataFrame({"pt_position": ["[100 0 0]", "[0 250 10]"]})
    >>> coordinates_from_table(cells, columns="pt_position", unit="voxel").tolist()
    [[0.4, 0.0, 0.0], [0.0, 1.0, 0.4]]
    """
    unit = check_option(unit, "unit", sorted(LENGTH_UNITS_UM) + ["voxel"])
    if hasattr(table, "columns") or isinstance(table, dict):
        available = list(table.columns) if hasattr(table, "columns") else list(table)
        names = [columns] if isinstance(columns, str) else list(columns)
        missing = [c for c in names if c not in available]
        if missing:
            raise ValueError(f"table has no column(s) {missing}; available columns: {available}")
        if len(names) == 1:
            values = np.array([_parse_point(v) for v in np.asarray(table[names[0]], dtype=object)])
        elif len(names) == 3:
            values = np.column_stack([np.asarray(table[c], dtype=np.float64) for c in names])
        else:
            raise ValueError(f"columns must name 3 columns (x, y, z) or one 3-vector column, got {names}")
    else:
        values = np.asarray(table, dtype=np.float64)
    values = check_coordinates(values)
    if unit == "voxel":
        voxel = np.asarray(voxel_size, dtype=np.float64)
        if voxel.shape != (3,) or not (np.isfinite(voxel).all() and (voxel > 0).all()):
            raise ValueError(f"voxel_size must be 3 positive numbers (nm), got {voxel_size!r}")
        return values * voxel * LENGTH_UNITS_UM["nm"]
    return values * LENGTH_UNITS_UM[unit]


def _parse_point(value) -> np.ndarray:
    if isinstance(value, str):
        parts = value.strip().strip("[]()").replace(",", " ").split()
        point = np.array([float(p) for p in parts])
    else:
        point = np.asarray(value, dtype=np.float64).ravel()
    if point.shape != (3,):
        raise ValueError(f"a position must have 3 values (x, y, z), got {value!r}")
    return point


def distance_matrix(coordinates, power: float = 1.0, normalize: bool = False) -> np.ndarray:
    """Euclidean distances between all pairs of units, optionally raised to a power.

    Parameters
    ----------
    coordinates : array-like of shape (n, 3)
        Unit positions.
    power : float, default=1.0
        Exponent applied to every distance (``D ** power``); must be > 0.
    normalize : bool, default=False
        If True, divide by the mean off-diagonal entry so that the result has
        unit mean (after the power is applied). This removes the dependence of
        the penalty's scale on the size of the grid or tissue volume.

    Returns
    -------
    D : ndarray of shape (n, n), float64, symmetric with zero diagonal.

    Examples
    --------
    Three units whose distances are 5 (a 3-4-5 triangle), 12 and 13:

    >>> from sernn.spatial import distance_matrix, mean_distance
    >>> points = [[0, 0, 0], [3, 4, 0], [0, 0, 12]]
    >>> distance_matrix(points).tolist()
    [[0.0, 5.0, 12.0], [5.0, 0.0, 13.0], [12.0, 13.0, 0.0]]
    >>> distance_matrix(points, power=2).tolist()
    [[0.0, 25.0, 144.0], [25.0, 0.0, 169.0], [144.0, 169.0, 0.0]]

    ``normalize=True`` divides by the mean distance, (5 + 12 + 13) / 3 = 10:

    >>> distance_matrix(points, normalize=True)[0].tolist()
    [0.0, 0.5, 1.2]
    >>> mean_distance(distance_matrix(points, normalize=True))
    1.0
    """
    coordinates = check_coordinates(coordinates)
    power = check_real(power, "power", low=0, inclusive="neither")
    diff = coordinates[:, None, :] - coordinates[None, :, :]
    distances = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    if power != 1.0:
        distances = distances ** float(power)
    if normalize:
        mean = mean_distance(distances)
        if mean <= 0:
            raise ValueError("cannot normalize distances: all units share one position")
        distances = distances / mean
    return distances


def mean_distance(distances) -> float:
    """Mean of the off-diagonal entries of a square distance matrix.

    Examples
    --------
    >>> from sernn.spatial import distance_matrix, grid_coordinates, mean_distance
    >>> mean_distance([[0, 5, 12], [5, 0, 13], [12, 13, 0]])  # (5 + 12 + 13) / 3
    10.0

    The published 5 x 5 x 4 grid:

    >>> round(mean_distance(distance_matrix(grid_coordinates())), 2)
    3.06
    """
    distances = np.asarray(distances, dtype=np.float64)
    n = distances.shape[0]
    return float((distances.sum() - np.trace(distances)) / (n * (n - 1)))


def mean_pairwise_distance(coordinates, power: float = 1.0, block: int = 2048) -> float:
    """Mean off-diagonal ``D ** power`` computed in blocks of rows, never holding the (n, n) matrix.

    Equals ``mean_distance(distance_matrix(coordinates, power))`` (to float64 rounding).

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.spatial import distance_matrix, grid_coordinates, mean_distance, mean_pairwise_distance
    >>> mean_pairwise_distance([[0, 0, 0], [3, 4, 0], [0, 0, 12]])  # (5 + 12 + 13) / 3
    10.0
    >>> grid = grid_coordinates()
    >>> dense = mean_distance(distance_matrix(grid, power=2))
    >>> bool(np.isclose(mean_pairwise_distance(grid, power=2, block=16), dense))
    True
    """
    coordinates = check_coordinates(coordinates)
    n = coordinates.shape[0]
    total = 0.0
    for start in range(0, n, block):
        part = coordinates[start:start + block]
        diff = part[:, None, :] - coordinates[None, :, :]
        distances = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        total += float((distances if power == 1.0 else distances ** float(power)).sum())
    return total / (n * (n - 1))
