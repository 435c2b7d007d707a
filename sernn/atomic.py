"""Atomic file writes: a temporary file in the target folder, then a rename.

A crash or interruption leaves either the previous file or the complete new
one, never a partial file.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["process_umask", "atomic_write_bytes", "atomic_write_text", "atomic_write_csv", "atomic_save_npz",
           "replaced_folder"]


def process_umask() -> int:
    """The process's umask (read by setting it and putting it back).

    >>> import os
    >>> old = os.umask(0o027)
    >>> process_umask() == 0o027
    True
    >>> _ = os.umask(old)
    """
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _named(error: OSError, path) -> OSError:
    """``error`` with ``path`` as its file name when it has none (e.g. a write that ran out of space)."""
    if error.filename is None and error.errno is not None:
        return type(error)(error.errno, error.strerror, str(path))
    return error


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + :func:`os.replace`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~process_umask())
        os.replace(tmp, path)
    except BaseException as error:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(error, OSError):
            raise _named(error, path) from None
        raise


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_csv(path, frame) -> None:
    """Write a pandas DataFrame as CSV (no index) atomically."""
    atomic_write_text(path, frame.to_csv(index=False))


def atomic_save_npz(path, **arrays) -> None:
    """Save arrays as a compressed ``.npz`` atomically."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
    atomic_write_bytes(path, buffer.getvalue())


@contextlib.contextmanager
def replaced_folder(path):
    """Build a folder's new contents in a temporary sibling, then swap it in whole.

    ``with replaced_folder("out/report") as tmp:`` writes into ``tmp``; on
    success the previous ``out/report`` (if any) is replaced by it; on any
    error the temporary folder is removed and the previous one stays as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~process_umask())  # mkdtemp made it 0700
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
