"""What this machine has to give: memory available to new allocations."""
from __future__ import annotations

__all__ = ["available_memory", "GIB"]

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
