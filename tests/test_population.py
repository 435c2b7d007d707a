"""Population training: K networks as one computation, each exactly the network it would be alone."""
import keras
import numpy as np
import pytest

from sernn.constraints import MaskConstraint
from sernn.models import build_sernn
from sernn.population import Population, seeded_orders
from sernn.regularizers import Communicability, SpatialCommunicability, SpatialL1
from sernn.tasks.maze import _PROBLEM_INPUTS as BANK_X, _PROBLEM_TARGETS as BANK_Y, maze_problems

N, V, EPOCHS = 256, 128, 2


def _members(noise=0.0):
    mask = np.random.default_rng(9).random((100, 100)) < 0.3
    return [dict(seed=3, recurrent_regularizer=SpatialCommunicability(0.3), noise=noise),
            dict(seed=4, recurrent_regularizer=keras.regularizers.L1(0.02), noise=noise),
            dict(seed=5, noise=noise),
            dict(seed=6, recurrent_regularizer=SpatialCommunicability(0.1), noise=noise),
            dict(seed=7, recurrent_regularizer=SpatialL1(0.006), noise=noise),
            dict(seed=8, recurrent_regularizer=Communicability(0.05), noise=noise),
            dict(seed=9, recurrent_constraint=MaskConstraint(mask, nonneg=True), noise=noise),
            dict(seed=10, recurrent_regularizer=SpatialCommunicability(0.3), noise=noise,
                 recurrent_constraint=MaskConstraint(mask))]


def _data(members):
    train = np.stack([maze_problems(N, m["seed"]) for m in members])
    val = np.stack([maze_problems(V, 10000 + m["seed"]) for m in members])
    return train, val


@pytest.fixture(scope="module")
def trained():
    members = _members()
    train, val = _data(members)
    population = Population(members)
    rows, snapshots = population.fit(BANK_X, BANK_Y, train, val, epochs=EPOCHS)
    return members, train, val, population, rows, snapshots


@pytest.mark.slow
def test_members_equal_networks_trained_alone(trained):
    members, train, val, population, rows, snapshots = trained
    assert snapshots.shape == (8, EPOCHS + 1, 100, 100)
    for k, member in enumerate(members):
        model = build_sernn(**member)
        x, y = BANK_X[train[k]], BANK_Y[train[k]]
        history = []
        for epoch in range(EPOCHS):
            order = seeded_orders([member["seed"]], N, epoch)[0]
            fitted = model.fit(x[order], y[order], batch_size=128, epochs=epoch + 1, initial_epoch=epoch,
                               shuffle=False, verbose=0,
                               validation_data=(BANK_X[val[k]], BANK_Y[val[k]]))
            history.append({key: values[0] for key, values in fitted.history.items()})
        weights = model.get_layer("rnn").get_weights()[1]
        # float32 tolerance: the batched products round differently from Keras's (measured <= 1e-6 relative)
        scale = np.abs(weights).max()
        np.testing.assert_allclose(snapshots[k, -1], weights, atol=2e-5 * scale, rtol=0)
        for key in ("loss", "task_loss", "accuracy", "val_loss", "val_accuracy"):
            np.testing.assert_allclose([r[key] for r in rows[k]], [h[key] for h in history], rtol=2e-5,
                                       atol=1e-6, err_msg=f"member {k}: {key}")
        constraint = member.get("recurrent_constraint")
        if constraint is not None:  # masked weights stay exactly 0, signs stay non-negative
            assert np.all(snapshots[k, :, ~constraint.mask] == 0.0)
            if constraint.nonneg:
                assert snapshots[k].min() >= 0.0


