import keras
import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf
from scipy.spatial.distance import cdist

from sernn import models, regularizers, spatial, tasks

GRID = spatial.grid_coordinates()


def ref_communicability(W):
    A = np.abs(W)
    d = 1 / np.sqrt(A.sum(axis=1))
    C = scipy.linalg.expm(d[:, None] * A * d[None, :])
    return C - np.diag(np.diag(C))


def ref_penalty(W, coords, strength, dp=1.0, cp=1.0):
    D = cdist(coords, coords) ** dp
    return strength * np.sum(np.abs(W) * ref_communicability(W) ** cp * D)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_value_matches_float64_scipy_reference(seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(100, 100)) / 10
    reg = regularizers.SpatialCommunicability(0.3)
    got = float(reg(tf.constant(W, tf.float32)))
    expected = ref_penalty(W, GRID, 0.3)
    assert abs(got - expected) / expected < 1e-5


def test_powers_and_other_forms_match_references():
    rng = np.random.default_rng(3)
    coords = rng.uniform(0, 50, size=(40, 3))
    W = rng.normal(size=(40, 40)) / 6
    D = cdist(coords, coords)
    C = ref_communicability(W)
    x = tf.constant(W, tf.float32)
    got = float(regularizers.SpatialCommunicability(0.1, coords, distance_power=2, communicability_power=0.5)(x))
    assert got == pytest.approx(ref_penalty(W, coords, 0.1, dp=2, cp=0.5), rel=1e-5)
    assert float(regularizers.SpatialL1(0.2, coords)(x)) == pytest.approx(0.2 * np.sum(np.abs(W) * D), rel=1e-5)
    assert float(regularizers.Communicability(0.7)(x)) == pytest.approx(0.7 * np.sum(np.abs(W) * C), rel=1e-5)


def test_paper_scale_at_orthogonal_init():
    # SPEC: the summed loss is about 55 at n = 100 on the 5x5x4 grid with an orthogonal init.
    values = []
    for seed in range(5):
        W = keras.initializers.Orthogonal(seed=seed)((100, 100))
        values.append(float(regularizers.SpatialCommunicability(1.0)(W)))
    assert 50 < np.mean(values) < 60


def test_size_normalisation_equals_paper_at_reference_and_transfers():
    rng = np.random.default_rng(4)
    W = tf.constant(rng.normal(size=(100, 100)) / 10, tf.float32)
    paper = float(regularizers.SpatialCommunicability(0.3)(W))
    sized = float(regularizers.SpatialCommunicability(0.3, normalization="size")(W))
    assert sized == pytest.approx(paper, rel=1e-6)
    # Larger networks on larger grids: the summed form grows, the size-normalised form stays put.
    # Grids in micrometres, as real soma positions would be.
    for cls in (regularizers.SpatialCommunicability, regularizers.SpatialL1):
        sums, sizes = [], []
        for shape in [(5, 5, 4), (8, 8, 5), (10, 10, 10)]:
            coords = spatial.grid_coordinates(shape, spacing=20.0)
            n = len(coords)
            Wn = keras.initializers.Orthogonal(seed=0)((n, n))
            sums.append(float(cls(1.0, coords)(Wn)))
            sizes.append(float(cls(1.0, coords, normalization="size")(Wn)))
        assert sums[-1] / sums[0] > 3
        assert max(sizes) / min(sizes) < 1.1, (cls.__name__, sizes)


def _numeric_gradient(fn, W, entries, h=1e-6):
    grads = []
    for i, j in entries:
        plus, minus = W.copy(), W.copy()
        plus[i, j] += h
        minus[i, j] -= h
        grads.append((fn(plus) - fn(minus)) / (2 * h))
    return np.array(grads)


