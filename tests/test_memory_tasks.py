"""The working-memory tasks: targets, balance, and that the loss counts only the scored steps."""
import keras
import numpy as np
import pytest

from sernn.tasks import nback, sequence_memory
from sernn.tasks.memory import train_test_split


@pytest.mark.parametrize("length", [3, 5, 10])
def test_sequence_memory_layout(length):
    x, y, w = sequence_memory(50, length, seed=0)
    steps = 2 * length + 1
    assert x.shape == (50, steps, 2) and y.shape == (50, steps, 1) and w.shape == (50, steps)
    values = x[:, :length, 0]
    assert (values >= 0).all() and (values <= 1).all() and values.std() > 0.2
    np.testing.assert_array_equal(y[:, length + 1:, 0], values)      # recall in order
    np.testing.assert_array_equal(x[:, length:, 0], 0)                # nothing shown after the sequence
    cue = np.zeros(steps)
    cue[length] = 1
    np.testing.assert_array_equal(x[:, :, 1], np.broadcast_to(cue, (50, steps)))
    recall = np.zeros(steps)
    recall[length + 1:] = 1
    np.testing.assert_array_equal(w, np.broadcast_to(recall, (50, steps)))
    np.testing.assert_array_equal(y[:, :length + 1], 0)


def test_tasks_are_seeded():
    a, b, c = sequence_memory(20, 3, seed=1), sequence_memory(20, 3, seed=1), sequence_memory(20, 3, seed=2)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    np.testing.assert_array_equal(nback(20, 2, seed=5).x, nback(20, 2, seed=5).x)


def test_sequence_loss_counts_only_recall_steps():
    x, y, w = sequence_memory(32, 3, seed=0)
    rng = np.random.default_rng(0)
    prediction = rng.uniform(0, 1, size=y.shape).astype(np.float32)
    mse = keras.losses.MeanSquaredError()
    reference = float(mse(y, prediction, sample_weight=w))
    # Keras's reduction: sum(w * squared error) / (trials * steps).
    expected = ((prediction[..., 0] - y[..., 0]) ** 2 * w).sum() / w.size
    assert reference == pytest.approx(expected, rel=1e-5)
    changed = prediction.copy()
    changed[:, :4] = rng.uniform(-5, 5, size=changed[:, :4].shape)   # memorise + cue steps
    assert float(mse(y, changed, sample_weight=w)) == pytest.approx(reference, rel=1e-6)
    changed[:, 5] += 1.0                                                # one recall step
    assert float(mse(y, changed, sample_weight=w)) > reference + 0.1


@pytest.mark.slow
def test_model_task_loss_is_the_recall_step_mse():
    from sernn.models import build_sernn

    x, y, w = sequence_memory(40, 3, seed=3)
    model = build_sernn(units=8, input_size=2, output_size=1, return_sequences=True,
                        output_activation="linear", loss="mse", metrics=(), weighted_metrics=[],
                        noise=0.0, seed=0)
    result = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    prediction = model.predict(x, verbose=0)
    recall_mse = ((prediction[..., 0] - y[..., 0]) ** 2)[w == 1].mean()
    assert result["task_loss"] == pytest.approx(recall_mse, rel=1e-4)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_nback_targets_and_balance(n):
    trials = 101
    x, y, w = nback(trials, n, seed=n)
    length = n + 4
    assert x.shape == (trials, length + 1, 2) and y.shape == (trials, length + 1, 2)
    labels = y[:, length].argmax(axis=1)
    assert labels.sum() == trials // 2                        # balanced match / no-match
    np.testing.assert_array_equal(y[:, length].sum(axis=1), 1)
    np.testing.assert_array_equal(y[:, :length], 0)
    last, earlier = x[:, length - 1, 0], x[:, length - 1 - n, 0]
    np.testing.assert_array_equal(last == earlier, labels == 1)
    np.testing.assert_array_equal(x[:, :, 1].argmax(axis=1), length)   # cue on the response step only
    assert x[:, :, 1].sum() == trials and (x[:, length, 0] == 0).all()
    expected_weight = np.zeros(length + 1)
    expected_weight[length] = 1
    np.testing.assert_array_equal(w, np.broadcast_to(expected_weight, w.shape))


def test_nback_min_difference_and_length():
    x, y, _ = nback(400, 3, seed=0, length=12, min_difference=0.2)
    labels = y[:, 12].argmax(axis=1)
    gap = np.abs(x[:, 11, 0] - x[:, 8, 0])
    assert gap[labels == 0].min() >= 0.2 - 1e-6
    assert (gap[labels == 1] == 0).all()
    # No-match values stay uniform over the allowed set: mean near 0.5.
    assert abs(x[labels == 0, 11, 0].mean() - 0.5) < 0.05
    with pytest.raises(ValueError, match="length"):
        nback(10, 3, length=3)
    with pytest.raises(ValueError, match="min_difference"):
        nback(10, 2, min_difference=0.6)


def test_nback_loss_counts_only_the_response_step():
    x, y, w = nback(64, 2, seed=0)
    rng = np.random.default_rng(1)
    probabilities = rng.dirichlet([1, 1], size=y.shape[:2]).astype(np.float32)
    cce = keras.losses.CategoricalCrossentropy()
    reference = float(cce(y, probabilities, sample_weight=w))
    response = y.shape[1] - 1
    expected = -np.log(np.clip((probabilities[:, response] * y[:, response]).sum(axis=1), 1e-7, 1)).sum()
    assert reference == pytest.approx(expected / w.size, rel=1e-4)
    changed = probabilities.copy()
    changed[:, :response] = rng.dirichlet([1, 1], size=(64, response))
    assert float(cce(y, changed, sample_weight=w)) == pytest.approx(reference, rel=1e-6)
    changed[:, response] = changed[:, response, ::-1]
    assert float(cce(y, changed, sample_weight=w)) != pytest.approx(reference, rel=1e-3)


def test_train_test_split_and_errors():
    data = sequence_memory(1000, 3, seed=0)
    train, test = train_test_split(data, 0.2)
    assert train.x.shape[0] == 800 and test.x.shape[0] == 200
    np.testing.assert_array_equal(test.y, data.y[800:])
    with pytest.raises(ValueError, match="n_trials"):
        sequence_memory(0, 3)
    with pytest.raises(TypeError, match="length"):
        sequence_memory(10, 2.5)
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_split(data, 1.0)


def test_nback_no_match_differs_from_the_reference_in_float32():
    # A no-match draw closer to the reference than float32 resolves must not become a match.
    class NearMiss(np.random.Generator):
        def uniform(self, low=0.0, high=1.0, size=None):
            if getattr(self, "values", None) is None:
                self.values = super().uniform(low, high, size)
                return self.values
            return self.values[:, 3].astype(np.float32).astype(np.float64) + 1e-12  # n = 2, M = 6

    x, y, _ = nback(50, 2, seed=NearMiss(np.random.PCG64(0)))
    labels = y[:, 6].argmax(axis=1)
    last, earlier = x[:, 5, 0], x[:, 3, 0]
    np.testing.assert_array_equal(last == earlier, labels == 1)
    assert labels.sum() == 25