@pytest.mark.slow
def test_results_do_not_depend_on_how_runs_are_grouped():
    members = _members(noise=0.05)[:3]
    train, val = _data(members)
    together, grouped = Population(members).fit(BANK_X, BANK_Y, train, val, epochs=1)
    alone, snapshots = Population(members[1:2]).fit(BANK_X, BANK_Y, train[1:2], val[1:2], epochs=1)
    again, snapshots_again = Population(members[1:2]).fit(BANK_X, BANK_Y, train[1:2], val[1:2], epochs=1)
    # the same grouping: bitwise the same
    assert alone[0] == again[0]
    np.testing.assert_array_equal(snapshots, snapshots_again)
    # another grouping: the same data order and noise, so the same network up to the float32 rounding of
    # the matrix products, whose summation order depends on the batch shape (measured: 1.5e-8 in the weights)
    for mine, theirs in zip(together[1], alone[0]):
        assert mine.keys() == theirs.keys()
        for key in mine:
            assert mine[key] == pytest.approx(theirs[key], rel=1e-6), key
    np.testing.assert_allclose(grouped[1], snapshots[0], rtol=0, atol=1e-6)


@pytest.mark.slow
def test_save_load_and_member_extraction(trained, tmp_path):
    members, train, val, population, rows, snapshots = trained
    population.save(tmp_path / "population.npz")
    loaded = Population.load(tmp_path / "population.npz")
    np.testing.assert_array_equal(loaded.recurrent_kernels(), population.recurrent_kernels())
    np.testing.assert_allclose(loaded.penalties(), population.penalties(), rtol=1e-6)
    x = BANK_X[val[0][:32]]
    for k in (0, 6):
        model = population.member_model(k)
        again = loaded.member_model(k)
        np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))
        # the extracted model is the member: same penalty and same outputs as the population
        assert float(sum(model.losses)) == pytest.approx(float(population.penalties()[k]), rel=1e-5) \
            if model.losses else population.penalties()[k] == 0
    evaluation = population.evaluate(BANK_X, BANK_Y, val)
    for k in (0, 3):
        result = population.member_model(k).evaluate(BANK_X[val[k]], BANK_Y[val[k]], verbose=0,
                                                     return_dict=True)
        assert result["accuracy"] == pytest.approx(evaluation["accuracy"][k])
        assert result["loss"] == pytest.approx(evaluation["loss"][k], rel=1e-5)


def test_bad_members_are_refused():
    with pytest.raises(ValueError, match="has no 'seed'"):
        Population([{"noise": 0.0}])
    with pytest.raises(ValueError, match="'units', which cannot differ"):
        Population([{"seed": 0, "units": 50}])
    with pytest.raises(TypeError, match="must be None, a MaskConstraint or a DaleConstraint"):
        Population([{"seed": 0, "recurrent_constraint": keras.constraints.NonNeg()}])
    with pytest.raises(ValueError, match="at least one"):
        Population([])
    with pytest.raises(ValueError, match="loss must be one of 'categorical_crossentropy', 'mse'; got 'mae'"):
        Population([{"seed": 0}], loss="mae")
    with pytest.raises(ValueError, match="optimizer must be one of 'adam', 'rmsprop'; got 'sgd'"):
        Population([{"seed": 0}], optimizer="sgd")
    with pytest.raises(TypeError, match="optimizer must be one of 'adam', 'rmsprop'; got <"):
        Population([{"seed": 0}], optimizer=keras.optimizers.SGD())
    with pytest.raises(ValueError, match="learning_rate must be a finite real number > 0; got 0"):
        Population([{"seed": 0}], learning_rate=0)
    with pytest.raises(TypeError, match="units must be an integer >= 1; got '8' \\(str\\)"):
        Population([{"seed": 0}], units="8")
    population = Population([{"seed": 0}])
    with pytest.raises(ValueError, match="the weights must have shape \\(8,\\)"):
        population.fit(BANK_X, BANK_Y, np.zeros((1, 100), dtype=int), epochs=1, bank_weights=np.ones((8, 2)))
    with pytest.raises(ValueError, match="shape \\(K=1, N\\)"):
        population.fit(BANK_X, BANK_Y, np.zeros((2, 128), dtype=int), epochs=1)


def test_a_population_too_large_for_memory_is_refused_before_training(monkeypatch):
    import sernn.population as population_module

    population = Population([{"seed": 0}, {"seed": 1}])
    need = population_module.memory_estimate(2, 100, 128, 50)
    # 2 members at batch 128, 50 steps, 100 units: 2 * (3*4*128*50*100 + 12*4*100*100) bytes
    assert need == 2 * (3 * 4 * 128 * 50 * 100 + 12 * 4 * 100 * 100)
    monkeypatch.setattr(population_module, "available_memory", lambda: int(need))
    before = population.recurrent_kernels()
    with pytest.raises(ValueError, match="a population of 2 networks needs about .* use a population of at most 1"):
        population.fit(BANK_X, BANK_Y, np.zeros((2, 128), dtype=int), epochs=1)
    np.testing.assert_array_equal(population.recurrent_kernels(), before)


