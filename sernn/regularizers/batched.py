"""The penalties of many recurrent kernels at once, and the protocol that lets them share work.

A :class:`sernn.population.Population` adds the penalties of its K members'
recurrent kernels ``(K, n, n)`` in one compiled step (:class:`BatchedPenalties`).
A regulariser whose penalty is ``strength * cost(W)`` tells it so through the
*linear-penalty protocol* (:class:`LinearPenalty`):

``strength`` : float
    The factor of the penalty.
``unit_costs(kernels)`` : ``(K, n, n) -> (K,)``
    The cost of every kernel of a batch at strength 1, in one vectorised call.
``batch_key()`` : hashable
    Regularisers with equal keys have the same cost and differ at most in
    strength, so their members share one ``unit_costs`` call.

The wiring costs :class:`~sernn.regularizers.SpatialCommunicability`,
:class:`~sernn.regularizers.SpatialL1` and :class:`~sernn.regularizers.Communicability`
implement it (:mod:`sernn.regularizers.wiring`); Keras's own ``L1`` and ``L2``
are adapted by :func:`linear_penalty` (:class:`KerasNormPenalty`). Any other
regulariser (e.g. :class:`~sernn.regularizers.CommunicabilityMatching`, which is
not linear in one strength) is called as it is on each member's kernel, under
one ``tf.vectorized_map`` for the members whose regularisers have equal
configurations (Keras's definition of equal regularisers). To let members of a
new linear regulariser share one computation across strengths, give it a
``strength`` attribute and the two methods.
"""
from __future__ import annotations

import json
from functools import partial
from typing import Hashable, Protocol, runtime_checkable

import keras
import numpy as np
from keras import ops

from sernn.validation import describe

__all__ = ["LinearPenalty", "KerasNormPenalty", "linear_penalty", "BatchedPenalties"]


@runtime_checkable
class LinearPenalty(Protocol):
    """A regulariser whose penalty of a kernel ``W`` is ``strength * cost(W)``.

    Attributes
    ----------
    strength : float
        The factor of the penalty.

    Notes
    -----
    ``unit_costs(kernels)`` maps a batch of kernels ``(K, n, n)`` to their
    unit-strength costs ``(K,)``; ``batch_key()`` returns a hashable key, equal
    for regularisers of the same cost (any strength). ``isinstance(obj,
    LinearPenalty)`` checks that the three are there.

    Examples
    --------
    The package's wiring costs implement the protocol; Keras's L1 needs
    :func:`linear_penalty`, and a penalty that is not linear in one strength
    does not implement it:

    >>> import keras, numpy as np
    >>> from sernn.regularizers import CommunicabilityMatching, SpatialCommunicability
    >>> from sernn.regularizers.batched import LinearPenalty
    >>> isinstance(SpatialCommunicability(0.1), LinearPenalty)
    True
    >>> isinstance(keras.regularizers.L1(0.1), LinearPenalty)
    False
    >>> isinstance(CommunicabilityMatching(0.1, np.ones((3, 3)), coordinates=np.eye(3)), LinearPenalty)
    False
    """

    strength: float

    def unit_costs(self, kernels):
        """The unit-strength cost of every kernel: ``(K, n, n) -> (K,)``."""

    def batch_key(self) -> Hashable:
        """Equal for regularisers of the same cost (any strength)."""


def _l1_cost(kernel):
    return ops.sum(ops.absolute(kernel))


def _l2_cost(kernel):
    return ops.sum(ops.square(kernel))


