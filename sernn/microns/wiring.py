"""Neuron-level weight matrices from EM synapses."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sernn.microns.tables import require_columns
from sernn.validation import check_integer, check_option

__all__ = ["WiringReport", "wiring_matrix", "select_most_connected"]

_WEIGHTS = ("count", "size")


@dataclass(frozen=True)
class WiringReport:
    """What :func:`wiring_matrix` did with each synapse.

    Attributes
    ----------
    n_synapses : int
        Rows of the synapse table.
    n_zero_root : int
        Dropped because the pre- or post-synaptic root id is 0 (no proofread
        segment; counted before autapses).
    n_autapses : int
        Dropped because pre and post are the same cell.
    n_outside : int
        Dropped because an end is not among the selected cells.
    n_used : int
        Synapses that entered the matrix (the four counts sum to n_synapses).
    n_pairs : int
        Distinct connected ordered pairs (non-zero entries of the matrix).
    weight : str
        ``"count"`` or ``"size"``.
    """

    n_synapses: int
    n_zero_root: int
    n_autapses: int
    n_outside: int
    n_used: int
    n_pairs: int
    weight: str

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.n_synapses} synapses: {self.n_used} used ({self.n_pairs} connected ordered "
                f"pairs, weight={self.weight}); dropped {self.n_zero_root} with root id 0, "
                f"{self.n_autapses} autapses, {self.n_outside} with an end outside the selection")


def wiring_matrix(synapses: pd.DataFrame, root_ids, weight: str = "count"):
    """The weight matrix among selected cells, from their synapses.

    Parameters
    ----------
    synapses : DataFrame
        Columns ``pre_root_id``, ``post_root_id`` and, for ``weight="size"``,
        ``size`` (cleft voxels), one row per synapse (from
        :func:`sernn.microns.load_synapses` or :func:`sernn.microns.load_pinky100`).
    root_ids : array-like of shape (n,)
        Root ids of the selected cells; row/column ``i`` of the matrix is cell
        ``root_ids[i]``. Must be unique and non-zero.
    weight : {"count", "size"}, default="count"
        ``"count"``: number of synapses from i to j; ``"size"``: their summed
        cleft size.

    Returns
    -------
    W : ndarray of shape (n, n), float64
        ``W[i, j]`` = weight from cell i (pre) to cell j (post), the Keras
        recurrent-kernel layout. Zero diagonal.
    report : WiringReport
        Synapses used and dropped (root id 0, autapses, outside the selection).
    """
    weight = check_option(weight, "weight", list(_WEIGHTS))
    required = ["pre_root_id", "post_root_id"] + (["size"] if weight == "size" else [])
    require_columns(synapses, required, "synapse table")
    ids = np.asarray(root_ids)
    if ids.ndim != 1 or ids.size == 0:
        raise ValueError(f"root_ids must be a non-empty 1-D list of root ids, got shape {ids.shape}")
    ids = ids.astype("int64")
    if len(np.unique(ids)) != ids.size:
        raise ValueError("root_ids contain duplicates; each selected cell must appear once")
    if (ids == 0).any():
        raise ValueError("root_ids contain 0, which is not a cell (unproofread fragments carry 0)")
    pre = synapses["pre_root_id"].to_numpy(dtype="int64")
    post = synapses["post_root_id"].to_numpy(dtype="int64")
    values = (synapses["size"].to_numpy(dtype=np.float64) if weight == "size"
              else np.ones(pre.size))
    if weight == "size" and not (np.isfinite(values).all() and (values >= 0).all()):
        raise ValueError("synapse sizes must be finite and non-negative")
    zero_root = (pre == 0) | (post == 0)
    autapse = ~zero_root & (pre == post)
    order = np.argsort(ids)
    sorted_ids = ids[order]

    def position(x):
        at = np.clip(np.searchsorted(sorted_ids, x), 0, ids.size - 1)
        return order[at], sorted_ids[at] == x

    i, pre_in = position(pre)
    j, post_in = position(post)
    outside = ~zero_root & ~autapse & ~(pre_in & post_in)
    used = ~(zero_root | autapse | outside)
    matrix = np.zeros((ids.size, ids.size))
    np.add.at(matrix, (i[used], j[used]), values[used])
    report = WiringReport(
        n_synapses=int(pre.size), n_zero_root=int(zero_root.sum()), n_autapses=int(autapse.sum()),
        n_outside=int(outside.sum()), n_used=int(used.sum()),
        n_pairs=int(np.count_nonzero(matrix)) if weight == "count"
        else int(len(set(zip(i[used].tolist(), j[used].tolist())))),
        weight=weight,
    )
    return matrix, report


def select_most_connected(cells: pd.DataFrame, synapses: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` cells with the most connected partners among the table's cells.

    The degree of a cell is its number of distinct pre- plus post-synaptic
    partners within ``cells`` (autapses and root id 0 excluded). Cells are
    returned by decreasing degree (ties in table order).
    """
    require_columns(cells, ["root_id"], "cells table")
    n = check_integer(n, "n", low=1)
    if n > len(cells):
        raise ValueError(f"n = {n} is more than the {len(cells)} cells of the table")
    matrix, _ = wiring_matrix(synapses, cells["root_id"].to_numpy())
    degree = (matrix > 0).sum(axis=0) + (matrix > 0).sum(axis=1)
    order = np.argsort(-degree, kind="stable")[:n]
    return cells.iloc[order].reset_index(drop=True)
