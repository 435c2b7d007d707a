"""The shared argument checks (sernn.validation) and the exact exception every public entry point raises for
a wrong type (TypeError) or a wrong value (ValueError), with the message naming the argument."""
import numpy as np
import pytest

from sernn import validation as v


# -- the validators ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, kwargs, expected", [
    (0.5, {}, 0.5), (3, {"low": 0}, 3.0), (np.float32(0.25), {"low": 0, "high": 1}, 0.25),
    (1, {"low": 0, "high": 1, "inclusive": "right"}, 1.0), (0, {"low": 0}, 0.0),
    (None, {"allow_none": True}, None), (float("inf"), {"finite": False}, float("inf")),
])
def test_check_real_accepts(value, kwargs, expected):
    assert v.check_real(value, "x", **kwargs) == expected


@pytest.mark.parametrize("value, kwargs, error, message", [
    ("1", {}, TypeError, "x must be a finite real number; got '1' (str)"),
    (True, {}, TypeError, "x must be a finite real number; got True (bool)"),
    (None, {"low": 0}, TypeError, "x must be a finite real number >= 0; got None (NoneType)"),
    ([1.0], {}, TypeError, "x must be a finite real number; got [1.0] (list)"),
    (-1, {"low": 0}, ValueError, "x must be a finite real number >= 0; got -1"),
    (0, {"low": 0, "inclusive": "neither"}, ValueError, "x must be a finite real number > 0; got 0"),
    (0, {"low": 0, "high": 1, "inclusive": "right"}, ValueError, "x must be a finite real number in (0, 1]; got 0"),
    (1, {"low": 0, "high": 1, "inclusive": "left"}, ValueError, "x must be a finite real number in [0, 1); got 1"),
    (2, {"high": 1}, ValueError, "x must be a finite real number <= 1; got 2"),
    (float("nan"), {}, ValueError, "x must be a finite real number; got nan"),
    (float("nan"), {"finite": False}, ValueError, "x must be a real number; got nan"),
    (float("inf"), {}, ValueError, "x must be a finite real number; got inf"),
])
def test_check_real_refuses(value, kwargs, error, message):
    with pytest.raises(error) as info:
        v.check_real(value, "x", **kwargs)
    assert str(info.value) == message


def test_check_real_refuses_an_unknown_inclusive():
    with pytest.raises(ValueError, match="inclusive must be one of 'both', 'left', 'right', 'neither'; got 'open'"):
        v.check_real(1.0, "x", inclusive="open")


@pytest.mark.parametrize("value, kwargs, error, message", [
    (2.0, {}, TypeError, "n must be an integer; got 2.0 (float)"),
    (False, {}, TypeError, "n must be an integer; got False (bool)"),
    ("3", {"low": 1}, TypeError, "n must be an integer >= 1; got '3' (str)"),
    (0, {"low": 1}, ValueError, "n must be an integer >= 1; got 0"),
    (11, {"low": 1, "high": 10}, ValueError, "n must be an integer in [1, 10]; got 11"),
])
def test_check_integer_refuses(value, kwargs, error, message):
    with pytest.raises(error) as info:
        v.check_integer(value, "n", **kwargs)
    assert str(info.value) == message


def test_check_integer_accepts_numpy_integers_and_none_where_allowed():
    assert v.check_integer(np.int64(4), "n", low=1) == 4 and type(v.check_integer(np.int64(4), "n")) is int
    assert v.check_integer(None, "n", allow_none=True) is None


def test_check_seed():
    assert v.check_seed(0) == 0 and v.check_seed(np.uint32(7)) == 7 and v.check_seed(None) is None
    rng = np.random.default_rng(0)
    assert v.check_seed(rng, allow_generator=True) is rng
    with pytest.raises(TypeError, match=r"^seed must be an integer >= 0 or None; got Generator"):
        v.check_seed(rng)
    with pytest.raises(ValueError, match=r"^seed must be an integer >= 0 or None; got -1$"):
        v.check_seed(-1)
    with pytest.raises(TypeError, match=r"^seed must be an integer >= 0 \(an explicit seed\); got None"):
        v.check_seed(None, allow_none=False)
    with pytest.raises(TypeError, match=r"^seed must be an integer >= 0 or None; got 1.5 \(float\)$"):
        v.check_seed(1.5)


