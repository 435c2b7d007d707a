"""The construction strategies of bio-instantiated RNNs and their randomised controls.

Codes (as in the paper's figures):

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
    """

    code: str
    mapping: str
    weight_mapping: str
    randomized: bool


def parse_strategy(code: str) -> Strategy:
    """Parse a strategy code (see the module docstring)."""
    if not isinstance(code, str):
        raise TypeError(f"strategy must be a string, one of {STRATEGIES}, got {code!r}")
    canonical = _ALIASES.get(code, code)
    if canonical not in STRATEGIES:
        raise ValueError(f"unknown strategy {code!r}; choose from {', '.join(STRATEGIES)}")
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
    """
    parsed = parse_strategy(strategy)
    if "mapping" in expand_kwargs:
        raise ValueError("mapping is set by the strategy code (b_w_eq: equal, others: diverse); "
                         "do not pass it")
    network = expand(connectome, neurons_per_region, mapping=parsed.mapping, seed=seed,
                     **expand_kwargs)
    if parsed.randomized:
        shuffle_seed = None if seed is None else [int(seed), 1]
        network = shuffle(network, seed=shuffle_seed)
    return replace(network, settings={**network.settings, "strategy": parsed.code})
