"""The neurons of a MICrONS run: which are selected, and their positions, wiring and activity.

:func:`load_data` reads the MICrONS files a user has (pinky100, a minnie65 or
nucleus table, synapses, cell types, coregistration and traces), selects the
neurons (the most connected, the nearest to a centre, one cell class) and
returns a :class:`MicronsData`: soma positions in µm, the EM wiring among them
and the functional relations (correlation and STTC) of their traces.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sernn.resources import check_fits

__all__ = ["MicronsData", "load_data", "field_data"]

WHY = {"traces": "functional traces (traces with coregistration, session and scan_idx, or a field folder)",
       "synapses": "EM synapses among the selected neurons (pinky100, synapses or a field folder)",
       "precision": "a precision matrix (a field folder: field)"}


@dataclass
class MicronsData:
    """The selected neurons and what is known about them.

    Attributes
    ----------
    cells : DataFrame
        One row per neuron (positions ``x_um, y_um, z_um``; ``root_id`` when known).
    coordinates : ndarray (n, 3)
        Soma positions, µm.
    wiring : ndarray (n, n) or None
        EM synapse counts (pre -> post), None without a synapse table.
    correlation, sttc : ndarray (n, n) or None
        Activity relations, None without traces.
    description : str
        Where the data came from (for the settings and the log).
    precision : ndarray (n, n) or None
        Inverse covariance of the activity (a field folder's), None otherwise.
    published_coordinates : ndarray (n, 3) or None
        What the MICrONS-constrained RNN study's published code trains D* with
        (:func:`sernn.microns.published_code_coordinates` of the stored voxels); fields only.
    """

    cells: pd.DataFrame
    coordinates: np.ndarray
    wiring: np.ndarray | None = None
    correlation: np.ndarray | None = None
    sttc: np.ndarray | None = None
    description: str = ""
    precision: np.ndarray | None = None
    published_coordinates: np.ndarray | None = None

    @property
    def available(self) -> set:
        have = set()
        if self.wiring is not None and np.count_nonzero(self.wiring):
            have.add("synapses")
        if self.correlation is not None:
            have.add("traces")
        if self.precision is not None:
            have.add("precision")
        return have


def _load_cells(path, voxel_size=None):
    from sernn import microns

    table = microns.read_table(path, "cells table")
    if {"x_nm", "y_nm", "z_nm", "nucleus_id"} <= set(table.columns):
        return microns.load_minnie65_somata(table)
    if {"id", "pt_root_id"} <= set(table.columns):
        return microns.load_nucleus_table(table, voxel_size=voxel_size)
    if {"root_id", "x_um", "y_um", "z_um"} <= set(table.columns):
        return table
    raise ValueError(f"cells {str(path)!r}: unknown layout; accepted: minnie65_somata.csv "
                     "(nucleus_id, x_nm, y_nm, z_nm, ...), nucleus_detection_v0 (id, pt_root_id, "
                     "pt_position...), or a cells table (root_id, x_um, y_um, z_um)")


def _sources(pinky100, cells, synapses, cell_types, voxel_size):
    """(cells table, synapse table or None, description) of the files given."""
    from sernn import microns

    if pinky100:
        if cells or synapses or cell_types:
            raise ValueError("pinky100: give either pinky100 or cells/synapses/cell_types, not both")
        table, synapse_table = microns.load_pinky100(pinky100)
        return table, synapse_table, f"pinky100 ({pinky100})"
    if not cells:
        raise ValueError("cells: no data; give pinky100 (the folder with pinky100_soma.csv and "
                         "pinky100_synapses.csv) or cells (with synapses/traces)")
    table, source, synapse_table = _load_cells(cells, voxel_size), f"cells {cells}", None
    if cell_types:
        if "nucleus_id" not in table.columns:
            raise ValueError(f"cell_types: the cells table {str(cells)!r} has no nucleus_id to join the "
                             "cell types on")
        types = microns.load_cell_types(cell_types, voxel_size=voxel_size)
        table = table.drop(columns=[c for c in ("cell_class", "cell_type") if c in table.columns])
        table = table.merge(types[["nucleus_id", "cell_class", "cell_type"]], on="nucleus_id", how="left")
        source += f", cell types {cell_types}"
    if synapses:
        if "root_id" not in table.columns:
            raise ValueError(f"synapses: the cells table {str(cells)!r} has no root ids to match synapses to "
                             "cells; give a nucleus_detection_v0 export (pt_root_id) or a cells table with a "
                             "root_id column")
        synapse_table = microns.load_synapses(synapses, voxel_size=voxel_size)
        source += f", synapses {synapses}"
    return table, synapse_table, source


def _select(cells, synapses, neurons, selection, center, cell_class):
    """The neurons kept: one cell class, then the ``neurons`` most connected or nearest to ``center``."""
    from sernn import microns

    if cell_class:
        if "cell_class" not in cells.columns:
            raise ValueError("cell_class: the cells have no cell class; add cell_types (an "
                             "aibs_metamodel_celltypes_v661 export) or use minnie65_somata.csv")
        cells = microns.select_class(cells, cell_class=cell_class)
    if neurons is None or neurons >= len(cells):
        return cells
    if selection == "connected":
        if synapses is None or "root_id" not in cells.columns:
            raise ValueError("selection 'connected' needs synapses (pinky100 or synapses)")
        return microns.select_most_connected(cells, synapses, neurons)
    if center is not None and (len(center) != 3 or not np.isfinite(center).all()):
        raise ValueError(f"center must be 3 finite numbers (x, y, z in µm), got {list(center)}")
    centre = (np.asarray(center, dtype=float) if center is not None
              else np.median(microns.soma_coordinates(cells), axis=0))
    return microns.select_nearest(cells, centre, neurons)


def load_data(*, pinky100=None, cells=None, synapses=None, cell_types=None, coregistration=None, traces=None,
              session=None, scan_idx=None, field=None, voxel_size=None, sttc_dt=None, cell_class=None,
              neurons=100, selection=None, center=None, log=print) -> MicronsData:
    """Select the neurons and load their wiring and activity from a user's MICrONS files.

    Parameters
    ----------
    pinky100 : path-like, optional
        Folder with ``pinky100_soma.csv`` and ``pinky100_synapses.csv``.
    cells : path-like, optional
        ``minnie65_somata.csv``, a nucleus_detection_v0 export or a cells table.
    synapses, cell_types, coregistration, traces : path-like, optional
        A synapses_pni_2 export, an aibs_metamodel_celltypes_v661 export, a
        coregistration_manual_v4 export and functional traces (.npz or CSV).
    session, scan_idx, field : int, optional
        The imaging field of ``traces`` (``field`` None: every field of the scan).
    voxel_size : (float, float, float), optional
        Voxel size in nm of CAVE positions (default: the table's, else 4 4 40).
    sttc_dt : float, optional
        STTC window in seconds (default: one frame period).
    cell_class : str, optional
        Keep only this cell class (e.g. ``"excitatory"``).
    neurons : int, default=100
        Neurons kept (all if fewer).
    selection : {"connected", "nearest"}, optional
        The most connected (default with synapses) or the nearest to ``center`` (default otherwise).
    center : (float, float, float), optional
        In µm; default: the median soma position.
    log : callable, default=print
        Receives the line describing the wiring.

    Returns
    -------
    MicronsData
    """
    from sernn.functional.relations import functional_relations
    from sernn import microns

    table, synapse_table, source = _sources(pinky100, cells, synapses, cell_types, voxel_size)
    selection = selection or ("connected" if synapse_table is not None else "nearest")
    trace_table = None
    if traces:
        if not coregistration or session is None or scan_idx is None:
            raise ValueError("traces needs coregistration, session and scan_idx (and optionally field) to "
                             "match units to cells")
        if "nucleus_id" not in table.columns:
            raise ValueError("traces: the cells table has no nucleus_id to join the coregistration on")
        registered = microns.load_coregistration(coregistration, voxel_size=voxel_size)
        table = microns.select_field(registered, table, session, scan_idx, field)
        trace_table = microns.load_traces(traces)
        source += f", traces {traces} (session {session}, scan {scan_idx}, field {field})"
    table = _select(table, synapse_table, neurons, selection, center, cell_class)
    n = len(table)  # the wiring, the functional relations and every weight matrix are (n, n)
    check_fits(8 * 4 * n ** 2, "neurons", n if neurons is None else neurons,
               f"the (n, n) matrices of the {n} neurons selected")
    data = MicronsData(cells=table, coordinates=microns.soma_coordinates(table), description=source)
    if synapse_table is not None and "root_id" in table.columns:
        data.wiring, report = microns.wiring_matrix(synapse_table, table["root_id"].to_numpy())
        log(f"sernn microns: wiring of {len(table)} neurons: {report}")
    if trace_table is not None:
        selected = trace_table.select(table)
        data.correlation, data.sttc = functional_relations(selected.traces, selected.frame_rate, dt=sttc_dt)
    return data


def field_data(path, *, trust_pickles: bool = False, neurons=None, selection=None, center=None,
               log=print) -> MicronsData:
    """The neurons of a functional connectomics field folder (``S_C_F/``, :func:`sernn.microns.load_field`).

    Parameters
    ----------
    path : path-like
        The field folder, e.g. ``fields/6_6_2``.
    trust_pickles : bool, default=False
        The positions file is a pickled object array; reading it runs code from
        the file, so it is read only with ``trust_pickles=True`` (see
        :func:`~sernn.microns.load_field`). The spikes are not read.
    neurons : int, optional
        Keep this many neurons (default: all of the field).
    selection : {"connected", "nearest"}, optional
        Which: the most connected in the field's connectome (synapses in + out,
        ties by index; the default) or the nearest to ``center``.
    center : (float, float, float), optional
        In µm; default: the median soma position.
    log : callable, default=print
        Receives the line describing the field.

    Returns
    -------
    MicronsData
        Positions in µm, the connectome as ``wiring`` (rows presynaptic), the
        correlation, STTC (mirrored) and precision matrices, and the published
        code's coordinates of the kept neurons; rows keep the field's order.
    """
    from sernn import microns

    field = microns.load_field(path, trust_pickles=trust_pickles, positions="voxels", spikes=False)
    keep = np.arange(field.n)
    if neurons is not None and neurons < field.n:
        selection = selection or "connected"
        if selection == "connected":
            degree = field.connectome.sum(axis=0) + field.connectome.sum(axis=1)
            keep = np.sort(np.argsort(-degree, kind="stable")[:neurons])
        elif selection == "nearest":
            micrometres = microns.field_coordinates(field)
            if center is not None and (len(center) != 3 or not np.isfinite(center).all()):
                raise ValueError(f"center must be 3 finite numbers (x, y, z in µm), got {list(center)}")
            centre = np.median(micrometres, axis=0) if center is None else np.asarray(center, dtype=float)
            distance = np.linalg.norm(micrometres - centre, axis=1)
            keep = np.sort(np.argsort(distance, kind="stable")[:neurons])
        else:
            raise ValueError(f"selection must be 'connected' or 'nearest'; got {selection!r}")
    micrometres = microns.field_coordinates(field)[keep]
    cells = pd.DataFrame({"root_id": field.root_ids[keep], "nucleus_id": field.target_ids[keep],
                          "unit_id": field.unit_ids[keep], "x_um": micrometres[:, 0], "y_um": micrometres[:, 1],
                          "z_um": micrometres[:, 2]})
    square = np.ix_(keep, keep)
    data = MicronsData(cells=cells, coordinates=micrometres, wiring=field.connectome[square],
                       correlation=field.correlation[square], sttc=field.sttc[square],
                       precision=field.precision[square],
                       published_coordinates=microns.published_code_coordinates(field.positions[keep]),
                       description=f"field {field.name} ({path})")
    log(f"sernn microns: field {field.name}: {len(keep)} of {field.n} neurons, "
        f"{int(np.count_nonzero(data.wiring))} connections among them")
    return data