def test_check_bool_and_check_option():
    assert v.check_bool(np.True_, "flag") is True
    with pytest.raises(TypeError, match=r"^flag must be True or False; got 1 \(int\)$"):
        v.check_bool(1, "flag")
    assert v.check_option(None, "mode", (None, "a")) is None
    with pytest.raises(ValueError, match=r"^mode must be one of None, 'a'; got 'b'$"):
        v.check_option("b", "mode", (None, "a"))
    with pytest.raises(TypeError, match=r"^mode must be one of 'a', 'b'; got \['a'\] \(list\)$"):
        v.check_option(["a"], "mode", ("a", "b"))
    with pytest.raises(ValueError, match=r"^k must be one of 2, 3; got 4$"):
        v.check_option(4, "k", (2, 3))


def test_check_array_and_check_square():
    original = np.eye(3)
    checked = v.check_array(original, "W", shape=(3, None))
    checked[0, 0] = 5.0
    assert original[0, 0] == 1.0  # a copy: the caller's array is never modified
    assert v.check_array([True, False], "mask", dtype=None).dtype == bool
    with pytest.raises(TypeError, match=r"^W must be an array of real numbers; got \[\[1, 2\], \[3\]\] \(list\)$"):
        v.check_array([[1, 2], [3]], "W")
    with pytest.raises(TypeError, match=r"^W must be a 2-D array of real numbers; got 'abc' \(str, dtype <U3\)$"):
        v.check_array("abc", "W", ndim=2)
    with pytest.raises(ValueError, match=r"^W must be a 2-D array; got an array of shape \(3,\) and dtype int64$"):
        v.check_array([1, 2, 3], "W", ndim=2)
    with pytest.raises(ValueError, match=r"^W must hold finite numbers; got an array of shape \(2,\) and dtype "
                                         r"float64 with 1 NaN or infinite entries$"):
        v.check_array([1.0, np.nan], "W")
    with pytest.raises(ValueError, match=r"^x must have at least 2 rows; got an array of shape \(1, 3\)"):
        v.check_array(np.zeros((1, 3)), "x", min_rows=2)
    assert v.check_square([[1, np.nan], [0, 1]], "W", finite=False).shape == (2, 2)
    with pytest.raises(ValueError, match=r"^W must be a square \(n, n\) matrix with n >= 2; got an array of shape "
                                         r"\(1, 1\)"):
        v.check_square([[1.0]], "W", min_size=2)
    with pytest.raises(TypeError, match=r"^W must be a square \(n, n\) matrix of real numbers; got"):
        v.check_square([["a", "b"], ["c", "d"]], "W")


# -- every public entry point: a wrong type is a TypeError, a wrong value a ValueError ---------------------

