"""A Keras ``PyDataset`` over tasks with a finite set of distinct trials."""
from __future__ import annotations

import math

import keras
import numpy as np

__all__ = ["IndexedBatches"]


class IndexedBatches(keras.utils.PyDataset):
    """Batches assembled on demand from per-item inputs and targets.

    Parameters
    ----------
    indices : ndarray of shape (n_trials,), int
        Which item each trial is.
    inputs : ndarray of shape (n_items, ...)
    targets : ndarray of shape (n_items, ...)
    batch_size : int
    **kwargs : passed to :class:`keras.utils.PyDataset`.

    Examples
    --------
    Five trials drawn from three distinct items, in batches of two:

    >>> import numpy as np
    >>> item_inputs = np.arange(6, dtype=np.float32).reshape(3, 2)
    >>> item_targets = np.eye(3, dtype=np.float32)            # one-hot class of each item
    >>> batches = IndexedBatches([2, 0, 0, 1, 2], item_inputs, item_targets, batch_size=2)
    >>> len(batches)                                          # ceil(5 / 2)
    3
    >>> x, y = batches[0]                                     # trials 0 and 1: items 2 and 0
    >>> x.tolist(), y.argmax(axis=1).tolist()
    ([[4.0, 5.0], [0.0, 1.0]], [2, 0])
    >>> batches[2][0].shape                                   # the last batch holds the rest
    (1, 2)
    """

    def __init__(self, indices, inputs, targets, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.indices = np.asarray(indices)
        self.inputs = inputs
        self.targets = targets
        self.batch_size = int(batch_size)

    def __len__(self):
        return math.ceil(len(self.indices) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range [0, {len(self)})")
        chosen = self.indices[index * self.batch_size:(index + 1) * self.batch_size]
        return self.inputs[chosen], self.targets[chosen]
