"""Dale's law: signs per presynaptic unit, balanced E/I kernels, the sign constraint through training."""
import keras
import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from sernn.constraints import DaleConstraint
from sernn.dale import balanced_ei_weights, check_signs, dale_signs
from sernn.initializers import BalancedEIInitializer
from sernn.microns import CELL_CLASSES
from sernn.models import build_sernn
from sernn.regularizers import SpatialL1
from sernn.tasks import go_nogo

N = 200                       # units of the eigenvalue tests
F_E = 0.8                     # excitatory fraction
HALF_NORMAL_MEAN = np.sqrt(2 / np.pi)        # E|z|, z ~ N(0, 1)
HALF_NORMAL_VAR = 1 - 2 / np.pi              # var|z|


# --------------------------------------------------------------------------- signs


def test_signs_from_an_excitatory_fraction_are_the_first_units():
    assert dale_signs(10, e_fraction=0.8).tolist() == [1.0] * 8 + [-1.0] * 2
    # 0.25 * 10 = 2.5 is rounded half up to 3 (Python's round would give 2)
    assert dale_signs(10, e_fraction=0.25).tolist() == [1.0] * 3 + [-1.0] * 7
    assert dale_signs(3, e_fraction=0.5).tolist() == [1.0, 1.0, -1.0]      # 1.5 -> 2
    assert dale_signs(10, e_fraction=0.8).dtype == np.float64


def test_signs_from_an_excitatory_fraction_with_a_seed_are_a_seeded_choice():
    chosen = np.random.default_rng(3).choice(10, 8, replace=False)
    expected = -np.ones(10)
    expected[chosen] = 1.0
    signs = dale_signs(10, e_fraction=0.8, seed=3)
    assert np.array_equal(signs, expected)
    assert int((signs == 1).sum()) == 8 and int((signs == -1).sum()) == 2
    assert np.array_equal(dale_signs(10, e_fraction=0.8, seed=3), signs)
    other = -np.ones(10)
    other[np.random.default_rng(4).choice(10, 8, replace=False)] = 1.0
    assert not np.array_equal(other, expected)          # the two seeds choose different units ...
    assert np.array_equal(dale_signs(10, e_fraction=0.8, seed=4), other)   # ... and so does dale_signs


def test_signs_from_labels_in_any_case():
    labels = ["E", "excitatory", "I", "Inhibitory", "e", "INHIBITORY", " i "]
    expected = [1.0, 1.0, -1.0, -1.0, 1.0, -1.0, -1.0]
    assert dale_signs(labels=labels).tolist() == expected
    assert dale_signs(labels=np.array(labels)).tolist() == expected
    assert dale_signs(labels=pd.Series(labels)).tolist() == expected
    assert dale_signs(7, labels=labels).tolist() == expected
    # the cell_class column of a MICrONS cell table
    assert dale_signs(labels=["excitatory", "inhibitory"]).tolist() == [1.0, -1.0]


def test_signs_from_microns_cell_types():
    types = ["23P", "4P", "5P_IT", "5P_ET", "5P_NP", "6P", "6CT", "6IT", "BC", "BPC", "MC", "NGC",
             "bc", "6p-ct", "5P-PT"]
    expected = [1.0] * 8 + [-1.0] * 4 + [-1.0, 1.0, 1.0]
    assert dale_signs(cell_types=types).tolist() == expected
    # every name of the loader's table gets its class
    names = sorted(CELL_CLASSES)
    classes = np.array([CELL_CLASSES[name] for name in names])
    assert np.array_equal(dale_signs(cell_types=names), np.where(classes == "excitatory", 1.0, -1.0))
    assert {"23P", "BC", "Unsure I"} <= set(names)


