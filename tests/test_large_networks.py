"""Large networks: the penalties on the support of W (exact and estimated) and the sparse masked layer."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from sernn.communicability import communicability
from sernn.constraints import MaskConstraint
from sernn.layers import SparseMaskedRNN, mask_indices
from sernn.regularizers import Communicability, SpatialCommunicability, SpatialL1
from sernn.spatial import distance_matrix, mean_distance, mean_pairwise_distance


def _sparse_kernel(n, density, seed, isolated=()):
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal((n, n)) * (rng.random((n, n)) < density)
    for unit in isolated:  # no connection in or out
        weights[unit, :] = 0.0
        weights[:, unit] = 0.0
    return rng.random((n, 3)) * 10, weights


def _spatial_kernel(n, density, seed, length=0.1):
    """Connection probability falling with distance (exp(-d / length)), as in cortex."""
    rng = np.random.default_rng(seed)
    coords = rng.random((n, 3))
    distances = distance_matrix(coords)
    p = np.exp(-distances / length)
    np.fill_diagonal(p, 0.0)
    p *= density * n * n / p.sum()
    return coords, rng.standard_normal((n, n)) * (rng.random((n, n)) < p)


def _value_and_gradient(regularizer, weights):
    variable = tf.Variable(weights)
    with tf.GradientTape() as tape:
        value = regularizer(variable)
    return float(value), tape.gradient(value, variable).numpy()


def _cosine(a, b):
    return float((a * b).sum() / np.linalg.norm(a) / np.linalg.norm(b))


def test_the_blockwise_mean_distance_equals_the_distance_matrix_mean():
    coords = np.random.default_rng(0).random((130, 3))
    matrix = distance_matrix(coords, power=1.5)
    assert mean_pairwise_distance(coords, power=1.5, block=17) == pytest.approx(mean_distance(matrix), rel=1e-12)


@pytest.mark.parametrize("make", [
    lambda coords, **kw: SpatialCommunicability(0.7, coordinates=coords, **kw),
    lambda coords, **kw: SpatialCommunicability(0.7, coordinates=coords, normalization="size",
                                                communicability_power=0.5, **kw),
    lambda coords, **kw: SpatialCommunicability(0.7, coordinates=coords, constant_communicability=True, **kw),
    lambda coords, **kw: Communicability(0.2, **kw),
    lambda coords, **kw: SpatialL1(0.1, coordinates=coords, distance_power=2.0, normalization="size", **kw),
], ids=["sernn", "size+power", "constant-C", "communicability", "spatial-l1"])
def test_sparse_method_equals_the_dense_one(make):
    """Value and gradient, float64, with isolated units and a few diagonal weights."""
    coords, weights = _sparse_kernel(150, 0.08, seed=1, isolated=(3, 77))
    weights[np.arange(10, 20), np.arange(10, 20)] = 0.5
    dense_value, dense_gradient = _value_and_gradient(make(coords), weights)
    sparse_value, sparse_gradient = _value_and_gradient(make(coords, method="sparse"), weights)
    assert np.isfinite(sparse_value) and np.isfinite(sparse_gradient).all()
    assert sparse_value == pytest.approx(dense_value, rel=1e-9)
    np.testing.assert_allclose(sparse_gradient, dense_gradient, rtol=1e-7, atol=1e-9 * np.abs(dense_gradient).max())


def test_sparse_value_equals_scipy_expm():
    coords, weights = _sparse_kernel(120, 0.1, seed=2)
    reference = float((np.abs(weights) * communicability(weights) * distance_matrix(coords)).sum())
    value, _ = _value_and_gradient(SpatialCommunicability(1.0, coordinates=coords, method="sparse"), weights)
    assert value == pytest.approx(reference, rel=1e-8)


@pytest.mark.parametrize("n, kind", [(1000, "random"), (1000, "spatial"),
                                     pytest.param(4000, "spatial", marks=pytest.mark.slow)])
def test_estimate_error_is_within_the_stated_bounds(n, kind):
    """Stated in the docs: at 1 % density and the default 48 probes, value within 1.5 % and gradient
    cosine >= 0.95 of the exact float64 result (measured: <= 0.6 % and >= 0.974 over 3 seeds)."""
    coords, weights = (_sparse_kernel if kind == "random" else _spatial_kernel)(n, 0.01, seed=n)
    exact, exact_gradient = _value_and_gradient(SpatialCommunicability(1.0, coordinates=coords, method="sparse"),
                                                weights)
    for seed in (0, 1):
        value, gradient = _value_and_gradient(
            SpatialCommunicability(1.0, coordinates=coords, method="estimate", seed=seed), weights)
        assert abs(value - exact) / exact < 0.015
        assert _cosine(gradient, exact_gradient) > 0.95


def test_estimate_is_seeded_serialisable_and_finite_with_isolated_units():
    coords, weights = _sparse_kernel(300, 0.05, seed=3, isolated=(0, 1, 299))
    regularizer = SpatialCommunicability(0.5, coordinates=coords, method="estimate", probes=24, seed=7)
    first, gradient = _value_and_gradient(regularizer, weights)
    again, _ = _value_and_gradient(regularizer, weights)
    other, _ = _value_and_gradient(SpatialCommunicability(0.5, coordinates=coords, method="estimate", probes=24,
                                                          seed=8), weights)
    assert first == again and first != other
    assert np.isfinite(gradient).all() and not gradient[0].any() and not gradient[:, 299].any()
    config = regularizer.get_config()
    assert (config["method"], config["probes"], config["seed"]) == ("estimate", 24, 7)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(regularizer))
    assert _value_and_gradient(restored, weights)[0] == first
    assert "method" not in {k for k, v in SpatialCommunicability(0.5).get_config().items() if v != "dense"}


def test_bad_methods_are_refused():
    with pytest.raises(ValueError, match="method must be one of 'dense', 'sparse', 'estimate'; got 'fast'"):
        SpatialCommunicability(0.1, method="fast")
    with pytest.raises(ValueError, match="SpatialL1 has no communicability to estimate"):
        SpatialL1(0.1, method="estimate")
    with pytest.raises(ValueError, match="needs communicability_power=1"):
        Communicability(0.1, method="estimate", communicability_power=0.5)
    with pytest.raises(ValueError, match="probes must be an integer >= 3; got 2"):
        Communicability(0.1, method="estimate", probes=2)


def test_dense_method_too_large_for_memory_is_refused_before_allocating():
    """The minnie65 soma table's 69,461 cells: the dense form needs about 290 GiB."""
    coords = np.random.default_rng(0).random((69461, 3))
    with pytest.raises(ValueError, match=r"SpatialCommunicability\(method='dense'\) at n = 69461 units needs about "
                                         r"28\d\.\d GiB .* use method='sparse'"):
        SpatialCommunicability(0.1, coordinates=coords)
    sparse = SpatialCommunicability(0.1, coordinates=coords, method="estimate")  # no (n, n) matrix is built
    assert sparse.distances is None


