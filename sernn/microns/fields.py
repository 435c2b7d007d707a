"""Functional connectomics fields of minnie65 in the per-field layout of the MICrONS-constrained RNN study.

A *field* is one imaging field (session, scan, field) of the MICrONS functional
connectomics data (MICrONS Consortium, Nature 640:435–447, 2025; CC BY 4.0):
the neurons that have both an EM reconstruction and a calcium trace there. The
MICrONS-constrained RNN study (Shakiba, Rokni, Mohammadi, Dehghani, arXiv
2606.14975) publishes each field as a folder ``S_C_F/`` holding

==============================  ==================================================
``connectome_S_C_F.csv``        N × N synapse counts; header and index 0..N-1
``positions_S_C_F.npy``         soma positions, N × [x, y, z] voxels of 4 × 4 × 40 nm
                                (a pickled object array)
``corr_matrix.npy``             Pearson correlation of binned spike counts, N × N
``precision_matrix.npy``        inverse covariance of the binned activity, N × N
``sttc_matrix.npy``             spike time tiling coefficient, N × N, lower triangle
``spikes_S_C_F.npy``            spike times (s) of each neuron (a pickled object
                                array; absent for some fields)
``root_ids_S_C_F.npy``          EM segment ids (int64, N)
``unit_ids_S_C_F.npy``          imaging unit ids (int64, N)
``target_ids_S_C_F.npy``        nucleus ids (int64, N)
==============================  ==================================================

:func:`load_field` reads such a folder into a :class:`Field`.

**Pickles.** ``positions_*.npy`` and ``spikes_*.npy`` are numpy object arrays,
i.e. pickles: reading them runs code stored in the file. They are read only
when the caller passes ``trust_pickles=True``; otherwise :func:`load_field`
raises :class:`UntrustedPickle`. Pass ``positions=None`` and ``spikes=False``
to load the connectome and the functional matrices without reading any pickle.
A positions or spikes file saved as a plain numeric array is read without the
flag (numpy never unpickles a numeric array).

**Coordinates.** :func:`field_coordinates` gives the true soma positions (µm),
their per-axis min-max scaling, or, by name, the coordinates the study's
published code trains with (:func:`published_code_coordinates`: a reshape of
the N × 3 positions where a transpose was meant, then per-axis min-max). On
field 6_6_2 the pairwise distances of the latter correlate −0.003 with the true
soma distances, against 0.92 for the per-axis min-max of the true positions.
"""
from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sernn.readers import DamagedFile, read_csv
from sernn.validation import check_bool, check_option

__all__ = ["Field", "load_field", "UntrustedPickle", "published_code_coordinates",
           "field_coordinates", "VOXEL_SIZE_UM", "FIELD_COORDINATES"]

#: Size of a voxel of the positions files, (x, y, z) in µm (4 × 4 × 40 nm).
VOXEL_SIZE_UM = (0.004, 0.004, 0.04)

#: The ``coordinates`` options of :func:`field_coordinates`.
FIELD_COORDINATES = ("micrometres", "minmax", "published-code")

_POSITION_UNITS = ("micrometres", "voxels")
_NAME = re.compile(r"^(\d+)_(\d+)_(\d+)$")


class UntrustedPickle(ValueError):
    """A pickled ``.npy`` file that the caller did not declare trusted (the message names the file).

    Examples
    --------
    >>> issubclass(UntrustedPickle, ValueError)
    True
    """


