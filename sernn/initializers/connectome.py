"""Recurrent-kernel initializer for bio-instantiated RNNs (connectome-expanded networks).

Two modes, the strategies of Goulas, Damicelli & Hilgetag (2021):

* ``mapping="topology"`` (*topology, no weight mapping*): the usual random init
  ``U(-sqrt(1/N), sqrt(1/N))`` multiplied by the binary mask of the network.
* ``mapping="rank"`` (*topology + weight mapping*, rank-order): draw one value of
  the same uniform init per existing connection, sort them, and give the
  largest values to the largest biological weights. The Spearman correlation
  between the biological weights and the initial weights on the mask is then 1.

Whether the biological weights were split equally or diversely, and whether
they were shuffled (the ``r_`` controls), is decided when the network is built
(:func:`sernn.connectomes.strategy_network`); the initializer realises it.
Pair it with ``sernn.constraints.MaskConstraint(network.mask)`` so that only
existing connections change during training (:func:`connectome_recurrent` does both).
"""
from __future__ import annotations

import keras
import numpy as np

from sernn.arraycodec import decode_array, encode_array

__all__ = ["ConnectomeInitializer", "connectome_recurrent", "rank_order_map", "WEIGHT_MAPPINGS"]

#: Initializer modes.
WEIGHT_MAPPINGS = ("rank", "topology")


def _bio_matrix(weights) -> np.ndarray:
    if isinstance(weights, dict):
        return decode_array(weights)
    matrix = getattr(weights, "weights", weights)
    try:
        matrix = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("weights must be an ExpandedNetwork or a square numeric array") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"weights must be a square (N, N) matrix, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("weights must be finite")
    return matrix


def rank_order_map(bio_values, init_values, ties: str = "mean", rng=None) -> np.ndarray:
    """Assign sorted ``init_values`` to ``bio_values`` by rank.

    Parameters
    ----------
    bio_values : ndarray of shape (K,)
        Biological weights of the existing connections.
    init_values : ndarray of shape (K,)
        Draws of the random init, one per connection.
    ties : {"mean", "random"}, default "mean"
        ``"mean"``: connections with equal biological weight share the mean of
        the init values their ranks receive, so the Spearman correlation is
        exactly 1 even with ties (e.g. the *equal* split). ``"random"``: ties
        are broken at random (distinct values; Spearman < 1 when ties exist).
    rng : numpy Generator, optional
        Used for ``ties="random"``.

    Returns
    -------
    ndarray of shape (K,)
        The initial weight of each connection, in the order of ``bio_values``.
    """
    bio_values = np.asarray(bio_values, dtype=np.float64)
    sorted_init = np.sort(np.asarray(init_values, dtype=np.float64))
    if bio_values.shape != sorted_init.shape:
        raise ValueError("bio_values and init_values must have the same length")
    if ties not in ("mean", "random"):
        raise ValueError(f"ties must be 'mean' or 'random', got {ties!r}")
    if ties == "random":
        rng = np.random.default_rng() if rng is None else rng
        tiebreak = rng.random(bio_values.shape)
        order = np.lexsort((tiebreak, bio_values))
        result = np.empty_like(sorted_init)
        result[order] = sorted_init
        return result
    order = np.argsort(bio_values, kind="stable")
    ranked_bio = bio_values[order]
    _, group, counts = np.unique(ranked_bio, return_inverse=True, return_counts=True)
    group_mean = np.bincount(group, weights=sorted_init) / counts
    result = np.empty_like(sorted_init)
    result[order] = group_mean[group]
    return result