@pytest.mark.parametrize("kwargs, error, message", [
    ({}, ValueError, "give exactly one of e_fraction, labels, cell_types; got none"),
    ({"units": 2, "e_fraction": 0.5, "labels": ["E", "I"]}, ValueError,
     "give exactly one of e_fraction, labels, cell_types; got e_fraction, labels"),
    ({"units": 10, "e_fraction": 1.5}, ValueError, "e_fraction must be a finite real number in (0, 1); got 1.5"),
    ({"units": 10, "e_fraction": 0.0}, ValueError, "e_fraction must be a finite real number in (0, 1); got 0.0"),
    ({"units": 10, "e_fraction": float("nan")}, ValueError, "e_fraction must be a finite real number in (0, 1)"),
    ({"units": 10, "e_fraction": "0.8"}, TypeError, "e_fraction must be a finite real number in (0, 1); got '0.8'"),
    ({"e_fraction": 0.8}, ValueError, "units must be given with e_fraction"),
    ({"units": 10.0, "e_fraction": 0.8}, TypeError, "units must be an integer >= 1 or None; got 10.0"),
    ({"units": 0, "e_fraction": 0.8}, ValueError, "units must be an integer >= 1 or None; got 0"),
    ({"units": 10, "e_fraction": 0.97}, ValueError, "e_fraction must leave both groups non-empty, i.e. be in "
                                                    "[0.05, 0.95) for units=10; got 0.97 (10 excitatory"),
    ({"units": 10, "e_fraction": 0.04}, ValueError, "got 0.04 (0 excitatory of 10 units)"),
    ({"units": 10, "e_fraction": 0.8, "seed": -1}, ValueError, "seed must be an integer >= 0 or None; got -1"),
    ({"labels": "EEI"}, TypeError, "labels must be a non-empty sequence of strings; got 'EEI' (str)"),
    ({"labels": 3}, TypeError, "labels must be a non-empty sequence of strings; got 3 (int)"),
    ({"labels": []}, ValueError, "labels must be a non-empty sequence of strings; got an empty sequence"),
    ({"labels": ["E", 1]}, TypeError, "labels must be a non-empty sequence of strings; got 1 (int) at position 1"),
    ({"labels": ["E", "X", "I", "pyramidal"]}, ValueError,
     "labels must hold only 'E' or 'excitatory' and 'I' or 'inhibitory' (any case); "
     "got 'X' at position 1, 'pyramidal' at position 3"),
    ({"labels": ["E", "I"], "units": 3}, ValueError, "units must equal the number of labels (2); got 3"),
    ({"labels": ["E", "I"], "seed": 0}, ValueError, "seed is only used with e_fraction"),
    ({"cell_types": ["23P", "L5"]}, ValueError, "cell_types must hold only MICrONS cell types, one of "),
    ({"cell_types": ["23P", None]}, TypeError, "cell_types must be a non-empty sequence of strings; got None"),
])
def test_bad_sign_sources_are_refused_with_the_argument_named(kwargs, error, message):
    with pytest.raises(error) as caught:
        dale_signs(**kwargs)
    assert message in str(caught.value)


def test_an_unknown_cell_type_lists_the_accepted_ones():
    with pytest.raises(ValueError) as caught:
        dale_signs(cell_types=["23P", "L5", "BC", "chandelier"])
    text = str(caught.value)
    assert "'L5' at position 1, 'chandelier' at position 3" in text
    assert all(repr(name) in text for name in CELL_CLASSES)


@pytest.mark.parametrize("signs, error, message", [
    ([1, 0, -1], ValueError, "signs must hold only +1 (excitatory) and -1 (inhibitory); got 1 other value(s), "
                             "e.g. 0 at position 1"),
    ([1.0, -1.0, 2.0, 0.5], ValueError, "got 2 other value(s), e.g. 2.0 at position 2"),
    ([[1, -1], [1, 1]], ValueError,
     "signs must be a non-empty 1-D array of +1/-1 values; got an array of shape (2, 2)"),
    ([], ValueError, "signs must be a non-empty 1-D array of +1/-1 values"),
    (["E", "I"], TypeError, "signs must be a 1-D array of +1/-1 values"),
    ([True, False], TypeError, "signs must be a 1-D array of +1/-1 values"),
    ([1, [1, -1]], TypeError, "signs must be a 1-D array of +1/-1 values"),
])
def test_check_signs_refuses_anything_but_plus_and_minus_one(signs, error, message):
    with pytest.raises(error) as caught:
        check_signs(signs)
    assert message in str(caught.value)


