"""Recurrent-kernel initializer for bio-instantiated RNNs (connectome-expanded networks).

Two modes, the strategies of Goulas, Damicelli & Hilgetag (Neural Networks 2021):

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
from sernn.validation import check_option, check_real, check_seed, check_square

__all__ = ["ConnectomeInitializer", "connectome_recurrent", "rank_order_map", "WEIGHT_MAPPINGS"]

#: Initializer modes.
WEIGHT_MAPPINGS = ("rank", "topology")
#: Tie handling of :func:`rank_order_map`.
TIES = ("mean", "random")


def _bio_matrix(weights) -> np.ndarray:
    if isinstance(weights, dict):
        return decode_array(weights)
    return check_square(getattr(weights, "weights", weights), "weights")


def rank_order_map(bio_values, init_values, ties: str = "mean", rng=None) -> np.ndarray:
    """Assign sorted ``init_values`` to ``bio_values`` by rank.

    Parameters
    ----------
    bio_values : ndarray of shape (K,)
        Biological weights of the existing connections.
    init_values : ndarray of shape (K,)
        Draws of the random init, one per connection.
    ties : {"mean", "random"}, default="mean"
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

    Examples
    --------
    The strongest biological connection gets the largest draw:

    >>> from sernn.initializers.connectome import rank_order_map
    >>> rank_order_map([0.2, 0.9, 0.5], [3.0, 1.0, 2.0]).tolist()
    [1.0, 3.0, 2.0]

    Tied biological weights share the mean of the draws of their ranks:

    >>> [round(v, 4) for v in rank_order_map([1.0, 1.0, 2.0], [0.1, 0.2, 0.6]).tolist()]
    [0.15, 0.15, 0.6]
    """
    bio_values = np.asarray(bio_values, dtype=np.float64)
    sorted_init = np.sort(np.asarray(init_values, dtype=np.float64))
    if bio_values.shape != sorted_init.shape:
        raise ValueError("bio_values and init_values must have the same length")
    ties = check_option(ties, "ties", TIES)
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
    mapping : {"rank", "topology"}, default="rank"
        ``"rank"``: rank-order weight mapping; ``"topology"``: mask times the
        random init (no weight mapping).
    limit : float, optional
        Half-width of the uniform init. Default ``sqrt(1 / N)`` (the paper's).
    ties : {"mean", "random"}, default="mean"
        Tie handling of the rank mapping, see :func:`rank_order_map`.
    seed : int, optional
        Seed of the uniform draws; same seed, same kernel. None: fresh draws.

    Notes
    -----
    The biological weights are stored in the config (exactly, as base64-encoded
    float64 bytes), so a model using this initializer saves and loads without
    other files.

    Examples
    --------
    A 4-neuron network: the kernel is zero where there is no connection, within
    ``sqrt(1 / 4) = 0.5`` in magnitude, and ranked like the biological weights
    (Spearman correlation 1):

    >>> import keras, numpy as np, scipy.stats
    >>> from sernn.initializers import ConnectomeInitializer
    >>> bio = np.array([[0, 3, 0, 1], [2, 0, 5, 0], [0, 0, 0, 4], [6, 0, 1, 0]], dtype=float)
    >>> init = ConnectomeInitializer(bio, seed=0)
    >>> kernel = keras.ops.convert_to_numpy(init((4, 4)))
    >>> bool(np.all((kernel != 0) == (bio != 0))), bool(np.abs(kernel).max() <= 0.5)
    (True, True)
    >>> round(float(scipy.stats.spearmanr(bio[bio != 0], kernel[bio != 0])[0]), 6)
    1.0

    The same seed gives the same kernel, also after a ``get_config`` round trip:

    >>> again = ConnectomeInitializer.from_config(init.get_config())
    >>> bool(np.array_equal(keras.ops.convert_to_numpy(again((4, 4))), kernel))
    True
    """

    def __init__(self, weights, mapping: str = "rank", limit=None, ties: str = "mean", seed=None):
        self.bio_weights = _bio_matrix(weights)
        self.mapping = check_option(mapping, "mapping", WEIGHT_MAPPINGS)
        self.ties = check_option(ties, "ties", TIES)
        n = self.bio_weights.shape[0]
        self.limit = (float(np.sqrt(1.0 / n)) if limit is None
                      else check_real(limit, "limit", low=0, inclusive="neither"))
        self.seed = check_seed(seed)

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
    strategy : str, optional
        ``"rank"`` or ``"topology"``, or a strategy code of
        :data:`sernn.connectomes.STRATEGIES` (``b_w_no`` -> topology, others ->
        rank). The code only picks the initializer mode: the split and the
        shuffle are properties of ``network``. ``None``: the code the network
        was built for (``network.settings["strategy"]``, set by
        :func:`sernn.connectomes.strategy_network`), else ``"rank"``.
    seed : int, optional
        Seed of the initializer (None: fresh draws).
    nonneg : bool, default=False
        Also keep the weights non-negative (passed to ``MaskConstraint``).

    Returns
    -------
    units : int
    initializer : ConnectomeInitializer
    constraint : sernn.constraints.MaskConstraint

    Examples
    --------
    The three pieces of a recurrent layer; the constraint's mask is the
    network's connections:

    >>> import keras, numpy as np
    >>> from sernn.initializers import connectome_recurrent
    >>> bio = np.array([[0, 3, 0, 1], [2, 0, 5, 0], [0, 0, 0, 4], [6, 0, 1, 0]], dtype=float)
    >>> units, init, constraint = connectome_recurrent(bio, seed=0)
    >>> units, init.mapping
    (4, 'rank')
    >>> bool(np.array_equal(constraint.mask, bio != 0))
    True
    >>> connectome_recurrent(bio, strategy="b_w_no", seed=0)[1].mapping
    'topology'
    >>> layer = keras.layers.SimpleRNN(units, recurrent_initializer=init,
    ...                                recurrent_constraint=constraint)
    >>> tuple(layer(np.zeros((1, 5, 2), dtype="float32")).shape)
    (1, 4)
    >>> recurrent = keras.ops.convert_to_numpy(layer.cell.recurrent_kernel)
    >>> bool(np.array_equal(recurrent != 0, bio != 0))
    True
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
