"""Choosing neurons, and their positions and distances.

A *cells table* is a DataFrame with one row per neuron and positions in
micrometres in ``x_um, y_um, z_um`` (what the loaders of :mod:`sernn.microns`
return), plus identifiers (``nucleus_id`` and/or ``root_id``) and, when known,
``cell_type`` and ``cell_class``. Every selection returns a new cells table
(index reset; order as documented) and raises ValueError when nothing is left.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sernn.microns.tables import require_columns, require_unique
from sernn.spatial import check_coordinates, distance_matrix
from sernn.validation import check_integer, check_option, check_real

__all__ = [
    "select_ids",
    "select_class",
    "select_nearest",
    "select_cylinder",
    "select_field",
    "soma_coordinates",
    "soma_distances",
]

POSITION_COLUMNS = ("x_um", "y_um", "z_um")


def _nonempty(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if len(frame) == 0:
        raise ValueError(f"the selection is empty: {what}")
    return frame.reset_index(drop=True)


def _as_list(value, name):
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return [value]
    values = list(value)
    if not values:
        raise ValueError(f"{name} must name at least one value")
    return values


def select_ids(cells: pd.DataFrame, ids, column: str = "nucleus_id") -> pd.DataFrame:
    """The cells whose ``column`` is in ``ids``, in the order of ``ids``.

    Raises ValueError for ids not in the table and for repeated ids.
    """
    require_columns(cells, [column], "cells table")
    require_unique(cells, [column], "cells table")
    wanted = pd.Series(_as_list(ids, "ids"))
    if wanted.duplicated().any():
        raise ValueError(f"ids repeat {wanted[wanted.duplicated()].iloc[0]!r}; give each id once")
    indexed = cells.set_index(column, drop=False)
    unknown = wanted[~wanted.isin(indexed.index)]
    if len(unknown):
        raise ValueError(f"{len(unknown)} id(s) not in the cells table's {column!r} column "
                         f"(first: {unknown.iloc[0]!r})")
    return _nonempty(indexed.loc[wanted.to_numpy()], f"ids {list(wanted)[:5]}")


def select_class(cells: pd.DataFrame, cell_class=None, cell_type=None) -> pd.DataFrame:
    """The cells of given classes and/or types, in table order.

    Parameters
    ----------
    cell_class : str or list of str, optional
        E.g. ``"excitatory"`` or ``["excitatory", "inhibitory"]``.
    cell_type : str or list of str, optional
        E.g. ``"23P"`` or ``["BC", "MC"]``.
    """
    if cell_class is None and cell_type is None:
        raise ValueError("give cell_class and/or cell_type")
    keep = np.ones(len(cells), dtype=bool)
    for column, value in (("cell_class", cell_class), ("cell_type", cell_type)):
        if value is None:
            continue
        require_columns(cells, [column], "cells table")
        values = _as_list(value, column)
        available = sorted(cells[column].astype(str).unique())
        unknown = [v for v in values if v not in available]
        if unknown:
            raise ValueError(f"{column} {unknown} not in the table; available: {available}")
        keep &= cells[column].isin(values).to_numpy()
    return _nonempty(cells.loc[keep], f"cell_class={cell_class!r}, cell_type={cell_type!r}")


def _point(point, name):
    array = np.asarray(point, dtype=np.float64)
    if array.shape != (3,) or not np.isfinite(array).all():
        raise ValueError(f"{name} must be 3 finite numbers (x, y, z) in µm, got {point!r}")
    return array


def select_nearest(cells: pd.DataFrame, point_um, n: int) -> pd.DataFrame:
    """The ``n`` cells whose somata are nearest to ``point_um``, nearest first.

    Ties are broken by table order (stable sort).
    """
    n = check_integer(n, "n", low=1)
    if n > len(cells):
        raise ValueError(f"n = {n} is more than the {len(cells)} cells of the table")
    centre = _point(point_um, "point_um")
    distance = np.linalg.norm(_positions(cells) - centre, axis=1)
    order = np.argsort(distance, kind="stable")[:n]
    return _nonempty(cells.iloc[order], f"n={n}")


_AXES = {"x": 0, "y": 1, "z": 2}


def select_cylinder(cells: pd.DataFrame, center_um, radius_um: float, axis: str = "y",
                    extent_um=None) -> pd.DataFrame:
    """The cells inside a cylinder (a cortical column), in table order.

    Parameters
    ----------
    center_um : 3 floats
        A point on the cylinder's axis, µm.
    radius_um : float
        Radius, µm.
    axis : {"x", "y", "z"}, default="y"
        Direction of the cylinder's axis. In minnie65, ``y`` runs from the pia
        to the white matter, so the default is a radial cortical column.
    extent_um : (low, high), optional
        Keep only cells whose coordinate along ``axis`` is within these bounds.
    """
    axis = check_option(axis, "axis", sorted(_AXES))
    radius_um = check_real(radius_um, "radius_um", low=0, inclusive="neither")
    centre = _point(center_um, "center_um")
    xyz = _positions(cells)
    k = _AXES[axis]
    across = [i for i in range(3) if i != k]
    radial = np.linalg.norm(xyz[:, across] - centre[across], axis=1)
    keep = radial <= radius_um
    if extent_um is not None:
        try:
            low, high = (float(v) for v in extent_um)
        except (TypeError, ValueError):
            low = high = float("nan")
        if not high > low:
            raise ValueError(f"extent_um must be (low, high) with high > low, got {extent_um!r}")
        keep &= (xyz[:, k] >= low) & (xyz[:, k] <= high)
    return _nonempty(cells.loc[keep], f"cylinder at {centre.tolist()} µm, radius {radius_um} µm "
                                      f"along {axis}, extent {extent_um}")


def select_field(coregistration: pd.DataFrame, cells: pd.DataFrame, session: int, scan_idx: int,
                 field: int | None = None) -> pd.DataFrame:
    """The coregistered units of one imaging scan (and field), joined with their cells.

    Parameters
    ----------
    coregistration : DataFrame
        From :func:`sernn.microns.load_coregistration`.
    cells : DataFrame
        A cells table with ``nucleus_id`` (e.g. from
        :func:`sernn.microns.load_nucleus_table`): it provides the positions.
    session, scan_idx : int
        The scan.
    field : int, optional
        The imaging field (plane); all fields of the scan if None.

    Returns
    -------
    DataFrame
        One row per functional unit and cell (ordered by ``unit_id``) with the
        coregistration columns and the cell's columns (joined on
        ``nucleus_id``; where both tables have a column, e.g. positions or
        ``root_id``, the cells table's value is kept). Units whose nucleus is not in ``cells`` are dropped;
        their number is in ``result.attrs["units_without_cell"]``.

    Raises
    ------
    ValueError
        If the selection is empty, or one cell is matched by several units
        (e.g. imaged in two fields of the scan: give ``field``).
    """
    require_columns(coregistration, ["nucleus_id", "session", "scan_idx", "unit_id"],
                    "coregistration table")
    require_columns(cells, ["nucleus_id"], "cells table")
    require_unique(cells, ["nucleus_id"], "cells table")
    keep = (coregistration["session"] == session) & (coregistration["scan_idx"] == scan_idx)
    if field is not None:
        require_columns(coregistration, ["field"], "coregistration table")
        keep &= coregistration["field"] == field
    units = coregistration.loc[keep]
    where = f"session {session}, scan_idx {scan_idx}" + ("" if field is None else f", field {field}")
    if len(units) == 0:
        raise ValueError(f"the selection is empty: no coregistered unit in {where}")
    # The cells table's columns (positions, root ids) take precedence over the
    # coregistration table's own pt_* columns.
    unit_columns = [c for c in units.columns if c == "nucleus_id" or c not in cells.columns]
    joined = units[unit_columns].merge(cells, on="nucleus_id", how="inner")
    joined = joined.sort_values("unit_id", kind="stable")
    result = _nonempty(joined, f"none of the {len(units)} units of {where} has its nucleus "
                               "in the cells table")
    repeated = result["nucleus_id"].duplicated(keep=False)
    if repeated.any():
        first = result.loc[repeated, "nucleus_id"].iloc[0]
        units_of_first = result.loc[result["nucleus_id"] == first, "unit_id"].tolist()
        advice = ("give field= to take one imaging field" if field is None
                  else "choose one unit per cell before building a network")
        raise ValueError(
            f"{int(result.loc[repeated, 'nucleus_id'].nunique())} cell(s) are matched by several units "
            f"in {where} (e.g. nucleus {first}: units {units_of_first}); {advice}"
        )
    result.attrs["units_without_cell"] = int(len(units) - len(result))
    return result


def _positions(cells: pd.DataFrame) -> np.ndarray:
    """``x_um, y_um, z_um`` stacked side by side, with NaN/inf rejected (any number of rows)."""
    require_columns(cells, POSITION_COLUMNS, "cells table")
    xyz = np.column_stack([cells[c].to_numpy(dtype=np.float64) for c in POSITION_COLUMNS])
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        raise ValueError(f"cells table has NaN or infinite positions in {int(bad.sum())} row(s) "
                         f"(first: row {int(np.flatnonzero(bad)[0])})")
    return xyz


def soma_coordinates(cells: pd.DataFrame) -> np.ndarray:
    """Soma positions of a cells table as an ``(n, 3)`` array in µm (row i = cell i).

    The columns ``x_um, y_um, z_um`` are stacked side by side, never reshaped,
    so row ``i`` always holds cell ``i``'s own coordinates. At least 2 cells.
    """
    return check_coordinates(_positions(cells), name="soma positions")


def soma_distances(cells: pd.DataFrame, power: float = 1.0, normalize: bool = False) -> np.ndarray:
    """Pairwise Euclidean soma distances (µm) of a cells table, ``(n, n)``.

    For :class:`sernn.regularizers.SpatialCommunicability` and
    :class:`sernn.regularizers.SpatialL1`, pass :func:`soma_coordinates` as
    their ``coordinates`` (or this matrix where a distance matrix is accepted).
    See :func:`sernn.spatial.distance_matrix` for ``power`` and ``normalize``.
    """
    return distance_matrix(soma_coordinates(cells), power=power, normalize=normalize)
