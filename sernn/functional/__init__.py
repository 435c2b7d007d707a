"""Function-derived relations between neurons, from recorded activity (numpy only).

==========================  ====================================================
:func:`spike_times`         spike events from deconvolved calcium traces
:func:`correlation_matrix`  Pearson correlation of activity traces
:func:`sttc`                spike time tiling coefficient of two spike trains
:func:`sttc_matrix`         the STTC of every pair of many spike trains
:func:`functional_relations`  traces -> (correlation, STTC) matrices
==========================  ====================================================

These matrices feed :class:`sernn.initializers.FunctionalInitializer`.
"""
from sernn.functional.correlation import correlation_matrix, minmax_scale
from sernn.functional.relations import functional_relations
from sernn.functional.spikes import spike_times
from sernn.functional.sttc import sttc, sttc_matrix, tiling_fraction

__all__ = ["spike_times", "correlation_matrix", "minmax_scale", "sttc", "sttc_matrix",
           "tiling_fraction", "functional_relations"]
