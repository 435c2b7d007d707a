"""Loaders for two published MICrONS-derived files (CC BY 4.0).

* ``minnie65_somata.csv``: soma positions and predicted cell types of 69,461
  neurons of the minnie65 volume (MICrONS Consortium, Nature 640:435–447, 2025;
  cell types from the soma–nucleus model of Elabbady et al.). No wiring, no
  function.
* ``pinky100_soma.csv`` and ``pinky100_synapses.csv``: the proofread layer-2/3
  pyramidal-cell graph of the phase-1 "pinky100" volume (Turner et al., Cell
  185:1082, 2022): 363 cells with soma positions and 1,981 synapses among them.

The package does not ship these files: pass the paths of your copies.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sernn.microns.tables import (CELL_CLASSES, id_column, read_table, require_columns,
                                  require_unique, table_positions)

__all__ = ["load_minnie65_somata", "load_pinky100", "PINKY100_FILES"]

#: File names of the pinky100 graph inside a folder.
PINKY100_FILES = ("pinky100_soma.csv", "pinky100_synapses.csv")


def load_minnie65_somata(source) -> pd.DataFrame:
    """Soma positions and cell types of minnie65 neurons.

    Parameters
    ----------
    source : path-like or DataFrame
        ``minnie65_somata.csv``: columns ``nucleus_id, x_nm, y_nm, z_nm,
        depth_um, cell_type``.

    Returns
    -------
    somata : DataFrame
        Columns ``nucleus_id, x_um, y_um, z_um, depth_um, cell_type, cell_class``
        (``"excitatory"``, ``"inhibitory"`` or ``"unsure"``); one row per nucleus.
    """
    name = "minnie65 somata table"
    table = read_table(source, name)
    require_columns(table, ["nucleus_id", "x_nm", "y_nm", "z_nm", "cell_type"], name)
    require_unique(table, ["nucleus_id"], name)
    xyz = table_positions(table.rename(columns={"x_nm": "soma_x", "y_nm": "soma_y", "z_nm": "soma_z"}),
                          "soma", unit="nm", name=name)
    out = pd.DataFrame({"nucleus_id": id_column(table, "nucleus_id", name)})
    for k, axis in enumerate("xyz"):
        out[f"{axis}_um"] = xyz[:, k]
    if "depth_um" in table.columns:
        out["depth_um"] = table["depth_um"].to_numpy(dtype=np.float64)
    out["cell_type"] = table["cell_type"].astype(str).to_numpy()
    out["cell_class"] = out["cell_type"].map(CELL_CLASSES).fillna("unsure").to_numpy()
    return out


def _pinky100_paths(source, synapses):
    if synapses is not None:
        return Path(source), Path(synapses)
    folder = Path(source)
    if not folder.is_dir():
        raise NotADirectoryError(
            f"pinky100: {str(folder)!r} is not a folder; give the folder holding "
            f"{PINKY100_FILES[0]} and {PINKY100_FILES[1]}, or both file paths"
        )
    return folder / PINKY100_FILES[0], folder / PINKY100_FILES[1]


def load_pinky100(source, synapses=None):
    """The pinky100 proofread graph: cells with soma positions, and their synapses.

    Parameters
    ----------
    source : path-like
        The folder holding ``pinky100_soma.csv`` and ``pinky100_synapses.csv``,
        or (with ``synapses``) the path of the soma file.
    synapses : path-like, optional
        The path of the synapse file, when ``source`` is the soma file.

    Returns
    -------
    cells : DataFrame
        Columns ``root_id`` (the segment id), ``manual_id``, ``x_um, y_um, z_um``
        (soma position; the file stores ``"[x y z]"`` in nanometres),
        ``axon_len``, ``dendrite_len`` (µm), ``cell_type`` (``"23P"``) and
        ``cell_class`` (``"excitatory"``): the graph holds layer-2/3 pyramidal
        cells only.
    synapses : DataFrame
        Columns ``pre_root_id, post_root_id``, one row per synapse.
    """
    soma_path, synapse_path = _pinky100_paths(source, synapses)
    name = "pinky100 soma table"
    soma = read_table(soma_path, name)
    require_columns(soma, ["segment_id", "loc"], name)
    require_unique(soma, ["segment_id"], name)
    xyz = table_positions(soma, "loc", unit="nm", name=name)
    cells = pd.DataFrame({"root_id": id_column(soma, "segment_id", name)})
    if "manual_id" in soma.columns:
        cells["manual_id"] = soma["manual_id"].to_numpy()
    for k, axis in enumerate("xyz"):
        cells[f"{axis}_um"] = xyz[:, k]
    for column in ("axon_len", "dendrite_len"):
        if column in soma.columns:
            cells[column] = soma[column].to_numpy(dtype=np.float64)
    cells["cell_type"] = "23P"
    cells["cell_class"] = "excitatory"
    name = "pinky100 synapse table"
    table = read_table(synapse_path, name)
    require_columns(table, ["pre", "post"], name)
    syn = pd.DataFrame({"pre_root_id": id_column(table, "pre", name),
                        "post_root_id": id_column(table, "post", name)})
    return cells, syn
