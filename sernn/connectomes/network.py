"""The neuron-level network that :func:`~sernn.connectomes.expansion.expand` builds from an area connectome.

An :class:`ExpandedNetwork` holds the weights (N x N, non-negative), the mask
(N x N, 0/1, ``weights > 0``) and the region of every neuron, with the
connectome and the expansion's settings it came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sernn.connectomes.loading import Connectome

__all__ = ["ExpandedNetwork"]


@dataclass(frozen=True, eq=False)  # compared by identity (its arrays have no single truth value)
class ExpandedNetwork:
    """A neuron-level network expanded from an area connectome.

    Attributes
    ----------
    weights : ndarray of shape (n_units, n_units), float64
        Non-negative neuron-to-neuron weights; ``weights[a, b]`` is the weight
        from neuron ``a`` to neuron ``b`` (Keras recurrent-kernel layout).
    mask : ndarray of shape (n_units, n_units), uint8
        1 where a connection exists (``weights > 0``), else 0.
    regions : ndarray of shape (n_units,), str
        Region name of each neuron.
    region_index : ndarray of shape (n_units,), int
        Region number (row of the connectome) of each neuron.
    neurons_per_region : ndarray of shape (n_regions,), int
    block_weights : ndarray of shape (n_regions, n_regions), float64
        The total weight given to each block (off-diagonal: the empirical
        ``C[i, j]`` where connected; diagonal: the intrinsic weight). After
        :func:`~sernn.connectomes.shuffling.shuffle` this describes the network before shuffling.
    connectome : Connectome
        The source connectome.
    settings : dict
        The expansion's arguments (and ``"shuffled"`` with the shuffle seed).

    Examples
    --------
    Two regions, A (2 neurons) and B (3 neurons), projecting to each other:

    >>> import numpy as np
    >>> from sernn.connectomes import expand, from_array
    >>> c = from_array([[0, 1.0], [0.5, 0]], ["A", "B"])
    >>> net = expand(c, neurons_per_region=[2, 3], seed=0)
    >>> net       # 2*2 + 3*2 extrinsic and 2*1 + 3*2 intrinsic connections
    ExpandedNetwork(n_units=5, n_regions=2, n_connections=18, mapping='diverse')
    >>> net.density                     # 18 / (5 * 4)
    0.9
    >>> net.regions.tolist(), net.region_index.tolist()
    (['A', 'A', 'B', 'B', 'B'], [0, 0, 1, 1, 1])
    >>> net.region_slice("B")
    slice(2, 5, None)
    >>> net.block("A", "B").shape       # weights from A's neurons to B's
    (2, 3)
    >>> net.block_weights.tolist()      # C off the diagonal, 0.8 x outgoing strength on it
    [[0.8, 1.0], [0.5, 0.4]]
    >>> bool(np.array_equal(net.mask, net.weights > 0))
    True
    """

    weights: np.ndarray
    mask: np.ndarray
    regions: np.ndarray
    region_index: np.ndarray
    neurons_per_region: np.ndarray
    block_weights: np.ndarray
    connectome: Connectome
    settings: dict = field(default_factory=dict)

    @property
    def n_units(self) -> int:
        """Total number of neurons N."""
        return int(self.weights.shape[0])

    @property
    def n_connections(self) -> int:
        """Number of existing connections (non-zero mask entries)."""
        return int(np.count_nonzero(self.mask))

    @property
    def density(self) -> float:
        """Connections / (N * (N - 1))."""
        n = self.n_units
        return self.n_connections / (n * (n - 1)) if n > 1 else 0.0

    def region_slice(self, region) -> slice:
        """The neuron indices of a region (by name or number) as a slice."""
        i = self.connectome.index(region) if isinstance(region, str) else int(region)
        start = int(self.neurons_per_region[:i].sum())
        return slice(start, start + int(self.neurons_per_region[i]))

    def block(self, source, target) -> np.ndarray:
        """The weights from the neurons of region ``source`` to those of ``target``."""
        return self.weights[self.region_slice(source), self.region_slice(target)]

    def positions(self, centroids, jitter=None, seed=None) -> np.ndarray:
        """Neuron coordinates around region centroids (see :func:`sernn.connectomes.neuron_positions`)."""
        from sernn.connectomes.positions import neuron_positions

        return neuron_positions(self, centroids, jitter=jitter, seed=seed)

    def __repr__(self) -> str:
        return (f"ExpandedNetwork(n_units={self.n_units}, n_regions={len(self.neurons_per_region)}, "
                f"n_connections={self.n_connections}, mapping={self.settings.get('mapping')!r})")
