"""Populations of leaky continuous-time units and of Dale's-law networks: each member is the network trained alone."""
import keras
import numpy as np
import pytest

from sernn.architecture import Architecture
from sernn.constraints import DaleConstraint, MaskConstraint
from sernn.initializers import dale_recurrent
from sernn.models import build_sernn
from sernn.population import Population, seeded_orders
from sernn.regularizers import SpatialCommunicability
from sernn.tasks.maze import _PROBLEM_INPUTS as BANK_X, _PROBLEM_TARGETS as BANK_Y, maze_problems

N, V, EPOCHS = 256, 128, 2
LEAKY = dict(cell="leaky", tau=100.0, dt=20.0)


def _dale_member(seed, strength=None, mask=None):
    init, constraint = dale_recurrent(0.8, units=100, mask=mask, seed=seed)
    member = dict(seed=seed, noise=0.0, recurrent_initializer=init, recurrent_constraint=constraint)
    if strength is not None:
        member["recurrent_regularizer"] = SpatialCommunicability(strength)
    return member


def _members():
    mask = np.random.default_rng(9).random((100, 100)) < 0.3
    return [_dale_member(3, 0.3), _dale_member(4), _dale_member(5, 0.1, MaskConstraint(mask)),
            dict(seed=6, noise=0.0, recurrent_regularizer=SpatialCommunicability(0.3)),
            dict(seed=7, noise=0.0, recurrent_constraint=MaskConstraint(mask, nonneg=True))]


def _train_alone(member, shared, train, val):
    model = build_sernn(**shared, **member)
    x, y = BANK_X[train], BANK_Y[train]
    history = []
    for epoch in range(EPOCHS):
        order = seeded_orders([member["seed"]], N, epoch)[0]
        fitted = model.fit(x[order], y[order], batch_size=128, epochs=epoch + 1, initial_epoch=epoch,
                           shuffle=False, verbose=0, validation_data=(BANK_X[val], BANK_Y[val]))
        history.append({key: values[0] for key, values in fitted.history.items()})
    return model.get_layer("rnn").get_weights()[1], history


@pytest.mark.slow
@pytest.mark.parametrize("shared", [LEAKY, {}], ids=["leaky", "simple"])
def test_dale_and_leaky_members_equal_networks_trained_alone(shared):
    members = _members()
    train = np.stack([maze_problems(N, m["seed"]) for m in members])
    val = np.stack([maze_problems(V, 10000 + m["seed"]) for m in members])
    rows, snapshots = Population(members, **shared).fit(BANK_X, BANK_Y, train, val, epochs=EPOCHS)
    for k, member in enumerate(members):
        weights, history = _train_alone(member, shared, train[k], val[k])
        scale = np.abs(weights).max()
        np.testing.assert_allclose(snapshots[k, -1], weights, atol=2e-5 * scale, rtol=0)
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            np.testing.assert_allclose([r[key] for r in rows[k]], [h[key] for h in history], rtol=2e-5,
                                       atol=1e-6, err_msg=f"member {k}: {key}")
        constraint = member.get("recurrent_constraint")
        if isinstance(constraint, DaleConstraint):  # every snapshot keeps every row's sign, and moved
            signed = snapshots[k] * constraint.signs[None, :, None]
            assert signed.min() >= 0.0
            assert np.abs(snapshots[k, -1] - snapshots[k, 0]).max() > 1e-3
            if constraint.mask is not None:
                assert np.all(snapshots[k][:, ~constraint.mask] == 0.0)


