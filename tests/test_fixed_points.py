"""Fixed points: known answers (linear, hand-solved tanh units, leaky units), a trained 3-bit flip-flop's 8
attractors, batched equal to one network at a time, and the refusals."""
import keras
import numpy as np
import pytest
from scipy.optimize import brentq

from sernn.fixed_points import find_fixed_points, model_fixed_points, population_fixed_points, sample_states
from sernn.hidden_states import model_states
from sernn.models import build_sernn
from sernn.population import Population
from sernn.tasks.flipflop import flip_flop

RNG = np.random.default_rng(0)


def _one_unit(w, b=0.0):
    return {"kernel": np.zeros((1, 1)), "recurrent_kernel": np.array([[w]]), "bias": np.array([b])}


def test_a_linear_network_has_its_analytic_fixed_point_and_jacobian():
    R = np.array([[1.2, 0.3, 0.0], [0.0, 0.4, 0.1], [0.2, 0.0, 0.5]])      # an eigenvalue > 1: unstable
    K = RNG.normal(size=(2, 3))
    u = np.array([0.5, -1.0])
    found = find_fixed_points({"kernel": K, "recurrent_kernel": R, "bias": np.full(3, 0.1)},
                              RNG.normal(size=(40, 3)), inputs=u, activation="linear")
    expected = (u @ K + 0.1) @ np.linalg.inv(np.eye(3) - R)
    assert len(found) == 1 and found.n_unstable == 1
    np.testing.assert_allclose(found.points[0], expected, atol=1e-7)
    np.testing.assert_allclose(found.jacobians[0], R.T, atol=1e-12)
    np.testing.assert_allclose(np.sort(np.abs(found.eigenvalues[0])), np.sort(np.abs(np.linalg.eigvals(R))))
    assert found.q[0] <= 1e-12


def test_one_tanh_unit_has_the_hand_solved_fixed_points():
    # h = tanh(2 h): h = 0 (slope 2, unstable) and h = +-x, x = tanh(2 x) (slope 2 (1 - x^2), stable)
    x = brentq(lambda h: np.tanh(2 * h) - h, 0.5, 1.0)
    found = find_fixed_points(_one_unit(2.0), np.linspace(-1.5, 1.5, 31)[:, None], activation="tanh")
    order = np.argsort(found.points[:, 0])
    np.testing.assert_allclose(found.points[order, 0], [-x, 0.0, x], atol=1e-9)
    np.testing.assert_allclose(found.jacobians[order, 0, 0], [2 * (1 - x ** 2), 2.0, 2 * (1 - x ** 2)], atol=1e-8)
    assert found.stable[order].tolist() == [True, False, True]
    tau = -1.0 / np.log(2 * (1 - x ** 2))
    np.testing.assert_allclose(found.time_constant[order][[0, 2]], [tau, tau], rtol=1e-7)
    assert np.isinf(found.time_constant[order][1])


def test_two_coupled_tanh_units_have_the_hand_solved_fixed_points():
    # symmetric excitation w between two units with self-weight 0: fixed points on h1 = h2 = h, h = tanh(w h),
    # and the Jacobian's eigenvalues at them are +-w (1 - h^2)
    w = 1.8
    R = np.array([[0.0, w], [w, 0.0]])
    weights = {"kernel": np.zeros((1, 2)), "recurrent_kernel": R, "bias": np.zeros(2)}
    found = find_fixed_points(weights, RNG.uniform(-1.5, 1.5, size=(200, 2)), activation="tanh")
    x = brentq(lambda h: np.tanh(w * h) - h, 0.5, 1.0)
    # also h1 = -h2 = h with h = tanh(-w h): only h = 0
    assert sorted(np.round(found.points[:, 0], 6).tolist()) == sorted(np.round([-x, 0.0, x], 6).tolist())
    np.testing.assert_allclose(found.points[:, 0], found.points[:, 1], atol=1e-9)
    for point, values in zip(found.points, found.eigenvalues):
        slope = w * (1 - point[0] ** 2)
        np.testing.assert_allclose(np.sort(values.real), [-slope, slope], atol=1e-8)


def test_leaky_units_have_the_fixed_points_of_their_potential_and_the_leaky_jacobian():
    # z = tanh(z) * 2 (zero input): z = 0 and z = +-2 x; J = (1 - a) + a * 2 (1 - tanh(z)^2)
    alpha = 0.2
    x = brentq(lambda h: np.tanh(2 * h) - h, 0.5, 1.0)
    found = find_fixed_points(_one_unit(2.0), np.linspace(-3, 3, 31)[:, None], activation="tanh", alpha=alpha,
                              dt=20.0)
    order = np.argsort(found.points[:, 0])
    np.testing.assert_allclose(found.points[order, 0], [-2 * x, 0.0, 2 * x], atol=1e-8)
    np.testing.assert_allclose(found.rates[order, 0], [-x, 0.0, x], atol=1e-8)
    slope = (1 - alpha) + alpha * 2 * (1 - x ** 2)
    np.testing.assert_allclose(found.jacobians[order, 0, 0], [slope, 1 + alpha, slope], atol=1e-8)
    np.testing.assert_allclose(found.time_constant[order][0], -20.0 / np.log(slope), rtol=1e-7)