def _memory_members(shared_data):
    """Connectome-masked members (macaque, 1 neuron per region) of two strategies and two seeds."""
    from sernn.connectomes import load, strategy_network
    from sernn.connectomes.catalog import find_connectome
    from sernn.initializers.connectome import connectome_recurrent

    connectome = load(find_connectome("macaque", shared_data / "connectomes"))
    members = []
    for strategy, seed in (("b_w_eq", 0), ("r_b_w_div", 1), ("b_w_no", 1)):
        network = strategy_network(connectome, strategy, 1, seed=seed)
        units, initializer, constraint = connectome_recurrent(network, strategy, seed=seed)
        members.append(dict(seed=seed, noise=0.0, recurrent_initializer=initializer,
                            recurrent_constraint=constraint))
    return units, members


@pytest.mark.slow
@pytest.mark.parametrize("task, optimizer", [("sequence", "rmsprop"), ("nback", "adam")])
def test_memory_members_equal_networks_trained_alone(shared_data, task, optimizer):
    """Per-step read-out, per-step sample weights, MSE or cross-entropy, RMSprop or Adam and a last
    batch of 20 trials (100 = 2 x 40 + 20): each member is the Keras-fitted network."""
    from sernn.tasks.memory import nback, sequence_memory

    units, members = _memory_members(shared_data)
    data = [sequence_memory(100, 3, seed=m["seed"]) if task == "sequence" else nback(100, 2, seed=m["seed"])
            for m in members]
    held_out = [sequence_memory(30, 3, seed=50 + m["seed"]) if task == "sequence"
                else nback(30, 2, seed=50 + m["seed"]) for m in members]
    bank = [np.concatenate([getattr(d, name) for d in data]) for name in ("x", "y", "sample_weight")]
    val_bank = [np.concatenate([getattr(d, name) for d in held_out]) for name in ("x", "y", "sample_weight")]
    index = np.arange(300).reshape(3, 100)
    val_index = np.arange(90).reshape(3, 30)
    sequence = task == "sequence"
    shape = dict(units=units, input_size=2, output_size=1 if sequence else 2,
                 output_activation="linear" if sequence else "softmax", return_sequences=True)
    loss = "mse" if sequence else "categorical_crossentropy"
    population = Population(members, **shape, loss=loss, optimizer=optimizer, learning_rate=3e-3)
    rows, snapshots = population.fit(*bank[:2], index, val_index, epochs=2, batch_size=40,
                                     validation_bank=val_bank, bank_weights=bank[2])
    for k, member in enumerate(members):
        model = build_sernn(**shape, **member, loss=loss, metrics=(), optimizer=optimizer, learning_rate=3e-3,
                            weighted_metrics=[] if sequence else ["accuracy"])
        history = []
        for epoch in range(2):
            order = seeded_orders([member["seed"]], 100, epoch)[0]
            d = data[k]
            fitted = model.fit(d.x[order], d.y[order], sample_weight=d.sample_weight[order], batch_size=40,
                               epochs=epoch + 1, initial_epoch=epoch, shuffle=False, verbose=0,
                               validation_data=(held_out[k].x, held_out[k].y, held_out[k].sample_weight))
            history.append({key: values[0] for key, values in fitted.history.items()})
        weights = model.get_layer("rnn").get_weights()[1]
        np.testing.assert_allclose(snapshots[k, -1], weights, atol=2e-5 * np.abs(weights).max(), rtol=0)
        keys = ["loss", "task_loss", "val_loss", "val_task_loss"] + ([] if sequence else ["accuracy", "val_accuracy"])
        for key in keys:
            np.testing.assert_allclose([r[key] for r in rows[k]], [h[key] for h in history], rtol=2e-5,
                                       atol=1e-6, err_msg=f"member {k}: {key}")
        assert np.all(snapshots[k][:, ~member["recurrent_constraint"].mask] == 0.0)
    if not sequence:  # a member model extracted from the population evaluates as the population does
        result = population.evaluate(*val_bank[:2], val_index, batch_size=40, bank_weights=val_bank[2])
        model = population.member_model(1)
        keras_result = model.evaluate(held_out[1].x, held_out[1].y, sample_weight=held_out[1].sample_weight,
                                      batch_size=40, verbose=0, return_dict=True)
        assert keras_result["loss"] == pytest.approx(result["loss"][1], rel=1e-5)