class KerasNormPenalty:
    """Keras's ``L1`` or ``L2`` regulariser through the linear-penalty protocol.

    ``L1(l1)`` is ``l1 * sum(|W|)`` and ``L2(l2)`` is ``l2 * sum(W**2)``: the
    strength is ``l1`` (``l2``) and the unit cost the sum.

    Parameters
    ----------
    regularizer : keras.regularizers.L1 or keras.regularizers.L2
        The regulariser (or an instance of a subclass, taken to keep the formula).

    Attributes
    ----------
    norm : {"l1", "l2"}
        Which sum.
    strength : float
        ``regularizer.l1`` or ``regularizer.l2``.

    Examples
    --------
    >>> import keras, numpy as np, tensorflow as tf
    >>> from sernn.regularizers.batched import KerasNormPenalty
    >>> l2 = KerasNormPenalty(keras.regularizers.L2(0.5))
    >>> l2.norm, l2.strength
    ('l2', 0.5)
    >>> kernels = tf.constant([[[1.0, -2.0], [0.0, 3.0]], [[0.5, 0.0], [0.0, 0.0]]])
    >>> l2.unit_costs(kernels).numpy().tolist()
    [14.0, 0.25]
    >>> KerasNormPenalty(keras.regularizers.L1(0.1)).unit_costs(kernels).numpy().tolist()
    [6.0, 0.5]
    >>> l2.batch_key() == KerasNormPenalty(keras.regularizers.L2(3.0)).batch_key()
    True

    Any other regulariser is refused:

    >>> KerasNormPenalty(keras.regularizers.L1L2(0.1, 0.1))
    Traceback (most recent call last):
    ...
    TypeError: regularizer must be keras.regularizers.L1 or keras.regularizers.L2; got <...L1L2 object at ...> (L1L2)
    """

    def __init__(self, regularizer):
        if isinstance(regularizer, keras.regularizers.L1):
            self.norm, strength = "l1", regularizer.l1
        elif isinstance(regularizer, keras.regularizers.L2):
            self.norm, strength = "l2", regularizer.l2
        else:
            raise TypeError("regularizer must be keras.regularizers.L1 or keras.regularizers.L2; got "
                            f"{describe(regularizer)} ({type(regularizer).__name__})")
        self.strength = float(strength)

    def unit_costs(self, kernels):
        """``sum(|W|)`` (L1) or ``sum(W**2)`` (L2) of every kernel of a batch ``(K, n, n)``: ``(K,)``.

        Examples
        --------
        >>> import keras, tensorflow as tf
        >>> from sernn.regularizers.batched import KerasNormPenalty
        >>> kernels = tf.constant([[[1.0, -2.0], [0.0, 3.0]]])
        >>> KerasNormPenalty(keras.regularizers.L1(0.1)).unit_costs(kernels).numpy().tolist()
        [6.0]
        """
        import tensorflow as tf

        return tf.vectorized_map(_l1_cost if self.norm == "l1" else _l2_cost, kernels)

    def batch_key(self) -> tuple:
        """``(KerasNormPenalty, norm)``: every L1 shares one computation, every L2 another.

        Examples
        --------
        >>> import keras
        >>> from sernn.regularizers.batched import KerasNormPenalty
        >>> KerasNormPenalty(keras.regularizers.L1(0.1)).batch_key()[1]
        'l1'
        """
        return (KerasNormPenalty, self.norm)


def linear_penalty(regularizer):
    """The linear-penalty form of a regulariser, or None when its penalty is not ``strength * cost(W)``.

    Parameters
    ----------
    regularizer : keras Regularizer
        Any regulariser.

    Returns
    -------
    penalty : LinearPenalty or None
        The regulariser itself when it implements :class:`LinearPenalty`, a
        :class:`KerasNormPenalty` for Keras's ``L1`` and ``L2``, else None.

    Examples
    --------
    >>> import keras
    >>> from sernn.regularizers import SpatialL1
    >>> from sernn.regularizers.batched import linear_penalty
    >>> spatial = SpatialL1(0.2)
    >>> linear_penalty(spatial) is spatial
    True
    >>> linear_penalty(keras.regularizers.L1(0.5)).strength
    0.5
    >>> linear_penalty(keras.regularizers.L1L2(0.1, 0.1)) is None
    True
    """
    if isinstance(regularizer, (keras.regularizers.L1, keras.regularizers.L2)):
        return KerasNormPenalty(regularizer)
    if isinstance(regularizer, LinearPenalty):
        return regularizer
    return None


