"""NeuroGym tasks as sernn arrays: the env's own trials, decision-period weights, seeding, errors."""
import sys
import warnings

import numpy as np
import pytest

neurogym = pytest.importorskip("neurogym")

from sernn.tasks.neurogym_tasks import NEUROGYM_TASKS, from_neurogym  # noqa: E402

STANDARD = ["PerceptualDecisionMaking-v0", "DelayMatchSample-v0", "GoNogo-v0"]
# ContextDecisionMaking draws its delay from a truncated exponential: trials differ in length.
TASKS = STANDARD + ["ContextDecisionMaking-v0"]


def _fresh(name, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return neurogym.make(name, **kwargs)


def _reference_trials(name, n_trials, seed, **kwargs):
    """The same trials drawn directly: a fresh env, env.seed, new_trial, env.ob / env.gt."""
    task = _fresh(name, **kwargs).unwrapped
    task.seed(seed)
    trials = []
    for _ in range(n_trials):
        task.new_trial()
        trials.append((task.ob.copy(), task.gt.copy(), task.start_ind["decision"], task.end_ind["decision"]))
    return trials


@pytest.mark.parametrize("name", TASKS)
def test_arrays_are_the_env_trials(name):
    n_trials, seed = 24, 5
    x, y, weights = from_neurogym(name, n_trials, seed=seed)
    reference = _reference_trials(name, n_trials, seed)
    n_actions = _fresh(name).action_space.n
    steps = max(ob.shape[0] for ob, *_ in reference)
    assert x.shape == (n_trials, steps, reference[0][0].shape[1])
    assert y.shape == (n_trials, steps, n_actions) and weights.shape == (n_trials, steps)
    assert x.dtype == y.dtype == weights.dtype == np.float32
    for i, (ob, gt, start, stop) in enumerate(reference):
        length = ob.shape[0]
        np.testing.assert_array_equal(x[i, :length], ob)
        np.testing.assert_array_equal(y[i, :length], np.eye(n_actions)[gt])
        expected = np.zeros(steps)
        expected[start:stop] = 1                       # exactly the decision period
        np.testing.assert_array_equal(weights[i], expected)
        assert not x[i, length:].any() and not y[i, length:].any()   # padding: input 0, target 0
    assert weights.sum(axis=1).min() > 0


def test_variable_lengths_are_padded():
    x, y, weights, info = from_neurogym("ContextDecisionMaking-v0", 32, seed=0, return_info=True)
    lengths = info["lengths"]
    assert lengths.min() < lengths.max() == x.shape[1]
    real = np.arange(x.shape[1])[None, :] < lengths[:, None]
    assert np.array_equal(y.sum(axis=2), real.astype(np.float32))  # one-hot on real steps, 0 on padding
    assert not weights[~real].any()
    all_steps = from_neurogym("ContextDecisionMaking-v0", 32, seed=0, loss_periods=None)[2]
    assert np.array_equal(all_steps, real.astype(np.float32))      # None: every real step


@pytest.mark.parametrize("name", STANDARD)
def test_same_seed_same_arrays_other_seed_different(name):
    first = from_neurogym(name, 20, seed=11)
    again = from_neurogym(name, 20, seed=11)
    other = from_neurogym(name, 20, seed=12)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert first[0].shape != other[0].shape or not np.array_equal(first[0], other[0])
    assert first[1].shape != other[1].shape or not np.array_equal(first[1], other[1])


def test_env_instance_equals_name_and_env_kwargs_apply():
    by_name = from_neurogym("GoNogo-v0", 6, seed=2, dt=50)
    by_env = from_neurogym(_fresh("GoNogo-v0", dt=50), 6, seed=2)
    for a, b in zip(by_name, by_env):
        np.testing.assert_array_equal(a, b)
    assert by_name[0].shape[1] == 30 == 2 * from_neurogym("GoNogo-v0", 6, seed=2)[0].shape[1]


def test_integer_targets_dtype_and_several_periods():
    x, y, weights = from_neurogym("DelayMatchSample-v0", 8, seed=3, one_hot=False, dtype="float64",
                                  loss_periods=("test", "decision"))
    reference = _reference_trials("DelayMatchSample-v0", 8, seed=3)
    assert x.dtype == weights.dtype == np.float64 and y.dtype == np.int64 and y.shape == x.shape[:2]
    np.testing.assert_array_equal(y, np.stack([gt for _, gt, *_ in reference]))
    env = _fresh("DelayMatchSample-v0").unwrapped
    env.seed(3)
    env.new_trial()
    expected = np.zeros(x.shape[1])
    expected[env.start_ind["test"]:env.end_ind["decision"]] = 1
    np.testing.assert_array_equal(weights[0], expected)


def test_periods_of_some_trials_only_count_in_those_trials():
    # PostDecisionWager adds a "pre_sure" period only in wager trials.
    _, _, weights, info = from_neurogym("PostDecisionWager-v0", 16, seed=0, loss_periods="pre_sure",
                                        return_info=True)
    wager = np.array([bool(trial["wager"]) for trial in info["trials"]])
    assert wager.any() and (~wager).any()
    assert np.array_equal(weights.sum(axis=1) > 0, wager)
    assert all(("pre_sure" in periods) == w for periods, w in zip(info["periods"], wager))


def test_standard_tasks_convert():
    for name in NEUROGYM_TASKS:
        x, y, weights = from_neurogym(name, 3, seed=0)
        assert x.ndim == 3 and y.shape[:2] == x.shape[:2] and (weights.sum(axis=1) > 0).all()


def _error(kind, *args, **kwargs):
    with pytest.raises(kind) as caught:
        from_neurogym(*args, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_bad_inputs_give_one_line_errors_naming_the_argument():
    message = _error(ValueError, "NoSuchTask-v0", 4, seed=0)
    assert message.startswith("env must be") and "'NoSuchTask-v0'" in message
    assert "PerceptualDecisionMaking-v0" in message and "all_envs()" in message
    assert _error(ValueError, "GoNogo-v0", 0, seed=0).startswith("n_trials must be an integer >= 1")
    assert _error(TypeError, "GoNogo-v0", 4, seed=None).startswith("seed must be")
    message = _error(ValueError, "GoNogo-v0", 4, seed=0, loss_periods=("choice",))
    assert message.startswith("loss_periods must name periods of GoNogo-v0")
    assert "'decision'" in message and "got 'choice'" in message
    assert _error(ValueError, "GoNogo-v0", 4, seed=0, loss_periods=()).startswith("loss_periods must be")
    assert _error(TypeError, "GoNogo-v0", 4, seed=0, loss_periods=3).startswith("loss_periods must be")
    assert _error(ValueError, "GoNogo-v0", 4, seed=0, dtype="int32").startswith("dtype must be")
    assert _error(TypeError, 3, 4, seed=0).startswith("env must be")
    assert _error(TypeError, _fresh("GoNogo-v0"), 4, seed=0, dt=50).startswith("env_kwargs (dt)")


def test_unmappable_spaces_name_the_env_and_the_space():
    message = _error(ValueError, "ReachingDelayResponse-v0", 2, seed=0)   # a Box action space
    assert "action space must be Discrete" in message and "ReachingDelayResponse-v0" in message
    assert "Box(" in message
    import gymnasium

    env = _fresh("GoNogo-v0")
    env.unwrapped.observation_space = gymnasium.spaces.Discrete(3)
    message = _error(ValueError, env, 2, seed=0)
    assert "observation space must be a Box" in message and "GoNogo-v0" in message and "Discrete(3)" in message
    message = _error(ValueError, "Bandit-v0", 2, seed=0)                  # no trial structure
    assert message.startswith("env must") and "Bandit-v0" in message


def test_missing_neurogym_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "neurogym", None)
    message = _error(ImportError, "GoNogo-v0", 2, seed=0)
    assert "pip install 'sernn[neurogym]'" in message


@pytest.mark.slow
def test_sernn_fits_a_neurogym_task():
    from sernn.models import build_sernn

    x, y, weights = from_neurogym("PerceptualDecisionMaking-v0", 64, seed=0)
    model = build_sernn(units=16, input_size=x.shape[2], output_size=y.shape[2], return_sequences=True,
                        metrics=(), weighted_metrics=["accuracy"], seed=0)
    history = model.fit(x, y, sample_weight=weights, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x[:2], verbose=0).shape == (2, x.shape[1], y.shape[2])