# --------------------------------------------------------------------------- balanced kernels


def _signs():
    return dale_signs(N, e_fraction=F_E)


def test_the_magnitudes_are_the_documented_half_normal_draws():
    signs = _signs()
    raw = balanced_ei_weights(signs, spectral_radius=None, balance="none", seed=7)
    expected = signs[:, None] * np.abs(np.random.default_rng(7).standard_normal((N, N))) / np.sqrt(N)
    np.testing.assert_array_equal(raw, expected)


def test_exact_balance_scales_the_inhibitory_entries_of_each_column_so_that_every_column_sums_to_zero():
    signs = _signs()
    E, I = signs > 0, signs < 0
    raw = balanced_ei_weights(signs, spectral_radius=None, balance="none", seed=0)
    exact = balanced_ei_weights(signs, spectral_radius=None, balance="exact", seed=0)
    # excitatory rows untouched; inhibitory entry (i, j) times E_j / I_j (totals of column j)
    np.testing.assert_array_equal(exact[E], raw[E])
    factor = raw[E].sum(axis=0) / -raw[I].sum(axis=0)
    np.testing.assert_allclose(exact[I], raw[I] * factor[None, :], rtol=1e-14)
    assert np.all(exact * signs[:, None] > 0)
    # Columns, not rows: column j holds the inputs of unit j (h @ W), whose E and I totals balance.
    assert np.abs(exact.sum(axis=0)).max() < 1e-10
    assert np.abs(exact.sum(axis=1)).min() > 1e-3          # the rows (outputs) are one-signed, not balanced
    # the target spectral radius, from the same draw scaled
    scaled = balanced_ei_weights(signs, spectral_radius=0.9, seed=0)
    radius = np.abs(np.linalg.eigvals(scaled)).max()
    assert abs(radius - 0.9) < 1e-10
    np.testing.assert_allclose(scaled, exact * 0.9 / np.abs(np.linalg.eigvals(exact)).max(), rtol=1e-12)
    assert np.abs(scaled.sum(axis=0)).max() < 1e-10
    assert np.array_equal(balanced_ei_weights(signs, seed=0), balanced_ei_weights(signs, seed=0))
    assert not np.allclose(balanced_ei_weights(signs, seed=0), balanced_ei_weights(signs, seed=1))