@pytest.fixture(scope="module")
def flip_flop_model():
    x, y = flip_flop(2048, seed=0)
    model = build_sernn(units=24, input_size=3, output_size=3, activation="tanh", output_activation="linear",
                        return_sequences=True, loss="mse", metrics=(), noise=0.0, learning_rate=1e-2, seed=0)
    model.fit(x, y, batch_size=64, epochs=8, verbose=0)
    return model


@pytest.mark.slow
def test_a_trained_3_bit_flip_flop_has_8_stable_attractors_one_per_memory(flip_flop_model):
    model = flip_flop_model
    probe, _ = flip_flop(64, seed=1)
    states = model_states(model, probe)
    found = model_fixed_points(model, sample_states(states, 512, noise=0.01, seed=0))
    attractors = found.is_fixed & found.stable
    assert found.n_stable == 8
    readout, bias = model.get_layer("readout").get_weights()
    memories = np.sign(found.rates[attractors] @ readout + bias)
    assert sorted(map(tuple, memories.astype(int).tolist())) == sorted(
        (a, b, c) for a in (-1, 1) for b in (-1, 1) for c in (-1, 1))
    assert found.n_unstable >= 1 and found.q[found.is_fixed].max() <= 1e-12


def test_the_batched_population_equals_each_network_alone():
    population = Population([{"seed": s} for s in (0, 1, 2)], units=12, input_size=2, output_size=2,
                            activation="tanh")
    rng = np.random.default_rng(5)
    for name in ("recurrent_kernel", "bias"):
        value = population.variables[name].numpy()
        population.variables[name].assign(value * (1.6 if name == "recurrent_kernel" else 0.0))
    initial = rng.normal(scale=0.8, size=(3, 60, 12))
    together = population_fixed_points(population, initial, inputs=[0.2, -0.1])
    for k in range(3):
        alone = model_fixed_points(population.member_model(k), initial[k], inputs=[0.2, -0.1])
        assert len(alone) == len(together[k]) >= 1
        np.testing.assert_allclose(alone.points, together[k].points, atol=1e-9)
        np.testing.assert_array_equal(alone.stable, together[k].stable)


def test_dale_and_leaky_models_are_linearised():
    model = build_sernn(units=10, seed=0, dale=0.8, cell="leaky", tau=100, dt=20, activation="tanh")
    found = model_fixed_points(model, np.random.default_rng(0).normal(size=(30, 10)))
    assert found.info["alpha"] == pytest.approx(0.2) and found.info["dt"] == 20.0
    assert found.n_stable + found.n_unstable >= 1


def test_bad_input_is_refused_in_one_clear_error():
    weights = _one_unit(2.0)
    gru = keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(3, name="rnn")])
    with pytest.raises(TypeError, match="layer must be a SimpleRNN, SparseMaskedRNN or LeakyRNN .* got GRU"):
        model_fixed_points(gru, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="q_tol must be a finite real number > 0"):
        find_fixed_points(weights, np.zeros((5, 1)), q_tol=0)
    with pytest.raises(ValueError, match="initial_states must have shape"):
        find_fixed_points(weights, np.zeros((0, 1)))
    with pytest.raises(ValueError, match="states must be trajectories"):
        sample_states(np.zeros((0, 5, 3)), 10)
    with pytest.raises(ValueError, match="inputs must have shape"):
        find_fixed_points(weights, np.zeros((5, 1)), inputs=[1.0, 2.0])


def test_the_sparse_masked_layer_has_the_fixed_points_of_the_dense_masked_network():
    from sernn.architecture import Architecture
    from sernn.constraints import MaskConstraint

    mask = np.random.default_rng(3).random((20, 20)) < 0.3
    sparse = build_sernn(units=20, seed=0, activation="tanh", recurrent="sparse",
                         recurrent_constraint=MaskConstraint(mask))
    dense = build_sernn(units=20, seed=0, activation="tanh", recurrent_constraint=MaskConstraint(mask))
    rnn = sparse.get_layer("rnn")
    weights = {"kernel": np.asarray(rnn.kernel), "recurrent_kernel": 2.5 * rnn.dense_recurrent_kernel(),
               "bias": np.asarray(rnn.bias)}
    rnn.set_weights([weights["kernel"], 2.5 * np.asarray(rnn.get_weights()[1]), weights["bias"]])
    Architecture.set_model_weights(dense, {**weights, **{k: v for k, v in Architecture.model_weights(dense).items()
                                                          if k.startswith("readout")}})
    initial = np.random.default_rng(4).normal(size=(80, 20))
    found, expected = model_fixed_points(sparse, initial), model_fixed_points(dense, initial)
    assert len(found) == len(expected) >= 1
    np.testing.assert_allclose(np.sort(found.points, axis=0), np.sort(expected.points, axis=0), atol=1e-8)