# -- the sparse masked layer ------------------------------------------------------------


def _layers(mask, activation="tanh", nonneg=False, return_sequences=False):
    sparse = SparseMaskedRNN(mask, activation=activation, recurrent_initializer="orthogonal", seed=4,
                             nonneg=nonneg, return_sequences=return_sequences)
    sparse.build((None, 12, 5))
    dense = keras.layers.SimpleRNN(mask.shape[0], activation=activation, return_sequences=return_sequences,
                                   recurrent_constraint=MaskConstraint(mask, nonneg=nonneg))
    dense.build((None, 12, 5))
    dense.set_weights([sparse.kernel.numpy(), sparse.dense_recurrent_kernel(), sparse.bias.numpy()])
    return sparse, dense


@pytest.mark.parametrize("activation, return_sequences", [("tanh", False), ("relu", True)])
def test_sparse_layer_equals_the_dense_masked_layer(activation, return_sequences):
    mask = np.random.default_rng(5).random((200, 200)) < 0.05
    sparse, dense = _layers(mask, activation, return_sequences=return_sequences)
    x = np.random.default_rng(6).standard_normal((8, 12, 5)).astype(np.float32)
    with tf.GradientTape(persistent=True) as tape:
        a, b = sparse(x), dense(x)
        loss_a, loss_b = tf.reduce_sum(a ** 2), tf.reduce_sum(b ** 2)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5 * np.abs(b.numpy()).max())
    g_sparse = tape.gradient(loss_a, sparse.recurrent_values).numpy()
    g_dense = tape.gradient(loss_b, dense.cell.recurrent_kernel).numpy()
    np.testing.assert_allclose(g_sparse, g_dense[mask], atol=1e-5 * np.abs(g_dense).max())
    np.testing.assert_allclose(tape.gradient(loss_a, sparse.kernel).numpy(),
                               tape.gradient(loss_b, dense.cell.kernel).numpy(), atol=1e-5, rtol=1e-4)


