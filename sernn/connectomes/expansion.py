"""Expansion of an area-level connectome into a neuron-level recurrent network.

The algorithm (Goulas, Damicelli & Hilgetag, Neural Networks 2021,
"Bio-instantiated recurrent neural networks"), for a connectome ``C`` (rows = source region,
columns = target region) and ``n_r`` neurons in region ``r``:

1. Neurons are numbered region by region, in the connectome's region order.
2. **Extrinsic blocks.** For every pair ``i != j`` with ``C[i, j] > 0``, every
   neuron of ``i`` connects to ``k_ij = max(1, round(p * n_j))`` distinct
   neurons of ``j`` drawn at random (``p`` = ``target_sparsity``; ``round``
   rounds halves up). The block holds ``K_ij = n_i * k_ij`` connections.
3. **Intrinsic blocks** (``intrinsic=True``). Each neuron of region ``i``
   connects to ``max(1, round(q * m_i))`` distinct neurons of its own region,
   where ``m_i = n_i`` with self-connections and ``n_i - 1`` without, and
   ``q`` = ``intrinsic_sparsity``. The block's total weight ``T_i`` follows
   ``intrinsic_rule``:

   - ``"paper"`` (default): ``T_i = w * sum_{j != i} C[i, j]``, ``w`` =
     ``intrinsic_weight``, the region's extrinsic *outgoing* strength (the
     paper's text: with w = 0.8 "within-region strength = 80 % of the
     between-region strength");
   - ``"bio2art"``: ``T_i = w / (1 - w) * sum_{j != i} C[j, i]``, the rule of
     the authors' published expansion code (bio2art), whose docstring says
     otherwise: 4 times the region's *incoming* strength at w = 0.8, so that
     80 % of the weight entering each region is intrinsic (80 % of all weight;
     the paper rule gives 44 % for the macaque).

   A region with a single neuron and no self-connections, or with no
   extrinsic strength of the kind the rule reads, gets no intrinsic block.
4. **Weight mapping.** The block weight ``M`` is spread over the block's ``K``
   connections: ``"equal"``: ``M / K`` each; ``"diverse"``: a random partition
   of ``M`` into ``K`` positive parts, by ``partition``:

   - ``"dirichlet"`` (default): normalised exponential draws, i.e. a flat
     Dirichlet (every part has the same distribution, mean ``M / K``);
   - ``"stick"``: stick-breaking as in bio2art: each part is uniform on what
     the earlier parts left, the last part takes the rest (very skewed: the
     largest part is about half the block). bio2art computes the last part as
     a difference, which for blocks of >= 48 connections gives zero and
     negative weights from floating-point cancellation; sernn keeps the
     remainder itself and floors parts at the smallest positive float, because
     a zero weight would drop the connection from the mask and a negative one
     is not a biological weight. The parts go to the block's connections in
     random order.

   Each block sums to ``M``.
5. **Orientation.** ``orientation="source-target"`` (default) returns
   ``W[source, target]``, the orientation of a Keras ``SimpleRNN`` recurrent
   kernel (``h_t = f(x W_in + h_{t-1} W)``). ``"transposed"`` returns the
   transpose, the network the published experiments (bio_rnn_mem, PyTorch)
   actually ran: they loaded bio2art's [source, target] matrix into PyTorch's
   ``weight_hh``, which is [target, source]. (20 % of the macaque's and the
   marmoset's area edges have no reverse edge, so the two networks differ.)

The result is an :class:`~sernn.connectomes.network.ExpandedNetwork`: ``weights``
(N x N, non-negative), ``mask`` (N x N, 0/1, ``weights > 0``) and ``regions``
(region name per neuron). The weight mapping of step 4 is
:mod:`sernn.connectomes.partitions`; the randomised control is
:func:`sernn.connectomes.shuffling.shuffle`.
"""
from __future__ import annotations

import numbers

import numpy as np

