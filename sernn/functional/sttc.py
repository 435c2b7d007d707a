"""Spike time tiling coefficient (STTC; Cutts & Eglen, J Neurosci 34:14288, 2014).

For spike trains A and B recorded over ``[start, stop]`` and a window ``dt``:

* ``T_A`` is the fraction of the recording that lies within ``±dt`` of some
  spike of A. The windows of neighbouring spikes are merged (an overlap counts
  once) and clipped at ``start`` and ``stop``. ``T_B`` likewise.
* ``P_A`` is the fraction of A's spikes that lie within ``±dt`` of some spike of
  B (distance ``<= dt``, inclusive, with an allowance of 8 ulp of the largest
  time for floating-point rounding, so that events in adjacent imaging frames
  are reliably "within one frame period"). ``P_B`` likewise.
* ``STTC = ½ [(P_A − T_B) / (1 − P_A T_B) + (P_B − T_A) / (1 − P_B T_A)]``.

A term whose denominator is 0 (``P = T = 1``) counts as 1, and the STTC of a
train with no spike is NaN (it is undefined). The STTC lies in ``[-1, 1]``, is
symmetric, equals 1 for identical trains and is close to 0 on average for
independent trains, whatever their rates.

Everything is computed from differences between spike times and distances to
``start``/``stop``, so shifting all spike times and the recording bounds by one
constant leaves the result unchanged. (A widely used implementation widens its
window in proportion to the absolute spike times; this one does not.)

Calcium imaging quantises spike times to frames (about 159 ms at 6.3 Hz): choose
``dt`` of at least one frame period, e.g. ``dt = 1 / frame_rate``, so that
events in the same or the adjacent frame count as synchronous.
"""
from __future__ import annotations

import numpy as np

from sernn.validation import check_real

__all__ = ["sttc", "sttc_matrix", "tiling_fraction"]


def _check_window(dt, start, stop):
    dt = check_real(dt, "dt", low=0, inclusive="neither")
    start, stop = check_real(start, "start"), check_real(stop, "stop")
    if stop <= start:
        raise ValueError(f"stop must be greater than start, got start={start!r}, stop={stop!r}")
    return float(dt), float(start), float(stop)


