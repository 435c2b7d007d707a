"""From activity traces to the two relation matrices of the functional initialisation."""
from __future__ import annotations

import numpy as np

from sernn.functional.correlation import correlation_matrix
from sernn.functional.spikes import MICRONS_FRAME_RATE_HZ, spike_times
from sernn.functional.sttc import sttc_matrix

__all__ = ["functional_relations"]


def functional_relations(traces, frame_rate: float = MICRONS_FRAME_RATE_HZ, dt=None,
                         threshold: float = 2.0, jitter: bool = False, seed=None):
    """Pearson correlation and STTC matrices of deconvolved activity traces.

    Parameters
    ----------
    traces : array-like of shape (n_neurons, n_frames)
        Deconvolved activity, one value per frame.
    frame_rate : float, default=6.3009
        Frames per second.
    dt : float, optional
        STTC window in seconds; default one frame period (``1 / frame_rate``),
        so that events in the same or the neighbouring frame count as synchronous.
    threshold, jitter, seed :
        Spike extraction (:func:`sernn.functional.spike_times`).

    Returns
    -------
    correlation : ndarray of shape (n, n)
    sttc : ndarray of shape (n, n)
        Over the recording ``[0, n_frames / frame_rate]``; NaN rows for neurons
        without events.
    """
    array = np.asarray(traces, dtype=np.float64)
    correlation = correlation_matrix(array)
    trains = spike_times(array, frame_rate=frame_rate, threshold=threshold, jitter=jitter, seed=seed)
    window = 1.0 / frame_rate if dt is None else dt
    return correlation, sttc_matrix(trains, window, 0.0, array.shape[1] / frame_rate)