@pytest.mark.parametrize("constant", [False, True])
def test_gradient_matches_central_differences(constant):
    rng = np.random.default_rng(5)
    coords = rng.uniform(size=(12, 3))
    W = rng.normal(size=(12, 12))
    reg = regularizers.SpatialCommunicability(0.5, coords, constant_communicability=constant)
    variable = tf.Variable(W)
    with tf.GradientTape() as tape:
        value = reg(variable)
    grad = tape.gradient(value, variable).numpy()
    entries = [(0, 1), (3, 7), (11, 2), (5, 5), (9, 10)]
    if constant:
        # C held constant: d/dW of sum |W| C D is sign(W) C D.
        D = cdist(coords, coords)
        expected = 0.5 * np.sign(W) * ref_communicability(W) * D
        np.testing.assert_allclose(grad, expected, rtol=1e-8, atol=1e-12)
    else:
        numeric = _numeric_gradient(lambda M: ref_penalty(M, coords, 0.5), W, entries)
        np.testing.assert_allclose([grad[e] for e in entries], numeric, rtol=1e-5, atol=1e-8)


def test_size_mismatch_names_both_sizes():
    reg = regularizers.SpatialCommunicability(0.1)
    with pytest.raises(ValueError, match=r"50 units.*100 positions"):
        reg(tf.zeros((50, 50)))
    with pytest.raises(ValueError, match="square"):
        reg(tf.zeros((100, 50)))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"strength": -1}, ValueError, "strength must be a finite real number >= 0; got -1"),
    ({"strength": float("nan")}, ValueError, "strength must be a finite real number >= 0; got nan"),
    ({"strength": "big"}, TypeError, "strength must be a finite real number >= 0; got 'big' \\(str\\)"),
    ({"strength": 0.1, "normalization": "mean"}, ValueError, "normalization must be one of None, 'size'; got 'mean'"),
    ({"strength": 0.1, "distance_power": 0}, ValueError, "distance_power must be a finite real number > 0; got 0"),
    ({"strength": 0.1, "communicability_power": "2"}, TypeError, "communicability_power must be a finite real"),
    ({"strength": 0.1, "reference_units": 1.5}, TypeError, "reference_units must be an integer >= 2; got 1.5"),
    ({"strength": 0.1, "seed": None}, TypeError, "seed must be an integer >= 0"),
    ({"strength": 0.1, "coordinates": np.zeros((5, 2))}, ValueError, "shape"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        regularizers.SpatialCommunicability(**kwargs)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"matching_strength": -1}, ValueError, "matching_strength must be a finite real number >= 0; got -1"),
    ({"matching_strength": "x"}, TypeError, "matching_strength must be a finite real number >= 0; got 'x'"),
    ({"strength": "x"}, TypeError, "strength must be a finite real number >= 0; got 'x'"),
    ({"target": np.ones((3, 2))}, ValueError, "target must be a square \\(n, n\\) matrix"),
    ({"target": [[0, "a"], ["b", 0]]}, TypeError, "target must be an array of real numbers"),
])
def test_bad_matching_arguments(kwargs, error, message):
    arguments = {"strength": 0.1, "target": np.ones((3, 3)), **kwargs}
    with pytest.raises(error, match=message):
        regularizers.CommunicabilityMatching(**arguments)


def test_config_round_trip_keeps_everything():
    coords = np.random.default_rng(6).uniform(size=(20, 3))
    reg = regularizers.SpatialCommunicability(0.25, coords, distance_power=1.5, communicability_power=2.0,
                                              normalization="size", constant_communicability=True,
                                              reference_units=50)
    clone = keras.regularizers.deserialize(keras.regularizers.serialize(reg))
    assert isinstance(clone, regularizers.SpatialCommunicability)
    assert clone.get_config() == reg.get_config()
    np.testing.assert_array_equal(clone.coordinates, coords)
    W = tf.constant(np.random.default_rng(7).normal(size=(20, 20)), tf.float32)
    assert float(clone(W)) == float(reg(W))
    for other in (regularizers.SpatialL1(0.1, coords, distance_power=2), regularizers.Communicability(0.3)):
        again = keras.regularizers.deserialize(keras.regularizers.serialize(other))
        assert type(again) is type(other) and again.get_config() == other.get_config()


