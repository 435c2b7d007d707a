"""Keras layers for large masked recurrent networks (TensorFlow backend).

:class:`SparseMaskedRNN` is an Elman layer like ``keras.layers.SimpleRNN``::

    h_t = activation(x_t K + b + h_{t-1} W),   W[i, j] = 0 wherever mask[i, j] = 0

whose recurrent kernel *exists only on the mask's entries*: it holds one
trainable value per allowed connection (``recurrent_values``, shape ``(nnz,)``)
and computes ``h W`` with sparse products (:class:`sernn.sparse_matmul.SparseOperator`),
so time and memory grow with the number of connections, not with n². It is the
same network as ``SimpleRNN`` with ``MaskConstraint(mask)`` (tested to float32
tolerance, outputs and gradients): the masked weights of the dense layer are 0
after every step, here they never exist.
"""
from __future__ import annotations

import keras
import numpy as np
import scipy.sparse as sparse

from sernn.arraycodec import decode_array, encode_array
from sernn.initializers.seeded import seeded_initializer
from sernn.masks import check_mask
from sernn.validation import check_seed

__all__ = ["SparseMaskedRNN", "mask_indices"]


def mask_indices(mask) -> tuple[np.ndarray, int]:
    """``(indices, n)``: the allowed connections of a square mask, row-major order, as an (nnz, 2) int64 array.

    ``mask`` is an (n, n) array-like of bool / 0-1 (checked by :func:`sernn.masks.check_mask`) or a
    ``scipy.sparse`` matrix.

    Examples
    --------
    >>> import numpy as np, scipy.sparse
    >>> from sernn.layers import mask_indices
    >>> mask = np.array([[0, 1, 1], [1, 0, 0], [0, 1, 0]])
    >>> indices, n = mask_indices(mask)
    >>> indices.tolist(), n
    ([[0, 1], [0, 2], [1, 0], [2, 1]], 3)

    A sparse matrix gives the same, in the same order:

    >>> bool(np.array_equal(mask_indices(scipy.sparse.csr_matrix(mask))[0], indices))
    True
    """
    if sparse.issparse(mask):
        coo = sparse.coo_matrix(mask)
        if coo.shape[0] != coo.shape[1]:
            raise ValueError(f"mask must be square (n, n); got shape {coo.shape}")
        keep = coo.data != 0
        pairs = np.stack([coo.row[keep], coo.col[keep]], axis=1).astype(np.int64)
        return np.unique(pairs, axis=0), int(coo.shape[0])  # unique rows: sorted row-major, no repeats
    array = check_mask(mask)
    if array.shape[0] != array.shape[1]:
        raise ValueError(f"mask must be square (n, n); got shape {array.shape}")
    return np.argwhere(array).astype(np.int64), int(array.shape[0])


class _OnSupport(keras.regularizers.Regularizer):
    """Applies a kernel regulariser to the sparse kernel built from the values (not serialised: the layer
    stores the inner regulariser)."""

    def __init__(self, regularizer, indices, n):
        self.regularizer = regularizer
        self.indices = indices
        self.n = n

    def __call__(self, values):
        import tensorflow as tf

        return self.regularizer(tf.SparseTensor(self.indices, values, (self.n, self.n)))


