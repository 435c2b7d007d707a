"""Argument checks shared by the whole package (numpy only).

Every public function and class of sernn checks its arguments with these validators, so a wrong argument
gets the same kind of answer everywhere:

- a value of the wrong **type** (a string where a number is expected, a float where an integer is, a
  ragged list where an array is) raises :class:`TypeError`;
- a value of the right type but a wrong **value** (out of range, not among the options, the wrong shape,
  NaN) raises :class:`ValueError`;
- the message has one form, ``"<argument> must be <what is accepted>; got <what was given>"``.

Booleans are not numbers here (``True`` is refused where a number is expected), as in scikit-learn's
parameter validation.

Examples
--------
>>> from sernn.validation import check_real
>>> check_real(0.5, "strength", low=0)
0.5
>>> try:
...     check_real(-1, "strength", low=0)
... except ValueError as error:
...     print(error)
strength must be a finite real number >= 0; got -1
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

__all__ = ["check_real", "check_integer", "check_seed", "check_bool", "check_option", "check_array",
           "check_square", "describe", "accepted_range"]

_INCLUSIVE = ("both", "left", "right", "neither")


def describe(value) -> str:
    """Short text for the ``got ...`` part of an error message.

    Arrays are described by their shape and dtype, other values by a repr cut to 80 characters.

    Examples
    --------
    >>> describe(2.5)
    '2.5'
    >>> import numpy as np
    >>> describe(np.zeros((3, 2)))
    'an array of shape (3, 2) and dtype float64'
    """
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _wrong_type(name, accepted, value) -> TypeError:
    return TypeError(f"{name} must be {accepted}; got {describe(value)} ({type(value).__name__})")


def _wrong_value(name, accepted, value) -> ValueError:
    return ValueError(f"{name} must be {accepted}; got {describe(value)}")


def accepted_range(low=None, high=None, inclusive: str = "both") -> str:
    """The range part of an accepted-value text: ``">= 0"``, ``"in (0, 1]"``, or ``""``.

    Examples
    --------
    >>> accepted_range(0, 1, inclusive="right")
    'in (0, 1]'
    >>> accepted_range(low=1)
    '>= 1'
    """
    left = inclusive in ("both", "left")
    right = inclusive in ("both", "right")
    if low is not None and high is not None:
        return f"in {'[' if left else '('}{low}, {high}{']' if right else ')'}"
    if low is not None:
        return f"{'>=' if left else '>'} {low}"
    if high is not None:
        return f"{'<=' if right else '<'} {high}"
    return ""


def _in_range(value, low, high, inclusive) -> bool:
    left = inclusive in ("both", "left")
    right = inclusive in ("both", "right")
    if low is not None and (value < low if left else value <= low):
        return False
    if high is not None and (value > high if right else value >= high):
        return False
    return True


def _check_inclusive(inclusive):
    if inclusive not in _INCLUSIVE:
        raise ValueError(f"inclusive must be one of {', '.join(map(repr, _INCLUSIVE))}; got {inclusive!r}")


def _accepted(kind: str, low, high, inclusive) -> str:
    bounds = accepted_range(low, high, inclusive)
    return f"{kind} {bounds}" if bounds else kind


def check_real(value, name: str, *, low=None, high=None, inclusive: str = "both", finite: bool = True,
               allow_none: bool = False):
    """``value`` as a float, checked to be a real number in a range.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The argument's name, used in the message.
    low, high : float, optional
        Bounds of the accepted range; ``None`` for no bound.
    inclusive : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the range.
    finite : bool, default=True
        Refuse NaN and infinities.
    allow_none : bool, default=False
        Accept ``None`` (and return it).

    Returns
    -------
    float or None

    Raises
    ------
    TypeError
        If ``value`` is not a real number (booleans and strings are not).
    ValueError
        If it is NaN or infinite (with ``finite=True``) or outside the range.

    Examples
    --------
    >>> check_real(1, "density", low=0, high=1, inclusive="right")
    1.0
    >>> try:
    ...     check_real("big", "strength", low=0)
    ... except TypeError as error:
    ...     print(error)
    strength must be a finite real number >= 0; got 'big' (str)
    """
    _check_inclusive(inclusive)
    if value is None and allow_none:
        return None
    accepted = _accepted("a finite real number" if finite else "a real number", low, high, inclusive)
    if allow_none:
        accepted += " or None"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _wrong_type(name, accepted, value)
    number = float(value)
    if (finite and not np.isfinite(number)) or np.isnan(number) or not _in_range(number, low, high, inclusive):
        raise _wrong_value(name, accepted, value)
    return number


def check_integer(value, name: str, *, low=None, high=None, allow_none: bool = False):
    """``value`` as an int, checked to be an integer in ``[low, high]``.

    Integer-valued floats such as ``3.0`` are refused (TypeError), as are booleans.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The argument's name, used in the message.
    low, high : int, optional
        Inclusive bounds; ``None`` for no bound.
    allow_none : bool, default=False
        Accept ``None`` (and return it).

    Returns
    -------
    int or None

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If it is outside ``[low, high]``.

    Examples
    --------
    >>> check_integer(12, "n_trials", low=1)
    12
    >>> try:
    ...     check_integer(0, "n_trials", low=1)
    ... except ValueError as error:
    ...     print(error)
    n_trials must be an integer >= 1; got 0
    """
    if value is None and allow_none:
        return None
    accepted = _accepted("an integer", low, high, "both") + (" or None" if allow_none else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _wrong_type(name, accepted, value)
    if not _in_range(value, low, high, "both"):
        raise _wrong_value(name, accepted, value)
    return int(value)


def check_seed(value, name: str = "seed", *, allow_none: bool = True, allow_generator: bool = False):
    """A random seed: a non-negative integer, or ``None`` (fresh randomness) where ``allow_none``.

    With ``allow_generator``, a :class:`numpy.random.Generator` is accepted too (and returned as is).

    Raises
    ------
    TypeError
        If ``value`` is not an integer (or ``None`` where that is accepted).
    ValueError
        If it is negative.

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(None) is None
    True
    >>> try:
    ...     check_seed(None, allow_none=False)
    ... except TypeError as error:
    ...     print(error)
    seed must be an integer >= 0 (an explicit seed); got None (NoneType)
    """
    if value is None and allow_none:
        return None
    if allow_generator and isinstance(value, np.random.Generator):
        return value
    accepted = ("an integer >= 0" + (", a numpy Generator" if allow_generator else "")
                + (" or None" if allow_none else " (an explicit seed)"))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _wrong_type(name, accepted, value)
    if value < 0:
        raise _wrong_value(name, accepted, value)
    return int(value)


def check_bool(value, name: str) -> bool:
    """``value`` checked to be ``True`` or ``False`` (numpy booleans too).

    Examples
    --------
    >>> check_bool(True, "intrinsic")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise _wrong_type(name, "True or False", value)
    return bool(value)


