"""Go/NoGo and perceptual decision tasks (SPEC §5, seed 003)."""
import numpy as np
import pytest

from sernn.tasks import go_nogo, perceptual_decision
from sernn.tasks.decision import COHERENCES


def test_go_nogo_shapes_seeding_balance():
    x, y = go_nogo(101, seed=3)
    assert x.shape == (101, 5 + 20 + 10 + 5, 3) and x.dtype == np.float32
    assert y.shape == (101, 2) and np.all(y.sum(axis=1) == 1)
    x2, y2 = go_nogo(101, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert not np.array_equal(go_nogo(101, seed=4)[1], y)
    counts = y.sum(axis=0)
    assert abs(counts[0] - counts[1]) <= 1
    assert np.array_equal(go_nogo(100, seed=0)[1].sum(axis=0), [50, 50])


def test_go_nogo_answer_depends_only_on_stimulus_identity():
    x, y, info = go_nogo(64, seed=1, return_info=True)
    go = info["go"]
    assert np.array_equal(y[:, 1] == 1, go)
    # All Go trials share one input, all NoGo trials another: identity is the only cue.
    assert all(np.array_equal(x[i], x[np.flatnonzero(go)[0]]) for i in np.flatnonzero(go))
    assert all(np.array_equal(x[i], x[np.flatnonzero(~go)[0]]) for i in np.flatnonzero(~go))
    # The two inputs differ only in which stimulus channel is on during steps 5-24.
    difference = np.argwhere(x[np.flatnonzero(go)[0]] != x[np.flatnonzero(~go)[0]])
    assert set(difference[:, 0]) == set(range(5, 25)) and set(difference[:, 1]) == {1, 2}
    # Nothing is shown during the decision steps: the answer must be remembered.
    assert np.all(x[:, 35:, :] == 0)
    assert np.all(x[:, :35, 0] == 1)


def test_perceptual_decision_answer_is_sign_of_direction():
    x, y, info = perceptual_decision(500, seed=2, return_info=True)
    assert x.shape == (500, 1 + 30 + 10, 3) and y.shape == (500, 2)
    assert np.array_equal(y.argmax(axis=1), (info["direction"] > 0).astype(int))
    assert np.array_equal(y.sum(axis=0), [250, 250])
    levels, counts = np.unique(info["coherence"], return_counts=True)
    assert np.allclose(levels, COHERENCES) and counts.max() - counts.min() <= 1
    assert np.all(x[:, 31:, :] == 0) and np.all(x[:, :31, 0] == 1)
    # Without noise, the evidence difference is exactly direction * coherence on every stimulus step.
    xc, _, ic = perceptual_decision(50, seed=2, noise=0.0, return_info=True)
    diff = xc[:, 1:31, 2] - xc[:, 1:31, 1]
    assert np.allclose(diff, (ic["direction"] * ic["coherence"] / 100)[:, None], atol=1e-6)
    # At coherence 0 the stimulus is the same for both answers: the input carries no cue.
    zero = ic["coherence"] == 0
    assert len({xc[i].tobytes() for i in np.flatnonzero(zero)}) == 1
    assert len(set(ic["direction"][zero])) == 2 or zero.sum() < 2
    # With noise, the mean evidence of strong-coherence trials points the right way.
    strong = info["coherence"] == 51.2
    mean_diff = (x[strong, 1:31, 2] - x[strong, 1:31, 1]).mean(axis=1)
    assert np.array_equal(np.sign(mean_diff), info["direction"][strong])


def test_perceptual_decision_seeding_and_errors():
    a = perceptual_decision(20, seed=9)
    b = perceptual_decision(20, seed=9)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    with pytest.raises(ValueError, match="coherences"):
        perceptual_decision(10, seed=0, coherences=[150])
    with pytest.raises(TypeError, match="seed must be an integer >= 0"):
        go_nogo(10, seed=None)
    with pytest.raises(ValueError, match="n_trials"):
        go_nogo(0, seed=1)
