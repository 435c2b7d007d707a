import keras
import numpy as np
import pytest

from sernn import models, tasks
from sernn.constraints import MaskConstraint
from sernn.initializers import MaskedInitializer


def random_mask(n, density, seed):
    return np.random.default_rng(seed).random((n, n)) < density


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
@pytest.mark.parametrize("nonneg", [False, True])
def test_masked_weights_stay_exactly_zero_through_training(optimizer, nonneg):
    n = 24
    mask = random_mask(n, 0.3, seed=1)
    opt = (keras.optimizers.Adam(1e-2) if optimizer == "adam"
           else keras.optimizers.AdamW(1e-2, weight_decay=0.1))
    model = models.build_sernn(units=n, recurrent_constraint=MaskConstraint(mask, nonneg=nonneg),
                               optimizer=opt, seed=0)
    kernel = model.get_layer("rnn").cell.recurrent_kernel
    initial = kernel.numpy()
    assert np.all(initial[~mask] == 0.0), "masked weights must be zero before the first step"
    assert np.count_nonzero(initial[mask]) == mask.sum()
    x, y = tasks.maze(128, seed=0)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    trained = kernel.numpy()
    assert np.all(trained[~mask] == 0.0)
    assert not np.allclose(trained[mask], initial[mask])  # the allowed weights did train
    if nonneg:
        assert trained.min() >= 0.0 and initial.min() >= 0.0


def test_constraint_value_and_errors():
    mask = np.array([[1, 0], [0, 1]])
    w = keras.ops.convert_to_tensor(np.array([[1.5, -2.0], [3.0, -4.0]], dtype="float32"))
    np.testing.assert_array_equal(MaskConstraint(mask)(w), [[1.5, 0], [0, -4.0]])
    np.testing.assert_array_equal(MaskConstraint(mask, nonneg=True)(w), [[1.5, 0], [0, 0]])
    with pytest.raises(ValueError, match=r"mask has shape \(2, 2\).*\(3, 3\)"):
        MaskConstraint(mask)(keras.ops.zeros((3, 3)))
    with pytest.raises(ValueError, match="0 and 1"):
        MaskConstraint(np.array([[0, 2], [1, 1]]))
    with pytest.raises(ValueError, match="2-D"):
        MaskConstraint(np.ones(4))
    with pytest.raises(ValueError, match="expected \\(5, 5\\)"):
        models.build_sernn(units=5, recurrent_constraint=MaskConstraint(np.ones((4, 4))))


def test_masked_initializer_shape_check():
    init = MaskedInitializer("orthogonal", np.ones((3, 3)))
    with pytest.raises(ValueError, match="mask has shape"):
        init((4, 4))


def test_constraint_and_initializer_round_trip_through_model_save(tmp_path):
    n = 16
    mask = random_mask(n, 0.4, seed=2)
    model = models.build_sernn(units=n, recurrent_constraint=MaskConstraint(mask, nonneg=True), seed=3)
    path = tmp_path / "masked.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    layer = loaded.get_layer("rnn")
    assert isinstance(layer.cell.recurrent_constraint, MaskConstraint)
    np.testing.assert_array_equal(layer.cell.recurrent_constraint.mask, mask)
    assert layer.cell.recurrent_constraint.nonneg
    np.testing.assert_array_equal(layer.cell.recurrent_kernel.numpy(),
                                  model.get_layer("rnn").cell.recurrent_kernel.numpy())
    x, _ = tasks.maze(8, seed=0)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
