"""Fitting a model while recording per-epoch losses and the recurrent-kernel history."""
from __future__ import annotations

import keras
import numpy as np

from sernn.callbacks import WeightHistory
from sernn.models import TASK_LOSS_METRIC

__all__ = ["fit_and_record"]


def fit_and_record(model, x, y=None, validation_data=None, epochs: int = 10, batch_size: int = 128,
                   sample_weight=None, layer_name: str = "rnn", every_epoch: bool = True, callbacks=(),
                   verbose=0, record: str = "recurrent"):
    """Fit ``model`` and return one record per epoch plus the weight history.

    Parameters
    ----------
    model : keras.Model
        A compiled model, e.g. from :func:`sernn.models.build_sernn` (which adds the
        ``task_loss`` metric used here).
    x, y, validation_data, epochs, batch_size, sample_weight, callbacks, verbose :
        As for :meth:`keras.Model.fit` (``y`` and ``batch_size`` are ignored for
        dataset inputs). Shuffling follows Keras's seeded global state
        (:func:`keras.utils.set_random_seed`, which ``build_sernn(seed=...)`` calls).
    layer_name : str, default="rnn"
        The recurrent layer whose kernel is recorded.
    every_epoch : bool, default=True
        Keep the kernel after every epoch; if False only before and after training.
    record : {"recurrent", "all"}, default="recurrent"
        Keep the recurrent kernel, or every weight of a model with layers "rnn" and
        "readout" (:data:`sernn.architecture.WEIGHTS`), enough to rebuild it at each snapshot.

    Returns
    -------
    rows : list of dict
        One per epoch, ``epoch`` counted from 1, with ``loss`` (Keras's training
        loss: task loss + regularisation, averaged over the epoch), ``task_loss``
        (the task loss alone, averaged over the epoch), ``reg_loss`` (the
        regularisation loss at the end of the epoch, on the weights that are
        recorded), and every other value Keras logs (``accuracy``, ``val_loss``,
        ``val_accuracy``, ``val_task_loss``...).
    snapshots : ndarray of shape (epochs + 1, n, n) (or (2, n, n)), float32
        The recurrent kernel before training and after each epoch (or after the last).
        With ``record="all"``: a dict, name of :data:`~sernn.architecture.WEIGHTS` -> array
        ``(epochs + 1, ...)``.

    Examples
    --------
    One epoch of an 8-unit seRNN with a spatial communicability penalty on 32
    random trials (units on a 2 x 2 x 2 grid):

    >>> import numpy as np
    >>> from sernn.models import build_sernn
    >>> from sernn.regularizers import SpatialCommunicability
    >>> from sernn.spatial import grid_coordinates
    >>> from sernn.training import fit_and_record
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(32, 5, 8)).astype("float32")
    >>> y = np.eye(4, dtype="float32")[rng.integers(0, 4, size=32)]
    >>> penalty = SpatialCommunicability(0.01, coordinates=grid_coordinates((2, 2, 2)))
    >>> model = build_sernn(units=8, seed=0, recurrent_regularizer=penalty)
    >>> rows, snapshots = fit_and_record(model, x, y, epochs=1, batch_size=16)
    >>> len(rows), sorted(rows[0])
    (1, ['accuracy', 'epoch', 'loss', 'reg_loss', 'task_loss'])
    >>> snapshots.shape  # before training and after epoch 1
    (2, 8, 8)

    ``reg_loss`` is the penalty of the recorded kernel after the epoch:

    >>> bool(np.isclose(rows[0]["reg_loss"], float(penalty(snapshots[-1]))))
    True
    """
    from sernn.validation import check_option

    record = check_option(record, "record", ("recurrent", "all"))
    history = WeightHistory(layer_name=layer_name, every_epoch=every_epoch, all_weights=record == "all")
    reg_losses = []

    class _RegLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            losses = self.model.losses
            reg_losses.append(float(sum(float(keras.ops.convert_to_numpy(v)) for v in losses))
                              if losses else 0.0)

    fit_kwargs = dict(epochs=epochs, validation_data=validation_data, sample_weight=sample_weight,
                      callbacks=[history, _RegLoss(), *callbacks], verbose=verbose)
    if y is not None:
        fit_kwargs.update(y=y, batch_size=batch_size)
    result = model.fit(x, **fit_kwargs)
    rows = []
    for epoch in range(len(reg_losses)):
        row = {"epoch": epoch + 1}
        for key, values in result.history.items():
            row[key] = float(values[epoch])
        row["reg_loss"] = reg_losses[epoch]
        if TASK_LOSS_METRIC not in row:
            row[TASK_LOSS_METRIC] = row.get("loss", np.nan) - reg_losses[epoch]
        rows.append(row)
    return rows, (history.weight_snapshots if record == "all" else history.snapshots)
