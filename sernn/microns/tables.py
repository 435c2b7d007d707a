"""Loaders for the MICrONS CAVE tables (minnie65), from files or DataFrames.

Every loader accepts a :class:`pandas.DataFrame` (as returned by
``CAVEclient().materialize.query_table(...)``) or a path to a table saved from
one (``.csv``/``.csv.gz``/``.tsv``, ``.parquet``, ``.feather``), checks the
columns of the published schema, converts positions to micrometres and returns
a DataFrame with short, fixed column names:

==========================  ==================================================
``load_nucleus_table``      ``nucleus_detection_v0`` -> nucleus_id, root_id, x_um, y_um, z_um, volume
``load_cell_types``         ``aibs_metamodel_celltypes_v661`` -> nucleus_id, cell_class, cell_type, root_id
``load_synapses``           ``synapses_pni_2`` -> synapse_id, pre_root_id, post_root_id, size
``load_coregistration``     ``coregistration_manual_v4`` -> nucleus_id, session, scan_idx, unit_id, field, ...
==========================  ==================================================

**Positions.** A position column ``<name>`` (e.g. ``pt_position``) may hold
3-element lists/arrays or strings such as ``"[x y z]"`` (what ``to_csv`` writes),
or come split into ``<name>_x``, ``<name>_y``, ``<name>_z`` (CAVEclient's
``split_positions=True``). Values are in voxels of ``voxel_size`` nanometres
unless ``unit`` says otherwise. By default the voxel size is the DataFrame's
``attrs["dataframe_resolution"]`` (CAVEclient sets it: the table's voxels, or
the ``desired_resolution`` of the query; ``to_parquet`` keeps it), else the
minnie65 resolution 4 × 4 × 40 nm (a CSV keeps no attrs: pass ``voxel_size``
or ``unit="nm"`` if you queried another resolution).

**Joins.** Root ids change with proofreading; tables are joined on the nucleus
id (``id`` of ``nucleus_detection_v0`` = ``target_id`` of tables that reference
a nucleus).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sernn.readers import read_csv

from sernn.spatial import DEFAULT_VOXEL_SIZE_NM, LENGTH_UNITS_UM, coordinates_from_table
from sernn.validation import check_option

__all__ = [
    "CELL_CLASSES",
    "read_table",
    "resolution",
    "require_columns",
    "require_unique",
    "table_positions",
    "load_nucleus_table",
    "load_cell_types",
    "load_synapses",
    "load_coregistration",
]

_EXCITATORY = ("23P", "4P", "5P-IT", "5P-ET", "5P-NP", "6P-IT", "6P-CT",
               "5P_IT", "5P_PT", "5P_NP", "6P", "6CT", "6IT", "6P-U", "Unsure E")
_INHIBITORY = ("BC", "BPC", "MC", "NGC", "Unsure I")

#: Cell class of each cell type name used by the MICrONS cell-type tables
#: (``aibs_metamodel_celltypes_v661`` and the soma-nucleus model's labels).
CELL_CLASSES = {**{t: "excitatory" for t in _EXCITATORY}, **{t: "inhibitory" for t in _INHIBITORY}}

_CLASSIFICATION_SYSTEMS = {
    "excitatory_neuron": "excitatory",
    "inhibitory_neuron": "inhibitory",
    "nonneuron": "nonneuron",
}


def read_table(source, name: str = "table") -> pd.DataFrame:
    """A DataFrame from a DataFrame (copied) or a table file.

    Parameters
    ----------
    source : pandas.DataFrame or path-like
        ``.csv``, ``.csv.gz``, ``.tsv``, ``.parquet`` or ``.feather`` file.
    name : str
        Name used in error messages (e.g. ``"synapses"``).
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        frame.attrs = dict(source.attrs)
        return frame
    if not isinstance(source, (str, Path)):
        raise TypeError(f"{name} must be a pandas DataFrame or a path to a table file, "
                        f"got {type(source).__name__}")
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{name} file {str(path)!r} does not exist")
    suffixes = "".join(path.suffixes).lower()
    readers = {".parquet": pd.read_parquet, ".pq": pd.read_parquet, ".feather": pd.read_feather}
    for suffix, reader in readers.items():
        if suffixes.endswith(suffix):
            try:
                return reader(path)
            except ImportError as exc:
                raise ValueError(f"{name} file {str(path)!r}: reading {suffix} files needs pyarrow "
                                 f"(pip install pyarrow), or save the table as .csv ({exc})") from exc
    if ".tsv" in suffixes:
        return read_csv(path, f"{name} table", sep="\t")
    if ".csv" in suffixes:
        return read_csv(path, f"{name} table")
    raise ValueError(f"{name} file {str(path)!r} has an unknown format; "
                     "accepted: .csv, .csv.gz, .tsv, .parquet, .feather")