from sernn.connectomes.loading import load
from sernn.connectomes.network import ExpandedNetwork
from sernn.connectomes.partitions import MAPPINGS, PARTITIONS, split_weight
from sernn.connectomes.partitions import stick_breaking  # noqa: F401  (its former place)
from sernn.connectomes.shuffling import shuffle  # noqa: F401  (its former place)
from sernn.resources import check_fits
from sernn.validation import check_option, check_real, check_seed, describe

__all__ = ["expand", "targets_per_source", "INTRINSIC_RULES", "ORIENTATIONS"]

#: Intrinsic-weight rules of :func:`expand`: the paper's text, and the published code's.
INTRINSIC_RULES = ("paper", "bio2art")
#: Orientations of the returned matrix.
ORIENTATIONS = ("source-target", "transposed")


def _round_half_up(x):
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


def targets_per_source(sparsity: float, n_candidates):
    """Number of targets of each source neuron: ``max(1, round(sparsity * n_candidates))``.

    Halves round up; the result never exceeds ``n_candidates`` and is 0 where
    there is no candidate.

    Parameters
    ----------
    sparsity : float in (0, 1]
        Fraction of the candidate targets that each source neuron connects to.
    n_candidates : int or ndarray of int
        Number of candidate target neurons.

    Returns
    -------
    int or ndarray of int

    Examples
    --------
    >>> import numpy as np
    >>> targets_per_source(0.8, 4)          # round(3.2) = 3
    3
    >>> targets_per_source(0.1, 3)          # round(0.3) = 0, but at least one target
    1
    >>> targets_per_source(0.5, np.array([1, 3, 5, 0])).tolist()   # halves round up; none without candidates
    [1, 2, 3, 0]
    """
    n = np.asarray(n_candidates, dtype=np.int64)
    k = np.minimum(np.maximum(1, _round_half_up(sparsity * n)), n)
    k = np.where(n > 0, k, 0)
    return int(k) if k.ndim == 0 else k


def _check_neurons_per_region(neurons_per_region, n_regions: int) -> np.ndarray:
    accepted = "an integer >= 1 or a 1-D sequence of integers >= 1 (one per region)"
    if isinstance(neurons_per_region, bool):
        raise TypeError(f"neurons_per_region must be {accepted}; got {neurons_per_region!r} (bool)")
    if isinstance(neurons_per_region, numbers.Integral):
        counts = np.full(n_regions, int(neurons_per_region), dtype=np.int64)
    else:
        try:
            raw = np.asarray(neurons_per_region)
        except (TypeError, ValueError):
            raw = None
        if raw is None or raw.ndim != 1 or not (np.issubdtype(raw.dtype, np.integer)
                                               or (np.issubdtype(raw.dtype, np.floating)
                                                   and np.all(np.isfinite(raw))
                                                   and np.all(raw == np.round(raw)))):
            raise TypeError(f"neurons_per_region must be {accepted}; got {describe(neurons_per_region)}")
        if raw.shape[0] != n_regions:
            raise ValueError(f"neurons_per_region must have one entry per region ({n_regions} regions); "
                             f"got {raw.shape[0]} entries")
        counts = raw.astype(np.int64)
    if (counts < 1).any():
        raise ValueError(f"neurons_per_region must be {accepted}; got minimum {counts.min()}")
    return counts

def _fill_block(weights, rows, cols, k, total, mapping, rng, exclude_self=False, partition="dirichlet"):
    """Connect every row neuron to k random column neurons and spread ``total`` over them."""
    n_rows, n_cols = len(rows), len(cols)
    scores = rng.random((n_rows, n_cols))
    if exclude_self:
        scores[np.arange(n_rows), np.arange(n_rows)] = np.inf
    chosen = np.argsort(scores, axis=1, kind="stable")[:, :k]
    source = np.repeat(rows, k)
    target = cols[chosen.ravel()]
    weights[source, target] = split_weight(total, n_rows * k, mapping, rng, partition)