@dataclass(frozen=True, eq=False)
class Field:
    """One functional connectomics field: wiring, positions and activity of the same N neurons.

    Row and column ``i`` of every matrix, and entry ``i`` of every list, are the
    same neuron.

    Attributes
    ----------
    name : str
        ``"S_C_F"``, e.g. ``"6_6_2"``.
    session, scan, field : int
        The imaging session, scan and field.
    connectome : ndarray of shape (N, N), float64
        Synapse counts, a weighted directed matrix: ``connectome[i, j]`` is the
        number of synapses from neuron ``i`` (presynaptic, row) onto neuron
        ``j`` (postsynaptic, column), the layout of a recurrent kernel and of
        :func:`sernn.microns.wiring_matrix`. It is the CSV as stored, never
        transposed; see :func:`load_field` for how the orientation was read.
    positions : ndarray of shape (N, 3), float64, or None
        Soma positions (x, y, z) in ``positions_unit``; None when not loaded.
    positions_unit : str or None
        ``"micrometres"`` or ``"voxels"`` (4 × 4 × 40 nm); None with ``positions``.
    correlation : ndarray of shape (N, N), float64
        Pearson correlation of the binned spike counts (diagonal 1).
    precision : ndarray of shape (N, N), float64
        Inverse covariance of the binned activity.
    sttc : ndarray of shape (N, N), float64
        Spike time tiling coefficient, symmetric: the stored lower triangle
        mirrored, and the stored diagonal (1, the STTC of a train with itself).
    spikes : list of N ndarrays, or None
        Spike times in seconds of each neuron; None when the field has no
        spikes file or they were not loaded.
    root_ids, unit_ids, target_ids : ndarray of shape (N,), int64
        EM segment ids, imaging unit ids and nucleus ids.
    folder : Path
        The folder read.
    """

    name: str
    session: int
    scan: int
    field: int
    connectome: np.ndarray
    positions: np.ndarray | None
    positions_unit: str | None
    correlation: np.ndarray
    precision: np.ndarray
    sttc: np.ndarray
    spikes: list | None
    root_ids: np.ndarray
    unit_ids: np.ndarray
    target_ids: np.ndarray
    folder: Path

    @property
    def n(self) -> int:
        """The number of neurons N."""
        return int(self.connectome.shape[0])

    def __repr__(self) -> str:
        spikes = "no spikes" if self.spikes is None else "spikes"
        positions = "no positions" if self.positions is None else f"positions in {self.positions_unit}"
        return (f"Field({self.name!r}: {self.n} neurons, {int(np.count_nonzero(self.connectome))} "
                f"connections, {positions}, {spikes})")


# ---------------------------------------------------------------- reading .npy files