def test_unbalanced_kernels_have_the_mean_row_sum_outlier_and_balanced_ones_do_not():
    signs = _signs()
    f_e = float(np.mean(signs > 0))
    f_i = 1 - f_e
    raw = balanced_ei_weights(signs, spectral_radius=None, balance="none", seed=0)
    exact = balanced_ei_weights(signs, spectral_radius=None, balance="exact", seed=0)
    # Unbalanced: the mean part u 1^T (u_i = signs_i * E|z| / sqrt(n)) has the eigenvalue
    # sum_i u_i = n * mean|w| * (f_E - f_I) = sqrt(200) * 0.798 * 0.6 = 6.77,
    # beside a bulk of radius sqrt(n var(w)) = sqrt(1 - 2/pi) = 0.60 (Rajan & Abbott, Physical Review Letters 2006).
    outlier = N * (HALF_NORMAL_MEAN / np.sqrt(N)) * (f_e - f_i)
    assert outlier == pytest.approx(6.77, abs=0.01)
    eigenvalues = np.linalg.eigvals(raw)
    order = np.argsort(-np.abs(eigenvalues))
    top = eigenvalues[order[0]]
    assert abs(top.imag) < 1e-9 and top.real == pytest.approx(outlier, rel=0.05)
    bulk_raw = np.sqrt(HALF_NORMAL_VAR)
    assert np.abs(eigenvalues[order[1]]) == pytest.approx(bulk_raw, rel=0.1)
    # Balanced exactly: the same magnitudes, no outlier; the largest eigenvalue is at the edge of
    # the bulk, radius sqrt(sum_i var(W_ij)) = sqrt((1 - 2/pi) (f_E + f_I g^2)), g = f_E / f_I = 4
    g = f_e / f_i
    bulk_exact = np.sqrt(HALF_NORMAL_VAR * (f_e + f_i * g ** 2))
    assert bulk_exact == pytest.approx(1.206, abs=1e-3)
    exact_eigenvalues = np.sort(np.abs(np.linalg.eigvals(exact)))[::-1]
    assert exact_eigenvalues[0] == pytest.approx(bulk_exact, rel=0.1)
    assert exact_eigenvalues[0] < outlier / 4
    assert exact_eigenvalues[0] / exact_eigenvalues[4] < 1.1          # no eigenvalue stands apart


def test_mean_balance_balances_the_expected_column_sums_only():
    signs = _signs()
    E, I = signs > 0, signs < 0
    raw = balanced_ei_weights(signs, spectral_radius=None, balance="none", seed=0)
    mean = balanced_ei_weights(signs, spectral_radius=None, balance="mean", seed=0)
    np.testing.assert_array_equal(mean[E], raw[E])
    np.testing.assert_allclose(mean[I], raw[I] * (160 / 40), rtol=1e-14)   # g = n_E / n_I
    # Expected column sum: E|w| (n_E - g n_I) = 0 (unbalanced: 0.0564 * (160 - 40) = 6.77). The mean of
    # the 200 column sums is within 4 standard errors of it, SE = sqrt((n_E + g^2 n_I) var|w| / n_columns)
    mu = HALF_NORMAL_MEAN / np.sqrt(N)
    standard_error = np.sqrt((160 + 16 * 40) * HALF_NORMAL_VAR / N / N)
    assert standard_error == pytest.approx(0.0853, abs=1e-4)
    assert abs(mean.sum(axis=0).mean()) < 4 * standard_error
    raw_standard_error = np.sqrt(N * HALF_NORMAL_VAR / N / N)
    assert abs(raw.sum(axis=0).mean() - mu * (160 - 40)) < 4 * raw_standard_error
    assert np.abs(mean.sum(axis=0)).max() > 1.0              # single columns are not balanced
    # and eigenvalues remain outside the bulk that exact balance reaches (Rajan & Abbott, Physical Review Letters 2006)
    bulk = np.sqrt(HALF_NORMAL_VAR * (0.8 + 0.2 * 4 ** 2))
    assert np.abs(np.linalg.eigvals(mean)).max() > 1.2 * bulk