def test_the_leaky_forward_pass_equals_the_keras_model_of_the_same_weights():
    shape = dict(units=7, input_size=3, output_size=2, activation="tanh", return_sequences=True,
                 output_activation="linear", cell="leaky", tau=50.0, dt=20.0)
    members = [{"seed": 1, "noise": 0.0}, {"seed": 2, "noise": 0.0}]
    population = Population(members, **shape)
    rng = np.random.default_rng(40)
    for variable in population.variables.values():
        variable.assign(rng.normal(scale=0.5, size=variable.shape).astype("float32"))
    x = rng.normal(size=(2, 4, 6, 3)).astype("float32")
    outputs = np.asarray(population.architecture.forward(x, population.variables))
    for k, member in enumerate(members):
        model = population.member_model(k, compile=False)
        assert type(model.get_layer("rnn")).__name__ == "LeakyRNN"
        np.testing.assert_allclose(outputs[k], np.asarray(model(x[k])), rtol=1e-5, atol=1e-6)


def test_population_recurrent_noise_has_the_documented_scale_and_depends_on_the_member_only():
    import tensorflow as tf

    arch = Architecture(units=30, cell="leaky", tau=100, dt=25, recurrent_noise=0.5)
    step = tf.constant(7, tf.int64)
    kicks = arch.recurrent_kicks(tf.constant([3, 200, 5, 8]), 5, [11, 12, 13], step, "float32").numpy()
    # sqrt(2 * alpha) * sigma = sqrt(0.5) * 0.5
    assert abs(kicks.std() - np.sqrt(0.5) * 0.5) < 0.01
    alone = arch.recurrent_kicks(tf.constant([1, 200, 5, 8]), 5, [12], step, "float32").numpy()
    np.testing.assert_array_equal(alone[:, 0], kicks[:, 1])
    assert arch.recurrent_kicks(tf.constant([1, 200, 5, 8]), 5, [12], None, "float32") is None
    # a leaky population trained with recurrent noise reproduces itself exactly
    members = [{"seed": 3, "noise": 0.0}, {"seed": 4, "noise": 0.0}]
    train = np.stack([maze_problems(64, m["seed"]) for m in members])
    val = np.stack([maze_problems(32, 10000 + m["seed"]) for m in members])
    runs = [Population(members, cell="leaky", tau=100, dt=20, recurrent_noise=0.1, units=20).fit(
        BANK_X, BANK_Y, train, val, epochs=1, batch_size=32)[1] for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    quiet = Population(members, cell="leaky", tau=100, dt=20, units=20).fit(
        BANK_X, BANK_Y, train, val, epochs=1, batch_size=32)[1]
    assert np.abs(quiet[:, -1] - runs[0][:, -1]).max() > 1e-6


def test_population_refuses_bad_cells_and_constraints():
    with pytest.raises(ValueError, match="dt must be <= tau"):
        Population([{"seed": 0}], cell="leaky", tau=10, dt=20)
    with pytest.raises(ValueError, match="tau need cell='leaky'"):
        Population([{"seed": 0}], tau=10)
    with pytest.raises(TypeError, match="MaskConstraint or a DaleConstraint"):
        Population([{"seed": 0, "recurrent_constraint": keras.constraints.NonNeg()}])
    with pytest.raises(ValueError, match="3 signs, expected one per unit"):
        Population([{"seed": 0, "recurrent_constraint": DaleConstraint([1, 1, -1])}], units=5)


def test_hidden_states_of_leaky_networks_equal_the_keras_layer():
    from sernn.hidden_states import model_states, population_states

    model = build_sernn(units=6, seed=0, cell="leaky", tau=60, dt=20, activation="tanh")
    x = np.random.default_rng(0).normal(size=(3, 9, 8)).astype("float32")
    every_step = keras.layers.RNN(model.get_layer("rnn").cell.__class__(6, activation="tanh", tau=60, dt=20),
                                  return_sequences=True)
    _ = every_step(x)
    every_step.set_weights(model.get_layer("rnn").get_weights())
    np.testing.assert_allclose(model_states(model, x), np.asarray(every_step(x)), atol=1e-5)
    population = Population([{"seed": 0}, {"seed": 1}], units=6, activation="tanh", cell="leaky", tau=60, dt=20)
    states = population_states(population, x)
    np.testing.assert_allclose(states[1], model_states(population.member_model(1), x), atol=1e-6)
