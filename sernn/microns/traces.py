"""Functional (calcium imaging) activity traces keyed by ``(session, scan_idx, unit_id)``.

MICrONS functional data (DANDI 000402 / ``microns_phase3_nda``) give one value
per imaging frame (6.3009 Hz) for each unit of a scan. Accepted forms:

* ``.npz`` with arrays ``session``, ``scan_idx``, ``unit_id`` (each ``(n,)``),
  ``traces`` (``(n, n_frames)``) and optionally ``frame_rate`` (scalar, Hz);
* a *wide* CSV (or DataFrame): columns ``session, scan_idx, unit_id`` and one
  column per frame, in frame order;
* a *long* CSV (or DataFrame): columns ``session, scan_idx, unit_id, frame``
  and ``trace`` (one row per unit and frame);
* a DataFrame with columns ``session, scan_idx, unit_id, trace`` whose
  ``trace`` cells are 1-D arrays (what a DataJoint ``fetch(format="frame")``
  of ``Activity.Trace`` gives).

All units must have the same number of frames.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sernn.functional.spikes import MICRONS_FRAME_RATE_HZ
from sernn.microns.tables import read_table, require_columns, require_unique
from sernn.validation import check_real

__all__ = ["FunctionalTraces", "load_traces", "TRACE_KEYS"]

#: The columns that identify a functional unit.
TRACE_KEYS = ("session", "scan_idx", "unit_id")


@dataclass
class FunctionalTraces:
    """Activity traces of functional units.

    Attributes
    ----------
    keys : DataFrame
        Columns ``session, scan_idx, unit_id`` (int64), one row per unit, unique.
    traces : ndarray of shape (n_units, n_frames), float64
        Row ``i`` is the trace of unit ``keys.iloc[i]``.
    frame_rate : float
        Frames per second.
    """

    keys: pd.DataFrame
    traces: np.ndarray
    frame_rate: float = MICRONS_FRAME_RATE_HZ

    @property
    def duration(self) -> float:
        """Length of the recording in seconds (``n_frames / frame_rate``)."""
        return self.traces.shape[1] / self.frame_rate

    def select(self, units: pd.DataFrame) -> "FunctionalTraces":
        """The traces of ``units`` (rows with ``session, scan_idx, unit_id``), in their order.

        Raises ValueError if a unit has no trace.
        """
        require_columns(units, TRACE_KEYS, "units")
        position = pd.Series(np.arange(len(self.keys)),
                             index=pd.MultiIndex.from_frame(self.keys[list(TRACE_KEYS)]))
        wanted = pd.MultiIndex.from_frame(units[list(TRACE_KEYS)].astype("int64"))
        found = wanted.isin(position.index)
        if not found.all():
            first = tuple(int(v) for v in wanted[~found][0])
            raise ValueError(f"{int((~found).sum())} unit(s) have no trace "
                             f"(first (session, scan_idx, unit_id): {first})")
        rows = position.loc[wanted].to_numpy()
        return FunctionalTraces(self.keys.iloc[rows].reset_index(drop=True), self.traces[rows],
                                self.frame_rate)


def _from_npz(path: Path, frame_rate):
    with np.load(path, allow_pickle=False) as data:
        missing = [k for k in (*TRACE_KEYS, "traces") if k not in data.files]
        if missing:
            raise ValueError(f"traces file {str(path)!r} is missing array(s) {missing}; "
                             f"it has {data.files}")
        keys = pd.DataFrame({k: np.asarray(data[k]).astype("int64") for k in TRACE_KEYS})
        traces = np.asarray(data["traces"], dtype=np.float64)
        if frame_rate is None and "frame_rate" in data.files:
            frame_rate = float(data["frame_rate"])
    return keys, traces, frame_rate


def _from_frame(table: pd.DataFrame):
    name = "traces table"
    require_columns(table, TRACE_KEYS, name)
    keys_cols = list(TRACE_KEYS)
    if "frame" in table.columns:  # long form
        require_columns(table, ["trace"], name)
        require_unique(table, [*keys_cols, "frame"], name)
        wide = table.pivot(index=keys_cols, columns="frame", values="trace").sort_index(axis=1)
        if wide.isna().any().any():
            raise ValueError(f"{name}: units have different frames (missing (unit, frame) rows)")
        keys = wide.index.to_frame(index=False).astype("int64")
        return keys, wide.to_numpy(dtype=np.float64)
    require_unique(table, keys_cols, name)
    keys = table[keys_cols].astype("int64").reset_index(drop=True)
    if "trace" in table.columns and table["trace"].map(np.ndim).eq(1).all():
        lengths = table["trace"].map(len)
        if lengths.nunique() != 1:
            raise ValueError(f"{name}: traces have different lengths ({sorted(lengths.unique())[:5]})")
        return keys, np.stack([np.asarray(t, dtype=np.float64) for t in table["trace"]])
    frames = [c for c in table.columns if c not in keys_cols]
    if not frames:
        raise ValueError(f"{name} has no frame columns besides {keys_cols}")
    index_like = [c for c in frames if str(c).startswith("Unnamed:")]
    if index_like:
        raise ValueError(f"{name} has column(s) {index_like}, a saved DataFrame index, not frames; "
                         "write the CSV with index=False or drop them")
    values = table[frames].apply(pd.to_numeric, errors="coerce")
    not_numeric = [c for c in frames if (values[c].isna() & table[c].notna()).any()]
    if not_numeric:
        raise ValueError(f"{name}: frame column(s) {not_numeric[:5]} hold non-numeric values; a wide "
                         f"table has the columns {keys_cols} and then one numeric column per frame")
    return keys, values.to_numpy(dtype=np.float64)


def load_traces(source, frame_rate: float | None = None) -> FunctionalTraces:
    """Load functional traces keyed by ``(session, scan_idx, unit_id)``.

    Parameters
    ----------
    source : path-like (``.npz``, ``.csv``, ``.csv.gz``) or DataFrame
        See the module docstring for the accepted layouts.
    frame_rate : float, optional
        Frames per second; default: the file's ``frame_rate`` if stored, else
        6.3009 Hz (MICrONS).

    Returns
    -------
    FunctionalTraces
    """
    if isinstance(source, (str, Path)) and str(source).lower().endswith(".npz"):
        if not Path(source).is_file():
            raise FileNotFoundError(f"traces file {str(source)!r} does not exist")
        keys, traces, frame_rate = _from_npz(Path(source), frame_rate)
        require_unique(keys, TRACE_KEYS, "traces file")
    else:
        keys, traces = _from_frame(read_table(source, "traces table"))
    frame_rate = (MICRONS_FRAME_RATE_HZ if frame_rate is None
                  else check_real(frame_rate, "frame_rate", low=0, inclusive="neither"))
    if traces.ndim != 2 or traces.shape[0] != len(keys):
        raise ValueError(f"traces must have shape (n_units, n_frames) with n_units = {len(keys)}, "
                         f"got {traces.shape}")
    if len(keys) == 0:
        raise ValueError("the traces source holds no unit")
    return FunctionalTraces(keys, traces, frame_rate)