def test_exact_balance_within_a_mask():
    n = 30
    signs = dale_signs(n, e_fraction=0.7, seed=1)
    mask = np.random.default_rng(2).random((n, n)) < 0.5
    np.fill_diagonal(mask, False)
    W = balanced_ei_weights(signs, spectral_radius=0.8, mask=mask, seed=0)
    assert np.all(W[~mask] == 0) and np.all(W[mask] != 0)
    assert np.all(W * signs[:, None] >= 0)
    assert np.abs(W.sum(axis=0)).max() < 1e-10
    assert abs(np.abs(np.linalg.eigvals(W)).max() - 0.8) < 1e-10
    # the allowed magnitudes are those of the unmasked draw
    raw = balanced_ei_weights(signs, spectral_radius=None, balance="none", seed=0)
    unscaled = balanced_ei_weights(signs, spectral_radius=None, mask=mask, seed=0)
    np.testing.assert_array_equal(unscaled[signs > 0], (raw * mask)[signs > 0])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"spectral_radius": 0}, ValueError, "spectral_radius must be a finite real number > 0 or None; got 0"),
    ({"spectral_radius": "big"}, TypeError, "spectral_radius must be a finite real number > 0 or None"),
    ({"balance": "full"}, ValueError, "balance must be one of 'exact', 'mean', 'none'; got 'full'"),
    ({"seed": 1.5}, TypeError, "seed must be an integer >= 0 or None; got 1.5"),
    ({"mask": np.ones((3, 4))}, ValueError, "mask must have shape (4, 4) (one row and column per sign); "
                                            "got shape (3, 4)"),
    ({"mask": [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 1, 0]]}, ValueError,
     "balance='exact' needs every unit (column) to receive at least one excitatory and one inhibitory "
     "connection (signs and mask); got 1 column(s) without, e.g. column 3"),
])
def test_bad_balanced_kernel_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error) as caught:
        balanced_ei_weights([1, 1, -1, -1], **kwargs)
    assert message in str(caught.value)


def test_balance_needs_both_groups():
    with pytest.raises(ValueError, match="column 0"):
        balanced_ei_weights([1, 1, 1])
    with pytest.raises(ValueError, match="1 excitatory and 0 inhibitory"):
        balanced_ei_weights([1], balance="mean")
    # unbalanced, one group is fine: a non-negative kernel
    W = balanced_ei_weights([1, 1, 1], balance="none", seed=0)
    assert np.all(W > 0)


# --------------------------------------------------------------------------- the Keras parts


def _project(constraint, w):
    return keras.ops.convert_to_numpy(constraint(keras.ops.convert_to_tensor(np.asarray(w, "float32"))))


def test_the_constraint_projects_each_row_on_its_sign():
    w = [[0.5, -0.25, 0.0],
         [0.25, -0.5, 0.75],
         [-1.0, 0.5, 0.125]]
    # unit 0 excitatory, 1 inhibitory, 2 excitatory; by hand:
    expected = [[0.5, 0.0, 0.0],
                [0.0, -0.5, 0.0],
                [0.0, 0.5, 0.125]]
    assert _project(DaleConstraint([1, -1, 1]), w).tolist() == expected
    # all inhibitory: only the negative entries stay
    assert _project(DaleConstraint([-1, -1, -1]), w).tolist() == [[0.0, -0.25, 0.0], [0.0, -0.5, 0.0],
                                                                  [-1.0, 0.0, 0.0]]
    # times a mask
    mask = [[1, 1, 1], [1, 0, 1], [0, 1, 0]]
    assert _project(DaleConstraint([1, -1, 1], mask=mask), w).tolist() == [[0.5, 0.0, 0.0], [0.0, 0.0, 0.0],
                                                                           [0.0, 0.5, 0.0]]
    # a readout kernel (units, outputs) has the same rows
    assert _project(DaleConstraint([1, -1, 1]), np.asarray(w)[:, :2]).tolist() == [[0.5, 0.0], [0.0, -0.5],
                                                                                  [0.0, 0.5]]


def test_the_constraint_is_a_projection_on_random_matrices():
    rng = np.random.default_rng(0)
    signs = dale_signs(12, e_fraction=0.75, seed=0)
    w = rng.normal(size=(12, 12)).astype("float32")
    got = _project(DaleConstraint(signs), w)
    expected = np.where(signs[:, None] > 0, np.maximum(w, 0), np.minimum(w, 0))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(_project(DaleConstraint(signs), got), got)        # idempotent