def _intrinsic_total(C, i, rule, w) -> float:
    """Weight of region ``i``'s intrinsic block: ``w`` times its outgoing extrinsic strength
    (``"paper"``), or ``w / (1 - w)`` times its incoming one (``"bio2art"``)."""
    if rule == "paper":
        return float(w) * (C[i].sum() - C[i, i])
    return float(w) / (1.0 - float(w)) * (C[:, i].sum() - C[i, i])


def expand(connectome, neurons_per_region, target_sparsity: float = 0.8, intrinsic: bool = True,
           intrinsic_sparsity: float = 1.0, intrinsic_weight: float = 0.8,
           self_connections: bool = False, mapping: str = "diverse", seed=None, intrinsic_rule: str = "paper",
           partition: str = "dirichlet", orientation: str = "source-target") -> ExpandedNetwork:
    """Expand an area connectome into a neuron-level weight matrix.

    Parameters
    ----------
    connectome : Connectome, str or path-like
        The area connectome (as returned by :func:`sernn.connectomes.load`, or
        a path that ``load`` accepts). Rows = source, columns = target.
    neurons_per_region : int or sequence of int
        Neurons in each region: one number for all, or one per region (>= 1).
    target_sparsity : float in (0, 1], default=0.8
        Fraction ``p`` of a target region's neurons that each source neuron
        connects to (at least one): ``k_ij = max(1, round(p * n_j))``.
    intrinsic : bool, default=True
        Add within-region connections.
    intrinsic_sparsity : float in (0, 1], default=1.0
        Like ``target_sparsity`` for within-region connections (1.0: every
        neuron connects to every other neuron of its region).
    intrinsic_weight : float >= 0, default=0.8
        ``w`` of ``intrinsic_rule`` (with ``"bio2art"``, ``w < 1``).
    self_connections : bool, default=False
        Allow a neuron to connect to itself (only within intrinsic blocks).
    mapping : {"diverse", "equal"}, default="diverse"
        How a block's weight is split over its connections: a random positive
        partition, or equal parts.
    seed : int or None
        Seed of the random choices (targets and partitions). Same seed, same network.
    intrinsic_rule : {"paper", "bio2art"}, default="paper"
        Within-region block weight: ``w`` times the region's outgoing extrinsic strength (the
        paper's text), or ``w / (1 - w)`` times its incoming one (the published code).
    partition : {"dirichlet", "stick"}, default="dirichlet"
        The random partition of ``mapping="diverse"``: flat Dirichlet, or bio2art's stick-breaking.
    orientation : {"source-target", "transposed"}, default="source-target"
        ``"transposed"``: the transpose, the network the published PyTorch experiments ran.

    Returns
    -------
    ExpandedNetwork
        With ``weights`` (N, N), ``mask`` (N, N) and ``regions`` (N,), where
        N = sum of ``neurons_per_region``.

    Notes
    -----
    The number of connections is
    ``sum_{i != j, C[i,j] > 0} n_i * k_ij + sum_i [intrinsic block i] n_i * k_ii``
    and every block sums to ``block_weights[i, j]`` (to floating-point accuracy).

    Examples
    --------
    Region A (2 neurons) projects to region B (3 neurons) with strength 1.0, B to
    A with 0.5. Each A neuron reaches ``round(0.8 * 3) = 2`` B neurons, each B
    neuron ``round(0.8 * 2) = 2`` A neurons, and within a region every neuron
    reaches every other one:

    >>> import numpy as np
    >>> from sernn.connectomes import from_array
    >>> c = from_array([[0, 1.0], [0.5, 0]], ["A", "B"])
    >>> net = expand(c, neurons_per_region=[2, 3], mapping="equal", seed=0)
    >>> net.n_units, net.n_connections       # 2*2 + 3*2 extrinsic, 2*1 + 3*2 intrinsic
    (5, 18)
    >>> np.unique(net.block("A", "B")).tolist()   # 4 connections of 1.0 / 4 each
    [0.0, 0.25]
    >>> [[round(float(net.block(i, j).sum()), 6) for j in "AB"] for i in "AB"]
    [[0.8, 1.0], [0.5, 0.4]]
    >>> float(np.trace(net.weights))         # no self-connections
    0.0

    The diagonal blocks carry 0.8 times the region's outgoing strength (the
    default ``intrinsic_rule="paper"``). The same seed gives the same network,
    and ``"transposed"`` gives its transpose:

    >>> a, b = expand(c, 3, seed=7), expand(c, 3, seed=7)
    >>> bool(np.array_equal(a.weights, b.weights))
    True
    >>> bool(np.array_equal(expand(c, 3, seed=7, orientation="transposed").weights, a.weights.T))
    True
    """
    connectome = load(connectome)
    mapping = check_option(mapping, "mapping", MAPPINGS)
    intrinsic_rule = check_option(intrinsic_rule, "intrinsic_rule", INTRINSIC_RULES)
    partition = check_option(partition, "partition", PARTITIONS)
    orientation = check_option(orientation, "orientation", ORIENTATIONS)
    target_sparsity = check_real(target_sparsity, "target_sparsity", low=0, high=1, inclusive="right")
    intrinsic_sparsity = check_real(intrinsic_sparsity, "intrinsic_sparsity", low=0, high=1, inclusive="right")
    intrinsic_weight = check_real(intrinsic_weight, "intrinsic_weight", low=0)
    if intrinsic_rule == "bio2art" and intrinsic and not intrinsic_weight < 1:
        raise ValueError(f"intrinsic_weight must be < 1 with intrinsic_rule='bio2art' (w / (1 - w) times the "
                         f"incoming strength), got {intrinsic_weight!r}")
    counts = _check_neurons_per_region(neurons_per_region, connectome.n_regions)
    rng = np.random.default_rng(check_seed(seed, allow_generator=True))

    n_regions = connectome.n_regions
    C = np.asarray(connectome.weights, dtype=np.float64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    n_units = int(offsets[-1])
    # the weights, the mask and the network's copies: about 4 float64 (n, n) matrices
    check_fits(4 * 8 * n_units ** 2, "neurons_per_region",
               int(counts[0]) if len(set(counts.tolist())) == 1 else counts.tolist(),
               f"the expanded network of {n_units} neurons")
    members = [np.arange(offsets[r], offsets[r + 1]) for r in range(n_regions)]
    weights = np.zeros((n_units, n_units))
    block_weights = np.zeros((n_regions, n_regions))

    for i in range(n_regions):
        for j in range(n_regions):
            if i == j or C[i, j] <= 0:
                continue
            k = targets_per_source(target_sparsity, counts[j])
            block_weights[i, j] = C[i, j]
            _fill_block(weights, members[i], members[j], k, C[i, j], mapping, rng, partition=partition)
        if intrinsic:
            total = _intrinsic_total(C, i, intrinsic_rule, intrinsic_weight)
            candidates = counts[i] if self_connections else counts[i] - 1
            k = targets_per_source(intrinsic_sparsity, candidates)
            if total > 0 and k > 0:
                block_weights[i, i] = total
                _fill_block(weights, members[i], members[i], k, total, mapping, rng,
                            exclude_self=not self_connections, partition=partition)

    if orientation == "transposed":
        weights, block_weights = np.ascontiguousarray(weights.T), np.ascontiguousarray(block_weights.T)
    weights.setflags(write=False)
    mask = (weights > 0).astype(np.uint8)
    mask.setflags(write=False)
    region_index = np.repeat(np.arange(n_regions), counts)
    settings = dict(neurons_per_region=counts.tolist(), target_sparsity=target_sparsity,
                    intrinsic=bool(intrinsic), intrinsic_sparsity=intrinsic_sparsity,
                    intrinsic_weight=float(intrinsic_weight), self_connections=bool(self_connections),
                    mapping=mapping, seed=seed, intrinsic_rule=intrinsic_rule, partition=partition,
                    orientation=orientation)
    return ExpandedNetwork(weights=weights, mask=mask,
                           regions=np.asarray(connectome.names, dtype=str)[region_index],
                           region_index=region_index, neurons_per_region=counts,
                           block_weights=block_weights, connectome=connectome, settings=settings)

