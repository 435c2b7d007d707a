"""A benchmark output folder that never loses or duplicates a finished run.

Layout of a folder::

    OUT/
      settings.json          the benchmark and the settings that shape every run
      metrics.csv            one row per (run, epoch): each finished run's rows appended
      summary.csv            written by the benchmark
      runs/<run_id>/
        metrics.csv          this run's rows
        history.npz          arrays (e.g. the recurrent-kernel history), optional
        run.json             the run's parameters; written last, it marks the run done

Every file is written to a temporary name in the same folder and then renamed
(:func:`os.replace`), so a crash leaves either the old file or the new one,
never half of one. A run counts as done only once its ``run.json`` exists. The
top-level ``metrics.csv`` gets each finished run's rows appended (one locked
write, so shards sharing a folder do not interleave), and it is rebuilt once
from the per-run files when a sweep starts and ends
(:func:`sernn.experiments.sweep.train_pending`), so a crash in the middle of an append is healed and re-running a
benchmark in the same folder skips finished runs and cannot duplicate a row.
Several processes (e.g. cluster jobs given different shards) may share a folder:
each writes only its own runs.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sernn.atomic import atomic_save_npz, atomic_write_csv, atomic_write_text
from sernn.readers import DamagedFile, load_npz, read_csv, read_json

__all__ = ["RunStore", "make_run_id", "check_run_id"]


def _format_value(value) -> str:
    if isinstance(value, (float, np.floating)):
        return format(float(value), ".6g")
    return str(value)


def _short(value, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (long lists of ids would flood a one-line error)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    count = f", {len(value)} items" if isinstance(value, (list, tuple, dict)) else ""
    return f"{text[:limit - 3]}...{count}"


#: What a run id may hold: letters, digits and ``= . _ + -`` (what :func:`make_run_id` writes).
_RUN_ID = re.compile(r"[A-Za-z0-9=._+-]+")


def check_run_id(run_id) -> str:
    """``run_id`` if it names a folder inside ``runs/`` (no path separators, not ``.`` or ``..``).

    Run ids come from users (``--run``) and from a folder's own ``run.json`` files; neither may
    reach outside the folder.

    >>> check_run_id("condition=sernn_seed=0")
    'condition=sernn_seed=0'
    >>> check_run_id("../../x")
    Traceback (most recent call last):
    ValueError: run id must hold only letters, digits and = . _ + - (and not be . or ..); got '../../x'
    """
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id) or run_id in (".", ".."):
        raise ValueError(f"run id must hold only letters, digits and = . _ + - (and not be . or ..); got "
                         f"{run_id!r}")
    return run_id


def make_run_id(params: dict) -> str:
    """A readable, file-system-safe identifier built from run parameters, in order.

    >>> make_run_id({"condition": "sernn", "strength": 0.3, "seed": 0})
    'condition=sernn_strength=0.3_seed=0'
    """
    if not params:
        raise ValueError("params must name at least one parameter of the run")
    text = "_".join(f"{key}={_format_value(value)}" for key, value in params.items())
    return re.sub(r"[^A-Za-z0-9=._+-]", "-", text)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return value


class RunStore:
    """A resumable, crash-safe output folder for one benchmark.

    Parameters
    ----------
    path : str or path-like
        The folder; created if missing.
    benchmark : str
        Name of the benchmark (e.g. ``"maze"``). A folder made by another
        benchmark is refused.
    settings : dict
        Settings that every run of the folder shares (epochs, trial counts...).
        They are stored in ``settings.json`` on first use; re-using the folder
        with different values raises :class:`ValueError` naming them, because
        mixing them would make the runs incomparable. Keys listed in
        ``extendable`` (e.g. the lists of strengths and seeds) may change: the
        folder then simply holds more runs.
    extendable : iterable of str
        Setting names that may differ between invocations.
    """

    SETTINGS = "settings.json"

    def __init__(self, path, benchmark: str, settings: dict | None = None, extendable=()):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise NotADirectoryError(f"output folder {str(self.path)!r} exists and is not a folder")
        self.benchmark = benchmark
        settings = _jsonable(dict(settings or {}))
        extendable = set(extendable)
        settings_file = self.path / self.SETTINGS
        if settings_file.exists():
            stored = _read_settings(settings_file)
            if stored.get("benchmark") != benchmark:
                raise ValueError(
                    f"output folder {str(self.path)!r} holds a {stored.get('benchmark')!r} benchmark, "
                    f"not {benchmark!r}; choose another folder"
                )
            old = stored.get("settings", {})
            changed = sorted(
                k for k in set(old) | set(settings)
                if k not in extendable and old.get(k) != settings.get(k)
            )
            if changed:
                detail = ", ".join(f"{k}: {_short(old.get(k))} -> {_short(settings.get(k))}" for k in changed)
                raise ValueError(
                    f"output folder {str(self.path)!r} was made with other settings ({detail}); "
                    "use the same settings to resume, or another folder"
                )
            merged = dict(old)
            merged.update({k: settings[k] for k in extendable if k in settings})
            self.settings = merged
        else:
            self.settings = settings
        self._create(json.dumps({"benchmark": benchmark, "settings": self.settings}, indent=2, sort_keys=True))

    def _create(self, settings_text: str) -> None:
        """Make the folder and ``runs/`` and write ``settings.json``; a fault (no permission, a full disk)
        removes the folders this call made, so a refused run leaves nothing behind."""
        made = []
        for folder in (*reversed(self.path.parents), self.path, self.path / "runs"):
            if not folder.exists():
                made.append(folder)
        try:
            (self.path / "runs").mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path / self.SETTINGS, settings_text)
        except OSError:
            for folder in reversed(made):
                try:
                    folder.rmdir()
                except OSError:
                    break
            raise

    # -- queries -----------------------------------------------------------
    @classmethod
    def open(cls, path, benchmark: str | None = None) -> "RunStore":
        """Open an existing folder read-only (for analysis); raises if it is not one."""
        path = Path(path)
        settings_file = path / cls.SETTINGS
        if not path.is_dir():
            raise NotADirectoryError(f"{str(path)!r} is not a folder")
        if not settings_file.exists() or not (path / "runs").is_dir():
            raise ValueError(
                f"{str(path)!r} is not a sernn run folder (no {cls.SETTINGS} and runs/ inside)"
            )
        stored = _read_settings(settings_file)
        if benchmark is not None and stored.get("benchmark") != benchmark:
            raise ValueError(
                f"{str(path)!r} holds a {stored.get('benchmark')!r} benchmark, not {benchmark!r}"
            )
        store = cls.__new__(cls)
        store.path = path
        store.benchmark = stored.get("benchmark")
        store.settings = stored.get("settings", {})
        return store

    def run_dir(self, run_id: str) -> Path:
        """The folder of a run (the id is checked with :func:`check_run_id`)."""
        return self.path / "runs" / check_run_id(run_id)

    def is_done(self, run_id: str) -> bool:
        """True once the run's results have been saved completely."""
        return (self.run_dir(run_id) / "run.json").exists()

    def done_runs(self) -> list[dict]:
        """The parameter records of all finished runs, sorted by run id."""
        records = []
        for marker in sorted((self.path / "runs").glob("*/run.json")):
            record = read_json(marker, "run record")
            if not isinstance(record, dict) or record.get("run_id") != marker.parent.name:
                found = record.get("run_id") if isinstance(record, dict) else record
                raise DamagedFile(f"{marker}: not a valid run record (its run_id {found!r} is not the name of "
                                  f"its folder {marker.parent.name!r})")
            records.append(record)
        return records

    def load_arrays(self, run_id: str) -> dict:
        """The arrays saved with a run (``history.npz``) as a dict of numpy arrays."""
        return load_npz(self.run_dir(run_id) / "history.npz", "weight history")

    def metrics(self) -> pd.DataFrame:
        """All rows of all finished runs (an empty frame if none)."""
        frames = []
        for record in self.done_runs():
            csv = self.run_dir(record["run_id"]) / "metrics.csv"
            if csv.exists():
                frames.append(read_csv(csv, "metrics table"))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    # -- writing -------------------------------------------------------------
    def save_run(self, run_id: str, params: dict, rows, arrays: dict | None = None,
                 info: dict | None = None) -> None:
        """Save one finished run: its rows, its arrays, then the done-marker.

        ``rows`` is a list of dicts or a DataFrame; each row gets ``run_id`` and
        the run's ``params`` as leading columns.
        """
        run_dir = self.run_dir(run_id)
        run_dir.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(rows).copy()
        for position, (key, value) in enumerate([("run_id", run_id), *params.items()]):
            if key in frame.columns:
                frame = frame.drop(columns=key)
            frame.insert(position, key, value)
        if arrays:
            atomic_save_npz(run_dir / "history.npz", **arrays)
        atomic_write_csv(run_dir / "metrics.csv", frame)
        record = {"run_id": run_id, **_jsonable(params), "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
        if info:
            record["info"] = _jsonable(info)
        atomic_write_text(run_dir / "run.json", json.dumps(record, indent=2))
        self._append_metrics(frame)

    def _append_metrics(self, frame: pd.DataFrame) -> None:
        """Append one run's rows to ``metrics.csv`` (rebuild it instead if its columns differ)."""
        path = self.path / "metrics.csv"
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no advisory locks on this platform
            fcntl = None
        with open(path, "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                header = handle.readline().decode("utf-8").rstrip("\r\n")
                size = handle.seek(0, os.SEEK_END)
                whole = True
                if size:
                    handle.seek(size - 1)
                    whole = handle.read(1) == b"\n"
                if size == 0:
                    text = frame.to_csv(index=False)
                elif whole and header == ",".join(frame.columns):
                    text = frame.to_csv(index=False, header=False)
                else:
                    text = None
                if text is not None:
                    handle.seek(0, os.SEEK_END)
                    handle.write(text.encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())
            finally:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        if text is None:  # other columns (e.g. another task's metrics) or a torn last line
            self.rebuild_metrics()

    def rebuild_metrics(self) -> pd.DataFrame:
        """Rewrite the top-level ``metrics.csv`` from the finished runs and return it."""
        frame = self.metrics()
        atomic_write_csv(self.path / "metrics.csv", frame)
        return frame

    def write_table(self, name: str, frame: pd.DataFrame) -> Path:
        """Write ``frame`` as ``OUT/name`` atomically and return the path."""
        target = self.path / name
        atomic_write_csv(target, frame)
        return target


def _read_settings(path: Path) -> dict:
    """A folder's ``settings.json``, or a :class:`~sernn.readers.DamagedFile` naming it."""
    stored = read_json(path, "settings file")
    if not isinstance(stored, dict) or not isinstance(stored.get("settings", {}), dict):
        raise DamagedFile(f"{path}: not a valid settings file (expected an object with 'benchmark' and "
                          "'settings')")
    return stored