@pytest.mark.parametrize("signs, mask, shape, message", [
    ([1, -1], None, (3, 3), "DaleConstraint: signs has 2 units, so the weights must be 2-D with 2 rows "
                            "(one per presynaptic unit); got shape (3, 3)"),
    ([1, -1], None, (2,), "got shape (2,)"),
    ([1, -1], np.ones((2, 3)), (2, 2), "DaleConstraint: mask has shape (2, 3) but the weights have shape (2, 2)"),
])
def test_the_constraint_names_a_shape_mismatch(signs, mask, shape, message):
    with pytest.raises(ValueError) as caught:
        DaleConstraint(signs, mask=mask)(keras.ops.zeros(shape))
    assert message in str(caught.value)


def test_the_constraint_checks_its_arguments():
    with pytest.raises(ValueError, match="mask must have one row per sign"):
        DaleConstraint([1, -1, 1], mask=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"signs must hold only \+1"):
        DaleConstraint([1, 2])


def test_constraint_and_initializer_serialisation_round_trip():
    signs = dale_signs(6, e_fraction=0.5, seed=2)
    mask = np.random.default_rng(0).random((6, 6)) < 0.7
    for constraint in (DaleConstraint(signs), DaleConstraint(signs, mask=mask)):
        again = keras.constraints.deserialize(keras.constraints.serialize(constraint))
        assert isinstance(again, DaleConstraint)
        assert np.array_equal(again.signs, signs)
        assert (again.mask is None) == (constraint.mask is None)
        w = np.random.default_rng(1).normal(size=(6, 6))
        np.testing.assert_array_equal(_project(again, w), _project(constraint, w))
    assert np.array_equal(again.mask, mask)
    init = BalancedEIInitializer(signs, spectral_radius=0.7, mask=np.ones((6, 6)), seed=3)
    again = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert isinstance(again, BalancedEIInitializer)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(again((6, 6))),
                                  balanced_ei_weights(signs, spectral_radius=0.7, seed=3).astype("float32"))


def test_the_initializer_checks_the_requested_shape_and_its_arguments():
    init = BalancedEIInitializer([1, 1, -1], seed=0)
    with pytest.raises(ValueError) as caught:
        init((4, 4))
    assert str(caught.value) == ("BalancedEIInitializer: signs has 3 units, so the kernel is (3, 3), but the "
                                 "layer asks for (4, 4); set the layer's units to 3")
    with pytest.raises(ValueError, match="balance must be one of"):
        BalancedEIInitializer([1, -1], balance="rows")
    kernel = keras.ops.convert_to_numpy(init((3, 3), dtype="float64"))
    np.testing.assert_array_equal(kernel, balanced_ei_weights([1, 1, -1], seed=0))


# --------------------------------------------------------------------------- models and training


def _model(signs, mask=None, regularizer=None, units=20, constrained=True, seed=0):
    return build_sernn(units=units, input_size=3, output_size=2, noise=0.0, seed=seed, learning_rate=1e-2,
                       recurrent_initializer=BalancedEIInitializer(signs, mask=mask, seed=seed),
                       recurrent_constraint=DaleConstraint(signs, mask=mask) if constrained else None,
                       recurrent_regularizer=regularizer)


def _kernel(model):
    return model.get_layer("rnn").get_weights()[1]


