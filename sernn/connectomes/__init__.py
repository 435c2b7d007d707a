"""Area-level connectomes and their expansion into neuron-level recurrent networks.

Pure numpy (no Keras): load a connectome (rows = source region, columns =
target region), expand it to neurons (:func:`expand`), build the randomised
control (:func:`shuffle`), place neurons around region centroids
(:func:`neuron_positions`), and name the strategies of Goulas, Damicelli &
Hilgetag, Neural Networks 2021 (:data:`STRATEGIES`, :func:`strategy_network`). The Keras side is
:class:`sernn.initializers.ConnectomeInitializer` with
:class:`sernn.constraints.MaskConstraint`.
"""
from sernn.connectomes.catalog import KNOWN_CONNECTOMES, find_connectome
from sernn.connectomes.expansion import expand, targets_per_source
from sernn.connectomes.loading import Connectome, from_array, from_edge_list, load
from sernn.connectomes.network import ExpandedNetwork
from sernn.connectomes.partitions import MAPPINGS
from sernn.connectomes.positions import default_jitter, neuron_positions, region_centroids
from sernn.connectomes.shuffling import shuffle
from sernn.connectomes.strategies import STRATEGIES, Strategy, parse_strategy, strategy_network

__all__ = [
    "Connectome",
    "load",
    "from_array",
    "from_edge_list",
    "ExpandedNetwork",
    "expand",
    "shuffle",
    "targets_per_source",
    "MAPPINGS",
    "neuron_positions",
    "region_centroids",
    "default_jitter",
    "STRATEGIES",
    "Strategy",
    "parse_strategy",
    "strategy_network",
    "KNOWN_CONNECTOMES",
    "find_connectome",
]
