"""The construction strategies of bio-instantiated RNNs and their randomised controls.

Codes (as in the figures of Goulas, Damicelli & Hilgetag, Neural Networks 2021):

==============  =================================================================
``b_w_no``      biological topology, no weight mapping (mask x usual random init)
``b_w_eq``      biological topology, rank-order weight mapping, equal split
``b_w_div``     biological topology, rank-order weight mapping, diverse split
``r_b_w_*``     the same network with its weights shuffled over all off-diagonal
                positions (topology destroyed; density and weights kept)
==============  =================================================================

The paper's figures label the controls ``r_w_no``, ``r_w_eq``, ``r_w_div``;
those spellings are accepted too.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sernn.connectomes.expansion import ExpandedNetwork, expand, shuffle
from sernn.validation import check_option, check_seed

__all__ = ["STRATEGIES", "Strategy", "parse_strategy", "strategy_network"]

#: The six strategies of the benchmark, in display order.
STRATEGIES = ("b_w_no", "b_w_eq", "b_w_div", "r_b_w_no", "r_b_w_eq", "r_b_w_div")

_ALIASES = {"r_w_no": "r_b_w_no", "r_w_eq": "r_b_w_eq", "r_w_div": "r_b_w_div"}


@dataclass(frozen=True)
class Strategy:
    """A parsed strategy code.

    Attributes
    ----------
    code : str
        Canonical code, e.g. ``"r_b_w_div"``.
    mapping : str
        Block split used by :func:`~sernn.connectomes.expand` (``"equal"`` or
        ``"diverse"``; ``b_w_no`` uses ``"diverse"``, which only matters for the
        shuffled control's topology, not for its initial weights).
    weight_mapping : str
        Initializer mode: ``"rank"`` (rank-order mapping) or ``"topology"`` (none).
    randomized : bool
        Whether the network's weights are shuffled (the ``r_`` control).

    Examples
    --------
    >>> parse_strategy("b_w_eq")
    Strategy(code='b_w_eq', mapping='equal', weight_mapping='rank', randomized=False)
    >>> parse_strategy("r_w_div").code      # the figures' spelling of the control
    'r_b_w_div'
    """

    code: str
    mapping: str
    weight_mapping: str
    randomized: bool


def parse_strategy(code: str) -> Strategy:
    """Parse a strategy code (see the module docstring).

    Parameters
    ----------
    code : str
        One of :data:`STRATEGIES`, or a control spelled ``r_w_no``, ``r_w_eq``, ``r_w_div``.

    Returns
    -------
    Strategy

    Examples
    --------
    >>> for code in STRATEGIES:
    ...     s = parse_strategy(code)
    ...     print(s.code, s.mapping, s.weight_mapping, s.randomized)
    b_w_no diverse topology False
    b_w_eq equal rank False
    b_w_div diverse rank False
    r_b_w_no diverse topology True
    r_b_w_eq equal rank True
    r_b_w_div diverse rank True
    """
    if not isinstance(code, str):
        check_option(code, "strategy", STRATEGIES)  # raises the TypeError
    canonical = check_option(_ALIASES.get(code, code), "strategy", STRATEGIES)
    base = canonical[2:] if canonical.startswith("r_") else canonical
    return Strategy(code=canonical, mapping="equal" if base == "b_w_eq" else "diverse",
                    weight_mapping="topology" if base == "b_w_no" else "rank",
                    randomized=canonical.startswith("r_"))


def strategy_network(connectome, strategy: str, neurons_per_region, seed=None,
                     **expand_kwargs) -> ExpandedNetwork:
    """The expanded (and, for ``r_`` codes, shuffled) network of a strategy.

    Parameters
    ----------
    connectome : Connectome or path
    strategy : str
        One of :data:`STRATEGIES`.
    neurons_per_region : int or sequence of int
    seed : int or None
        Seed of the expansion; the shuffle of a control uses ``seed`` too
        (through an independent stream).
    **expand_kwargs
        Further arguments of :func:`~sernn.connectomes.expand` (not ``mapping``).

    Returns
    -------
    ExpandedNetwork
        Its ``settings["strategy"]`` holds the canonical code.

    Examples
    --------
    A biological network with equal weight mapping and its randomised control:

    >>> import numpy as np
    >>> from sernn.connectomes import from_array
    >>> c = from_array([[0, 1.0, 0], [0.5, 0, 1.0], [0, 0, 0]], ["A", "B", "C"])
    >>> bio = strategy_network(c, "b_w_eq", neurons_per_region=4, seed=0)
    >>> control = strategy_network(c, "r_b_w_eq", neurons_per_region=4, seed=0)
    >>> bio.settings["strategy"], control.settings["strategy"]
    ('b_w_eq', 'r_b_w_eq')
    >>> ab = bio.block("A", "B")        # 4 neurons x round(0.8 * 4) = 12 connections
    >>> int((ab > 0).sum()), round(float(ab.max()), 4)   # of 1.0 / 12 each
    (12, 0.0833)
    >>> control.n_connections == bio.n_connections      # the control keeps the density
    True
    >>> bool(np.array_equal(np.sort(control.weights, axis=None), np.sort(bio.weights, axis=None)))
    True
    >>> bool(np.array_equal(control.mask, bio.mask))     # but not the topology
    False
    """
    parsed = parse_strategy(strategy)
    seed = check_seed(seed)
    if "mapping" in expand_kwargs:
        raise ValueError("mapping is set by the strategy code (b_w_eq: equal, others: diverse); "
                         "do not pass it")
    network = expand(connectome, neurons_per_region, mapping=parsed.mapping, seed=seed,
                     **expand_kwargs)
    if parsed.randomized:
        shuffle_seed = None if seed is None else [seed, 1]
        network = shuffle(network, seed=shuffle_seed)
    return replace(network, settings={**network.settings, "strategy": parsed.code})
