"""Function- and synapse-derived initializers, C* regulariser, mask + sign through training."""
import numpy as np
import pytest
from scipy.stats import wasserstein_distance

import keras
from sernn import microns
from sernn.communicability import communicability
from sernn.constraints import MaskConstraint
from sernn.initializers import FunctionalInitializer, ScaledLognormalInitializer, SynapseInitializer
from sernn.initializers.functional import functional_weights, synapse_weights
from sernn.initializers.microns_kernels import diagonal_share, lognormal_weights
from sernn.models import build_sernn
from sernn.regularizers import CommunicabilityMatching
from sernn.tasks import go_nogo


def _relations(n, seed):
    rng = np.random.default_rng(seed)
    traces = rng.gamma(0.5, size=(n, 400)) + 0.5 * rng.gamma(0.5, size=(1, 400))
    corr = np.corrcoef(traces)
    sttc = np.clip(corr + 0.1 * rng.normal(size=(n, n)), -1, 1)
    sttc = (sttc + sttc.T) / 2
    np.fill_diagonal(sttc, 1.0)
    return corr, sttc


def test_functional_weights_follow_the_recipe():
    n, seed = 12, 5
    corr, sttc = _relations(n, 0)
    W = functional_weights(corr, sttc, seed=seed)
    # Reference: the published recipe written out step by step.
    off = ~np.eye(n, dtype=bool)
    mm = lambda m: (m - m[off].min()) / (m[off].max() - m[off].min())
    ref = np.random.default_rng(seed).lognormal(-0.5, 0.5, (n, n)) * mm(corr) * mm(sttc)
    ref[~off] = 0
    ref *= 0.1 / ref[off].mean()
    zeroed = ref.copy()
    ref = np.maximum(ref, 0.01 * (ref != 0))  # the study's floor on non-zero weights
    assert ((ref == 0.01).sum() > 0) and ((zeroed > 0) & (zeroed < 0.01)).sum() > 0  # the floor acts here
    ref *= 0.95 / np.abs(np.linalg.eigvals(ref)).max()
    assert np.allclose(W, ref)
    assert np.abs(np.linalg.eigvals(W)).max() == pytest.approx(0.95)
    assert (W >= 0).all() and np.all(np.diag(W) == 0)
    assert np.array_equal(W, functional_weights(corr, sttc, seed=seed))
    assert not np.allclose(W, functional_weights(corr, sttc, seed=seed + 1))
    # small="zero": the entries under 0.01 are removed instead
    zeroed[zeroed < 0.01] = 0
    zeroed *= 0.95 / np.abs(np.linalg.eigvals(zeroed)).max()
    assert np.allclose(functional_weights(corr, sttc, seed=seed, small="zero"), zeroed)


def test_the_published_code_recipe_keeps_the_diagonal_and_scales_whole_matrices():
    # The study's notebook, step by step: min-max over the whole matrices, mean over all
    # entries, floor on non-zeros, spectral radius 0.95; the diagonal (corr = STTC = 1) stays.
    n, seed = 12, 3
    corr, sttc = _relations(n, 0)
    mm = lambda m: (m - m.min()) / (m.max() - m.min())
    ref = np.random.default_rng(seed).lognormal(-0.5, 0.5, (n, n)) * mm(corr) * mm(sttc)
    ref *= 0.1 / ref.mean()
    ref = np.maximum(ref, 0.01 * (ref != 0))
    ref *= 0.95 / np.abs(np.linalg.eigvals(ref)).max()
    W = functional_weights(corr, sttc, seed=seed, recipe="published-code")
    assert np.allclose(W, ref)
    assert diagonal_share(W) > diagonal_share(functional_weights(corr, sttc, seed=seed)) == 0.0
    # the STTC-only and precision arms: one relation, or the precision matrix in corr's place
    only = np.random.default_rng(seed).lognormal(-0.5, 0.5, (n, n)) * mm(sttc)
    only *= 0.1 / only.mean()
    only = np.maximum(only, 0.01 * (only != 0))
    only *= 0.95 / np.abs(np.linalg.eigvals(only)).max()
    assert np.allclose(functional_weights(None, sttc, seed=seed, recipe="published-code"), only)
    with pytest.raises(ValueError, match="recipe must be one of"):
        functional_weights(corr, sttc, recipe="notebook")


