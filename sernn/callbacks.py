"""Keras callbacks for recording what training does to the recurrent weights."""
from __future__ import annotations

import keras
import numpy as np

from sernn.atomic import atomic_save_npz

__all__ = ["WeightHistory", "recurrent_kernel"]


def recurrent_kernel(model, layer_name: str = "rnn"):
    """The recurrent-kernel variable of a recurrent layer (e.g. ``SimpleRNN``) of ``model``."""
    try:
        layer = model.get_layer(layer_name)
    except ValueError as exc:
        names = [layer.name for layer in model.layers]
        raise ValueError(f"model has no layer named {layer_name!r}; layers: {names}") from exc
    for variable in layer.weights:
        if variable.path.endswith("recurrent_kernel"):
            return variable
    raise ValueError(f"layer {layer_name!r} ({type(layer).__name__}) has no recurrent kernel")


class WeightHistory(keras.callbacks.Callback):
    """Record the recurrent kernel before training and after every epoch.

    Ten epochs give 11 snapshots (index 0: before training; index k: after epoch k),
    the form in which the seRNN paper stored and analysed its networks.

    Parameters
    ----------
    layer_name : str, default "rnn"
        Name of the recurrent layer.
    path : str or path-like, optional
        If given, the history is saved there as ``.npz`` at the end of training.
    coordinates : array-like of shape (n, 3), optional
        Unit positions, saved alongside the weights (key ``coordinates``).

    Attributes
    ----------
    snapshots : ndarray of shape (n_snapshots, n, n), float32
        After training; also available epoch by epoch as a list in ``kernels``.

    Saved ``.npz`` keys: ``recurrent_kernel`` (n_snapshots, n, n), ``epoch``
    (0 .. n_snapshots-1) and, if given, ``coordinates``.
    """

    def __init__(self, layer_name: str = "rnn", path=None, coordinates=None):
        super().__init__()
        self.layer_name = layer_name
        self.path = path
        self.coordinates = None if coordinates is None else np.asarray(coordinates, dtype=np.float64)
        self.kernels = []

    def _record(self):
        self.kernels.append(np.array(recurrent_kernel(self.model, self.layer_name).numpy(),
                                     dtype=np.float32))

    def on_train_begin(self, logs=None):
        self.kernels = []
        self._record()

    def on_epoch_end(self, epoch, logs=None):
        self._record()

    def on_train_end(self, logs=None):
        if self.path is not None:
            self.save(self.path)

    @property
    def snapshots(self) -> np.ndarray:
        if not self.kernels:
            raise ValueError("WeightHistory holds no snapshots: the model has not been fitted with it")
        return np.stack(self.kernels)

    def save(self, path) -> None:
        """Write the history as ``.npz`` (atomically)."""
        arrays = {"recurrent_kernel": self.snapshots, "epoch": np.arange(len(self.kernels))}
        if self.coordinates is not None:
            arrays["coordinates"] = self.coordinates
        atomic_save_npz(path, **arrays)