def check_option(value, name: str, options: Iterable):
    """``value`` checked to be one of ``options``.

    A value of another type than the options' (e.g. a number where the options are strings) raises
    TypeError; a value of the right type that is not an option raises ValueError.

    Examples
    --------
    >>> check_option("neurons", "mode", ("entries", "neurons"))
    'neurons'
    >>> try:
    ...     check_option("rows", "mode", ("entries", "neurons"))
    ... except ValueError as error:
    ...     print(error)
    mode must be one of 'entries', 'neurons'; got 'rows'
    """
    options = tuple(options)
    accepted = "one of " + ", ".join(map(repr, options))
    types = {type(option) for option in options if option is not None}
    if value is None and None in options:
        return value
    if types and not isinstance(value, tuple(types)):
        raise _wrong_type(name, accepted, value)
    try:
        found = value in options
    except TypeError:  # unhashable or incomparable values
        found = False
    if not found:
        raise _wrong_value(name, accepted, value)
    return value


def _shape_text(shape) -> str:
    names = iter("nmkpqr")
    parts = ["n" if size is None and len(shape) == 1 else (next(names) if size is None else str(size))
             for size in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _numeric_array(value, name: str, accepted: str) -> np.ndarray:
    """``np.asarray(value)``, or a TypeError if it is not an array of booleans or real numbers."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise TypeError(f"{name} must be {accepted} of real numbers; got {describe(value)} "
                        f"({type(value).__name__})") from exc
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be {accepted} of real numbers; got {describe(value)} "
                        f"({type(value).__name__}, dtype {raw.dtype})")
    return raw


def check_array(value, name: str, *, ndim: int | None = None, shape=None, dtype=np.float64,
                finite: bool = True, min_rows: int = 0) -> np.ndarray:
    """``value`` as a numeric numpy array, checked for dimension, shape and finiteness.

    Parameters
    ----------
    value : array-like
        The argument to check.
    name : str
        The argument's name, used in the message.
    ndim : int, optional
        Required number of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries accept any size (implies ``ndim``).
    dtype : numpy dtype or None, default=numpy.float64
        The returned array's dtype (``None`` keeps the input's). Only booleans and real numbers are
        accepted. The result is always a copy, so callers may modify it.
    finite : bool, default=True
        Refuse NaN and infinite entries.
    min_rows : int, default=0
        Least size of the first axis.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        If ``value`` cannot be read as an array of real numbers (strings, objects, ragged lists).
    ValueError
        If it has the wrong dimension or shape, too few rows, or non-finite entries.

    Examples
    --------
    >>> check_array([[0, 1], [2, 3]], "W", shape=(None, 2)).dtype
    dtype('float64')
    >>> try:
    ...     check_array([1.0, 2.0], "coordinates", shape=(None, 3))
    ... except ValueError as error:
    ...     print(error)
    coordinates must be an array of shape (n, 3); got an array of shape (2,) and dtype float64
    """
    if shape is not None:
        ndim = len(shape)
    accepted = ("an array" if ndim is None else
                f"an array of shape {_shape_text(shape)}" if shape is not None else f"a {ndim}-D array")
    raw = _numeric_array(value, name, accepted)
    if ndim is not None and raw.ndim != ndim:
        raise _wrong_value(name, accepted, raw)
    if shape is not None and any(want is not None and want != got for want, got in zip(shape, raw.shape)):
        raise _wrong_value(name, accepted, raw)
    if min_rows and (raw.ndim == 0 or raw.shape[0] < min_rows):
        raise ValueError(f"{name} must have at least {min_rows} rows; got {describe(raw)}")
    array = raw.copy() if dtype is None else raw.astype(dtype)  # a copy: callers may modify it
    if finite and array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        count = int(np.sum(~np.isfinite(array)))
        raise ValueError(f"{name} must hold finite numbers; got {describe(raw)} with {count} NaN or "
                         "infinite entries")
    return array


def check_square(value, name: str, *, min_size: int = 1, dtype=np.float64, finite: bool = True) -> np.ndarray:
    """``value`` as a square ``(n, n)`` numeric array with ``n >= min_size``.

    Raises
    ------
    TypeError
        If ``value`` cannot be read as an array of real numbers.
    ValueError
        If it is not a square matrix of at least ``min_size`` rows, or has non-finite entries.

    Examples
    --------
    >>> check_square([[0, 1], [1, 0]], "W").shape
    (2, 2)
    >>> try:
    ...     check_square([[0, 1, 2], [1, 0, 2]], "W")
    ... except ValueError as error:
    ...     print(error)
    W must be a square (n, n) matrix; got an array of shape (2, 3) and dtype int64
    """
    accepted = "a square (n, n) matrix" + (f" with n >= {min_size}" if min_size > 1 else "")
    raw = _numeric_array(value, name, accepted)
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1] or raw.shape[0] < min_size:
        raise _wrong_value(name, accepted, raw)
    return check_array(raw, name, ndim=2, dtype=dtype, finite=finite)
