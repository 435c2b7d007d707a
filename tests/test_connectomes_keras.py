"""Bio-instantiated RNNs in Keras: the connectome initializer, the mask during training, saving."""
import keras
import numpy as np
import pytest
from scipy.stats import spearmanr

import sernn.connectomes as sc
from sernn.constraints import MaskConstraint
from sernn.initializers import ConnectomeInitializer, connectome_recurrent
from sernn.initializers.connectome import rank_order_map
from sernn.models import build_sernn
from sernn.tasks import sequence_memory


@pytest.fixture(scope="module")
def macaque(shared_data):
    return sc.load(shared_data / "connectomes" / "macaque_markov2014.csv")


def test_topology_only_is_mask_times_the_uniform_init(macaque):
    net = sc.expand(macaque, 3, seed=0)
    kernel = ConnectomeInitializer(net, mapping="topology", seed=9)((net.n_units,) * 2)
    kernel = keras.ops.convert_to_numpy(kernel)
    limit = np.sqrt(1.0 / net.n_units)
    draws = np.random.default_rng(9).uniform(-limit, limit, size=(net.n_units, net.n_units))
    np.testing.assert_allclose(kernel, (draws * net.mask).astype(np.float32))
    assert np.abs(kernel).max() <= limit


@pytest.mark.parametrize("mapping", ["diverse", "equal"])
def test_rank_order_mapping_has_spearman_one(macaque, mapping):
    net = sc.expand(macaque, 3, mapping=mapping, seed=1)
    kernel = ConnectomeInitializer(net, mapping="rank", seed=4).initial_kernel()
    on_mask = net.mask.astype(bool)
    assert np.array_equal(kernel != 0, on_mask)
    rho = spearmanr(net.weights[on_mask], kernel[on_mask]).statistic
    assert rho == pytest.approx(1.0, abs=1e-12)
    limit = np.sqrt(1.0 / net.n_units)
    draws = np.random.default_rng(4).uniform(-limit, limit, size=kernel.shape)[on_mask]
    assert kernel[on_mask].mean() == pytest.approx(draws.mean(), abs=1e-12)  # same values, re-assigned
    if mapping == "diverse":  # no ties: exactly the sorted draws, largest to the largest bio weight
        np.testing.assert_array_equal(np.sort(kernel[on_mask]), np.sort(draws))
        strongest = np.unravel_index(np.argmax(net.weights), net.weights.shape)
        assert kernel[strongest] == draws.max()


def test_random_tie_breaking_gives_distinct_values():
    bio = np.array([1.0, 1.0, 1.0, 2.0, 3.0])
    init = np.array([0.5, -0.2, 0.1, 0.3, -0.4])
    mean_ties = rank_order_map(bio, init, ties="mean")
    tied = (-0.4 - 0.2 + 0.1) / 3  # the three smallest draws, shared by the three tied weights
    np.testing.assert_allclose(mean_ties, [tied, tied, tied, 0.3, 0.5])
    random_ties = rank_order_map(bio, init, ties="random", rng=np.random.default_rng(0))
    np.testing.assert_array_equal(np.sort(random_ties[:3]), [-0.4, -0.2, 0.1])
    assert list(random_ties[3:]) == [0.3, 0.5]


def test_initializer_rejects_wrong_shapes_and_modes(macaque):
    net = sc.expand(macaque, 2, seed=0)
    with pytest.raises(ValueError, match="set the layer's units to 58"):
        ConnectomeInitializer(net)((10, 10))
    with pytest.raises(ValueError, match="mapping"):
        ConnectomeInitializer(net, mapping="equal")
    with pytest.raises(ValueError, match="does not match the network"):
        connectome_recurrent(sc.strategy_network(macaque, "b_w_eq", 2, seed=0), "b_w_div")


