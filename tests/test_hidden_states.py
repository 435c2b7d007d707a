"""Hidden states: the numpy forward pass against Keras, populations, saved runs, and full weight histories."""
import keras
import numpy as np
import pytest

from sernn.architecture import WEIGHTS
from sernn.hidden_states import MissingWeights, forward_states, model_states, population_states, run_states
from sernn.models import build_sernn
from sernn.population import Population
from sernn.runfolder import RunStore
from sernn.tasks.maze import OFFERED_PAIRS, PROBLEM_INPUTS, maze, maze_labels


def _every_step(model, x, activation="relu"):
    """Keras's own recurrent layer, returning every step, with the model's weights."""
    rnn = model.get_layer("rnn")
    layer = keras.layers.SimpleRNN(rnn.units, activation=activation, return_sequences=True)
    layer(x[:1])
    layer.set_weights(rnn.get_weights())
    return np.asarray(layer(x))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_forward_pass_equals_keras(activation):
    model = build_sernn(units=12, seed=3, activation=activation)
    x = np.random.default_rng(1).normal(size=(5, 9, 8)).astype("float32")
    np.testing.assert_allclose(model_states(model, x), _every_step(model, x, activation), atol=1e-5)


def test_the_states_end_where_the_model_reads_out():
    model = build_sernn(units=10, seed=0, noise=0.0)
    x, _ = maze(6, seed=0)
    states = model_states(model, x)
    readout = model.get_layer("readout")
    np.testing.assert_allclose(np.asarray(readout(states[:, -1])), np.asarray(model(x)), atol=1e-5)


def test_a_population_gives_each_members_states():
    population = Population([{"seed": s} for s in (0, 1, 2)], units=7)
    states = population_states(population, PROBLEM_INPUTS)
    assert states.shape == (3, 8, 50, 7)
    for k in range(3):
        np.testing.assert_allclose(states[k], _every_step(population.member_model(k), PROBLEM_INPUTS), atol=1e-5)


def test_fit_records_every_weight_and_the_saved_run_rebuilds_the_network(tmp_path):
    rng = np.random.default_rng(0)
    x = PROBLEM_INPUTS
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, size=8)]
    population = Population([{"seed": 0, "noise": 0.0}, {"seed": 1, "noise": 0.0}], units=6)
    index = np.tile(np.arange(8), (2, 1))
    rows, history = population.fit(x, y, index, epochs=2, batch_size=4, record="all")
    assert sorted(history) == sorted(WEIGHTS)
    assert history["kernel"].shape == (2, 3, 8, 6) and history["readout_bias"].shape == (2, 3, 4)
    final = population.weights()
    for name in WEIGHTS:
        np.testing.assert_array_equal(history[name][:, -1], final[name])
    _, kernels = Population([{"seed": 0, "noise": 0.0}, {"seed": 1, "noise": 0.0}], units=6).fit(
        x, y, index, epochs=2, batch_size=4)
    np.testing.assert_array_equal(kernels, history["recurrent_kernel"])  # recording changes nothing
    store = RunStore(tmp_path, "maze", {})
    store.save_run("a", {"seed": 1}, rows[1], {**{n: v[1] for n, v in history.items()}, "epoch": np.arange(3)})
    np.testing.assert_allclose(run_states(store, "a", x, epoch=2), population_states(population, x)[1], atol=1e-6)
    with pytest.raises(ValueError, match="epoch 5 was not recorded"):
        run_states(store, "a", x, epoch=5)


def test_a_run_with_only_recurrent_kernels_is_named_as_such(tmp_path):
    store = RunStore(tmp_path, "maze", {})
    store.save_run("old", {"seed": 0}, [{"epoch": 1}], {"recurrent_kernel": np.zeros((2, 3, 3))})
    with pytest.raises(MissingWeights, match="only the recurrent kernels.*sernn 0.1"):
        run_states(store, "old", PROBLEM_INPUTS, epoch=1)


def test_forward_states_refuses_bad_weights():
    with pytest.raises(ValueError, match="weights lacks 'bias'"):
        forward_states({"kernel": np.zeros((8, 3)), "recurrent_kernel": np.zeros((3, 3))}, PROBLEM_INPUTS)
    with pytest.raises(ValueError, match=r"x must have shape \(trials, T, 8\)"):
        forward_states({"kernel": np.zeros((8, 3)), "recurrent_kernel": np.zeros((3, 3)), "bias": np.zeros(3)},
                       np.zeros((2, 5, 4)))


def test_the_maze_labels_follow_the_problems():
    x, _, problems = maze(200, seed=4, return_problems=True)
    labels = maze_labels(problems)
    np.testing.assert_array_equal(labels["goal"], x[:, 0, :4].argmax(axis=1))     # the goal channel shown
    np.testing.assert_array_equal(labels["offered"], x[:, 30, 4:].astype(int))     # the offered channels shown
    pairs = [tuple(d for d, on in zip("lurd", row) if on) for row in labels["offered"]]
    assert [OFFERED_PAIRS[o] for o in labels["options"]] == pairs
    _, y = maze(200, seed=4)
    np.testing.assert_array_equal(labels["choice"], y.argmax(axis=1))
    with pytest.raises(ValueError, match="problems must be"):
        maze_labels([0, 8])