@keras.saving.register_keras_serializable(package="sernn")
class ConnectomeInitializer(keras.initializers.Initializer):
    """Initial recurrent kernel of a bio-instantiated RNN.

    Parameters
    ----------
    weights : ExpandedNetwork or array-like of shape (N, N)
        Neuron-level biological weights (``weights[a, b]``: from neuron a to b,
        the Keras recurrent-kernel layout); connections are its non-zero entries.
    mapping : {"rank", "topology"}, default "rank"
        ``"rank"``: rank-order weight mapping; ``"topology"``: mask times the
        random init (no weight mapping).
    limit : float, optional
        Half-width of the uniform init. Default ``sqrt(1 / N)`` (the paper's).
    ties : {"mean", "random"}, default "mean"
        Tie handling of the rank mapping, see :func:`rank_order_map`.
    seed : int or None
        Seed of the uniform draws; same seed, same kernel.

    Notes
    -----
    The biological weights are stored in the config (exactly, as base64-encoded
    float64 bytes), so a model using this initializer saves and loads without
    other files.
    """

    def __init__(self, weights, mapping: str = "rank", limit=None, ties: str = "mean", seed=None):
        self.bio_weights = _bio_matrix(weights)
        if mapping not in WEIGHT_MAPPINGS:
            raise ValueError(f"mapping must be one of {WEIGHT_MAPPINGS}, got {mapping!r}")
        if ties not in ("mean", "random"):
            raise ValueError(f"ties must be 'mean' or 'random', got {ties!r}")
        n = self.bio_weights.shape[0]
        if limit is None:
            limit = float(np.sqrt(1.0 / n))
        if isinstance(limit, bool) or not np.isscalar(limit) or not np.isfinite(limit) or limit <= 0:
            raise ValueError(f"limit must be a positive number, got {limit!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"seed must be an integer or None, got {seed!r}")
        self.mapping = mapping
        self.limit = float(limit)
        self.ties = ties
        self.seed = None if seed is None else int(seed)

    @property
    def mask(self) -> np.ndarray:
        """Boolean (N, N) mask of existing connections."""
        return self.bio_weights != 0

    def initial_kernel(self) -> np.ndarray:
        """The initial kernel as a float64 numpy array (what ``__call__`` returns)."""
        rng = np.random.default_rng(self.seed)
        mask = self.mask
        n = self.bio_weights.shape[0]
        draws = rng.uniform(-self.limit, self.limit, size=(n, n))
        kernel = np.zeros((n, n))
        if self.mapping == "topology":
            kernel[mask] = draws[mask]
        else:
            kernel[mask] = rank_order_map(self.bio_weights[mask], draws[mask], ties=self.ties, rng=rng)
        return kernel

    def __call__(self, shape, dtype=None):
        expected = self.bio_weights.shape
        if tuple(int(s) for s in shape) != expected:
            raise ValueError(f"ConnectomeInitializer was built for a {expected} kernel but the layer "
                             f"asks for {tuple(shape)}; set the layer's units to {expected[0]}")
        return keras.ops.convert_to_tensor(self.initial_kernel(), dtype=dtype or "float32")

    def get_config(self) -> dict:
        return {"weights": encode_array(self.bio_weights), "mapping": self.mapping, "limit": self.limit,
                "ties": self.ties, "seed": self.seed}


def connectome_recurrent(network, strategy=None, seed=None, nonneg: bool = False):
    """Units, initializer and mask constraint for a recurrent layer from a network.

    Parameters
    ----------
    network : ExpandedNetwork or array-like of shape (N, N)
        The (possibly shuffled) neuron-level network.
    strategy : str or None, default None
        ``"rank"`` or ``"topology"``, or a strategy code of
        :data:`sernn.connectomes.STRATEGIES` (``b_w_no`` -> topology, others ->
        rank). The code only picks the initializer mode: the split and the
        shuffle are properties of ``network``. ``None``: the code the network
        was built for (``network.settings["strategy"]``, set by
        :func:`sernn.connectomes.strategy_network`), else ``"rank"``.
    seed : int or None
        Seed of the initializer.
    nonneg : bool, default False
        Also keep the weights non-negative (passed to ``MaskConstraint``).

    Returns
    -------
    units : int
    initializer : ConnectomeInitializer
    constraint : sernn.constraints.MaskConstraint
    """
    from sernn.connectomes.strategies import STRATEGIES, parse_strategy
    from sernn.constraints import MaskConstraint

    built_as = getattr(network, "settings", {}).get("strategy")
    if strategy is None:
        strategy = built_as or "rank"
    if strategy in WEIGHT_MAPPINGS:
        mode = strategy
    else:
        try:
            parsed = parse_strategy(strategy)
        except (TypeError, ValueError):
            raise ValueError(f"strategy must be 'rank', 'topology' or a code of "
                             f"{', '.join(STRATEGIES)}, got {strategy!r}") from None
        if built_as is not None and built_as != parsed.code:
            raise ValueError(f"strategy {strategy!r} does not match the network, which was built for "
                             f"{built_as!r}; build it with strategy_network(..., {parsed.code!r}) or pass "
                             "strategy='rank' / 'topology'")
        mode = parsed.weight_mapping
    initializer = ConnectomeInitializer(network, mapping=mode, seed=seed)
    mask = initializer.mask.astype(np.float32)
    return mask.shape[0], initializer, MaskConstraint(mask, nonneg=nonneg)
