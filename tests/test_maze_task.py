from collections import Counter, defaultdict

import numpy as np
import pytest

from sernn.tasks import MAZE_PROBLEMS, maze, maze_dataset
from sernn.tasks.maze import DIRECTIONS, GOALS


def decode(x_trial):
    goal = GOALS[int(np.argmax(x_trial[0, :4]))]
    offered = tuple(sorted(DIRECTIONS[c] for c in np.flatnonzero(x_trial[49, 4:])))
    return goal, offered


def test_shapes_dtypes_and_time_course():
    x, y = maze(100, seed=0)
    assert x.shape == (100, 50, 8) and x.dtype == np.float32
    assert y.shape == (100, 4) and y.dtype == np.float32
    np.testing.assert_array_equal(y.sum(axis=1), 1)
    # goal one-hot on steps 0-19, nothing on 20-29, two-hot offered directions on 30-49
    np.testing.assert_array_equal(x[:, :20, :4].sum(axis=2), 1)
    assert np.all(x[:, :20, 4:] == 0)
    assert np.all(x[:, 20:30] == 0)
    assert np.all(x[:, 30:, :4] == 0)
    np.testing.assert_array_equal(x[:, 30:, 4:].sum(axis=2), 2)


def test_exactly_the_eight_problems_of_the_spec():
    x, y, problems = maze(2000, seed=3, return_problems=True)
    seen = {}
    for trial, answer in zip(x, y):
        goal, offered = decode(trial)
        seen[(goal, offered)] = DIRECTIONS[int(np.argmax(answer))]
    expected = {(g, tuple(sorted(o))): a for g, o, a in MAZE_PROBLEMS}
    assert seen == expected and len(seen) == 8
    # spec table, problem by problem
    assert MAZE_PROBLEMS[0] == (9, ("u", "l"), "u") and MAZE_PROBLEMS[7] == (7, ("l", "r"), "l")
    # each direction answers exactly two problems: chance is 25 %
    assert Counter(a for _, _, a in MAZE_PROBLEMS) == {d: 2 for d in DIRECTIONS}
    # uniform draw
    counts = np.bincount(problems, minlength=8) / len(problems)
    assert np.all(np.abs(counts - 1 / 8) < 0.03)


def best_accuracy_from(feature):
    """Best achievable accuracy of any classifier that sees only feature(problem)."""
    groups = defaultdict(list)
    for goal, offered, answer in MAZE_PROBLEMS:
        groups[feature(goal, tuple(sorted(offered)))].append(answer)
    correct = sum(Counter(answers).most_common(1)[0][1] for answers in groups.values())
    return correct / len(MAZE_PROBLEMS)


def test_ceilings_are_computed_not_assumed():
    assert best_accuracy_from(lambda goal, offered: offered) == pytest.approx(5 / 8)
    assert best_accuracy_from(lambda goal, offered: goal) == pytest.approx(1 / 2)
    assert best_accuracy_from(lambda goal, offered: (goal, offered)) == 1.0
    # and on drawn data: the best offered-only lookup table scores about 5/8
    x, y = maze(4000, seed=1)
    keys = [tuple(t[49, 4:]) for t in x]
    table = defaultdict(Counter)
    for key, label in zip(keys, y.argmax(1)):
        table[key][label] += 1
    accuracy = np.mean([table[k].most_common(1)[0][0] == lab for k, lab in zip(keys, y.argmax(1))])
    assert abs(accuracy - 5 / 8) < 0.03


def test_same_seed_same_arrays_other_seed_other_arrays():
    a = maze(300, seed=7)
    b = maze(300, seed=7)
    c = maze(300, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_pydataset_matches_arrays():
    x, y = maze(300, seed=5)
    dataset = maze_dataset(300, seed=5, batch_size=128)
    assert len(dataset) == 3
    xs, ys = zip(*(dataset[i] for i in range(len(dataset))))
    np.testing.assert_array_equal(np.concatenate(xs), x)
    np.testing.assert_array_equal(np.concatenate(ys), y)
    with pytest.raises(IndexError):
        dataset[3]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_trials": 0, "seed": 0}, ValueError, "n_trials must be an integer >= 1; got 0"),
    ({"n_trials": 10, "seed": None}, TypeError, "seed must be an integer >= 0"),
    ({"n_trials": 10, "seed": -1}, ValueError, "seed must be an integer >= 0"),
    ({"n_trials": 2.5, "seed": 0}, TypeError, "n_trials must be an integer >= 1; got 2.5 \\(float\\)"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        maze(**kwargs)
    with pytest.raises(ValueError, match="batch_size"):
        maze_dataset(10, seed=0, batch_size=0)


def test_no_input_outside_the_eight_problems():
    x, _ = maze(500, seed=2)
    allowed = {(g, tuple(sorted(o))) for g, o, _ in MAZE_PROBLEMS}
    assert {decode(t) for t in x} <= allowed


def test_pydataset_trains_a_model():
    from sernn.models import build_sernn

    model = build_sernn(units=8, seed=0)
    history = model.fit(maze_dataset(96, seed=0, batch_size=32), epochs=1, verbose=0,
                        validation_data=maze_dataset(64, seed=1, batch_size=32))
    assert np.isfinite(history.history["loss"][0]) and "val_accuracy" in history.history
