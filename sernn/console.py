"""Keep TensorFlow's native log lines off the console, and nothing else.

TensorFlow's C++ runtime writes lines such as
``I0000 00:00:1796.. 2489 cudart_stub.cc:31] Could not find cuda drivers...`` or
``E0000 ... tfg_optimizer_hook ... has an empty op name`` straight to the process's
standard error (file descriptor 2), below Python, and ``TF_CPP_MIN_LOG_LEVEL`` no
longer silences all of them. :func:`native_logs_filtered` puts a pipe in front of
descriptor 2 and forwards every line except those native log lines (and the
tab-indented lines that continue one), so Python
warnings, tracebacks and the command line's own messages still reach the
console unchanged.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import threading

__all__ = ["native_logs_filtered", "is_native_log_line"]

_NATIVE = re.compile(rb"^(?:[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ [\w./-]+:\d+\] "
                     rb"|WARNING: All log messages before absl::InitializeLog\(\) is called)")


def is_native_log_line(line: bytes) -> bool:
    """True for a line of TensorFlow's (absl's) native log format.

    >>> is_native_log_line(b"I0000 00:00:1796287864.927601    2489 cudart_stub.cc:31] Could not find cuda")
    True
    >>> is_native_log_line(b"UserWarning: something a user needs to read")
    False
    """
    return bool(_NATIVE.match(line))


@contextlib.contextmanager
def native_logs_filtered():
    """Within the block, standard error shows everything but TensorFlow's native log lines."""
    try:
        sys.stderr.flush()
        original = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real descriptor 2 (e.g. under a test runner)
        yield
        return
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward():
        continuation = False  # the tab-indented lines that continue a native message
        with os.fdopen(read_end, "rb") as source:
            for line in source:
                if is_native_log_line(line):
                    continuation = True
                elif not (continuation and line.startswith(b"\t")):
                    continuation = False
                    os.write(original, line)

    thread = threading.Thread(target=forward, name="sernn-stderr-filter", daemon=True)
    thread.start()
    try:
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(original, 2)  # closes the pipe's last write end: the thread drains and stops
        thread.join(timeout=5)
        os.close(original)