def _entry_points():
    import sernn
    import sernn.layers
    import sernn.population
    from sernn import analysis, connectomes, spatial, tasks
    from sernn.analysis import findings, graph, metrics, modularity, smallworld, statistics
    from sernn.communicability import communicability
    from sernn.initializers import functional

    W = np.abs(np.random.default_rng(0).normal(size=(6, 6)))
    A = (W + W.T > 1.5).astype(float)
    np.fill_diagonal(A, 0)
    corr = np.corrcoef(np.random.default_rng(1).normal(size=(6, 50)))
    conn = connectomes.from_array([[0, 1.0], [0.5, 0]], ["A", "B"])
    R = sernn.regularizers
    return [
        # Keras parts
        (R.SpatialCommunicability, dict(strength="0.1"), TypeError, "strength"),
        (R.SpatialCommunicability, dict(strength=-0.1), ValueError, "strength"),
        (R.SpatialL1, dict(strength=0.1, distance_power="1"), TypeError, "distance_power"),
        (R.SpatialL1, dict(strength=0.1, normalization="mean"), ValueError, "normalization"),
        (R.Communicability, dict(strength=0.1, probes=2.5, method="estimate"), TypeError, "probes"),
        (R.Communicability, dict(strength=0.1, probes=2, method="estimate"), ValueError, "probes"),
        (R.CommunicabilityMatching, dict(strength=0.1, target=W, matching_strength="1"), TypeError,
         "matching_strength"),
        (R.CommunicabilityMatching, dict(strength=0.1, target=W, matching_strength=-1), ValueError,
         "matching_strength"),
        (sernn.constraints.MaskConstraint, dict(mask=[["a", "b"], ["c", "d"]]), TypeError, "mask"),
        (sernn.constraints.MaskConstraint, dict(mask=[[0, 2], [1, 0]]), ValueError, "mask"),
        (sernn.initializers.ConnectomeInitializer, dict(weights=W, seed="0"), TypeError, "seed"),
        (sernn.initializers.ConnectomeInitializer, dict(weights=W, seed=-1), ValueError, "seed"),
        (sernn.initializers.ConnectomeInitializer, dict(weights=W, limit="big"), TypeError, "limit"),
        (sernn.initializers.ConnectomeInitializer, dict(weights=W, mapping="equal"), ValueError, "mapping"),
        (functional.FunctionalInitializer, dict(correlation=corr, sttc=corr, seed=0.5), TypeError, "seed"),
        (functional.FunctionalInitializer, dict(correlation=corr, sttc=corr, seed=-2), ValueError, "seed"),
        (functional.FunctionalInitializer, dict(correlation=corr, sttc=corr, mu="a"), TypeError, "mu"),
        (functional.functional_weights, dict(correlation=corr, sttc=corr, sigma=0), ValueError, "sigma"),
        (functional.SynapseInitializer, dict(wiring=W, permute="rows"), ValueError, "permute"),
        (sernn.layers.SparseMaskedRNN, dict(mask=np.eye(3), seed="1"), TypeError, "seed"),
        # models and training
        (sernn.models.build_sernn, dict(units=2.0), TypeError, "units"),
        (sernn.models.build_sernn, dict(units=0), ValueError, "units"),
        (sernn.models.build_sernn, dict(seed=1.5), TypeError, "seed"),
        (sernn.models.build_sernn, dict(noise="0.1"), TypeError, "noise"),
        (sernn.population.Population, dict(members=[{"seed": 0}], learning_rate="fast"), TypeError,
         "learning_rate"),
        (sernn.population.Population, dict(members=[{"seed": 0}], loss="mae"), ValueError, "loss"),
        # tasks
        (tasks.maze, dict(n_trials=10, seed=None), TypeError, "seed"),
        (tasks.maze, dict(n_trials=10, seed=-1), ValueError, "seed"),
        (tasks.maze, dict(n_trials=10.0, seed=0), TypeError, "n_trials"),
        (tasks.maze_dataset, dict(n_trials=10, seed=0, batch_size=0), ValueError, "batch_size"),
        (tasks.sequence_memory, dict(n_trials=10, length=2.0), TypeError, "length"),
        (tasks.sequence_memory, dict(n_trials=10, seed=-1), ValueError, "seed"),
        (tasks.nback, dict(n_trials=10, timing="late"), ValueError, "timing"),
        (tasks.nback, dict(n_trials=10, min_difference="0.1"), TypeError, "min_difference"),
        (tasks.nback, dict(n_trials=10, min_difference=0.5), ValueError, "min_difference"),
        (tasks.go_nogo, dict(n_trials=0, seed=0), ValueError, "n_trials"),
        (tasks.perceptual_decision, dict(n_trials=10, seed=0, noise="x"), TypeError, "noise"),
        (tasks.perceptual_decision, dict(n_trials=10, seed=0, noise=-1), ValueError, "noise"),
        (tasks.perceptual_decision, dict(n_trials=10, seed=0, coherences=["a"]), TypeError, "coherences"),
        # analysis
        (analysis.topology, dict(W=W, density="0.1"), TypeError, "density"),
        (analysis.topology, dict(W=W, density=0), ValueError, "density"),
        (analysis.topology, dict(W=W, recipe="louvain"), ValueError, "recipe"),
        (analysis.topology, dict(W=[["a"] * 6] * 6), TypeError, "W"),
        (analysis.topology, dict(W=np.ones((3, 4))), ValueError, "W"),
        (graph.proportional_threshold, dict(W=W, density=1.5), ValueError, "density"),
        (metrics.weight_entropy, dict(W=W, bins=2.0), TypeError, "bins"),
        (metrics.wiring_cost, dict(W=W, D=np.ones((3, 3))), ValueError, "distances"),
        (metrics.kde_entropy, dict(W=W, points=1), ValueError, "points"),
        (modularity.louvain, dict(A=A, seed="0"), TypeError, "seed"),
        (modularity.louvain, dict(A=A, gamma=0), ValueError, "gamma"),
        (modularity.spectral_modularity, dict(A=A, gamma="1"), TypeError, "gamma"),
        (smallworld.small_worldness, dict(A=A, n_nulls=0), ValueError, "n_nulls"),
        (smallworld.small_worldness, dict(A=A, n_nulls=10, seed=-1), ValueError, "seed"),
        (smallworld.random_graphs, dict(n=6, m=3.0, count=2), TypeError, "m"),
        (smallworld.random_graphs, dict(n=6, m=100, count=2), ValueError, "m"),
        (statistics.bootstrap_ci, dict(values=[1.0, 2.0], confidence="95%"), TypeError, "confidence"),
        (statistics.bootstrap_ci, dict(values=[1.0, 2.0], confidence=95), ValueError, "confidence"),
        (statistics.compare_groups, dict(a=[1.0, 2.0], b=[1.0, 3.0], seed=-1), ValueError, "seed"),
        (statistics.compare_paired, dict(a=[1.0, 2.0], b=[1.0, 3.0], n_boot=10.5), TypeError, "n_boot"),
        (findings.strength_bins, dict(strengths=[0.1, 0.2], bins=0), ValueError, "bins"),
        (findings.judge, dict(ci_low=0.1, ci_high=0.2, direction="up"), ValueError, "direction"),
        # connectomes
        (connectomes.from_array, dict(weights=[[0, 1], [1, 0]], names=None), TypeError, "names"),
        (connectomes.from_array, dict(weights=[[0, -1.0], [1, 0]], names=["a", "b"]), ValueError, "weights"),
        (connectomes.load, dict(data=conn, format="xlsx"), ValueError, "format"),
        (connectomes.expand, dict(connectome=conn, neurons_per_region=2.5), TypeError, "neurons_per_region"),
        (connectomes.expand, dict(connectome=conn, neurons_per_region=0), ValueError, "neurons_per_region"),
        (connectomes.expand, dict(connectome=conn, neurons_per_region=2, target_sparsity="all"), TypeError,
         "target_sparsity"),
        (connectomes.expand, dict(connectome=conn, neurons_per_region=2, seed=-3), ValueError, "seed"),
        (connectomes.shuffle, dict(network=np.ones((2, 3))), ValueError, "network"),
        (connectomes.parse_strategy, dict(code=1), TypeError, "strategy"),
        (connectomes.parse_strategy, dict(code="b_w_all"), ValueError, "strategy"),
        (connectomes.strategy_network, dict(connectome=conn, strategy="b_w_no", neurons_per_region=2, seed=1.0),
         TypeError, "seed"),
        # geometry
        (spatial.distance_matrix, dict(coordinates=np.zeros((4, 2))), ValueError, "coordinates"),
        (spatial.distance_matrix, dict(coordinates=np.eye(3), power=-1), ValueError, "power"),
        (spatial.grid_coordinates, dict(spacing="1"), TypeError, "spacing"),
        (communicability, dict(weights=[["a", "b"], ["c", "d"]]), TypeError, "weights"),
        (communicability, dict(weights=np.ones((2, 3))), ValueError, "weights"),
    ]


ENTRY_POINTS = _entry_points()


@pytest.mark.parametrize("function, kwargs, error, argument", ENTRY_POINTS,
                         ids=[f"{f.__name__}-{a}-{e.__name__}" for f, _, e, a in ENTRY_POINTS])
def test_entry_point_raises_the_exact_exception_naming_the_argument(function, kwargs, error, argument):
    with pytest.raises(Exception) as info:
        function(**kwargs)
    assert type(info.value) is error, f"{function.__name__} raised {type(info.value).__name__}: {info.value}"
    assert str(info.value).startswith(argument) or f" {argument} " in str(info.value), str(info.value)
