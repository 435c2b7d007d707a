"""Area-level connectomes: a named, validated weight matrix and its loaders.

Convention used throughout the package: ``weights[i, j]`` is the strength of
the projection **from** region ``i`` (row, source) **to** region ``j``
(column, target). This is also the Keras layout of a recurrent kernel
(``W[i, j]`` = weight from unit ``i`` to unit ``j``), so an expanded
connectome can be used as a recurrent kernel without transposing.

Three sources are accepted:

* a square CSV file whose header row and first column hold the region names
  (the layout of the bio2art files of
  :data:`~sernn.connectomes.catalog.KNOWN_CONNECTOMES`), via :func:`load`;
* an edge-list CSV with columns ``source, target, weight`` (one row per
  projection; absent pairs are 0), via :func:`load` or :func:`from_edge_list`;
* a numpy array plus a list of names, via :func:`from_array` (or :func:`load`).
"""
from __future__ import annotations

import csv
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sernn.readers import DamagedFile
from sernn.validation import check_option, describe

__all__ = ["Connectome", "load", "from_array", "from_edge_list"]


@dataclass(frozen=True, eq=False)
class Connectome:
    """A directed, weighted area-level connectome.

    Parameters
    ----------
    weights : ndarray of shape (n_regions, n_regions), float64
        Non-negative, finite projection strengths; ``weights[i, j]`` is the
        projection from region ``i`` (source) to region ``j`` (target).
        The diagonal is kept as given but is ignored by
        :func:`sernn.connectomes.expand` (within-region weights follow the
        intrinsic rule there).
    names : tuple of str
        One unique name per region, in row (= column) order.
    source : str, optional
        Where the matrix came from (a file path), for reports.

    Notes
    -----
    Use :func:`from_array`, :func:`from_edge_list` or :func:`load` to build
    one; they validate the input.

    Examples
    --------
    Three regions with projections A -> B, B -> A and B -> C:

    >>> c = from_array([[0, 0.5, 0], [0.2, 0, 1.0], [0, 0, 0]], names=["A", "B", "C"])
    >>> c
    Connectome(n_regions=3, density=0.500)
    >>> c.n_regions, c.index("B")
    (3, 1)
    >>> float(c.weights[c.index("A"), c.index("B")])   # row = source, column = target
    0.5
    >>> c.density                                       # 3 of the 6 off-diagonal pairs
    0.5
    >>> float(c.to_frame().loc["B", "C"])
    1.0
    """

    weights: np.ndarray
    names: tuple
    source: str = field(default="")

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return len(self.names)

    @property
    def density(self) -> float:
        """Fraction of off-diagonal pairs with a non-zero projection."""
        n = self.n_regions
        if n < 2:
            return 0.0
        off = ~np.eye(n, dtype=bool)
        return float(np.count_nonzero(self.weights[off]) / off.sum())

    def index(self, name: str) -> int:
        """Row/column index of the region called ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(f"region {name!r} is not in the connectome; it has {self.n_regions} "
                             f"regions, e.g. {list(self.names[:5])}") from None

    def to_frame(self) -> pd.DataFrame:
        """The matrix as a DataFrame indexed (rows = source) and labelled (columns = target) by name."""
        return pd.DataFrame(self.weights, index=list(self.names), columns=list(self.names))

    def __eq__(self, other) -> bool:
        """Equal when the region names and the weights are equal (the source is not compared)."""
        if not isinstance(other, Connectome):
            return NotImplemented
        return self.names == other.names and np.array_equal(self.weights, other.weights)

    def __hash__(self) -> int:
        return hash(self.names)

    def __repr__(self) -> str:
        where = f", source={self.source!r}" if self.source else ""
        return f"Connectome(n_regions={self.n_regions}, density={self.density:.3f}{where})"


def _check_names(names, n: int, what: str = "names") -> tuple:
    if names is None or isinstance(names, str):
        raise TypeError(f"{what} must be a sequence of region names, one per row of the matrix ({n} names); "
                        f"got {names!r}")
    names = [str(name).strip() for name in names]
    if len(names) != n:
        raise ValueError(f"{what} has {len(names)} entries but the matrix has {n} rows; "
                         "give exactly one name per row")
    empty = [i for i, name in enumerate(names) if name == "" or name.lower() == "nan"]
    if empty:
        raise ValueError(f"{what} has missing (empty) region names at positions {empty[:10]}")
    seen, duplicates = set(), []
    for name in names:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    if duplicates:
        raise ValueError(f"{what} has duplicate region names: {duplicates[:10]}; names must be unique")
    return tuple(names)


def _check_matrix(weights, argument: str = "weights") -> np.ndarray:
    try:
        matrix = np.array(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must be a numeric 2-D array of projection strengths") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{argument} must be a square (n_regions, n_regions) matrix, got shape "
                         f"{matrix.shape}")
    if matrix.shape[0] == 0:
        raise ValueError(f"{argument} is empty; a connectome needs at least one region")
    bad = ~np.isfinite(matrix)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{argument} has {int(bad.sum())} non-finite (NaN or inf) entries, first at "
                         f"[{i}, {j}]; use 0 for absent projections")
    if (matrix < 0).any():
        i, j = np.argwhere(matrix < 0)[0]
        raise ValueError(f"{argument} has {int((matrix < 0).sum())} negative entries, first "
                         f"{matrix[i, j]:g} at [{i}, {j}]; projection strengths must be >= 0")
    return matrix


def from_array(weights, names, source: str = "") -> Connectome:
    """A connectome from a square array and its region names.

    Parameters
    ----------
    weights : array-like of shape (n_regions, n_regions)
        Projection strengths, rows = source region, columns = target region.
        Must be finite and non-negative.
    names : sequence of str, length n_regions
        Unique region names in row order.
    source : str, default=""
        A label of where the data came from.

    Returns
    -------
    Connectome

    Raises
    ------
    ValueError
        Non-square, empty, negative or non-finite weights; missing, duplicate
        or too few/many names.

    Examples
    --------
    >>> import numpy as np
    >>> c = from_array(np.array([[0, 2], [1, 0]]), ["V1", "V2"], source="toy")
    >>> c.names, c.source
    (('V1', 'V2'), 'toy')
    >>> c.weights.tolist()            # converted to float64
    [[0.0, 2.0], [1.0, 0.0]]
    >>> c.weights.flags.writeable     # a read-only copy
    False
    """
    matrix = _check_matrix(weights)
    names = _check_names(names, matrix.shape[0])
    matrix.setflags(write=False)
    return Connectome(weights=matrix, names=names, source=str(source))


def from_edge_list(edges, source_column: str = "source", target_column: str = "target",
                   weight_column: str = "weight", names=None, source: str = "") -> Connectome:
    """A connectome from an edge list (one row per projection).

    Parameters
    ----------
    edges : pandas.DataFrame, or str / path-like of a CSV file
        A table with a source-region, a target-region and a weight column.
        Pairs that do not appear get weight 0. A pair listed twice is an error.
    source_column, target_column, weight_column : str
        Column names (matched case-insensitively).
    names : sequence of str, optional
        Region order. Default: regions in order of first appearance (sources
        and targets). Given names must include every region in the table;
        extra names become regions without projections.
    source : str, default=""
        A label of where the data came from.

    Returns
    -------
    Connectome

    Examples
    --------
    >>> import pandas as pd
    >>> edges = pd.DataFrame({"Source": ["A", "B", "A"], "Target": ["B", "C", "C"],
    ...                       "Weight": [0.5, 2.0, 1.0]})
    >>> c = from_edge_list(edges)          # regions in order of first appearance
    >>> c.names
    ('A', 'B', 'C')
    >>> c.weights.tolist()                 # absent pairs are 0
    [[0.0, 0.5, 1.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]]
    >>> d = from_edge_list(edges, names=["C", "B", "A", "D"])   # D: a region without projections
    >>> d.weights.tolist()
    [[0.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0], [1.0, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    if not isinstance(edges, pd.DataFrame):
        path = Path(edges)
        if not path.is_file():
            raise FileNotFoundError(f"edge-list file {str(path)!r} does not exist")
        source = source or str(path)
        edges = pd.read_csv(path)
    lookup = {str(c).strip().lower(): c for c in edges.columns}
    columns = []
    for wanted in (source_column, target_column, weight_column):
        if wanted.lower() not in lookup:
            raise ValueError(f"edge list has no column {wanted!r}; its columns are {list(edges.columns)} "
                             f"(expected source, target and weight columns)")
        columns.append(lookup[wanted.lower()])
    table = edges[columns].copy()
    table.columns = ["source", "target", "weight"]
    if table[["source", "target"]].isna().any().any():
        raise ValueError("edge list has rows with a missing source or target region name")
    table["source"] = table["source"].astype(str).str.strip()
    table["target"] = table["target"].astype(str).str.strip()
    weights = pd.to_numeric(table["weight"], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(weights).all():
        raise ValueError("edge list has missing, non-numeric or non-finite weights "
                         f"({int((~np.isfinite(weights)).sum())} rows)")
    duplicated = table.duplicated(subset=["source", "target"], keep=False)
    if duplicated.any():
        first = table[duplicated].iloc[0]
        raise ValueError(f"edge list names the pair {first['source']!r} -> {first['target']!r} more "
                         "than once; give each projection once")
    appearing = list(dict.fromkeys(np.concatenate([table["source"].to_numpy(),
                                                   table["target"].to_numpy()]).tolist()))
    if names is None:
        names = appearing
    else:
        names = names if isinstance(names, str) else list(names)  # a generator is read once
        names = list(_check_names(names, len(names)))
        missing = [name for name in appearing if name not in set(names)]
        if missing:
            raise ValueError(f"edge list uses regions that are not in names: {missing[:10]}")
    position = {name: k for k, name in enumerate(names)}
    matrix = np.zeros((len(names), len(names)))
    matrix[table["source"].map(position).to_numpy(), table["target"].map(position).to_numpy()] = weights
    return from_array(matrix, names, source=source)


def _read_square_csv(path: Path) -> Connectome:
    # Names are read verbatim as text (no number parsing, no renaming of repeated headers).
    with open(path, newline="") as handle:
        header = next(csv.reader(handle), [])
    body = pd.read_csv(path, header=None, skiprows=1, dtype=str, keep_default_na=False)
    rows = [str(name).strip() for name in body.iloc[:, 0]]
    columns = [str(name).strip() for name in header[1:]]
    if body.shape[1] - 1 != len(columns):
        raise ValueError(f"connectome file {str(path)!r}: the header names {len(columns)} regions but "
                         f"the rows hold {body.shape[1] - 1} weights")
    frame = body.iloc[:, 1:]
    frame.index = rows
    frame.columns = columns
    if len(rows) != len(columns):
        raise ValueError(f"connectome file {str(path)!r} is not square: {len(rows)} rows and "
                         f"{len(columns)} columns of weights")
    rows = _check_names(rows, len(rows), what=f"row names of {str(path)!r}")
    columns = _check_names(columns, len(columns), what=f"column names of {str(path)!r}")
    if rows != columns:
        if set(rows) != set(columns):
            only_rows = sorted(set(rows) - set(columns))[:5]
            only_cols = sorted(set(columns) - set(rows))[:5]
            raise ValueError(f"connectome file {str(path)!r}: row and column region names differ "
                             f"(only in rows: {only_rows}; only in columns: {only_cols})")
        frame = frame[list(rows)]
    values = frame.apply(lambda column: pd.to_numeric(column.str.strip(), errors="coerce"))
    bad = values.isna().to_numpy()
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"connectome file {str(path)!r} has {int(bad.sum())} empty, non-numeric or NaN "
                         "weights (use 0 for absent projections), first "
                         f"{frame.iat[i, j]!r} at row {rows[i]!r}, column {frame.columns[j]!r}")
    values = values.to_numpy(dtype=np.float64)
    try:
        return from_array(values, rows, source=str(path))
    except ValueError as exc:
        raise ValueError(f"connectome file {str(path)!r}: {exc}") from None


def _looks_like_edge_list(path: Path) -> bool:
    header = pd.read_csv(path, nrows=0).columns
    lowered = {str(c).strip().lower() for c in header}
    return {"source", "target", "weight"} <= lowered


def load(data, names=None, format: str = "auto") -> Connectome:
    r"""Load an area-level connectome.

    Parameters
    ----------
    data : str, path-like, ndarray or Connectome
        A CSV file path (square matrix or edge list), or a square array (then
        ``names`` is required). A :class:`Connectome` is returned unchanged.
    names : sequence of str, optional
        Region names, required with an array; for an edge list, the region order.
    format : {"auto", "matrix", "edges"}, default="auto"
        CSV layout. ``"auto"``: an edge list if the header has ``source``,
        ``target`` and ``weight`` columns, otherwise a square matrix whose
        header row and first column hold the region names (rows = source,
        columns = target; if the columns list the same names in another
        order they are reordered to the rows).

    Returns
    -------
    Connectome

    Examples
    --------
    The same three-region connectome as a square CSV file and as an edge list:

    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     square = Path(folder) / "toy.csv"
    ...     _ = square.write_text("region,A,B,C\nA,0,0.5,0\nB,0.2,0,1\nC,0,0,0\n")
    ...     edges = Path(folder) / "toy_edges.csv"
    ...     _ = edges.write_text("source,target,weight\nA,B,0.5\nB,A,0.2\nB,C,1\n")
    ...     from_square, from_edges = load(square), load(edges)
    >>> from_square.names
    ('A', 'B', 'C')
    >>> from_square.weights.tolist()
    [[0.0, 0.5, 0.0], [0.2, 0.0, 1.0], [0.0, 0.0, 0.0]]
    >>> bool(np.array_equal(from_edges.weights, from_square.weights))
    True
    >>> load(np.eye(2), names=["x", "y"]).names     # an array needs names
    ('x', 'y')
    """
    format = check_option(format, "format", ("auto", "matrix", "edges"))
    if isinstance(data, Connectome):
        return data
    if isinstance(data, (str, Path)):
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"connectome file {str(path)!r} does not exist")
        try:
            if format == "edges" or (format == "auto" and _looks_like_edge_list(path)):
                return from_edge_list(path, names=names)
            if names is not None:
                raise ValueError("names cannot be given with a square CSV file: they come from its "
                                 "header row and first column")
            return _read_square_csv(path)
        except UnicodeDecodeError:
            raise DamagedFile(f"connectome file {str(path)!r} is not a text CSV file (bytes that are not UTF-8 "
                              "text: a binary file?)") from None
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"connectome file {str(path)!r} is not a readable CSV table ({first}); "
                             "expected a square matrix with region names in the header row and "
                             "first column, or source, target, weight columns") from None
    if isinstance(data, pd.DataFrame):
        if names is None:
            names = list(data.index)
            if list(data.columns) != names and set(map(str, data.columns)) == set(map(str, names)):
                # labelled columns in another order than the rows: align them, as for a square CSV file
                data = data.set_axis(list(map(str, data.columns)), axis=1)[list(map(str, names))]
        return from_array(data.to_numpy(), names)
    if isinstance(data, (str, bytes, numbers.Number)) or np.ndim(data) == 0:
        raise TypeError(f"data must be a path to a CSV file, a Connectome, a DataFrame or an (n, n) array; got "
                        f"{describe(data)}")
    return from_array(data, names)