def test_the_lognormal_control_is_scaled_like_w_star():
    W = lognormal_weights(20, seed=4)
    ref = np.random.default_rng(4).lognormal(-0.5, 0.5, (20, 20))
    np.fill_diagonal(ref, 0)
    ref *= 0.1 / ref[~np.eye(20, dtype=bool)].mean()
    ref = np.maximum(ref, 0.01 * (ref != 0))
    ref *= 0.95 / np.abs(np.linalg.eigvals(ref)).max()
    assert np.allclose(W, ref)
    kernel = np.asarray(ScaledLognormalInitializer(seed=4)((20, 20)))
    assert np.allclose(kernel, W, atol=1e-7)
    assert ScaledLognormalInitializer.from_config(ScaledLognormalInitializer(seed=4).get_config()).params["seed"] == 4


def test_permuted_controls():
    corr, sttc = _relations(15, 1)
    W = functional_weights(corr, sttc, seed=2)
    entries = functional_weights(corr, sttc, seed=2, permute="entries")
    off = ~np.eye(15, dtype=bool)
    # same weights up to the spectral-radius rescaling, at other positions
    ratio = np.sort(entries[off])[-1] / np.sort(W[off])[-1]
    assert np.allclose(np.sort(entries[off]), np.sort(W[off]) * ratio)
    assert not np.allclose(entries, W * ratio)
    assert np.abs(np.linalg.eigvals(entries)).max() == pytest.approx(0.95)
    neurons = functional_weights(corr, sttc, seed=2, permute="neurons")
    assert np.allclose(np.sort(neurons.ravel()), np.sort(W.ravel()))  # an isomorphic graph
    with pytest.raises(ValueError, match="permute"):
        functional_weights(corr, sttc, permute="rows")
    with pytest.raises(ValueError, match="same shape"):
        functional_weights(corr, sttc[:5, :5])
    for bad in (dict(mu="a"), dict(target_mean=True), dict(threshold=None)):
        name = next(iter(bad))
        with pytest.raises(TypeError, match=f"{name} must be a finite real number; got"):
            FunctionalInitializer(corr, sttc, seed=0, **bad)
    with pytest.raises(ValueError, match="sigma must be a finite real number > 0; got -1"):
        functional_weights(corr, sttc, sigma=-1)
    with pytest.raises(TypeError, match="seed must be an integer >= 0 or None; got 1.5"):
        FunctionalInitializer(corr, sttc, seed=1.5)
    with pytest.raises(ValueError, match="sttc has no finite"):
        functional_weights(corr, np.full_like(sttc, np.nan))
    with pytest.raises(TypeError, match="spectral_radius must be a finite real number; got 'x'"):
        SynapseInitializer(np.abs(corr), spectral_radius="x")


def test_synapse_initializer_on_pinky100(shared_data):
    folder = shared_data / "microns"
    if not (folder / "pinky100_soma.csv").exists():
        pytest.skip("pinky100 files not found")
    cells, synapses = microns.load_pinky100(folder)
    W, _ = microns.wiring_matrix(synapses, cells.root_id)
    init = SynapseInitializer(W)
    kernel = np.asarray(init((363, 363)))
    support = W > 0
    assert np.array_equal(kernel != 0, support)
    ratios = kernel[support] / W[support]
    assert np.allclose(ratios, ratios[0], rtol=1e-5)  # proportional to synapse counts
    assert np.abs(np.linalg.eigvals(kernel.astype(float))).max() == pytest.approx(0.95, rel=1e-4)
    signs = np.where(np.arange(363) % 5 == 0, -1.0, 1.0)
    signed = synapse_weights(W, signs=signs)
    assert (signed[signs < 0] <= 0).all() and (signed[signs > 0] >= 0).all()
    with pytest.raises(ValueError, match="asks for"):
        init((10, 10))
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(init))
    assert isinstance(again, SynapseInitializer)
    assert np.array_equal(again.initial_kernel(), init.initial_kernel())