def require_columns(table: pd.DataFrame, columns, name: str = "table") -> None:
    """Raise ValueError naming every column of ``columns`` missing from ``table``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {missing}; it has {list(table.columns)}")


def require_unique(table: pd.DataFrame, columns, name: str = "table") -> None:
    """Raise ValueError if the key ``columns`` repeat, naming the first repeated key."""
    columns = list(columns)
    repeated = table.duplicated(subset=columns, keep=False)
    if repeated.any():
        first = table.loc[repeated, columns].iloc[0].tolist()
        raise ValueError(
            f"{name} has {int(repeated.sum())} rows with a duplicated key {columns} "
            f"(first: {first}); each key must appear once"
        )


def _check_unit(unit) -> None:
    check_option(unit, "unit", sorted(LENGTH_UNITS_UM) + ["voxel"])


def table_positions(table: pd.DataFrame, column: str = "pt_position", unit: str = "voxel",
                    voxel_size=None, name: str = "table") -> np.ndarray:
    """Positions of a CAVE table in micrometres, as an ``(n, 3)`` array.

    Parameters
    ----------
    table : pandas.DataFrame
        Holds either ``column`` (3-vectors or ``"[x y z]"`` strings) or the split
        columns ``column + "_x"``, ``"_y"``, ``"_z"``.
    column : str, default="pt_position"
        Name of the position column.
    unit : {"voxel", "nm", "um", "mm"}, default="voxel"
        Unit of the stored values.
    voxel_size : 3 floats, optional
        Nanometres per voxel along x, y, z (used when ``unit="voxel"``).
        Default: the table's ``attrs["dataframe_resolution"]`` (set by
        CAVEclient, kept by ``to_parquet``) if present, else (4, 4, 40).

    Returns
    -------
    ndarray of shape (n, 3), float64, micrometres (x, y, z per row).
    """
    _check_unit(unit)
    voxel_size = resolution(table, voxel_size)
    split = [f"{column}_{axis}" for axis in "xyz"]
    if column in table.columns:
        columns = column
    elif all(c in table.columns for c in split):
        columns = split
    else:
        raise ValueError(f"{name} is missing the position column {column!r} "
                         f"(or its split form {split}); it has {list(table.columns)}")
    try:
        return coordinates_from_table(table, columns=columns, unit=unit, voxel_size=voxel_size)
    except ValueError as exc:
        raise ValueError(f"{name}: bad {column!r} values: {exc}") from exc


def resolution(table: pd.DataFrame, voxel_size=None) -> tuple:
    """The voxel size (nm) of a table's positions.

    ``voxel_size`` if given; else the ``attrs["dataframe_resolution"]`` that
    CAVEclient attaches to its DataFrames (the resolution of the returned
    positions: the table's voxels, or ``desired_resolution``); else the
    minnie65 default (4, 4, 40).
    """
    if voxel_size is None:
        voxel_size = getattr(table, "attrs", {}).get("dataframe_resolution", DEFAULT_VOXEL_SIZE_NM)
    values = tuple(float(v) for v in np.ravel(np.asarray(voxel_size, dtype=np.float64)))
    if len(values) != 3 or not all(np.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"voxel_size must be 3 positive numbers (nm), got {voxel_size!r}")
    return values


def _open_table(source, name, voxel_size, valid_only):
    """(table, voxel size) of a CAVE table: read, its resolution resolved, and with
    ``valid_only`` only the rows whose ``valid`` is true (when the column exists)."""
    table = read_table(source, name)
    voxel_size = resolution(table, voxel_size)
    if valid_only and "valid" in table.columns:
        table = table.loc[table["valid"].astype(str).str.lower().isin(["true", "t", "1", "1.0"])]
    return table, voxel_size


def _add_positions(out, table, column, unit, voxel_size, name, prefix=""):
    xyz = table_positions(table, column, unit, voxel_size, name)
    for k, axis in enumerate("xyz"):
        out[f"{prefix}{axis}_um"] = xyz[:, k]


def id_column(table, column, name):
    """Column ``column`` of ``table`` as int64 ids, with an error naming it for missing or non-integer values."""
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        first = table[column].iloc[int(np.flatnonzero(bad)[0])]
        raise ValueError(f"{name} column {column!r} must hold integer ids; {int(bad.sum())} row(s) "
                         f"do not (first: {first!r})")
    return pd.to_numeric(table[column]).astype("int64").to_numpy()


def load_nucleus_table(source, unit: str = "voxel", voxel_size=None,
                       valid_only: bool = True) -> pd.DataFrame:
    """The nucleus table (``nucleus_detection_v0``): one row per detected nucleus.

    Parameters
    ----------
    source : DataFrame or path-like
        Columns ``id, valid, pt_position, pt_supervoxel_id, pt_root_id, volume``
        (``pt_position`` may be split into ``pt_position_x/_y/_z``).
    unit, voxel_size
        Unit of ``pt_position`` (see :func:`table_positions`).
    valid_only : bool, default=True
        Keep only rows with ``valid`` true (when the column exists).

    Returns
    -------
    DataFrame with columns ``nucleus_id, root_id, x_um, y_um, z_um`` and
    ``volume`` (µm³, as stored) when present; nucleus ids are unique.
    """
    name = "nucleus table"
    table, voxel_size = _open_table(source, name, voxel_size, valid_only)
    require_columns(table, ["id", "pt_root_id"], name)
    require_unique(table, ["id"], name)
    out = pd.DataFrame({"nucleus_id": id_column(table, "id", name),
                        "root_id": id_column(table, "pt_root_id", name)})
    _add_positions(out, table, "pt_position", unit, voxel_size, name)
    if "volume" in table.columns:
        out["volume"] = table["volume"].to_numpy(dtype=np.float64)
    return out


def load_cell_types(source, unit: str = "voxel", voxel_size=None,
                    valid_only: bool = True) -> pd.DataFrame:
    """A cell-type table (``aibs_metamodel_celltypes_v661`` schema).

    Parameters
    ----------
    source : DataFrame or path-like
        Columns ``id, target_id, classification_system, cell_type`` and the
        ``pt_*`` columns (``pt_root_id``, ``pt_position``) when available.

    Returns
    -------
    DataFrame with columns ``nucleus_id`` (= ``target_id``), ``cell_class``
    (``"excitatory"``, ``"inhibitory"`` or ``"nonneuron"``), ``cell_type`` and,
    when present in the source, ``root_id`` and ``x_um, y_um, z_um``. Each
    nucleus appears once.
    """
    name = "cell-type table"
    table, voxel_size = _open_table(source, name, voxel_size, valid_only)
    require_columns(table, ["target_id", "classification_system", "cell_type"], name)
    require_unique(table, ["target_id"], name)
    systems = table["classification_system"].astype(str)
    unknown = sorted(set(systems) - set(_CLASSIFICATION_SYSTEMS))
    if unknown:
        raise ValueError(f"{name} has unknown classification_system value(s) {unknown}; "
                         f"accepted: {sorted(_CLASSIFICATION_SYSTEMS)}")
    out = pd.DataFrame({
        "nucleus_id": id_column(table, "target_id", name),
        "cell_class": systems.map(_CLASSIFICATION_SYSTEMS).to_numpy(),
        "cell_type": table["cell_type"].astype(str).to_numpy(),
    })
    if "pt_root_id" in table.columns:
        out["root_id"] = id_column(table, "pt_root_id", name)
    if "pt_position" in table.columns or "pt_position_x" in table.columns:
        _add_positions(out, table, "pt_position", unit, voxel_size, name)
    return out


def load_synapses(source, unit: str = "voxel", voxel_size=None,
                  valid_only: bool = True, positions: bool = False) -> pd.DataFrame:
    """A synapse table (``synapses_pni_2`` schema).

    Parameters
    ----------
    source : DataFrame or path-like
        Columns ``id, valid, pre_pt_supervoxel_id, pre_pt_root_id,
        post_pt_supervoxel_id, post_pt_root_id, size, pre_pt_position,
        post_pt_position, ctr_pt_position``. Only ``pre_pt_root_id`` and
        ``post_pt_root_id`` are required; ``size`` (cleft voxels) is needed for
        size-weighted wiring, ``id`` is checked for duplicates when present.
    unit, voxel_size
        Unit of the position columns (see :func:`table_positions`).
    valid_only : bool, default=True
        Keep only rows with ``valid`` true (when the column exists).
    positions : bool, default=False
        Also return the synapse centre (``ctr_pt_position``) as
        ``ctr_x_um, ctr_y_um, ctr_z_um``.

    Returns
    -------
    DataFrame with columns ``pre_root_id, post_root_id`` and, when present,
    ``synapse_id`` and ``size``. Autapses and root id 0 (unproofread
    fragments) are kept here; :func:`sernn.microns.wiring_matrix` drops and
    counts them.
    """
    name = "synapse table"
    table, voxel_size = _open_table(source, name, voxel_size, valid_only)
    require_columns(table, ["pre_pt_root_id", "post_pt_root_id"], name)
    out = pd.DataFrame()
    if "id" in table.columns:
        require_unique(table, ["id"], name)
        out["synapse_id"] = id_column(table, "id", name)
    out["pre_root_id"] = id_column(table, "pre_pt_root_id", name)
    out["post_root_id"] = id_column(table, "post_pt_root_id", name)
    if "size" in table.columns:
        out["size"] = table["size"].to_numpy(dtype=np.float64)
    if positions:
        _add_positions(out, table, "ctr_pt_position", unit, voxel_size, name, prefix="ctr_")
    return out


def load_coregistration(source, unit: str = "voxel", voxel_size=None,
                        valid_only: bool = True) -> pd.DataFrame:
    """The EM–functional coregistration table (``coregistration_manual_v4`` schema).

    Parameters
    ----------
    source : DataFrame or path-like
        Columns ``id, target_id, pt_*, session, scan_idx, unit_id, field,
        residual, score``. A nucleus may be matched in several scans; each
        functional unit ``(session, scan_idx, unit_id)`` must appear once.

    Returns
    -------
    DataFrame with columns ``nucleus_id`` (= ``target_id``), ``session``,
    ``scan_idx``, ``unit_id`` and, when present, ``field``, ``residual``,
    ``score``, ``root_id``, ``x_um, y_um, z_um``.
    """
    name = "coregistration table"
    table, voxel_size = _open_table(source, name, voxel_size, valid_only)
    keys = ["session", "scan_idx", "unit_id"]
    require_columns(table, ["target_id", *keys], name)
    require_unique(table, keys, name)
    out = pd.DataFrame({"nucleus_id": id_column(table, "target_id", name)})
    for key in keys:
        out[key] = id_column(table, key, name)
    if "field" in table.columns:
        out["field"] = id_column(table, "field", name)
    for column in ("residual", "score"):
        if column in table.columns:
            out[column] = table[column].to_numpy(dtype=np.float64)
    if "pt_root_id" in table.columns:
        out["root_id"] = id_column(table, "pt_root_id", name)
    if "pt_position" in table.columns or "pt_position_x" in table.columns:
        _add_positions(out, table, "pt_position", unit, voxel_size, name)
    return out
