"""Leaky continuous-time units (sernn.leaky): SimpleRNN at alpha = 1, a trajectory by hand, the noise's
statistics, serialisation, argument checks, training, and build_sernn(cell="leaky")."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from sernn import models, tasks
from sernn.architecture import Architecture
from sernn.constraints import MaskConstraint
from sernn.initializers import MaskedInitializer
from sernn.leaky import LeakyRNN, LeakyRNNCell
from sernn.regularizers import SpatialL1


def _numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def _built(layer, input_size):
    layer(np.zeros((1, 1, input_size), dtype="float32"))
    return layer


# -- (a) alpha = 1, no noise: keras.layers.SimpleRNN --------------------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_alpha_one_without_noise_is_simple_rnn(activation, return_sequences):
    rng = np.random.default_rng(0)
    u = rng.normal(size=(5, 12, 3)).astype("float32")
    simple = _built(keras.layers.SimpleRNN(7, activation=activation, return_sequences=return_sequences), 3)
    weights = [rng.normal(0, 0.5, (3, 7)), rng.normal(0, 0.4, (7, 7)), rng.normal(0, 0.3, (7,))]
    simple.set_weights([w.astype("float32") for w in weights])
    leaky = _built(LeakyRNN(7, activation=activation, tau=30, dt=30, return_sequences=return_sequences), 3)
    leaky.set_weights(simple.get_weights())
    expected = _numpy(simple(u))
    assert expected.shape == ((5, 12, 7) if return_sequences else (5, 7))
    np.testing.assert_allclose(_numpy(leaky(u)), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(_numpy(leaky(u, training=True)), expected, rtol=0, atol=1e-6)  # no noise to add


def test_alpha_one_with_noise_is_simple_rnn_outside_training():
    rng = np.random.default_rng(1)
    u = rng.normal(size=(3, 9, 2)).astype("float32")
    simple = _built(keras.layers.SimpleRNN(4, activation="relu", return_sequences=True), 2)
    leaky = _built(LeakyRNN(4, tau=10, dt=10, recurrent_noise=0.3, return_sequences=True, seed=0), 2)
    leaky.set_weights(simple.get_weights())
    np.testing.assert_allclose(_numpy(leaky(u)), _numpy(simple(u)), rtol=0, atol=1e-6)
    assert np.abs(_numpy(leaky(u, training=True)) - _numpy(simple(u))).max() > 1e-3


def test_weights_are_those_of_simple_rnn():
    leaky = _built(LeakyRNN(6), 4)
    assert [tuple(w.shape) for w in leaky.get_weights()] == [(4, 6), (6, 6), (6,)]
    assert [w.name for w in leaky.weights] == ["kernel", "recurrent_kernel", "bias"]
    no_bias = _built(LeakyRNN(6, use_bias=False), 4)
    assert [tuple(w.shape) for w in no_bias.get_weights()] == [(4, 6), (6, 6)]


# -- (b) a trajectory by hand ---------------------------------------------------------------------------------
W_IN = np.array([[1.0, -0.5]], dtype="float32")              # (1 input, 2 units)
W_REC = np.array([[0.5, -1.0], [2.0, 0.0]], dtype="float32")  # W_REC[i, j]: from unit i to unit j
BIAS = np.array([0.1, 0.2], dtype="float32")
U = np.array([[[1.0], [0.0], [2.0]]], dtype="float32")       # (batch 1, 3 steps, 1 input)


def _by_hand(alpha):
    x, r = np.zeros(2), np.zeros(2)
    xs, rates = [], []
    for t in range(3):
        x = (1 - alpha) * x + alpha * (r @ W_REC + U[0, t] @ W_IN + BIAS)
        r = np.maximum(x, 0.0)
        xs.append(x)
        rates.append(r)
    return np.array(xs), np.array(rates)


def test_trajectory_by_hand():
    layer = _built(LeakyRNN(2, activation="relu", tau=100, dt=20, return_sequences=True, return_state=True), 1)
    layer.set_weights([W_IN, W_REC, BIAS])
    rates, x_last, r_last = (_numpy(v) for v in layer(U))
    xs, expected = _by_hand(alpha=0.2)
    # step 1 written out: x_1 = 0.2 * (1 * [1, -0.5] + [0.1, 0.2]) = [0.22, -0.06], r_1 = [0.22, 0]
    np.testing.assert_allclose(xs[0], [0.22, -0.06], atol=1e-12)
    np.testing.assert_allclose(rates[0, 0], [0.22, 0.0], rtol=1e-6)
    np.testing.assert_allclose(rates[0], expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(x_last[0], xs[-1], rtol=1e-6, atol=1e-7)  # the state x, negative parts kept
    np.testing.assert_allclose(r_last[0], expected[-1], rtol=1e-6, atol=1e-7)
    assert xs[-1].min() < 0  # (so that x and r differ in this example)


def test_cell_in_keras_rnn_is_the_layer():
    layer = keras.layers.RNN(LeakyRNNCell(2, tau=100, dt=20), return_sequences=True)
    _built(layer, 1).set_weights([W_IN, W_REC, BIAS])
    np.testing.assert_allclose(_numpy(layer(U))[0], _by_hand(alpha=0.2)[1], rtol=1e-6, atol=1e-7)


# -- (c) the noise ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("graph", [False, True], ids=["eager", "tf.function"])
def test_noise_makes_an_ar1_process_of_the_stationary_variance(graph):
    alpha, sigma = 0.2, 0.5
    layer = LeakyRNN(256, activation="linear", kernel_initializer="zeros", recurrent_initializer="zeros",
                     tau=100, dt=20, recurrent_noise=sigma, return_sequences=True, seed=0)
    u = np.zeros((64, 160, 1), dtype="float32")
    run = tf.function(lambda v: layer(v, training=True)) if graph else (lambda v: layer(v, training=True))
    x = _numpy(run(u))[:, 60:, :]  # linear units: the rate is the state; 60 steps for 0.8**120 ~ 2e-12 of x_0
    stationary = 2 * alpha * sigma ** 2 / (1 - (1 - alpha) ** 2)
    assert stationary == pytest.approx(2 * sigma ** 2 / (2 - alpha))  # = 0.2778
    assert np.var(x) == pytest.approx(stationary, rel=0.03)
    assert abs(np.mean(x)) < 0.01
    lag1 = np.mean(x[:, 1:] * x[:, :-1]) / np.mean(x * x)
    assert lag1 == pytest.approx(1 - alpha, abs=0.01)
    # the first step: x_1 = sqrt(2 alpha) sigma xi
    first = _numpy(run(u[:, :1]))
    assert np.std(first) == pytest.approx(np.sqrt(2 * alpha) * sigma, rel=0.03)


def test_no_noise_outside_training():
    layer = LeakyRNN(32, activation="linear", kernel_initializer="zeros", recurrent_initializer="zeros",
                     tau=100, dt=20, recurrent_noise=1.0, return_sequences=True, seed=0)
    u = np.zeros((4, 20, 2), dtype="float32")
    assert np.count_nonzero(_numpy(layer(u))) == 0
    assert np.count_nonzero(_numpy(layer(u, training=False))) == 0
    assert np.count_nonzero(_numpy(layer(u, training=True))) == 4 * 20 * 32


def test_the_seed_sets_the_noise():
    def draw(seed):
        layer = LeakyRNN(8, activation="linear", tau=10, dt=5, recurrent_noise=1.0, return_sequences=True,
                         kernel_initializer="zeros", recurrent_initializer="zeros", seed=seed)
        return _numpy(layer(np.zeros((2, 5, 1), dtype="float32"), training=True))

    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.allclose(draw(3), draw(4))


# -- (d) serialisation -------------------------------------------------------------------------------------------
def _constrained_layer():
    rng = np.random.default_rng(0)
    mask = rng.random((6, 6)) < 0.5
    return LeakyRNN(6, activation="tanh", tau=50, dt=5, recurrent_noise=0.1, seed=3, return_sequences=True,
                    recurrent_regularizer=SpatialL1(0.01, coordinates=rng.random((6, 3))),
                    recurrent_constraint=MaskConstraint(mask), recurrent_initializer=MaskedInitializer("orthogonal", mask),
                    bias_initializer="ones", name="leaky"), mask


def test_config_round_trip():
    layer, mask = _constrained_layer()
    config = layer.get_config()
    assert (config["units"], config["tau"], config["dt"], config["recurrent_noise"], config["seed"]) == (6, 50.0, 5.0, 0.1, 3)
    again = LeakyRNN.from_config(config)
    assert (again.units, again.tau, again.dt, again.alpha, again.recurrent_noise, again.seed) == (6, 50.0, 5.0, 0.1, 0.1, 3)
    assert again.activation.__name__ == "tanh" and again.return_sequences
    assert isinstance(again.recurrent_regularizer, SpatialL1)
    assert isinstance(again.recurrent_constraint, MaskConstraint)
    np.testing.assert_array_equal(again.recurrent_constraint.mask, mask)
    assert again.get_config() == config
    generic = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(generic) is LeakyRNN and generic.get_config() == config
    cell = LeakyRNNCell.from_config(layer.cell.get_config())
    assert (cell.units, cell.tau, cell.dt) == (6, 50.0, 5.0)


def test_saved_model_gives_the_same_outputs(tmp_path):
    layer, mask = _constrained_layer()
    inputs = keras.Input((None, 3))
    model = keras.Model(inputs, keras.layers.Dense(2)(layer(inputs)))
    u = np.random.default_rng(1).normal(size=(4, 8, 3)).astype("float32")
    expected = _numpy(model(u))
    path = tmp_path / "leaky.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    rnn = loaded.get_layer("leaky")
    assert type(rnn) is LeakyRNN and (rnn.tau, rnn.dt, rnn.recurrent_noise) == (50.0, 5.0, 0.1)
    np.testing.assert_array_equal(rnn.recurrent_constraint.mask, mask)
    for saved, original in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(saved, original)
    np.testing.assert_allclose(_numpy(loaded(u)), expected, rtol=0, atol=1e-6)


# -- (e) bad arguments -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, message", [
    ({"tau": 10, "dt": 20}, ValueError,
     r"^dt must be <= tau \(alpha = dt / tau must be in \(0, 1\]\); got dt=20.0, tau=10.0$"),
    ({"tau": 0}, ValueError, r"^tau must be a finite real number > 0; got 0$"),
    ({"tau": -5}, ValueError, r"^tau must be a finite real number > 0; got -5$"),
    ({"dt": 0}, ValueError, r"^dt must be a finite real number > 0; got 0$"),
    ({"tau": "10"}, TypeError, r"^tau must be a finite real number > 0; got '10' \(str\)$"),
    ({"recurrent_noise": -0.1}, ValueError, r"^recurrent_noise must be a finite real number >= 0; got -0.1$"),
    ({"recurrent_noise": float("nan")}, ValueError, r"^recurrent_noise must be a finite real number >= 0; got nan$"),
    ({"units": 0}, ValueError, r"^units must be an integer >= 1; got 0$"),
    ({"seed": -1}, ValueError, r"^seed must be an integer >= 0 or None; got -1$"),
])
def test_bad_arguments(kwargs, error, message):
    arguments = {"units": 4, **kwargs}
    for make in (LeakyRNN, LeakyRNNCell):
        with pytest.raises(error, match=message) as raised:
            make(**arguments)
        assert "\n" not in str(raised.value)


# -- (f) training with a spatial regulariser and a mask ------------------------------------------------------
@pytest.mark.slow
def test_trains_on_go_nogo_with_spatial_regulariser_and_mask():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    coordinates = rng.random((20, 3))
    mask = rng.random((20, 20)) < 0.3
    x, y = tasks.go_nogo(256, seed=0)
    assert x.shape == (256, 40, 3) and y.shape == (256, 2)
    regularizer = SpatialL1(0.01, coordinates=coordinates)
    inputs = keras.Input((40, 3))
    rnn = LeakyRNN(20, tau=100, dt=20, recurrent_noise=0.05, seed=0, recurrent_regularizer=regularizer,
                   recurrent_constraint=MaskConstraint(mask), recurrent_initializer=MaskedInitializer("orthogonal", mask),
                   name="rnn")
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(rnn(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="categorical_crossentropy")
    before = rnn.cell.recurrent_kernel.numpy().copy()
    loss_before = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    after = rnn.cell.recurrent_kernel.numpy()
    assert np.all(after[~mask] == 0.0)
    assert np.abs(after[mask] - before[mask]).max() > 1e-3
    assert np.all(np.isfinite(history.history["loss"]))
    assert model.evaluate(x, y, verbose=0) < loss_before
    accuracy = np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == np.argmax(y, axis=1))
    assert accuracy > 0.75  # chance: 0.5 (half the trials are Go)
    # the penalty in the model's losses is 0.01 * sum(|W| * D), computed here with numpy
    distances = np.linalg.norm(coordinates[:, None, :] - coordinates[None, :, :], axis=-1)
    assert float(sum(model.losses)) == pytest.approx(0.01 * np.sum(np.abs(after) * distances), rel=1e-4)


# -- build_sernn(cell="leaky") -----------------------------------------------------------------------------------
def test_build_sernn_leaky_with_dt_equal_tau_predicts_as_simple():
    simple = models.build_sernn(units=16, seed=0)
    leaky = models.build_sernn(units=16, seed=7, cell="leaky", tau=10, dt=10)
    assert type(leaky.get_layer("rnn")) is LeakyRNN and leaky.get_layer("rnn").alpha == 1.0
    Architecture.set_model_weights(leaky, Architecture.model_weights(simple))
    x, _ = tasks.maze(32, seed=0)
    np.testing.assert_allclose(leaky.predict(x, verbose=0), simple.predict(x, verbose=0), rtol=0, atol=1e-6)
    slower = models.build_sernn(units=16, seed=7, cell="leaky", tau=100, dt=20)
    Architecture.set_model_weights(slower, Architecture.model_weights(simple))
    assert np.abs(slower.predict(x, verbose=0) - simple.predict(x, verbose=0)).max() > 1e-3


def test_build_sernn_leaky_passes_the_hooks():
    mask = np.random.default_rng(0).random((12, 12)) < 0.4
    regularizer = SpatialL1(0.01, coordinates=np.random.default_rng(1).random((12, 3)))
    model = models.build_sernn(units=12, input_size=3, output_size=2, activation="tanh", seed=0, cell="leaky",
                               recurrent_regularizer=regularizer, recurrent_constraint=MaskConstraint(mask),
                               return_sequences=True, recurrent_noise=0.2)
    rnn = model.get_layer("rnn")
    assert (rnn.tau, rnn.dt, rnn.recurrent_noise, rnn.seed) == (100.0, 10.0, 0.2, 2)
    assert rnn.activation.__name__ == "tanh" and rnn.return_sequences and model.output_shape == (None, None, 2)
    assert rnn.recurrent_regularizer is regularizer and isinstance(rnn.recurrent_constraint, MaskConstraint)
    assert np.all(rnn.cell.recurrent_kernel.numpy()[~mask] == 0.0)  # the masked initializer
    same = models.build_sernn(units=12, input_size=3, output_size=2, activation="tanh", seed=0,
                              recurrent_constraint=MaskConstraint(mask), return_sequences=True)
    for leaky_weight, simple_weight in zip(model.get_weights(), same.get_weights()):
        np.testing.assert_array_equal(leaky_weight, simple_weight)  # the same seed, the same initial network


@pytest.mark.parametrize("kwargs, message", [
    ({"tau": 10}, r"^tau need cell='leaky' \(they set leaky units\); got cell='simple'$"),
    ({"tau": 10, "dt": 5}, r"^tau, dt need cell='leaky'"),
    ({"recurrent_noise": 0.1}, r"^recurrent_noise need cell='leaky'"),
    ({"cell": "gru"}, r"^cell must be one of 'simple', 'leaky'; got 'gru'$"),
    ({"cell": "leaky", "tau": 5}, r"^dt must be <= tau .*; got dt=10.0, tau=5.0$"),
    ({"cell": "leaky", "recurrent": "sparse", "recurrent_constraint": MaskConstraint(np.ones((8, 8)))},
     r"^cell='leaky' needs recurrent='dense'; got recurrent='sparse'$"),
])
def test_build_sernn_bad_leaky_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.build_sernn(units=8, **kwargs)