# -- one architecture definition; the penalty protocol ---------------------------------------------------

def _random_weights(population, seed):
    """Give every member random weights (non-zero biases too), so the comparison covers every term."""
    rng = np.random.default_rng(seed)
    for variable in population.variables.values():
        variable.assign(rng.normal(scale=0.4, size=variable.shape).astype("float32"))


@pytest.mark.parametrize("return_sequences", [False, True])
def test_forward_pass_equals_the_build_sernn_model_of_the_same_weights(return_sequences):
    shape = dict(units=7, input_size=3, output_size=2, activation="tanh", return_sequences=return_sequences,
                 output_activation="linear" if return_sequences else "softmax")
    members = [{"seed": 1, "noise": 0.0}, {"seed": 2, "noise": 0.0}, {"seed": 3, "noise": 0.0}]
    population = Population(members, **shape)
    _random_weights(population, 40)
    x = np.random.default_rng(41).normal(size=(3, 4, 6, 3)).astype("float32")  # (K, B, T, d)
    outputs = np.asarray(population.architecture.forward(x, population.variables))
    assert outputs.shape == ((3, 4, 6, 2) if return_sequences else (3, 4, 2))
    for k, member in enumerate(members):
        model = build_sernn(**shape, **member, compile=False)
        assert [layer.name for layer in model.layers] == ["inputs", "rnn", "readout"]
        values = {name: variable.numpy()[k] for name, variable in population.variables.items()}
        model.get_layer("rnn").set_weights([values["kernel"], values["recurrent_kernel"], values["bias"]])
        model.get_layer("readout").set_weights([values["readout_kernel"], values["readout_bias"]])
        np.testing.assert_allclose(outputs[k], np.asarray(model(x[k])), rtol=1e-5, atol=1e-6)


def test_members_of_one_cost_share_one_group_and_penalties_equal_each_members():
    rng = np.random.default_rng(42)
    xyz, other = rng.uniform(0, 3, size=(8, 3)), rng.uniform(0, 3, size=(8, 3))
    regs = [SpatialCommunicability(0.3, coordinates=xyz), SpatialCommunicability(0.1, coordinates=xyz),
            SpatialCommunicability(0.3, coordinates=other), keras.regularizers.L1(0.02), None,
            keras.regularizers.L2(0.01), keras.regularizers.L1(0.5),
            SpatialL1(0.2, coordinates=xyz, method="sparse"), SpatialL1(0.1, coordinates=xyz, method="sparse")]
    population = Population([{"seed": k, "recurrent_regularizer": reg} for k, reg in enumerate(regs)], units=8)
    groups = sorted(sorted(members.tolist()) for members, _, _ in population.penalty.groups)
    assert groups == [[0, 1], [2], [3, 6], [5], [7, 8]]
    strengths = {k: s for members, group, _ in population.penalty.groups for k, s in zip(members, group)}
    assert strengths[1] == np.float32(0.1) and strengths[6] == np.float32(0.5)
    _random_weights(population, 43)
    kernels = population.recurrent_kernels()
    expected = [0.0 if reg is None else float(reg(keras.ops.convert_to_tensor(W))) for reg, W in zip(regs, kernels)]
    np.testing.assert_allclose(population.penalties(), expected, rtol=2e-5, atol=1e-7)
    # the shared computations train (the support method's group of two included)
    rows, _ = population.fit(BANK_X, BANK_Y, np.tile(np.arange(8), (len(regs), 1)), epochs=1, batch_size=4)
    assert all(np.isfinite(row[0]["loss"]) for row in rows) and rows[4][0]["reg_loss"] == 0.0
