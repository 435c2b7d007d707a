"""What this machine has to give: memory available to new allocations."""
from __future__ import annotations

__all__ = ["available_memory", "check_fits", "GIB", "SHARE"]

#: Bytes in a gibibyte.
GIB = 2 ** 30


def available_memory() -> int | None:
    """Bytes of memory available to new allocations (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


#: A request fits when it needs at most this share of the available memory.
SHARE = 0.8


def check_fits(nbytes, name: str, value, what: str) -> None:
    """Refuse, before anything is allocated, a size that would not fit in memory.

    Parameters
    ----------
    nbytes : int or float
        The estimated bytes the request needs.
    name : str
        The argument that sets the size (named in the error).
    value : object
        Its value.
    what : str
        What needs the memory (e.g. ``"the training trials of one run"``).

    Raises
    ------
    ValueError
        ``"<name> <value>: <what> would take about X GiB of memory and Y GiB is available"`` when ``nbytes``
        is more than 80 % of :func:`available_memory` (nothing is checked where that is unknown).

    Examples
    --------
    >>> check_fits(1000, "n_trials", 10, "ten trials") is None
    True
    >>> check_fits(2 ** 80, "n_trials", 10 ** 20, "the trials")
    Traceback (most recent call last):
    ValueError: n_trials 100000000000000000000: the trials would take about 1125899906842624 GiB of memory and ... GiB is available
    """
    available = available_memory()
    if available is None or float(nbytes) <= SHARE * available:
        return
    raise ValueError(f"{name} {value}: {what} would take about {_gib(nbytes)} GiB of memory and "
                     f"{_gib(available)} GiB is available")


def _gib(nbytes) -> str:
    value = float(nbytes) / GIB
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"