def _check_train(spikes, name, start, stop) -> np.ndarray:
    try:
        array = np.asarray(spikes, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 1-D array of spike times in seconds") from exc
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of spike times, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite spike times")
    if array.size and (array.min() < start or array.max() > stop):
        raise ValueError(
            f"{name} has spike times outside the recording [start, stop] = [{start}, {stop}] "
            f"(range {array.min()} .. {array.max()})"
        )
    return np.sort(array)


def _tiled_length(sorted_spikes, dt, start, stop) -> float:
    """Length of the union of the windows ``[t - dt, t + dt]`` clipped to ``[start, stop]``."""
    if sorted_spikes.size == 0:
        return 0.0
    # Offsets from ``start`` keep the arithmetic independent of absolute time.
    offsets = sorted_spikes - start
    length = stop - start
    lo = np.maximum(offsets - dt, 0.0)
    hi = np.minimum(offsets + dt, length)
    # Windows sorted by their start have non-decreasing ends (equal widths, clipped),
    # so each adds only the part beyond the end of its predecessor.
    previous_end = np.concatenate(([0.0], hi[:-1]))
    added = hi - np.maximum(lo, previous_end)
    added[0] = hi[0] - lo[0]
    return float(np.clip(added, 0.0, None).sum())


def tiling_fraction(spikes, dt: float, start: float, stop: float) -> float:
    """``T``: the fraction of ``[start, stop]`` within ``±dt`` of some spike.

    Parameters
    ----------
    spikes : array-like of shape (k,)
        Spike times in seconds, within ``[start, stop]``.
    dt : float
        Half-width of the window, seconds.
    start, stop : float
        Recording bounds, seconds.

    Returns
    -------
    float in [0, 1].
    """
    dt, start, stop = _check_window(dt, start, stop)
    spikes = _check_train(spikes, "spikes", start, stop)
    return _tiled_length(spikes, dt, start, stop) / (stop - start)


def _tolerance(dt, start, stop) -> float:
    """Rounding allowance for ``distance <= dt``: 8 ulp of the largest time involved."""
    return 8.0 * np.finfo(np.float64).eps * max(abs(start), abs(stop), dt)


def _close_to(queries, sorted_reference, dt, tolerance=0.0) -> np.ndarray:
    """Boolean: is each query within ``dt`` (inclusive, up to ``tolerance``) of some reference time?"""
    if sorted_reference.size == 0:
        return np.zeros(queries.shape, dtype=bool)
    index = np.searchsorted(sorted_reference, queries)
    left = sorted_reference[np.clip(index - 1, 0, sorted_reference.size - 1)]
    right = sorted_reference[np.clip(index, 0, sorted_reference.size - 1)]
    nearest = np.minimum(np.abs(queries - left), np.abs(right - queries))
    return nearest <= dt + tolerance


def _term(p, t):
    """``(P - T) / (1 - P T)``, defined as 1 where the denominator is 0."""
    p = np.asarray(p, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    denominator = 1.0 - p * t
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (p - t) / denominator
    return np.where(denominator == 0.0, 1.0, value)


def sttc(spikes_a, spikes_b, dt: float, start: float, stop: float) -> float:
    """Spike time tiling coefficient of two spike trains.

    Parameters
    ----------
    spikes_a, spikes_b : array-like of shape (k_a,), (k_b,)
        Spike times in seconds (any order), inside ``[start, stop]``.
    dt : float
        Synchrony window ``Δt`` in seconds (spikes at most ``dt`` apart count as
        synchronous). For imaging data use at least one frame period.
    start, stop : float
        Bounds of the recording in seconds.

    Returns
    -------
    float
        The STTC in ``[-1, 1]``; NaN if either train has no spike.

    Examples
    --------
    >>> round(sttc([1.0, 5.0], [1.5, 8.0], dt=1.0, start=0.0, stop=10.0), 12)
    0.125
    """
    dt, start, stop = _check_window(dt, start, stop)
    a = _check_train(spikes_a, "spikes_a", start, stop)
    b = _check_train(spikes_b, "spikes_b", start, stop)
    if a.size == 0 or b.size == 0:
        return float("nan")
    length = stop - start
    t_a = _tiled_length(a, dt, start, stop) / length
    t_b = _tiled_length(b, dt, start, stop) / length
    tolerance = _tolerance(dt, start, stop)
    p_a = _close_to(a, b, dt, tolerance).mean()
    p_b = _close_to(b, a, dt, tolerance).mean()
    return float(0.5 * (_term(p_a, t_b) + _term(p_b, t_a)))


def sttc_matrix(spike_trains, dt: float, start: float, stop: float) -> np.ndarray:
    """STTC of every pair of spike trains.

    Parameters
    ----------
    spike_trains : sequence of n array-likes
        Spike times in seconds of each train, inside ``[start, stop]``.
    dt, start, stop : float
        As in :func:`sttc`.

    Returns
    -------
    S : ndarray of shape (n, n), float64
        ``S[i, j] = sttc(spike_trains[i], spike_trains[j], ...)``: symmetric,
        diagonal 1 for non-empty trains; rows and columns of empty trains are NaN.

    Notes
    -----
    ``T`` is computed once per train, and ``P`` one reference train at a time
    for all spikes of all trains at once (one ``searchsorted`` per train), so
    the cost is ``O(n · K log k)`` for ``K`` spikes in total.
    """
    dt, start, stop = _check_window(dt, start, stop)
    trains = [_check_train(s, f"spike_trains[{i}]", start, stop) for i, s in enumerate(spike_trains)]
    n = len(trains)
    if n == 0:
        raise ValueError("spike_trains must hold at least one train")
    counts = np.array([t.size for t in trains])
    tiled = np.array([_tiled_length(t, dt, start, stop) for t in trains]) / (stop - start)
    all_spikes = np.concatenate(trains) if counts.sum() else np.zeros(0)
    owner = np.repeat(np.arange(n), counts)
    # close_counts[i, j] = number of spikes of train i within dt of train j
    close_counts = np.zeros((n, n))
    tolerance = _tolerance(dt, start, stop)
    for j, reference in enumerate(trains):
        close = _close_to(all_spikes, reference, dt, tolerance)
        close_counts[:, j] = np.bincount(owner, weights=close, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = close_counts / counts[:, None]
    # STTC[i, j] = ½ [term(P[i, j], T[j]) + term(P[j, i], T[i])]
    one_side = _term(p, tiled[None, :])
    result = 0.5 * (one_side + one_side.T)
    empty = counts == 0
    result[empty, :] = np.nan
    result[:, empty] = np.nan
    return result
