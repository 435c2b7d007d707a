"""Reading the files sernn writes and users give: a damaged file is one error naming the file and what is wrong.

Every reader here turns the parsers' own exceptions (``json``'s "Expecting value",
``zipfile.BadZipFile``, numpy's pickle refusal, pandas' codec and parser errors)
into one :class:`DamagedFile` (a ``ValueError``) whose message starts with the
file's path and says what is wrong with it. Files are data: ``.npz`` archives
are read with ``allow_pickle=False`` always, and no message suggests otherwise.
Operating-system faults (a missing file, no permission) stay ``OSError``\\ s
with the path in ``filename``.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["read_cached_csv", "DamagedFile", "read_json", "load_npz", "read_csv"]


class DamagedFile(ValueError):
    """A file that exists but cannot be read as what it should be (its message names the file).

    Examples
    --------
    >>> issubclass(DamagedFile, ValueError)
    True
    """


def read_json(path, what: str = "JSON file"):
    """The JSON value in ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "run.json"
    ...     _ = path.write_text("{not json")
    ...     try:
    ...         read_json(path, "run record")
    ...     except DamagedFile as error:
    ...         message = str(error)
    >>> message.endswith("run.json: not a valid run record (JSON: Expecting property name enclosed in double "
    ...                  "quotes at line 1, column 2)")
    True
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise DamagedFile(f"{path}: not a valid {what} (bytes that are not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise DamagedFile(f"{path}: not a valid {what} (JSON: {exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno})") from None


def load_npz(path, what: str = "array archive", keys=None) -> dict:
    """The arrays of the ``.npz`` archive ``path`` as a dict (object arrays are never loaded).

    ``keys``: read only these arrays (those present); default: all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "history.npz"
    ...     np.savez(path, a=np.arange(3))
    ...     arrays = load_npz(path)
    ...     _ = path.write_bytes(path.read_bytes()[:40])    # cut short
    ...     try:
    ...         load_npz(path, "weight history")
    ...     except DamagedFile as error:
    ...         message = str(error)
    >>> arrays["a"].tolist(), message.endswith("history.npz: not a readable weight history (a truncated or "
    ...                                        "damaged .npz archive)")
    ([0, 1, 2], True)
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise DamagedFile(f"{path}: not a readable {what} (one array, not a .npz archive)")
            wanted = data.files if keys is None else [key for key in keys if key in data.files]
            return {key: data[key] for key in wanted}
    except DamagedFile:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            kind = "holds object arrays, which sernn does not load" if zipfile.is_zipfile(path) else \
                "not a .npz archive (damaged, or another kind of file)"
            raise DamagedFile(f"{path}: not a readable {what} ({kind})") from None
        raise DamagedFile(f"{path}: not a readable {what} ({exc})") from None
    except (zipfile.BadZipFile, EOFError, KeyError, zipfile.LargeZipFile):
        raise DamagedFile(f"{path}: not a readable {what} (a truncated or damaged .npz archive)") from None
    except OSError as exc:
        if exc.filename:
            raise
        raise DamagedFile(f"{path}: not a readable {what} ({exc})") from None


def read_csv(path, what: str = "CSV table", **options) -> pd.DataFrame:
    """The CSV table in ``path`` (``options`` go to :func:`pandas.read_csv`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "w.csv"
    ...     _ = path.write_bytes(b"")
    ...     try:
    ...         read_csv(path, "connectome")
    ...     except DamagedFile as error:
    ...         message = str(error)
    >>> message.endswith("w.csv: not a valid connectome (the file is empty)")
    True
    """
    path = Path(path)
    try:
        return pd.read_csv(path, **options)
    except UnicodeDecodeError:
        raise DamagedFile(f"{path}: not a valid {what} (bytes that are not UTF-8 text: a binary file?)") from None
    except pd.errors.EmptyDataError:
        raise DamagedFile(f"{path}: not a valid {what} (the file is empty)") from None
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "malformed"
        raise DamagedFile(f"{path}: not a valid {what} (CSV: {first})") from None

def read_cached_csv(path) -> pd.DataFrame | None:
    """A cache table, or None when it is missing or damaged (a cache is recomputed, never trusted broken).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "cache.csv"
    ...     missing = read_cached_csv(path)
    ...     _ = path.write_bytes(b"")
    ...     empty = read_cached_csv(path)
    ...     _ = path.write_text("a,b\\n1,2\\n")
    ...     table = read_cached_csv(path)
    >>> missing, empty, table.to_dict("records")
    (None, None, [{'a': 1, 'b': 2}])
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None
