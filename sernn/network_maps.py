"""The update maps of sernn's recurrent units under a constant input, and their Jacobians (numpy, float64).

=============================  ===========================================================
Elman units (``SimpleRNN``,    ``F(h) = f(u K + b + h R)``, ``J[j, i] = f'(a_j) R[i, j]``
the sparse masked layer)       with ``a = u K + b + h R``
leaky units (``LeakyRNN``)     on the potential z: ``F(z) = (1 - alpha) z + alpha (u K + b +
                               f(z) R)``, ``J[j, i] = (1 - alpha) delta_ij + alpha f'(z_i)
                               R[i, j]`` (the rates are ``f(z)``)
=============================  ===========================================================

``h`` is a row vector (Keras's kernel layout); for ReLU units ``f'`` is 1 where ``a > 0`` and 0 elsewhere.
:func:`network_map` makes the map of one network or a stack of K from their weights, :func:`layer_map`
reads a Keras layer's. :mod:`sernn.fixed_points` searches these maps for their fixed points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sernn.validation import check_option, check_real, describe

__all__ = ["ACTIVATIONS", "NetworkMap", "network_map", "layer_map"]

#: The activations whose map and slope are offered.
ACTIVATIONS = ("relu", "tanh", "linear", "sigmoid")


@dataclass(frozen=True)
class NetworkMap:
    """The stacked weights of K networks and their update under a constant input (numpy, float64).

    Made by :func:`network_map`; ``step``, ``jacobians`` and ``drive`` are batched over the leading
    axis of K networks, ``member(k)`` is network k alone.
    """

    kernel: np.ndarray      # (K, d, n)
    recurrent: np.ndarray   # (K, n, n)
    bias: np.ndarray        # (K, n)
    activation: str
    alpha: float
    dt: float

    @property
    def size(self) -> int:
        return self.recurrent.shape[0]

    def drive(self, inputs) -> np.ndarray:
        """``u K + b`` per network, (K, n)."""
        return np.einsum("kd,kdn->kn", inputs, self.kernel) + self.bias

    def rates(self, h):
        return _activate(self.activation, h) if self.alpha != 1.0 else h

    def member(self, k: int) -> "NetworkMap":
        """Network k alone (a stack of one)."""
        return NetworkMap(self.kernel[k:k + 1], self.recurrent[k:k + 1], self.bias[k:k + 1], self.activation,
                          self.alpha, self.dt)

    def jacobians(self, h, drive):
        """``dF/dh`` at points ``h`` (K, m, n) -> (K, m, n, n), ``J[..., j, i] = dF_j / dh_i``."""
        transposed = np.swapaxes(self.recurrent, 1, 2)[:, None]  # (K, 1, n, n): [j, i] = R[i, j]
        if self.alpha == 1.0:
            pre = drive[:, None, :] + np.matmul(h, self.recurrent)
            return _slope(self.activation, pre)[..., :, None] * transposed
        slope = _slope(self.activation, h)  # (K, m, n): f'(z_i)
        n = h.shape[-1]
        return (1.0 - self.alpha) * np.eye(n) + self.alpha * transposed * slope[..., None, :]

    def step(self, h, drive):
        """``F(h)`` for points (K, m, n)."""
        if self.alpha == 1.0:
            return _activate(self.activation, drive[:, None, :] + np.matmul(h, self.recurrent))
        recurrent = np.matmul(_activate(self.activation, h), self.recurrent)
        return (1.0 - self.alpha) * h + self.alpha * (drive[:, None, :] + recurrent)


def _activate(name, x):
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "tanh":
        return np.tanh(x)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    return x


def _slope(name, x):
    if name == "relu":
        return (x > 0).astype(x.dtype)
    if name == "tanh":
        return 1.0 - np.tanh(x) ** 2
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-x))
        return s * (1.0 - s)
    return np.ones_like(x)


def network_map(weights: dict, *, activation="relu", alpha=1.0, dt=1.0):
    """The update map of one network or a stack of K (:data:`sernn.architecture.WEIGHTS` names).

    Returns an object with ``step(h, drive)``, ``jacobians(h, drive)`` and ``drive(inputs)``, all
    batched over a leading axis of K networks (float64). Refuses inconsistent shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.network_maps import network_map
    >>> m = network_map({"kernel": np.ones((1, 2)), "recurrent_kernel": np.eye(2) * 0.5, "bias": np.zeros(2)},
    ...                 activation="linear")
    >>> m.step(np.ones((1, 1, 2)), m.drive(np.ones((1, 1)))).tolist()    # 1 + 0.5 * 1
    [[[1.5, 1.5]]]
    """
    activation = check_option(activation, "activation", ACTIVATIONS)
    alpha = check_real(alpha, "alpha", low=0, high=1, inclusive="right")
    dt = check_real(dt, "dt", low=0, inclusive="neither")
    if not isinstance(weights, dict) or any(k not in weights for k in ("kernel", "recurrent_kernel", "bias")):
        raise ValueError(f"weights must be a dict with 'kernel', 'recurrent_kernel' and 'bias'; got {describe(weights)}")
    kernel, recurrent, bias = (np.asarray(weights[k], dtype=np.float64) for k in ("kernel", "recurrent_kernel", "bias"))
    if recurrent.ndim == 2:
        kernel, recurrent, bias = kernel[None], recurrent[None], bias[None]
    if (recurrent.ndim != 3 or recurrent.shape[1] != recurrent.shape[2] or kernel.ndim != 3
            or kernel.shape[::2] != recurrent.shape[:2] or bias.shape != recurrent.shape[:2]):
        raise ValueError(f"weights have inconsistent shapes: kernel {kernel.shape}, recurrent_kernel "
                         f"{recurrent.shape}, bias {bias.shape} (expected (d, n), (n, n), (n,), or each with a "
                         "leading axis of K networks)")
    return NetworkMap(kernel, recurrent, bias, activation, alpha, dt)


def layer_map(layer):
    """``(weights, activation, alpha, dt)`` of a Keras recurrent layer sernn can linearise: ``SimpleRNN``,
    :class:`sernn.layers.SparseMaskedRNN` or :class:`sernn.leaky.LeakyRNN` (any other is a ``TypeError``).

    Examples
    --------
    >>> import keras
    >>> from sernn.network_maps import layer_map
    >>> layer = keras.layers.SimpleRNN(3, activation="tanh")
    >>> _ = layer(keras.ops.zeros((1, 2, 4)))
    >>> weights, activation, alpha, dt = layer_map(layer)
    >>> weights["recurrent_kernel"].shape, activation, alpha, dt
    ((3, 3), 'tanh', 1.0, 1.0)
    """
    name = type(layer).__name__
    activation = getattr(getattr(layer, "activation", None), "__name__", None)
    if name not in ("SimpleRNN", "SparseMaskedRNN", "LeakyRNN"):
        raise TypeError(f"layer must be a SimpleRNN, SparseMaskedRNN or LeakyRNN (whose update sernn can "
                        f"linearise); got {name}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"the layer's activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    if name == "SparseMaskedRNN":
        kernel, recurrent, bias = layer.kernel.numpy(), layer.dense_recurrent_kernel(), layer.bias.numpy()
    else:
        values = [np.asarray(v) for v in layer.get_weights()]
        if len(values) != 3:
            raise ValueError(f"the layer must have a bias (use_bias=True) to be linearised; it has "
                             f"{len(values)} weights")
        kernel, recurrent, bias = values
    alpha = getattr(layer, "alpha", 1.0)
    dt = getattr(layer, "dt", 1.0) if name == "LeakyRNN" else 1.0
    return {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias}, activation, alpha, dt
