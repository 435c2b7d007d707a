"""MICrONS functional connectomics: tables, neuron selection, wiring and activity (numpy/pandas).

Loaders read files or DataFrames (as CAVEclient returns them), never the
network. Data: MICrONS Consortium, Nature 640:435–447 (2025), CC BY 4.0;
pinky100: Turner et al., Cell 185:1082 (2022).

=============================  ==================================================
tables                         :func:`load_nucleus_table`, :func:`load_cell_types`,
                               :func:`load_synapses`, :func:`load_coregistration`
activity                       :func:`load_traces` -> :class:`FunctionalTraces`
published files                :func:`load_minnie65_somata`, :func:`load_pinky100`
functional connectomics field  :func:`load_field` -> :class:`Field`,
                               :func:`field_coordinates`,
                               :func:`published_code_coordinates`
selection                      :func:`select_ids`, :func:`select_class`,
                               :func:`select_nearest`, :func:`select_cylinder`,
                               :func:`select_field`, :func:`select_most_connected`
positions                      :func:`soma_coordinates`, :func:`soma_distances`
wiring                         :func:`wiring_matrix` -> (W, :class:`WiringReport`)
=============================  ==================================================
"""
from sernn.microns.datasets import PINKY100_FILES, load_minnie65_somata, load_pinky100
from sernn.microns.fields import (Field, UntrustedPickle, field_coordinates, load_field,
                                  published_code_coordinates)
from sernn.microns.selection import (select_class, select_cylinder, select_field, select_ids,
                                     select_nearest, soma_coordinates, soma_distances)
from sernn.microns.tables import (CELL_CLASSES, load_cell_types, load_coregistration,
                                  load_nucleus_table, load_synapses, read_table, table_positions)
from sernn.microns.traces import TRACE_KEYS, FunctionalTraces, load_traces
from sernn.microns.wiring import WiringReport, select_most_connected, wiring_matrix

__all__ = [
    "CELL_CLASSES", "PINKY100_FILES", "TRACE_KEYS",
    "read_table", "table_positions",
    "load_nucleus_table", "load_cell_types", "load_synapses", "load_coregistration",
    "load_traces", "FunctionalTraces",
    "load_minnie65_somata", "load_pinky100",
    "load_field", "Field", "UntrustedPickle", "field_coordinates", "published_code_coordinates",
    "select_ids", "select_class", "select_nearest", "select_cylinder", "select_field",
    "select_most_connected",
    "soma_coordinates", "soma_distances",
    "wiring_matrix", "WiringReport",
]
