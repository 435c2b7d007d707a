import keras
import numpy as np
import pytest

from sernn import models, regularizers, tasks
from sernn.callbacks import WeightHistory
from sernn.training import fit_and_record


def test_defaults_are_the_published_model():
    model = models.build_sernn()
    noise, rnn, readout = (model.get_layer(n) for n in ("noise", "rnn", "readout"))
    assert isinstance(noise, keras.layers.GaussianNoise) and noise.stddev == pytest.approx(0.05)
    assert isinstance(rnn, keras.layers.SimpleRNN) and rnn.units == 100
    assert rnn.activation.__name__ == "relu"
    assert isinstance(rnn.cell.recurrent_initializer, keras.initializers.Orthogonal)
    assert isinstance(readout, keras.layers.Dense) and readout.units == 4
    assert readout.activation.__name__ == "softmax"
    assert model.input_shape == (None, None, 8) and model.output_shape == (None, 4)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    assert model.loss == "categorical_crossentropy"
    W = rnn.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(W.T @ W, np.eye(100), atol=1e-5)  # orthogonal


def test_arguments_are_honoured():
    reg = regularizers.SpatialL1(0.01, np.random.default_rng(0).uniform(size=(12, 3)))
    model = models.build_sernn(units=12, input_size=2, output_size=1, activation="tanh", noise=0,
                               recurrent_regularizer=reg, output_activation="linear",
                               return_sequences=True, loss="mse", metrics=())
    assert "noise" not in [layer.name for layer in model.layers]
    assert model.get_layer("rnn").activation.__name__ == "tanh"
    assert model.get_layer("rnn").recurrent_regularizer is reg
    assert model.output_shape == (None, None, 1)


def test_same_seed_same_network_and_training():
    x, y = tasks.maze(64, seed=0)
    weights = []
    for _ in range(2):
        model = models.build_sernn(units=16, seed=11)
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
        weights.append(model.get_layer("rnn").cell.recurrent_kernel.numpy())
    np.testing.assert_array_equal(weights[0], weights[1])
    other = models.build_sernn(units=16, seed=12).get_layer("rnn").cell.recurrent_kernel.numpy()
    assert not np.allclose(other, weights[0])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"units": 0}, ValueError, "units must be an integer >= 1; got 0"),
    ({"noise": -0.1}, ValueError, "noise must be a finite real number >= 0; got -0.1"),
    ({"seed": -3}, ValueError, "seed must be an integer >= 0 or None; got -3"),
    ({"seed": "3"}, TypeError, "seed must be an integer >= 0 or None; got '3'"),
    ({"input_size": 1.5}, TypeError, "input_size must be an integer >= 1; got 1.5"),
    ({"recurrent": "csr"}, ValueError, "recurrent must be one of 'dense', 'sparse'; got 'csr'"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        models.build_sernn(**kwargs)


@pytest.mark.slow
def test_weight_history_eleven_snapshots_for_ten_epochs(tmp_path):
    coords = np.random.default_rng(1).uniform(size=(10, 3))
    model = models.build_sernn(units=10, seed=0)
    x, y = tasks.maze(32, seed=0)
    path = tmp_path / "history.npz"
    history = WeightHistory(path=path, coordinates=coords)
    model.fit(x, y, epochs=10, batch_size=32, verbose=0, callbacks=[history])
    snaps = history.snapshots
    assert snaps.shape == (11, 10, 10)
    with np.load(path) as saved:
        np.testing.assert_array_equal(saved["recurrent_kernel"], snaps)
        np.testing.assert_array_equal(saved["epoch"], np.arange(11))
        np.testing.assert_array_equal(saved["coordinates"], coords)
    np.testing.assert_array_equal(snaps[-1], model.get_layer("rnn").cell.recurrent_kernel.numpy())
    assert not np.array_equal(snaps[0], snaps[1])


@pytest.mark.slow
def test_fit_and_record_splits_task_and_penalty():
    coords = np.random.default_rng(2).uniform(size=(16, 3))
    reg = regularizers.SpatialCommunicability(0.2, coords)
    model = models.build_sernn(units=16, recurrent_regularizer=reg, seed=0)
    x, y = tasks.maze(128, seed=0)
    rows, snaps = fit_and_record(model, x, y, validation_data=tasks.maze(64, seed=1), epochs=2,
                                 batch_size=64)
    assert [r["epoch"] for r in rows] == [1, 2] and snaps.shape == (3, 16, 16)
    # reg_loss is the penalty of the recorded end-of-epoch weights, recomputed independently
    for row, kernel in zip(rows, snaps[1:]):
        assert row["reg_loss"] == pytest.approx(float(reg(keras.ops.convert_to_tensor(kernel))), rel=1e-5)
        assert {"loss", "task_loss", "accuracy", "val_loss", "val_accuracy"} <= set(row)
    # the evaluation loss is task loss + penalty on the final weights
    last = rows[-1]
    assert last["val_loss"] == pytest.approx(last["val_task_loss"] + last["reg_loss"], rel=1e-4)


def test_weight_history_first_and_last_only(tmp_path):
    model = models.build_sernn(units=6, seed=0)
    x, y = tasks.maze(32, seed=0)
    history = WeightHistory(every_epoch=False, path=tmp_path / "h.npz")
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[history])
    assert history.snapshots.shape == (2, 6, 6)
    with np.load(tmp_path / "h.npz") as saved:
        np.testing.assert_array_equal(saved["epoch"], [0, 3])
    np.testing.assert_array_equal(history.snapshots[1], model.get_layer("rnn").cell.recurrent_kernel.numpy())
