"""Keep OpenBLAS single-threaded while the analysis runs its own threads.

The null graphs of :func:`sernn.analysis.small_worldness` are measured in small
batches on parallel Python threads. Each batch multiplies small matrices
(e.g. 100 x 100), for which a multi-threaded BLAS spends more time
synchronising its threads than computing, and its threads would compete with
the analysis's own. :func:`single_threaded_blas` sets the OpenBLAS that numpy
uses to one thread for the duration of a ``with`` block and restores the
previous setting afterwards.

It is best effort: it finds OpenBLAS among the shared libraries the process
has loaded (Linux ``/proc/self/maps``) and calls its
``*openblas_set_num_threads*`` function. With another BLAS (MKL, Accelerate) or
on another system it does nothing, and results are the same either way. The
setting is process-wide: other threads using BLAS at the same time are
affected while the block runs.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools

__all__ = ["single_threaded_blas"]

_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "")


def _loaded_openblas_paths() -> list[str]:
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return []
    paths = []
    for line in lines:
        path = line.split(maxsplit=5)[-1] if len(line.split()) >= 6 else ""
        name = path.rsplit("/", 1)[-1].lower()
        if "openblas" in name and ".so" in name and path not in paths:
            paths.append(path)
    return paths


@functools.lru_cache(maxsize=1)
def _controls() -> tuple:
    """(get, set) function pairs of every loaded OpenBLAS."""
    found = []
    for path in _loaded_openblas_paths():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                if getter is not None and setter is not None:
                    getter.restype = ctypes.c_int
                    setter.argtypes = [ctypes.c_int]
                    found.append((getter, setter))
                    break
            else:
                continue
            break
    return tuple(found)


@contextlib.contextmanager
def single_threaded_blas():
    """Context manager: OpenBLAS uses one thread inside the block (no-op without OpenBLAS)."""
    controls = _controls()
    previous = [getter() for getter, _ in controls]
    for _, setter in controls:
        setter(1)
    try:
        yield
    finally:
        for (_, setter), count in zip(controls, previous):
            setter(count)