def test_matching_penalty_value_and_gradient():
    import tensorflow as tf

    rng = np.random.default_rng(4)
    n = 10
    target = (rng.random((n, n)) < 0.3) * rng.integers(1, 5, (n, n)).astype(float)
    np.fill_diagonal(target, 0)
    coords = rng.random((n, 3)) * 100
    reg = CommunicabilityMatching(0.0, target, matching_strength=1.0, coordinates=coords)
    W = rng.normal(size=(n, n))
    off = ~np.eye(n, dtype=bool)
    expected = wasserstein_distance(communicability(W)[off], communicability(target)[off]) \
        / communicability(target)[off].mean()
    assert float(reg(W.astype("float32"))) == pytest.approx(expected, rel=1e-4)
    assert float(reg(target.astype("float32"))) == pytest.approx(0.0, abs=1e-6)
    # a target of another size is sampled at its quantile midpoints: every value given twice
    # (2k values) has the same quantile function, so the same distance
    doubled = np.repeat(communicability(target)[off], 2)
    resampled = CommunicabilityMatching(0.0, doubled, matching_strength=1.0, coordinates=coords)
    assert float(resampled(W.astype("float32"))) == pytest.approx(expected, rel=1e-4)
    # the distance term is SpatialL1 with size normalisation
    both = CommunicabilityMatching(0.01, target, matching_strength=1.0, coordinates=coords)
    from sernn.regularizers import SpatialL1
    spatial = SpatialL1(0.01, coordinates=coords, normalization="size")
    assert float(both(W.astype("float32"))) == pytest.approx(
        float(spatial(W.astype("float32"))) + expected, rel=1e-4)
    # gradient descent on the matching term alone brings the distributions closer
    var = tf.Variable(W.astype("float32"))
    start = float(reg(var))
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = reg(var)
        grad = tape.gradient(loss, var)
        assert np.isfinite(grad.numpy()).all()
        var.assign_sub(2.0 * grad)
    assert float(reg(var)) < 0.3 * start


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_mask_and_sign_through_training_and_save(tmp_path):
    rng = np.random.default_rng(0)
    n = 16
    wiring = (rng.random((n, n)) < 0.35) * rng.integers(1, 4, (n, n)).astype(float)
    np.fill_diagonal(wiring, 0)
    mask = wiring > 0
    corr, sttc = _relations(n, 3)
    target = wiring
    coords = rng.random((n, 3)) * 50
    model = build_sernn(units=n, input_size=3, output_size=2, seed=1,
                        recurrent_initializer="orthogonal",
                        recurrent_constraint=MaskConstraint(mask, nonneg=True),
                        recurrent_regularizer=CommunicabilityMatching(0.01, target, coordinates=coords))
    x, y = go_nogo(64, seed=0)
    before = keras.ops.convert_to_numpy(model.get_layer("rnn").cell.recurrent_kernel).copy()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    after = keras.ops.convert_to_numpy(model.get_layer("rnn").cell.recurrent_kernel)
    assert not np.allclose(before, after)  # it trained
    assert np.all(after[~mask] == 0.0)  # exactly zero outside the EM wiring
    assert np.all(after >= 0.0)  # positive-only recurrence
    # a model with the functional initializer and C* round-trips through save/load
    fmodel = build_sernn(units=n, input_size=3, output_size=2, seed=2,
                         recurrent_initializer=FunctionalInitializer(corr, sttc, seed=3),
                         recurrent_regularizer=CommunicabilityMatching(0.01, target, coordinates=coords))
    kernel = keras.ops.convert_to_numpy(fmodel.get_layer("rnn").cell.recurrent_kernel)
    assert np.allclose(kernel, functional_weights(corr, sttc, seed=3), atol=1e-6)
    path = tmp_path / "functional.keras"
    fmodel.save(path)
    loaded = keras.models.load_model(path)
    reg = loaded.get_layer("rnn").cell.recurrent_regularizer
    assert isinstance(reg, CommunicabilityMatching)
    assert float(reg(kernel)) == pytest.approx(
        float(fmodel.get_layer("rnn").cell.recurrent_regularizer(kernel)), rel=1e-6)
    assert np.allclose(loaded.predict(x[:4], verbose=0), fmodel.predict(x[:4], verbose=0), atol=1e-6)
    config = keras.saving.serialize_keras_object(FunctionalInitializer(corr, sttc, seed=3))
    again = keras.saving.deserialize_keras_object(config)
    assert np.allclose(again.initial_kernel(), functional_weights(corr, sttc, seed=3))