def test_sparse_layer_trains_like_the_dense_masked_layer_and_keeps_the_sign():
    mask = np.random.default_rng(7).random((120, 120)) < 0.06
    sparse, dense = _layers(mask, "relu", nonneg=True)
    assert sparse.recurrent_values.numpy().min() >= 0.0
    dense.cell.recurrent_kernel.assign(sparse.dense_recurrent_kernel())
    x = np.random.default_rng(8).standard_normal((16, 12, 5)).astype(np.float32)
    y = np.random.default_rng(9).standard_normal((16, 120)).astype(np.float32)
    for layer in (sparse, dense):
        model = keras.Sequential([keras.Input((12, 5)), layer])
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
        model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    trained = dense.cell.recurrent_kernel.numpy()
    assert not trained[~mask].any() and trained.min() >= 0.0
    np.testing.assert_allclose(sparse.dense_recurrent_kernel(), trained, atol=1e-5)


def test_sparse_layer_with_a_sparse_penalty_saves_and_loads(tmp_path):
    coords = np.random.default_rng(10).random((150, 3))
    mask = np.random.default_rng(11).random((150, 150)) < 0.05
    layer = SparseMaskedRNN(mask, seed=1, recurrent_regularizer=SpatialCommunicability(
        0.1, coordinates=coords, method="sparse"))
    model = keras.Sequential([keras.Input((6, 3)), layer, keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(12).standard_normal((8, 6, 3)).astype(np.float32)
    model.fit(x, np.zeros((8, 2), np.float32), epochs=1, verbose=0)
    dense_penalty = SpatialCommunicability(0.1, coordinates=coords)(tf.constant(layer.dense_recurrent_kernel()))
    assert float(model.losses[0]) == pytest.approx(float(dense_penalty), rel=1e-5)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    # float32: the reloaded model traces its own graph (summation order), so compare to float32 tolerance
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert loaded.layers[0].recurrent_regularizer.method == "sparse"


def test_mask_indices_and_bad_masks():
    import scipy.sparse

    mask = np.zeros((4, 4), bool)
    mask[[0, 2, 2, 3], [1, 0, 3, 3]] = True
    indices, n = mask_indices(mask)
    assert n == 4 and indices.tolist() == [[0, 1], [2, 0], [2, 3], [3, 3]]
    assert mask_indices(scipy.sparse.csr_matrix(mask))[0].tolist() == indices.tolist()
    with pytest.raises(ValueError, match="mask must be square"):
        SparseMaskedRNN(np.ones((3, 4), bool))
    with pytest.raises(ValueError, match="allows no connection"):
        SparseMaskedRNN(np.zeros((3, 3), bool))


def test_build_sernn_with_a_sparse_recurrence_is_the_dense_masked_model():
    from sernn.callbacks import recurrent_kernel_values
    from sernn.models import build_sernn

    mask = np.random.default_rng(13).random((100, 100)) < 0.05
    x = np.random.default_rng(14).standard_normal((4, 10, 8)).astype(np.float32)
    dense = build_sernn(recurrent_constraint=MaskConstraint(mask, nonneg=True), seed=3, noise=0.0)
    sparse = build_sernn(recurrent_constraint=MaskConstraint(mask, nonneg=True), seed=3, noise=0.0,
                         recurrent="sparse")
    assert isinstance(sparse.get_layer("rnn"), SparseMaskedRNN)
    np.testing.assert_array_equal(recurrent_kernel_values(sparse), recurrent_kernel_values(dense))
    np.testing.assert_allclose(sparse.predict(x, verbose=0), dense.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(ValueError, match="recurrent='sparse' needs a MaskConstraint"):
        build_sernn(recurrent="sparse")
