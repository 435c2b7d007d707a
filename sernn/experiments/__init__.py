"""Benchmarks across conditions, strengths and seeds, with resumable output folders.

The command-line benchmarks (``sernn maze``, ``sernn memory``, ``sernn microns``)
live in their own modules and share :class:`~sernn.runfolder.RunStore`.
"""
from sernn.runfolder import RunStore, make_run_id

__all__ = ["RunStore", "make_run_id"]
