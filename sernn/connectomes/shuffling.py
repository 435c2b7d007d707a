"""The randomised control of an expanded network: its weights shuffled over all off-diagonal positions.

The control keeps the number of connections (density) and the multiset of
weights of the network but destroys its topology (the ``r_`` strategies of
:mod:`sernn.connectomes.strategies`).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from sernn.connectomes.network import ExpandedNetwork
from sernn.validation import check_seed, check_square

__all__ = ["shuffle"]


def shuffle(network, seed=None):
    """The randomised control: weights shuffled over all off-diagonal positions.

    Every off-diagonal entry of the weight matrix (connections and absent
    connections alike) is moved to a random off-diagonal position, which keeps
    the number of connections (density) and the multiset of weights but
    destroys the topology. The diagonal (self-connections, if any) stays.

    Parameters
    ----------
    network : ExpandedNetwork or ndarray of shape (N, N)
    seed : int, sequence of int or None
        Seed of the permutation (a sequence is numpy's entropy form); same seed, same control.

    Returns
    -------
    ExpandedNetwork or ndarray
        Matching the input: the network with the new ``weights`` and ``mask``
        (``regions`` are the same labels), or the shuffled matrix.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[9.0, 1, 2], [0, 0, 3], [0, 0, 0]])
    >>> s = shuffle(w, seed=0)
    >>> np.diag(s).tolist()                   # the diagonal stays
    [9.0, 0.0, 0.0]
    >>> off = ~np.eye(3, dtype=bool)
    >>> sorted(s[off].tolist()) == sorted(w[off].tolist())   # the same off-diagonal weights
    True
    >>> bool(np.array_equal(shuffle(w, seed=0), s))
    True

    On an expanded network the number of connections is kept:

    >>> from sernn.connectomes import expand, from_array
    >>> net = expand(from_array([[0, 1.0], [0.5, 0]], ["A", "B"]), 3, seed=0)
    >>> control = shuffle(net, seed=1)
    >>> control.n_connections == net.n_connections, control.settings["shuffled"]
    (True, 1)
    """
    matrix = network.weights if isinstance(network, ExpandedNetwork) else check_square(network, "network")
    if isinstance(seed, (list, tuple)):  # numpy's entropy form: a sequence of integers
        rng = np.random.default_rng([check_seed(part, f"seed[{i}]", allow_none=False) for i, part in enumerate(seed)])
    else:
        rng = np.random.default_rng(check_seed(seed))
    off = ~np.eye(matrix.shape[0], dtype=bool)
    shuffled = np.array(matrix, copy=True)
    shuffled[off] = rng.permutation(matrix[off])
    if not isinstance(network, ExpandedNetwork):
        return shuffled
    shuffled.setflags(write=False)
    mask = (shuffled != 0).astype(np.uint8)
    mask.setflags(write=False)
    return replace(network, weights=shuffled, mask=mask,
                   settings={**network.settings, "shuffled": seed})