def test_a_model_with_the_dale_parts_saves_and_loads(tmp_path):
    signs = dale_signs(8, e_fraction=0.75)
    mask = ~np.eye(8, dtype=bool)
    model = _model(signs, mask=mask, units=8)
    np.testing.assert_allclose(_kernel(model), balanced_ei_weights(signs, mask=mask, seed=0), rtol=1e-6,
                               atol=1e-7)
    path = tmp_path / "dale.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    rnn = loaded.get_layer("rnn")
    assert isinstance(rnn.recurrent_constraint, DaleConstraint)
    assert np.array_equal(rnn.recurrent_constraint.signs, signs)
    assert np.array_equal(rnn.recurrent_constraint.mask, mask)
    assert isinstance(rnn.recurrent_initializer, BalancedEIInitializer)
    assert rnn.recurrent_initializer.seed == 0
    x = go_nogo(4, seed=1)[0]
    np.testing.assert_array_equal(_kernel(loaded), _kernel(model))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_training_with_adam_then_rmsprop_keeps_every_row_on_its_sign():
    x, y = go_nogo(256, seed=0)
    signs = dale_signs(20, e_fraction=0.8, seed=0)
    model = _model(signs)
    start = _kernel(model)
    assert np.all(start * signs[:, None] > 0)                 # a strictly signed start, no zeros
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    after_adam = _kernel(model)
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-2), loss="categorical_crossentropy")
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    after_rmsprop = _kernel(model)
    for W, before in ((after_adam, start), (after_rmsprop, after_adam)):
        assert np.all(W[signs > 0] >= 0) and np.all(W[signs < 0] <= 0)
        assert np.abs(W - before).max() > 1e-3               # the weights did change
        assert np.sum(W == 0) > 0                            # and the projection acted: weights stopped at 0
    # the same training without the constraint pushes weights across zero
    free = _model(signs, constrained=False)
    free.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert np.sum(_kernel(free) * signs[:, None] < 0) > 0


def test_leaky_units_keep_the_signs_too():
    x, y = go_nogo(128, seed=0)
    signs = dale_signs(20, e_fraction=0.8, seed=2)
    model = build_sernn(units=20, input_size=3, output_size=2, noise=0.0, seed=0, learning_rate=1e-2,
                        cell="leaky", tau=100, dt=20,
                        recurrent_initializer=BalancedEIInitializer(signs, seed=0),
                        recurrent_constraint=DaleConstraint(signs))
    start = _kernel(model)
    np.testing.assert_allclose(start, balanced_ei_weights(signs, seed=0), rtol=1e-6, atol=1e-7)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    W = _kernel(model)
    assert np.all(W[signs > 0] >= 0) and np.all(W[signs < 0] <= 0)
    assert np.abs(W - start).max() > 1e-3


def test_training_with_a_mask_keeps_the_masked_weights_at_exactly_zero():
    x, y = go_nogo(256, seed=0)
    signs = dale_signs(20, e_fraction=0.8, seed=1)
    mask = np.random.default_rng(0).random((20, 20)) < 0.4
    inhibitory = np.flatnonzero(signs < 0)
    mask[inhibitory[np.arange(20) % inhibitory.size], np.arange(20)] = True   # an inhibitory input to each unit
    model = _model(signs, mask=mask)
    start = _kernel(model)
    assert np.all(start[~mask] == 0) and np.all(start[mask] != 0)
    assert np.abs(start.sum(axis=0)).max() < 1e-5             # balanced columns (float32)
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    W = _kernel(model)
    assert np.all(W[~mask] == 0)
    assert np.all(W * signs[:, None] >= 0)
    assert np.abs(W - start)[mask].max() > 1e-3


def test_training_with_a_wiring_cost_regulariser():
    x, y = go_nogo(256, seed=0)
    signs = dale_signs(20, e_fraction=0.8, seed=0)
    coordinates = np.random.default_rng(0).uniform(0, 1, (20, 3))
    regularizer = SpatialL1(0.01, coordinates=coordinates)
    model = _model(signs, regularizer=regularizer)
    start = _kernel(model)
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    W = _kernel(model)
    assert np.all(W * signs[:, None] >= 0)
    assert np.abs(W - start).max() > 1e-3
    # the penalty is on |W|: 0.01 * sum(|W| * D), by numpy
    expected = 0.01 * np.sum(np.abs(W.astype(float)) * cdist(coordinates, coordinates))
    assert float(regularizer(keras.ops.convert_to_tensor(W))) == pytest.approx(expected, rel=1e-5)
    # the loss includes it: loss - task_loss = the penalty on the (changing) kernel, about its final value
    penalty = history.history["loss"][-1] - history.history["task_loss"][-1]
    assert penalty == pytest.approx(expected, rel=0.2)
