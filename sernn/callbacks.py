"""Keras callbacks for recording what training does to the recurrent weights."""
from __future__ import annotations

import keras
import numpy as np

from sernn.atomic import atomic_save_npz

__all__ = ["WeightHistory", "recurrent_kernel", "recurrent_kernel_values"]


def recurrent_kernel(model, layer_name: str = "rnn"):
    """The recurrent-kernel variable of a recurrent layer (e.g. ``SimpleRNN``) of ``model``.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.callbacks import recurrent_kernel
    >>> from sernn.models import build_sernn
    >>> model = build_sernn(units=8, seed=0)
    >>> variable = recurrent_kernel(model)
    >>> variable.path, tuple(variable.shape)
    ('rnn/simple_rnn_cell/recurrent_kernel', (8, 8))
    >>> bool(np.array_equal(variable.numpy(), model.get_layer("rnn").get_weights()[1]))
    True
    """
    try:
        layer = model.get_layer(layer_name)
    except ValueError as exc:
        names = [layer.name for layer in model.layers]
        raise ValueError(f"model has no layer named {layer_name!r}; layers: {names}") from exc
    for variable in layer.weights:
        if variable.path.endswith("recurrent_kernel"):
            return variable
    raise ValueError(f"layer {layer_name!r} ({type(layer).__name__}) has no recurrent kernel")


def recurrent_kernel_values(model, layer_name: str = "rnn") -> np.ndarray:
    """The recurrent kernel of a layer as a dense (n, n) float32 array, for ``SimpleRNN``-like layers and
    :class:`sernn.layers.SparseMaskedRNN` (zeros off its mask).

    Examples
    --------
    A sparse masked network keeps weights only on its mask (here the diagonal
    and the first superdiagonal: 8 + 7 = 15 entries); the dense view has zeros
    everywhere else:

    >>> import numpy as np
    >>> from sernn.callbacks import recurrent_kernel_values
    >>> from sernn.constraints import MaskConstraint
    >>> from sernn.models import build_sernn
    >>> mask = np.eye(8, dtype=bool) | np.eye(8, k=1, dtype=bool)
    >>> model = build_sernn(units=8, seed=0, recurrent_constraint=MaskConstraint(mask),
    ...                     recurrent="sparse")
    >>> W = recurrent_kernel_values(model)
    >>> W.shape, W.dtype, int(np.count_nonzero(W)), bool(np.all(W[~mask] == 0))
    ((8, 8), dtype('float32'), 15, True)
    """
    try:
        layer = model.get_layer(layer_name)
    except ValueError:
        layer = None
    if layer is not None and hasattr(layer, "dense_recurrent_kernel"):
        return layer.dense_recurrent_kernel()
    return np.array(recurrent_kernel(model, layer_name).numpy(), dtype=np.float32)


class WeightHistory(keras.callbacks.Callback):
    """Record the recurrent kernel before training and after every epoch.

    Ten epochs give 11 snapshots (index 0: before training; index k: after epoch k),
    the form in which the seRNN paper (Achterberg et al., Nature Machine Intelligence
    2023) stored and analysed its networks.

    Parameters
    ----------
    layer_name : str, default="rnn"
        Name of the recurrent layer.
    path : str or path-like, optional
        If given, the history is saved there as ``.npz`` at the end of training.
    coordinates : array-like of shape (n, 3), optional
        Unit positions, saved alongside the weights (key ``coordinates``).
    every_epoch : bool, default=True
        If False, keep only the kernels before and after training (for long
        runs, where a snapshot per epoch would take too much memory).
    all_weights : bool, default=False
        Also keep every other weight of a model with layers "rnn" and "readout"
        (:data:`sernn.architecture.WEIGHTS`: input kernel, bias, readout kernel and bias),
        enough to rebuild the network at each snapshot.

    Attributes
    ----------
    snapshots : ndarray of shape (n_snapshots, n, n), float32
        After training; also available epoch by epoch as a list in ``kernels``.
    weight_snapshots : dict
        With ``all_weights``: name of :data:`~sernn.architecture.WEIGHTS` -> array
        ``(n_snapshots, ...)``.

    Saved ``.npz`` keys: ``recurrent_kernel`` (n_snapshots, n, n), ``epoch``
    (the number of epochs trained at each snapshot: 0, 1, 2, ...), if given,
    ``coordinates``, and with ``all_weights`` the other weights by name.

    Examples
    --------
    Two epochs on 32 random trials give 3 snapshots of the 8 x 8 kernel, saved
    to a file at the end of training:

    >>> import os
    >>> import tempfile
    >>> import numpy as np
    >>> from sernn.callbacks import WeightHistory
    >>> from sernn.models import build_sernn
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(32, 5, 8)).astype("float32")
    >>> y = np.eye(4, dtype="float32")[rng.integers(0, 4, size=32)]
    >>> model = build_sernn(units=8, seed=0)
    >>> initial = model.get_layer("rnn").get_weights()[1]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     history = WeightHistory(path=os.path.join(folder, "history.npz"))
    ...     _ = model.fit(x, y, epochs=2, batch_size=32, callbacks=[history], verbose=0)
    ...     with np.load(history.path) as saved:
    ...         print(sorted(saved.files), saved["recurrent_kernel"].shape, saved["epoch"].tolist())
    ['epoch', 'recurrent_kernel'] (3, 8, 8) [0, 1, 2]
    >>> history.snapshots.shape
    (3, 8, 8)
    >>> bool(np.array_equal(history.snapshots[0], initial))
    True
    >>> bool(np.array_equal(history.snapshots[-1], model.get_layer("rnn").get_weights()[1]))
    True
    """

    def __init__(self, layer_name: str = "rnn", path=None, coordinates=None, every_epoch=True, all_weights=False):
        super().__init__()
        self.all_weights = bool(all_weights)
        self.others = []
        self.layer_name = layer_name
        self.path = path
        self.coordinates = None if coordinates is None else np.asarray(coordinates, dtype=np.float64)
        self.every_epoch = bool(every_epoch)
        self.kernels = []
        self.epochs = []
        self._last_epoch = 0

    def _record(self, epoch):
        self.kernels.append(recurrent_kernel_values(self.model, self.layer_name))
        self.epochs.append(int(epoch))
        if self.all_weights:
            from sernn.architecture import Architecture

            self.others.append(Architecture.model_weights(self.model))

    def on_train_begin(self, logs=None):
        self.kernels, self.epochs, self.others, self._last_epoch = [], [], [], 0
        self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch + 1
        if self.every_epoch:
            self._record(epoch + 1)

    def on_train_end(self, logs=None):
        if not self.every_epoch and self._last_epoch > 0:
            self._record(self._last_epoch)
        if self.path is not None:
            self.save(self.path)

    @property
    def snapshots(self) -> np.ndarray:
        if not self.kernels:
            raise ValueError("WeightHistory holds no snapshots: the model has not been fitted with it")
        return np.stack(self.kernels)

    @property
    def weight_snapshots(self) -> dict:
        if not self.all_weights:
            raise ValueError("WeightHistory keeps only the recurrent kernel; make it with all_weights=True")
        snapshots = self.snapshots
        return {name: (snapshots if name == "recurrent_kernel" else np.stack([w[name] for w in self.others]))
                for name in self.others[0]}

    def save(self, path) -> None:
        """Write the history as ``.npz`` (atomically)."""
        arrays = {**(self.weight_snapshots if self.all_weights else {}),
                  "recurrent_kernel": self.snapshots, "epoch": np.array(self.epochs)}
        if self.coordinates is not None:
            arrays["coordinates"] = self.coordinates
        atomic_save_npz(path, **arrays)