def test_strategy_defaults_to_the_one_the_network_was_built_for(macaque):
    net = sc.strategy_network(macaque, "b_w_no", 2, seed=0)
    _, init, _ = connectome_recurrent(net, seed=3)
    assert init.mapping == "topology"
    limit = np.sqrt(1.0 / net.n_units)
    draws = np.random.default_rng(3).uniform(-limit, limit, size=(net.n_units, net.n_units))
    np.testing.assert_array_equal(init.initial_kernel(), draws * net.mask)
    assert connectome_recurrent(sc.expand(macaque, 2, seed=0))[1].mapping == "rank"  # no code: rank
    model = build_sernn(connectome=net, input_size=2, output_size=1, noise=0.0, seed=3, compile=False)
    kernel = model.get_layer("rnn").cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(kernel, (draws * net.mask).astype(np.float32))
    with pytest.raises(ValueError, match="strategy must be 'rank', 'topology' or a code of b_w_no"):
        connectome_recurrent(net, "equal")


def test_initializer_config_round_trip(macaque):
    net = sc.expand(macaque, 2, seed=0)
    init = ConnectomeInitializer(net, mapping="rank", seed=3)
    clone = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert isinstance(clone, ConnectomeInitializer)
    np.testing.assert_array_equal(clone.bio_weights, net.weights)  # stored exactly
    np.testing.assert_array_equal(clone.initial_kernel(), init.initial_kernel())


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["b_w_div", "r_b_w_no"])
def test_training_keeps_masked_weights_exactly_zero_and_model_saves(macaque, strategy, tmp_path):
    net = sc.strategy_network(macaque, strategy, 2, seed=0)
    model = build_sernn(connectome=net, strategy=strategy, input_size=2, output_size=1,
                        return_sequences=True, output_activation="linear", loss="mse", metrics=(),
                        weighted_metrics=[], noise=0.0, learning_rate=0.05, seed=0)
    rnn = model.get_layer("rnn")
    assert rnn.cell.units == net.n_units
    assert isinstance(rnn.cell.recurrent_constraint, MaskConstraint)
    before = rnn.cell.recurrent_kernel.numpy().copy()
    x, y, w = sequence_memory(64, 3, seed=0)
    model.fit(x, y, sample_weight=w, epochs=2, batch_size=16, verbose=0)
    after = rnn.cell.recurrent_kernel.numpy()
    off = net.mask == 0
    assert np.count_nonzero(after[off]) == 0          # exactly zero, not just small
    assert np.abs(after - before)[~off].max() > 1e-3  # existing connections did train
    path = tmp_path / "bio.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.get_layer("rnn").cell.recurrent_kernel.numpy(), after)
    np.testing.assert_allclose(loaded.predict(x[:4], verbose=0), model.predict(x[:4], verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_build_sernn_rejects_a_second_constraint(macaque):
    net = sc.expand(macaque, 1, seed=0)
    with pytest.raises(ValueError, match="cannot be combined with connectome"):
        build_sernn(connectome=net, recurrent_constraint=keras.constraints.NonNeg(), compile=False)


@pytest.mark.slow
def test_combines_with_the_spatial_communicability_regulariser(macaque):
    from scipy.linalg import expm
    from scipy.spatial.distance import cdist

    from sernn.regularizers import SpatialCommunicability

    net = sc.strategy_network(macaque, "b_w_div", 2, seed=0)
    centroids = np.random.default_rng(0).uniform(0, 30, size=(macaque.n_regions, 3))
    positions = net.positions(centroids, jitter=1.0, seed=0)
    regularizer = SpatialCommunicability(0.01, coordinates=positions)
    model = build_sernn(connectome=net, strategy="b_w_div", input_size=2, output_size=1,
                        recurrent_regularizer=regularizer, return_sequences=True,
                        output_activation="linear", loss="mse", metrics=(), weighted_metrics=[],
                        noise=0.0, seed=0)
    x, y, w = sequence_memory(32, 3, seed=0)
    model.fit(x, y, sample_weight=w, epochs=1, batch_size=16, verbose=0)
    kernel = model.get_layer("rnn").cell.recurrent_kernel.numpy().astype(np.float64)
    assert np.count_nonzero(kernel[net.mask == 0]) == 0
    a = np.abs(kernel)
    s = a.sum(axis=1) ** -0.5
    comm = expm(s[:, None] * a * s[None, :])
    np.fill_diagonal(comm, 0)
    expected = 0.01 * (a * comm * cdist(positions, positions)).sum()
    assert float(regularizer(model.get_layer("rnn").cell.recurrent_kernel)) == pytest.approx(expected,
                                                                                             rel=1e-3)
