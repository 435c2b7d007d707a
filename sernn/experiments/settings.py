"""Typed settings of a benchmark: one frozen dataclass per benchmark, each field declared once.

A benchmark's settings class (e.g. :class:`sernn.experiments.maze.MazeSettings`)
lists every option with its type, its default and its check (a
:mod:`sernn.validation` call), through :func:`option`. Constructing it checks
every field (``TypeError`` for a wrong type, ``ValueError`` for a wrong value,
the message naming the field) and then the checks that involve several fields
(:meth:`Settings.validate`), so a bad option is refused before any folder
exists. The same object then

* resolves a preset: :meth:`Settings.from_options` takes the preset's values
  for the options not given (``None``);
* says what ``settings.json`` stores (:meth:`Settings.stored`: the fields that
  shape the runs, as JSON values, exactly as sernn 0.1 wrote them) and which of
  them may grow between invocations of one folder (:meth:`Settings.extendable`,
  e.g. seeds);
* compares itself with a folder's stored settings for resume
  (:meth:`Settings.changes`) and reads them back (:meth:`Settings.read`).

The library functions (``maze_sweep``, ``memory_sweep``, ``microns_sweep``) take
such an object or the same fields as keyword arguments.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from sernn.readers import read_json
from sernn.validation import check_integer, check_option, check_real, check_seed

#: Keys of ``settings.json`` that the sweep engine keeps (not a benchmark's settings): the trainer.
SWEEP_KEYS = ("trainer",)

__all__ = ["SWEEP_KEYS", "option", "Settings", "integer", "real", "choice", "names", "seed_list", "number_list", "jsonable"]


def option(default=None, check=None, *, stored=True, extendable=False, omit_none=False):
    """A settings field: its default, its check and how ``settings.json`` treats it.

    Parameters
    ----------
    default : object, default=None
        The default (``None`` for a field the preset fills in). Lists are stored as tuples.
    check : callable, optional
        ``check(value, name) -> value``: the checked (and normalised) value, or a
        ``TypeError`` / ``ValueError`` naming ``name``. Not called on ``None``.
    stored : bool, default=True
        Whether ``settings.json`` stores it (the fields that shape every run).
    extendable : bool, default=False
        Whether it may change between invocations of one folder (the folder then
        holds more runs, e.g. more seeds).
    omit_none : bool, default=False
        Leave it out of ``settings.json`` while it is None (an option added after
        folders were written: those folders' settings stay as they were).

    Examples
    --------
    >>> import dataclasses
    >>> field = option(10, integer(low=1))
    >>> field.default, field.metadata["stored"], field.metadata["extendable"]
    (10, True, False)
    """
    metadata = {"check": check, "stored": stored, "extendable": extendable, "omit_none": omit_none}
    if isinstance(default, dict):  # a mutable default: each instance gets its own copy
        return dataclasses.field(default_factory=lambda: dict(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def integer(low=None, high=None, allow_none=False):
    """A check: an integer in ``[low, high]``.

    >>> integer(low=1)(3, "epochs")
    3
    """
    return lambda value, name: check_integer(value, name, low=low, high=high, allow_none=allow_none)


def real(low=None, high=None, inclusive="both"):
    """A check: a finite real number in a range.

    >>> real(low=0)(0.05, "noise")
    0.05
    """
    return lambda value, name: check_real(value, name, low=low, high=high, inclusive=inclusive)


def choice(options):
    """A check: one of ``options``.

    >>> choice(("a", "b"))("b", "x")
    'b'
    """
    return lambda value, name: check_option(value, name, tuple(options))


def _sequence(value, name, what):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a list of {what}; got {value!r} ({type(value).__name__})")
    values = list(value)
    if not values:
        raise ValueError(f"{name} must list at least one of {what}; got an empty list")
    return values


def names(options=None):
    """A check: a non-empty list of names (of ``options`` if given), duplicates dropped, as a tuple.

    >>> names(("l1", "sernn"))(["sernn", "l1", "sernn"], "conditions")
    ('sernn', 'l1')
    """
    def check(value, name):
        values = _sequence(value, name, "names")
        for item in values:
            if options is not None:
                check_option(item, name, tuple(options))
            elif not isinstance(item, str) or not item.strip():
                raise TypeError(f"{name} must be a list of names; got {item!r} ({type(item).__name__})")
        return tuple(dict.fromkeys(values))
    return check


def seed_list(value, name):
    """A check: a non-empty list of integer seeds, duplicates dropped, as a tuple.

    >>> seed_list([1, 0, 1], "seeds")
    (1, 0)
    """
    return tuple(dict.fromkeys(check_seed(v, name, allow_none=False) for v in _sequence(value, name, "seeds")))


def number_list(low=None, inclusive="both", kind="real"):
    """A check: a non-empty list of numbers in a range, duplicates dropped, as a tuple.

    >>> number_list(low=0, inclusive="neither")([1e-3, 1e-4], "learning_rates")
    (0.001, 0.0001)
    """
    def check(value, name):
        values = _sequence(value, name, "numbers")
        if kind == "integer":
            values = [check_integer(v, name, low=low) for v in values]
        else:
            values = [check_real(v, name, low=low, inclusive=inclusive) for v in values]
        return tuple(dict.fromkeys(values))
    return check


def jsonable(value):
    """``value`` with tuples as lists and numpy scalars as Python numbers (what ``json`` writes).

    >>> jsonable({"seeds": (0, 1), "grid": (5, 5, 4)})
    {'seeds': [0, 1], 'grid': [5, 5, 4]}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not hasattr(value, "__len__"):
        return value.item()
    return value


class Settings:
    """Base of the benchmarks' settings (frozen dataclasses whose fields are :func:`option`\\ s).

    Subclasses set ``benchmark`` (the folder's benchmark name) and ``presets``
    (preset name -> values of the fields it fills in), and may add cross-field
    checks in :meth:`validate`.
    """

    benchmark: ClassVar[str] = ""
    presets: ClassVar[dict] = {}

    def __post_init__(self):
        for field in dataclasses.fields(self):
            check = field.metadata.get("check")
            value = getattr(self, field.name)
            if isinstance(value, list):
                value = tuple(value)
            if check is not None and value is not None:
                value = check(value, field.name)
            object.__setattr__(self, field.name, value)
        self.validate()

    def validate(self) -> None:
        """Checks that involve several fields (raise ``ValueError`` naming them)."""

    @classmethod
    def from_options(cls, preset: str = "quick", **given):
        """The settings of ``preset`` with every given (not None) option put over them.

        Raises ``ValueError`` naming ``preset`` for an unknown preset and ``TypeError``
        for an option the benchmark does not have.
        """
        if preset not in cls.presets:
            raise ValueError(f"preset: unknown preset {preset!r} for sernn {cls.benchmark}; accepted: "
                             + ", ".join(cls.presets))
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(given) - known)
        if unknown:
            raise TypeError(f"{cls.__name__} got an unexpected option {unknown[0]!r}")
        values = dict(cls.presets[preset])
        values.update({key: value for key, value in given.items() if value is not None})
        return cls(**values)

    @classmethod
    def given(cls, settings=None, preset: str = "quick", **options):
        """``settings`` itself, or the settings of ``preset`` and ``options`` (one or the other, not both).

        The ``*_sweep`` functions take either a settings object or its fields as keyword arguments.
        """
        if settings is None:
            return cls.from_options(preset, **options)
        if options:
            raise TypeError(f"give either settings or options ({', '.join(options)}), not both")
        if not isinstance(settings, cls):
            raise TypeError(f"settings must be a {cls.__name__}; got {type(settings).__name__}")
        return settings

    @classmethod
    def extendable(cls) -> tuple:
        """Names of the stored fields that may grow between invocations of one folder."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("extendable"))

    def stored(self) -> dict:
        """What ``settings.json`` stores: the fields that shape every run, as JSON values."""
        return jsonable({f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.metadata.get("stored")
                         and not (f.metadata.get("omit_none") and getattr(self, f.name) is None)})

    def changes(self, stored: dict) -> list:
        """Names of the stored settings that differ from a folder's ``stored`` ones (ignoring extendable ones)."""
        mine, ignored = self.stored(), set(self.extendable()) | set(SWEEP_KEYS)
        return sorted(k for k in set(mine) | set(stored) if k not in ignored and mine.get(k) != stored.get(k))

    @staticmethod
    def read(folder) -> dict:
        """The stored settings of a run folder (``settings.json``), or ``{}`` if it has none."""
        path = Path(folder) / "settings.json"
        if not path.exists():
            return {}
        stored = read_json(path, "settings file")
        return stored.get("settings", {}) if isinstance(stored, dict) else {}