@keras.saving.register_keras_serializable(package="sernn")
class SparseMaskedRNN(keras.layers.Layer):
    """An Elman recurrent layer whose recurrent weights exist only where ``mask`` allows them.

    Parameters
    ----------
    mask : array-like of shape (n, n), bool or 0/1, or a ``scipy.sparse`` matrix
        ``mask[i, j]`` allows the connection from unit i to unit j (Keras layout).
        ``n`` is the number of units.
    activation : str, default="relu"
        Activation of the state.
    return_sequences : bool, default=False
        Return every step's state ``(batch, T, n)`` instead of the last ``(batch, n)``.
    kernel_initializer : str or Initializer, default="glorot_uniform"
        Of the input kernel ``(d, n)``.
    recurrent_initializer : str or Initializer, optional
        None: independent normal values on the mask's entries with standard
        deviation ``1 / sqrt(nnz / n)`` (spectral radius about 1 by the circular
        law), never drawing an (n, n) matrix. An initializer: it draws the dense
        ``(n, n)`` kernel and the mask's entries are kept, as
        ``SimpleRNN(recurrent_initializer=...)`` with
        :class:`sernn.initializers.MaskedInitializer` would (for sizes whose
        dense kernel fits in memory).
    recurrent_regularizer : Regularizer, optional
        Applied to the recurrent kernel as a ``tf.SparseTensor`` (the sernn
        regularisers with ``method="sparse"`` or ``"estimate"`` take it, e.g.
        :class:`sernn.regularizers.SpatialCommunicability`).
    nonneg : bool, default=False
        Keep the recurrent weights non-negative (``MaskConstraint(mask, nonneg=True)``).
    seed : int, optional
        Seed of the initializers given by name (``seed`` for the input kernel,
        ``seed + 1`` for the recurrent one; initializer objects are used as given,
        :func:`sernn.initializers.seeded.seeded_initializer`).

    Examples
    --------
    >>> import numpy as np, keras
    >>> from sernn.layers import SparseMaskedRNN
    >>> mask = np.random.default_rng(0).random((500, 500)) < 0.02
    >>> layer = SparseMaskedRNN(mask, seed=0)
    >>> layer(np.zeros((4, 10, 3), dtype="float32")).shape
    TensorShape([4, 500])
    >>> layer.recurrent_values.shape == (int(mask.sum()),)
    True

    It computes the same as ``keras.layers.SimpleRNN`` with the dense kernel
    (zeros off the mask):

    >>> small = np.array([[0, 1, 0], [1, 0, 1], [1, 0, 0]], dtype=bool)
    >>> sparse_rnn = SparseMaskedRNN(small, seed=0)
    >>> x = np.random.default_rng(1).normal(size=(2, 5, 4)).astype("float32")
    >>> y = keras.ops.convert_to_numpy(sparse_rnn(x))
    >>> dense_rnn = keras.layers.SimpleRNN(3, activation="relu")
    >>> _ = dense_rnn(x)
    >>> dense_rnn.set_weights([keras.ops.convert_to_numpy(sparse_rnn.kernel),
    ...                        sparse_rnn.dense_recurrent_kernel(),
    ...                        keras.ops.convert_to_numpy(sparse_rnn.bias)])
    >>> bool(np.allclose(y, keras.ops.convert_to_numpy(dense_rnn(x)), atol=1e-5))
    True
    """

    def __init__(self, mask, activation="relu", return_sequences=False, kernel_initializer="glorot_uniform",
                 recurrent_initializer=None, recurrent_regularizer=None, nonneg=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask, dict) and mask.get("__indices__"):
            self.indices, self.units = np.asarray(decode_array(mask["indices"]), np.int64), int(mask["units"])
        else:
            self.indices, self.units = mask_indices(mask)
        if len(self.indices) == 0:
            raise ValueError("mask allows no connection; a recurrent layer needs at least one")
        self.activation = keras.activations.get(activation)
        self.return_sequences = bool(return_sequences)
        self.seed = seed = check_seed(seed)
        self.kernel_initializer = seeded_initializer(kernel_initializer, seed)
        self.recurrent_initializer = None if recurrent_initializer is None \
            else seeded_initializer(recurrent_initializer, None if seed is None else seed + 1)
        self.recurrent_regularizer = recurrent_regularizer
        self.nonneg = bool(nonneg)

    @property
    def density(self) -> float:
        """Fraction of the n² possible connections that exist."""
        return len(self.indices) / self.units ** 2

    def build(self, input_shape):
        d = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(d, self.units), initializer=self.kernel_initializer)
        nnz = len(self.indices)
        if self.recurrent_initializer is None:
            initial = keras.initializers.RandomNormal(stddev=float(1.0 / np.sqrt(nnz / self.units)),
                                                      seed=None if self.seed is None else self.seed + 1)
        else:
            dense_init = self.recurrent_initializer
            rows, columns = self.indices[:, 0], self.indices[:, 1]

            def initial(shape, dtype=None):
                dense = np.asarray(keras.ops.convert_to_numpy(dense_init((self.units, self.units), dtype=dtype)))
                return dense[rows, columns]
        regularizer = None if self.recurrent_regularizer is None \
            else _OnSupport(self.recurrent_regularizer, self.indices, self.units)
        self.recurrent_values = self.add_weight(
            name="recurrent_values", shape=(nnz,), initializer=initial, regularizer=regularizer,
            constraint=keras.constraints.NonNeg() if self.nonneg else None)
        if self.nonneg:
            self.recurrent_values.assign(keras.ops.abs(self.recurrent_values))
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        import tensorflow as tf

        from sernn.sparse_matmul import SparseOperator

        recurrent = SparseOperator(self.indices, tf.convert_to_tensor(self.recurrent_values), self.units)
        # units-major layout (n, batch): h W is W^T h^T, one sparse product per step and no transposes
        drive = tf.einsum("btd,dn->tnb", inputs, self.kernel) + self.bias[:, None]
        h = tf.zeros((self.units, tf.shape(inputs)[0]), dtype=inputs.dtype)
        states = []
        for drive_t in tf.unstack(drive, axis=0):  # (a slice per step would back-propagate (T, n, B) zeros each)
            h = self.activation(drive_t + recurrent.matmul(h, transpose=True))
            states.append(h)
        if self.return_sequences:
            return tf.transpose(tf.stack(states, axis=0), (2, 0, 1))
        return tf.transpose(h)

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def dense_recurrent_kernel(self) -> np.ndarray:
        """The recurrent kernel as a dense (n, n) float32 array (zeros off the mask)."""
        dense = np.zeros((self.units, self.units), dtype=np.float32)
        dense[self.indices[:, 0], self.indices[:, 1]] = keras.ops.convert_to_numpy(self.recurrent_values)
        return dense

    def get_config(self):
        config = super().get_config()
        config.update(
            mask={"__indices__": True, "indices": encode_array(self.indices), "units": self.units},
            activation=keras.activations.serialize(self.activation), return_sequences=self.return_sequences,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            recurrent_initializer=None if self.recurrent_initializer is None
            else keras.initializers.serialize(self.recurrent_initializer),
            recurrent_regularizer=None if self.recurrent_regularizer is None
            else keras.saving.serialize_keras_object(self.recurrent_regularizer),
            nonneg=self.nonneg, seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("recurrent_regularizer") is not None:
            import sernn.regularizers  # noqa: F401  (registers the package's regularisers)

            config["recurrent_regularizer"] = keras.saving.deserialize_keras_object(config["recurrent_regularizer"])
        return cls(**config)
