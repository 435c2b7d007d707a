"""Spike events from deconvolved calcium traces.

Rule (deterministic unless ``jitter=True``): for each neuron, a frame holds a
spike event when its deconvolved value exceeds ``median + threshold · std`` of
that neuron's trace (``threshold`` in standard deviations; default 2). At most
one event per frame. The event time is the centre of its frame,
``(k + 0.5) / frame_rate`` seconds for frame ``k`` (frames counted from 0), so
every time lies inside the recording ``[0, n_frames / frame_rate]``. With
``jitter=True`` the time is instead drawn uniformly inside the frame,
``(k + u) / frame_rate`` with ``u ~ U[0, 1)`` from ``numpy.random.default_rng(seed)``,
which removes the frame quantisation from STTC windows (at the cost of
randomness). A trace that never exceeds its threshold (e.g. a constant one)
gives an empty train.
"""
from __future__ import annotations

import numpy as np

from sernn.validation import check_real

__all__ = ["spike_times", "MICRONS_FRAME_RATE_HZ"]

#: Two-photon frame rate of the MICrONS functional scans (Hz).
MICRONS_FRAME_RATE_HZ = 6.3009


def spike_times(traces, frame_rate: float = MICRONS_FRAME_RATE_HZ, threshold: float = 2.0,
                jitter: bool = False, seed=None) -> list:
    """Spike event times of each neuron from its deconvolved activity trace.

    Parameters
    ----------
    traces : array-like of shape (n_neurons, n_frames) or (n_frames,)
        Deconvolved activity, one value per imaging frame.
    frame_rate : float, default=6.3009
        Frames per second (the MICrONS scans' rate by default).
    threshold : float, default=2.0
        Event threshold in standard deviations above the trace's median.
    jitter : bool, default=False
        Place each event uniformly at random inside its frame instead of at the
        frame centre.
    seed : int or None
        Seed of the jitter; required when ``jitter=True`` (reproducibility).

    Returns
    -------
    list of n_neurons float64 arrays
        Sorted spike times in seconds, within ``[0, n_frames / frame_rate]``.
    """
    array = np.asarray(traces, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"traces must have shape (n_neurons, n_frames), got {np.shape(traces)}")
    if not np.isfinite(array).all():
        raise ValueError("traces contain NaN or infinite values; drop or fill those frames first")
    frame_rate = check_real(frame_rate, "frame_rate", low=0, inclusive="neither")
    threshold = check_real(threshold, "threshold")
    if jitter and seed is None:
        raise ValueError("seed must be given when jitter=True (the jitter is random)")
    level = np.median(array, axis=1, keepdims=True) + threshold * array.std(axis=1, keepdims=True)
    events = (array > level) & (array.std(axis=1, keepdims=True) > 0)
    rng = np.random.default_rng(seed) if jitter else None
    trains = []
    for row in events:
        frames = np.flatnonzero(row).astype(np.float64)
        offset = rng.uniform(0.0, 1.0, size=frames.size) if jitter else 0.5
        trains.append((frames + offset) / float(frame_rate))
    return trains