def test_model_save_and_load_keeps_predictions_and_penalty(tmp_path):
    coords = spatial.grid_coordinates((4, 4, 2))
    reg = regularizers.SpatialCommunicability(0.3, coords, normalization="size")
    model = models.build_sernn(units=32, recurrent_regularizer=reg, seed=0)
    x, y = tasks.maze(64, seed=0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert float(sum(loaded.losses)) == float(sum(model.losses)) > 0
    assert loaded.get_layer("rnn").recurrent_regularizer.get_config() == reg.get_config()


def test_a_numpy_kernel_gives_the_tensor_value_with_any_communicability_power():
    coords = np.random.default_rng(2).uniform(size=(6, 3))
    W = np.random.default_rng(3).normal(size=(6, 6)).astype(np.float32)
    for power in (1.0, 0.5, 2.0):
        reg = regularizers.SpatialCommunicability(0.1, coords, communicability_power=power)
        expected = 0.1 * np.sum(np.abs(W) * ref_communicability(W.astype(np.float64)) ** power * cdist(coords, coords))
        assert float(reg(W)) == pytest.approx(expected, rel=1e-4)
        assert float(reg(W)) == pytest.approx(float(reg(tf.constant(W))), rel=1e-6)


# -- the linear-penalty protocol (sernn.regularizers.batched) ----------------------------------------------

def _linear_regularizers(coords):
    """One of every sernn regulariser whose penalty is strength * cost(W), in several settings."""
    return [regularizers.SpatialCommunicability(0.3, coords),
            regularizers.SpatialCommunicability(0.2, coords, distance_power=2.0, communicability_power=0.5,
                                                normalization="size", constant_communicability=True),
            regularizers.SpatialCommunicability(0.1, coords, method="sparse"),
            regularizers.SpatialCommunicability(0.1, coords, method="estimate", probes=6, seed=3),
            regularizers.SpatialL1(0.05, coords),
            regularizers.SpatialL1(0.05, coords, method="sparse", normalization="size"),
            regularizers.Communicability(0.7),
            regularizers.Communicability(0.4, communicability_power=2.0, method="sparse")]


@pytest.mark.parametrize("index", range(8))
def test_unit_costs_times_strength_equal_the_penalty_of_each_kernel(index):
    from sernn.regularizers.batched import LinearPenalty, linear_penalty

    rng = np.random.default_rng(20 + index)
    coords = rng.uniform(0, 4, size=(9, 3))
    reg = _linear_regularizers(coords)[index]
    assert isinstance(reg, LinearPenalty) and linear_penalty(reg) is reg
    kernels = rng.normal(size=(4, 9, 9)) * (rng.random((4, 9, 9)) < 0.6) / 3
    costs = reg.unit_costs(tf.constant(kernels, tf.float32)).numpy()
    assert costs.shape == (4,)
    # each kernel alone, through the regulariser's own call
    each = [float(reg(tf.constant(kernel, tf.float32))) for kernel in kernels]
    np.testing.assert_allclose(reg.strength * costs, each, rtol=2e-5, atol=1e-7)
    if index == 0:  # and against the float64 reference formula
        np.testing.assert_allclose(reg.strength * costs, [ref_penalty(W, coords, 0.3) for W in kernels], rtol=1e-4)


def test_the_batch_key_groups_same_settings_and_parts_different_ones():
    rng = np.random.default_rng(30)
    xyz, other = rng.uniform(size=(9, 3)), rng.uniform(size=(9, 3))
    key = regularizers.SpatialCommunicability(0.1, xyz).batch_key()
    hash(key)
    assert regularizers.SpatialCommunicability(0.3, xyz.copy()).batch_key() == key  # only the strength differs
    different = [regularizers.SpatialCommunicability(0.1, other),
                 regularizers.SpatialCommunicability(0.1),  # the default grid (100 units)
                 regularizers.SpatialCommunicability(0.1, xyz, normalization="size"),
                 regularizers.SpatialCommunicability(0.1, xyz, distance_power=2.0),
                 regularizers.SpatialCommunicability(0.1, xyz, communicability_power=2.0),
                 regularizers.SpatialCommunicability(0.1, xyz, constant_communicability=True),
                 regularizers.SpatialCommunicability(0.1, xyz, reference_units=50),
                 regularizers.SpatialCommunicability(0.1, xyz, method="sparse"),
                 regularizers.SpatialL1(0.1, xyz)]
    keys = [reg.batch_key() for reg in different] + [key]
    assert len(set(keys)) == len(keys)
    estimate = [regularizers.Communicability(s, method="estimate", seed=seed) for s, seed in ((0.1, 0), (0.2, 0), (0.1, 1))]
    assert estimate[0].batch_key() == estimate[1].batch_key() != estimate[2].batch_key()
    # the probes' seed matters only to method="estimate"
    assert regularizers.Communicability(0.1, seed=1).batch_key() == regularizers.Communicability(0.2).batch_key()


def test_keras_l1_and_l2_are_adapted_and_other_regularisers_are_not():
    from sernn.regularizers.batched import KerasNormPenalty, LinearPenalty, linear_penalty

    kernels = np.random.default_rng(31).normal(size=(3, 5, 5)).astype(np.float32)
    for regularizer, cost in ((keras.regularizers.L1(0.02), lambda W: np.abs(W).sum()),
                              (keras.regularizers.L2(0.03), lambda W: np.square(W).sum())):
        adapted = linear_penalty(regularizer)
        assert isinstance(adapted, KerasNormPenalty) and isinstance(adapted, LinearPenalty)
        assert np.float32(adapted.strength) == np.float32(regularizer.get_config()[adapted.norm])
        costs = adapted.unit_costs(tf.constant(kernels)).numpy()
        np.testing.assert_allclose(costs, [cost(W.astype(np.float64)) for W in kernels], rtol=1e-5)
        np.testing.assert_allclose(np.float32(adapted.strength) * costs, [float(regularizer(W)) for W in kernels],
                                   rtol=1e-6)
    assert linear_penalty(keras.regularizers.L1(0.5)).batch_key() == linear_penalty(keras.regularizers.L1(2.0)).batch_key()
    assert linear_penalty(keras.regularizers.L1(0.5)).batch_key() != linear_penalty(keras.regularizers.L2(0.5)).batch_key()
    assert linear_penalty(keras.regularizers.L1L2(0.1, 0.1)) is None
    assert linear_penalty(regularizers.CommunicabilityMatching(0.1, np.ones((5, 5)), coordinates=np.eye(5, 3))) is None
    with pytest.raises(TypeError, match="regularizer must be keras.regularizers.L1 or keras.regularizers.L2"):
        KerasNormPenalty(regularizers.SpatialL1(0.1))


def test_batched_penalties_group_members_and_equal_each_members_penalty():
    from sernn.regularizers.batched import BatchedPenalties

    rng = np.random.default_rng(32)
    xyz, other = rng.uniform(size=(6, 3)), rng.uniform(size=(6, 3))
    target = np.abs(rng.normal(size=(6, 6)))
    members = [regularizers.SpatialCommunicability(0.3, xyz), None, regularizers.SpatialCommunicability(0.1, xyz),
               regularizers.SpatialCommunicability(0.2, other), keras.regularizers.L1(0.02),
               keras.regularizers.L1(0.05), keras.regularizers.L1L2(0.01, 0.02),
               regularizers.CommunicabilityMatching(0.1, target, coordinates=xyz),
               regularizers.CommunicabilityMatching(0.1, target, coordinates=xyz),
               regularizers.CommunicabilityMatching(0.2, target, coordinates=xyz)]
    penalties = BatchedPenalties(members)
    groups = sorted(sorted(m.tolist()) for m, _, _ in penalties.groups)
    # same coordinates together (any strength), other coordinates apart; equal configurations of a
    # regulariser that is not linear share one call, another strength of it does not
    assert groups == [[0, 2], [3], [4, 5], [6], [7, 8], [9]]
    kernels = rng.normal(size=(10, 6, 6)).astype(np.float32) / 3
    values = penalties(tf.constant(kernels)).numpy()
    expected = [0.0 if reg is None else float(reg(tf.constant(W))) for reg, W in zip(members, kernels)]
    np.testing.assert_allclose(values, expected, rtol=2e-5, atol=1e-7)
    with pytest.raises(TypeError, match=r"regularizers\[1\] must be a Keras regularizer or None; got 'l1'"):
        BatchedPenalties([None, "l1"])