def _call_each(regularizer, kernels):
    """The regulariser called on every kernel of ``kernels`` (one vectorised map)."""
    import tensorflow as tf

    return tf.vectorized_map(regularizer, kernels)


class BatchedPenalties:
    """The penalties of K recurrent kernels, one regulariser (or None) each, in few vectorised calls.

    Members whose regularisers implement :class:`LinearPenalty` (directly or
    through :func:`linear_penalty`) with equal :meth:`~LinearPenalty.batch_key`
    form one group: one ``unit_costs`` call, times each member's strength. Any
    other regulariser is called on its members' kernels (strength 1), one group
    per configuration.

    Parameters
    ----------
    regularizers : sequence of keras Regularizer or None
        Member k's regulariser (None: no penalty).

    Attributes
    ----------
    size : int
        The number of members K.
    groups : list of (ndarray, ndarray, callable)
        Per group: its members (int), their strengths (float32) and the function
        from their kernels ``(m, n, n)`` to their unit-strength costs ``(m,)``.

    Examples
    --------
    Three networks: two with the same spatial penalty at two strengths (one
    group), one without a penalty:

    >>> import numpy as np, tensorflow as tf
    >>> from sernn.regularizers import SpatialL1
    >>> from sernn.regularizers.batched import BatchedPenalties
    >>> xyz = [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    >>> weak, strong = SpatialL1(0.1, coordinates=xyz), SpatialL1(0.3, coordinates=xyz)
    >>> penalties = BatchedPenalties([weak, None, strong])
    >>> [members.tolist() for members, _, _ in penalties.groups]
    [[0, 2]]
    >>> kernels = tf.constant(np.random.default_rng(0).normal(size=(3, 3, 3)), tf.float32)
    >>> values = penalties(kernels).numpy()
    >>> expected = [float(weak(kernels[0])), 0.0, float(strong(kernels[2]))]
    >>> bool(np.allclose(values, expected))
    True

    A member's regulariser must be a callable or None:

    >>> BatchedPenalties([0.1])
    Traceback (most recent call last):
    ...
    TypeError: regularizers[0] must be a Keras regularizer or None; got 0.1 (float)
    """

    def __init__(self, regularizers):
        regularizers = list(regularizers)
        self.size = len(regularizers)
        groups = {}
        for k, regularizer in enumerate(regularizers):
            if regularizer is None:
                continue
            if not callable(regularizer):
                raise TypeError(f"regularizers[{k}] must be a Keras regularizer or None; got "
                                f"{describe(regularizer)} ({type(regularizer).__name__})")
            linear = linear_penalty(regularizer)
            if linear is not None:
                key, strength, costs = ("linear", linear.batch_key()), linear.strength, linear.unit_costs
            else:  # called as it is; equal configurations share the call
                config = json.dumps(regularizer.get_config(), sort_keys=True, default=str) \
                    if hasattr(regularizer, "get_config") else id(regularizer)
                key, strength, costs = ("call", type(regularizer), config), 1.0, partial(_call_each, regularizer)
            group = groups.setdefault(key, (costs, [], []))
            group[1].append(k)
            group[2].append(strength)
        self.groups = [(np.array(members), np.array(strengths, dtype=np.float32), costs)
                       for costs, members, strengths in groups.values()]

    def __call__(self, kernels):
        """Every member's penalty ``(K,)`` of the kernels ``(K, n, n)`` (0 without a regulariser).

        Examples
        --------
        >>> import keras, tensorflow as tf
        >>> from sernn.regularizers.batched import BatchedPenalties
        >>> penalties = BatchedPenalties([keras.regularizers.L1(0.5), None])
        >>> penalties(tf.ones((2, 2, 2))).numpy().tolist()
        [2.0, 0.0]
        """
        import tensorflow as tf

        total = tf.zeros((self.size,), dtype=kernels.dtype)
        for members, strengths, costs in self.groups:
            selected = tf.gather(kernels, members)
            total = tf.tensor_scatter_nd_add(total, members[:, None], costs(selected) * strengths)
        return total