def _npy_header(path: Path, what: str):
    """``(shape, dtype)`` from the header of the ``.npy`` file ``path``, without reading its data."""
    try:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    except (ValueError, EOFError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "a damaged header"
        raise DamagedFile(f"{path}: not a readable {what} (not a .npy array: {reason})") from None
    return shape, dtype


def _untrusted(path: Path, what: str, skip_hint: str = "") -> UntrustedPickle:
    return UntrustedPickle(f"{path}: a pickled object array ({what}); loading it runs code stored in the "
                           f"file; pass trust_pickles=True only for files you trust{skip_hint}")


def _load_npy(path: Path, what: str, trust_pickles: bool, skip_hint: str = "") -> np.ndarray:
    """The array in ``path``; an object array (a pickle) only with ``trust_pickles``."""
    _, dtype = _npy_header(path, what)
    pickled = dtype.hasobject
    if pickled and not trust_pickles:
        raise _untrusted(path, what, skip_hint)
    try:
        array = np.load(path, allow_pickle=pickled)
    except OSError as exc:
        if exc.filename:
            raise
        raise DamagedFile(f"{path}: not a readable {what} ({exc})") from None
    except Exception as exc:  # noqa: BLE001 -- unpickling raises many kinds (UnpicklingError, EOFError...)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DamagedFile(f"{path}: not a readable {what} ({reason})") from None
    if not isinstance(array, np.ndarray):
        raise DamagedFile(f"{path}: not a readable {what} (holds a {type(array).__name__}, not an array)")
    return array


def _require_file(folder: Path, name: str, what: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, f"no {what} here (a field folder holds {name})", str(path))
    return path


def _square(path: Path, n: int, what: str) -> np.ndarray:
    array = _load_npy(path, what, trust_pickles=False)
    if array.shape != (n, n):
        raise DamagedFile(f"{path}: not a valid {what} (shape {array.shape}; the connectome has {n} "
                          f"neurons, so ({n}, {n}) is expected)")
    if array.dtype.kind not in "fiu":
        raise DamagedFile(f"{path}: not a valid {what} (dtype {array.dtype}; numbers are expected)")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise DamagedFile(f"{path}: not a valid {what} (NaN or infinite values)")
    return array


def _ids(path: Path, n: int, what: str) -> np.ndarray:
    array = _load_npy(path, what, trust_pickles=False)
    if array.shape != (n,) or array.dtype.kind not in "iu":
        raise DamagedFile(f"{path}: not a valid {what} (shape {array.shape}, dtype {array.dtype}; the "
                          f"connectome has {n} neurons, so {n} integer ids are expected)")
    return array.astype(np.int64)


def _mirrored_sttc(path: Path, n: int) -> np.ndarray:
    """The STTC matrix with its strict lower triangle mirrored onto the upper one."""
    stored = _square(path, n, "STTC matrix")
    upper = np.triu_indices(n, 1)
    if np.any(stored[upper] != 0) and not np.allclose(stored[upper], stored.T[upper], atol=1e-12):
        raise DamagedFile(f"{path}: not a valid STTC matrix (its upper triangle is neither empty nor the "
                          "mirror of its lower triangle)")
    lower = np.tril(stored, -1)
    return lower + lower.T + np.diag(np.diag(stored))


def _positions(path: Path, n: int, trust_pickles: bool, unit: str) -> np.ndarray:
    what = "positions file"
    stored = _load_npy(path, what, trust_pickles, skip_hint=", or positions=None to skip it")
    try:
        if stored.dtype.hasobject:
            stored = np.array([np.asarray(row, dtype=np.float64) for row in stored])
        xyz = np.asarray(stored, dtype=np.float64)
    except (TypeError, ValueError):
        xyz = None
    if xyz is None or xyz.shape != (n, 3):
        shape = None if xyz is None else xyz.shape
        got = "ragged rows" if shape is None else f"shape {shape}"
        raise DamagedFile(f"{path}: not a valid {what} (the connectome has {n} neurons, so {n} soma "
                          f"positions [x, y, z] are expected; got {got})")
    if not np.isfinite(xyz).all():
        raise DamagedFile(f"{path}: not a valid {what} (NaN or infinite positions)")
    return xyz * np.asarray(VOXEL_SIZE_UM) if unit == "micrometres" else xyz


def _spikes(path: Path, n: int, trust_pickles: bool) -> list:
    what = "spikes file"
    stored = _load_npy(path, what, trust_pickles, skip_hint=", or spikes=False to skip it")
    if stored.ndim != 1 or len(stored) != n or not stored.dtype.hasobject:
        raise DamagedFile(f"{path}: not a valid {what} (the connectome has {n} neurons, so an object array "
                          f"of {n} spike-time arrays is expected; got shape {stored.shape}, dtype {stored.dtype})")
    trains = []
    for i, train in enumerate(stored):
        try:
            times = np.asarray(train, dtype=np.float64)
        except (TypeError, ValueError):
            times = None
        if times is None or times.ndim != 1 or not np.isfinite(times).all():
            raise DamagedFile(f"{path}: not a valid {what} (entry {i} is not a 1-D array of finite spike "
                              "times in seconds)")
        trains.append(times)
    return trains


def _connectome(path: Path) -> np.ndarray:
    what = "connectome"
    table = read_csv(path, what, index_col=0)
    n = len(table)
    if n == 0 or table.shape != (n, n):
        raise DamagedFile(f"{path}: not a valid {what} ({table.shape[0]} rows and {table.shape[1]} columns "
                          "besides the index; a square N × N table of synapse counts is expected)")
    expected = [str(i) for i in range(n)]
    if [str(c) for c in table.columns] != expected or [str(i) for i in table.index] != expected:
        raise DamagedFile(f"{path}: not a valid {what} (its header and first column must be the indices "
                          f"0..{n - 1} in order)")
    try:
        weights = table.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise DamagedFile(f"{path}: not a valid {what} (non-numeric entries)") from None
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise DamagedFile(f"{path}: not a valid {what} (synapse counts must be finite and >= 0)")
    return weights


def _field_name(folder: Path) -> str:
    if _NAME.match(folder.name):
        return folder.name
    found = sorted(p.name[len("connectome_"):-len(".csv")] for p in folder.glob("connectome_*.csv"))
    found = [name for name in found if _NAME.match(name)]
    if len(found) != 1:
        raise ValueError(f"{folder}: not a field folder (its name is not session_scan_field, e.g. 6_6_2, "
                         f"and it holds {len(found)} connectome_S_C_F.csv files, 1 is expected)")
    return found[0]


# ---------------------------------------------------------------- the loader

def load_field(path, *, trust_pickles: bool = False, positions: str | None = "micrometres",
               spikes: bool = True) -> Field:
    """Load a functional connectomics field folder (``S_C_F/``, the study's published layout).

    Parameters
    ----------
    path : path-like
        The field folder, e.g. ``.../fields/6_6_2``. Its name (or that of its
        single ``connectome_S_C_F.csv``) gives session, scan and field.
    trust_pickles : bool, default=False
        Read ``positions_*.npy`` and ``spikes_*.npy``, which are pickled object
        arrays: loading them runs code stored in the file. Pass True only for
        files you trust (e.g. your own download from the study's repository).
        Without it, a pickled file that is needed raises
        :class:`UntrustedPickle`; a plain numeric file is read either way.
    positions : {"micrometres", "voxels"} or None, default="micrometres"
        Unit of ``Field.positions``: micrometres (voxels × (0.004, 0.004,
        0.04)) or the stored 4 × 4 × 40 nm voxels; None: do not read the
        positions file (``Field.positions`` is None).
    spikes : bool, default=True
        Read the spikes file when the field has one; False: do not
        (``Field.spikes`` is None).

    Returns
    -------
    Field

    Raises
    ------
    FileNotFoundError
        A file of the layout is missing (the error's ``filename`` is its path).
    UntrustedPickle
        A needed file is a pickled object array and ``trust_pickles`` is False.
    DamagedFile
        A file cannot be read, or has the wrong shape or values for the
        connectome's N (the message starts with its path).

    Notes
    -----
    *Orientation.* The CSV is taken as stored, rows = presynaptic, columns =
    postsynaptic. The files do not say so; the degrees do: on 6_6_2 the 316
    connections leave 146 rows with out-degrees up to 21, and enter 182
    columns with in-degrees at most 6. Outputs concentrated on a few neurons
    are what an EM volume gives, where every neuron's dendrites are
    reconstructed but only some axons are proofread far enough to find their
    targets.

    *Matrices.* ``corr_matrix.npy`` is reproduced to 1e-15 (5_3_8 and 6_2_8) by
    the Pearson correlation of spike counts in 0.2 s bins from 0 up to the
    last spike of the field. ``sttc_matrix.npy`` is reproduced to 1e-5 by
    :func:`sernn.functional.sttc_matrix` with ``dt=0.1`` over ``[0, last
    spike]``. ``precision_matrix.npy`` is close to, but not exactly (about 1 %
    off), the inverse covariance of those counts.

    Examples
    --------
    A small folder in the published layout (with plain numeric positions, so
    that no pickle is needed):

    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = pathlib.Path(tmp) / "6_6_2"
    ...     folder.mkdir()
    ...     counts = pd.DataFrame([[0, 2, 0], [0, 0, 1], [0, 0, 0]])
    ...     counts.to_csv(folder / "connectome_6_6_2.csv")
    ...     np.save(folder / "positions_6_6_2.npy", np.array([[100, 200, 10], [150, 200, 10], [100, 250, 12]]))
    ...     for name in ("corr_matrix", "precision_matrix"):
    ...         np.save(folder / f"{name}.npy", np.eye(3))
    ...     np.save(folder / "sttc_matrix.npy", np.array([[1, 0, 0], [0.5, 1, 0], [0.25, 0.1, 1.0]]))
    ...     for name in ("root_ids", "unit_ids", "target_ids"):
    ...         np.save(folder / f"{name}_6_6_2.npy", np.arange(3))
    ...     field = load_field(folder)
    >>> field
    Field('6_6_2': 3 neurons, 2 connections, positions in micrometres, no spikes)
    >>> field.session, field.scan, field.field
    (6, 6, 2)
    >>> float(field.connectome[0, 1])   # 2 synapses from neuron 0 onto neuron 1
    2.0
    >>> field.positions[2]              # µm: x, y × 0.004, z × 0.04
    array([0.4 , 1.  , 0.48])
    >>> field.sttc
    array([[1.  , 0.5 , 0.25],
           [0.5 , 1.  , 0.1 ],
           [0.25, 0.1 , 1.  ]])
    """
    trust_pickles = check_bool(trust_pickles, "trust_pickles")
    spikes = check_bool(spikes, "spikes")
    positions = check_option(positions, "positions", (*_POSITION_UNITS, None))
    folder = Path(path)
    if not folder.is_dir():
        if folder.exists():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder; give the field folder S_C_F/", str(folder))
        raise FileNotFoundError(errno.ENOENT, "no such field folder", str(folder))
    name = _field_name(folder)
    session, scan, field_number = (int(part) for part in name.split("_"))

    # Every needed file is there before any is read.
    connectome_path = _require_file(folder, f"connectome_{name}.csv", "connectome")
    matrix_paths = {key: _require_file(folder, f"{key}_matrix.npy", f"{key} matrix")
                    for key in ("corr", "precision", "sttc")}
    id_paths = {key: _require_file(folder, f"{key}_ids_{name}.npy", f"{key} ids")
                for key in ("root", "unit", "target")}
    positions_path = (None if positions is None
                      else _require_file(folder, f"positions_{name}.npy", "positions file"))
    spikes_path = folder / f"spikes_{name}.npy"
    spikes_path = spikes_path if spikes and spikes_path.is_file() else None
    # Refuse untrusted pickles before anything is parsed (so the refusal is the same for any folder).
    if not trust_pickles:
        for wanted, what, hint in ((positions_path, "positions file", ", or positions=None to skip it"),
                                   (spikes_path, "spikes file", ", or spikes=False to skip it")):
            if wanted is not None and _npy_header(wanted, what)[1].hasobject:
                raise _untrusted(wanted, what, hint)

    connectome = _connectome(connectome_path)
    n = connectome.shape[0]
    return Field(
        name=name, session=session, scan=scan, field=field_number,
        connectome=connectome,
        positions=None if positions_path is None else _positions(positions_path, n, trust_pickles, positions),
        positions_unit=positions,
        correlation=_square(matrix_paths["corr"], n, "correlation matrix"),
        precision=_square(matrix_paths["precision"], n, "precision matrix"),
        sttc=_mirrored_sttc(matrix_paths["sttc"], n),
        spikes=None if spikes_path is None else _spikes(spikes_path, n, trust_pickles),
        root_ids=_ids(id_paths["root"], n, "root ids file"),
        unit_ids=_ids(id_paths["unit"], n, "unit ids file"),
        target_ids=_ids(id_paths["target"], n, "target ids file"),
        folder=folder,
    )


# ---------------------------------------------------------------- coordinates

def _minmax_columns(xyz: np.ndarray, what: str) -> np.ndarray:
    low, high = xyz.min(axis=0), xyz.max(axis=0)
    flat = np.flatnonzero(high == low)
    if flat.size:
        raise ValueError(f"{what}: column {int(flat[0])} is constant, so min-max scaling divides by 0")
    return (xyz - low) / (high - low)


def _xyz(positions, name: str) -> np.ndarray:
    array = np.asarray(positions)
    if array.dtype.hasobject:
        array = np.array([np.asarray(row, dtype=np.float64) for row in array])
    try:
        array = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an (N, 3) array of numbers") from None
    if array.ndim != 2 or array.shape[1] != 3 or array.shape[0] < 2:
        raise ValueError(f"{name} must have shape (N, 3) with N >= 2, got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def published_code_coordinates(positions) -> np.ndarray:
    """The coordinates the study's published code trains with: a scrambled reshape, min-max scaled.

    The published notebook of the MICrONS-constrained RNN study (Shakiba,
    Rokni, Mohammadi, Dehghani, arXiv 2606.14975) turns the N × 3 positions
    into three coordinate lists by *reshaping* them to 3 × N (where a transpose
    was meant), then min-max scales each list to [0, 1]. Reading the N × 3
    array row by row as one sequence ``v = (x0, y0, z0, x1, y1, z1, ...)`` of
    length 3N, neuron ``i`` gets

        ``(s0(v[i]), s1(v[N + i]), s2(v[2N + i]))``

    where ``s_k`` min-max scales the block ``v[kN:(k + 1)N]``. Each block
    mixes x, y and z of different neurons, so the result is unrelated to the
    neurons' places: on field 6_6_2 its pairwise distances correlate −0.003
    with the true soma distances. Offered only to reproduce the published
    numbers; use :func:`field_coordinates` for real positions.

    Parameters
    ----------
    positions : array-like of shape (N, 3)
        Positions as the field stores them: voxels (the study scales the
        stored voxels; the result depends on the unit, because each block
        mixes axes of different voxel sizes). An object array of N rows
        (the stored form) is accepted.

    Returns
    -------
    ndarray of shape (N, 3), float64, each column in [0, 1].

    Examples
    --------
    Four neurons; the per-axis min-max of the true positions would give
    neuron 0 the coordinates (0, 0, 0):

    >>> positions = np.array([[0, 10, 100], [2, 30, 400], [4, 20, 300], [8, 40, 200]])
    >>> published_code_coordinates(positions) * [100, 396, 292]
    array([[  0.,  26., 292.],
           [ 10., 396.,   0.],
           [100.,   0.,  32.],
           [  2.,  16., 192.]])
    """
    xyz = _xyz(positions, "positions")
    scrambled = xyz.reshape(-1).reshape(3, -1).T    # block k of the row-major sequence -> column k
    return _minmax_columns(scrambled, "published-code coordinates")


def field_coordinates(field: Field, *, coordinates: str = "micrometres") -> np.ndarray:
    """Soma coordinates of a field's neurons, ``(N, 3)`` (row i = neuron i).

    Parameters
    ----------
    field : Field
        From :func:`load_field` with positions loaded.
    coordinates : {"micrometres", "minmax", "published-code"}, default="micrometres"
        ``"micrometres"``: the true soma positions in µm. ``"minmax"``: the
        true positions with each axis min-max scaled to [0, 1] (what the
        study's methods describe). ``"published-code"``: what the study's
        published code computes, :func:`published_code_coordinates` of the
        stored voxels (scrambled; for reproducing published numbers only).

    Returns
    -------
    ndarray of shape (N, 3), float64.

    Examples
    --------
    >>> field = Field(name="1_1_1", session=1, scan=1, field=1, connectome=np.zeros((2, 2)),
    ...               positions=np.array([[250, 100, 10], [500, 300, 20]]), positions_unit="voxels",
    ...               correlation=np.eye(2), precision=np.eye(2), sttc=np.eye(2), spikes=None,
    ...               root_ids=np.arange(2), unit_ids=np.arange(2), target_ids=np.arange(2),
    ...               folder=Path("1_1_1"))
    >>> field_coordinates(field)
    array([[1. , 0.4, 0.4],
           [2. , 1.2, 0.8]])
    >>> field_coordinates(field, coordinates="minmax")
    array([[0., 0., 0.],
           [1., 1., 1.]])
    """
    coordinates = check_option(coordinates, "coordinates", FIELD_COORDINATES)
    if field.positions is None:
        raise ValueError(f"field {field.name} has no positions; load it with positions='micrometres' "
                         "(and trust_pickles=True for a pickled positions file)")
    voxel = np.asarray(VOXEL_SIZE_UM)
    if field.positions_unit == "voxels":
        voxels, micrometres = field.positions, field.positions * voxel
    else:
        voxels, micrometres = np.rint(field.positions / voxel), field.positions
    if coordinates == "micrometres":
        return np.array(micrometres, dtype=np.float64)
    if coordinates == "minmax":
        return _minmax_columns(np.asarray(micrometres, dtype=np.float64), "soma positions")
    return published_code_coordinates(voxels)
