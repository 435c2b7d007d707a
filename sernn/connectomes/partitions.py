"""How the expansion spreads a block's weight over the block's connections.

``mapping="equal"`` gives each of the ``K`` connections ``M / K``;
``mapping="diverse"`` a random partition of ``M`` into ``K`` positive parts,
by ``partition``:

- ``"dirichlet"`` (default): normalised exponential draws, i.e. a flat
  Dirichlet (every part has the same distribution, mean ``M / K``);
- ``"stick"``: stick-breaking as in bio2art (:func:`stick_breaking`), the parts
  given to the block's connections in random order.

Each block sums to ``M``. See :mod:`sernn.connectomes.expansion` for the whole
algorithm.
"""
from __future__ import annotations

import numpy as np

__all__ = ["MAPPINGS", "PARTITIONS", "stick_breaking", "split_weight"]

#: Weight-mapping schemes of :func:`~sernn.connectomes.expansion.expand`.
MAPPINGS = ("diverse", "equal")
#: Random partitions of ``mapping="diverse"``.
PARTITIONS = ("dirichlet", "stick")


def stick_breaking(total: float, k: int, rng) -> np.ndarray:
    """``total`` broken into ``k`` positive parts: each uniform on what is left, the last the rest.

    Part ``i < k`` is ``U_i * R_i`` with ``U_i ~ Uniform(0, 1)`` and ``R_i`` what
    the parts before it left (``R_1 = total``); the last part is ``R_k``. Parts
    are floored at the smallest positive float (see
    :func:`~sernn.connectomes.expansion.expand`), in the order drawn.

    Examples
    --------
    >>> import numpy as np
    >>> parts = stick_breaking(1.0, 4, np.random.default_rng(0))
    >>> bool(np.isclose(parts.sum(), 1.0)) and bool((parts > 0).all())
    True
    >>> u = np.random.default_rng(0).random(3)     # the same uniform draws
    >>> bool(np.isclose(parts[0], u[0])), bool(np.isclose(parts[1], u[1] * (1 - u[0])))
    (True, True)
    """
    u = rng.random(k - 1)
    left = total * np.concatenate([[1.0], np.cumprod(1.0 - u)])  # R_1 .. R_k
    parts = np.append(u * left[:-1], left[-1])
    return np.maximum(parts, np.finfo(np.float64).tiny)


def split_weight(total: float, k: int, mapping: str, rng, partition: str = "dirichlet") -> np.ndarray:
    """Split ``total`` into ``k`` positive parts (equal or a random partition).

    Parameters
    ----------
    total : float
        The block's weight ``M``.
    k : int
        Number of parts (the block's connections).
    mapping : {"diverse", "equal"}
        Equal parts, or a random partition.
    rng : numpy.random.Generator
        Source of the random partition (unused with ``"equal"``).
    partition : {"dirichlet", "stick"}, default="dirichlet"
        The random partition of ``mapping="diverse"``.

    Returns
    -------
    ndarray of shape (k,), float64
        Positive parts that sum to ``total``.

    Examples
    --------
    >>> import numpy as np
    >>> split_weight(1.0, 4, "equal", None).tolist()
    [0.25, 0.25, 0.25, 0.25]
    >>> parts = split_weight(1.0, 4, "diverse", np.random.default_rng(0))
    >>> bool(np.isclose(parts.sum(), 1.0)), bool((parts > 0).all())
    (True, True)
    >>> stick = split_weight(1.0, 4, "diverse", np.random.default_rng(0), partition="stick")
    >>> bool(np.isclose(stick.sum(), 1.0))
    True
    """
    if mapping == "equal":
        return np.full(k, total / k)
    if partition == "stick":
        return rng.permutation(stick_breaking(total, k, rng))
    draws = rng.standard_exponential(k)
    draws = np.maximum(draws, np.finfo(np.float64).tiny)
    return total * draws / draws.sum()
