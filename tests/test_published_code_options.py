"""The published code's choices, offered beside the papers' under their own names (connectome study).

Each option is checked against a hand-worked case and against the facts found by running the authors'
code: bio2art's intrinsic rule puts 80 % of all weight inside regions (44 % with the paper's rule), its
"diverse" split is stick-breaking, the PyTorch experiments ran the transposed connectome (about 20 % of
macaque and marmoset area edges have no reverse edge), and their n-back had M = 5 values, the cue with
the last value and three output classes.
"""
import numpy as np
import pytest

from sernn.connectomes import Connectome, expand
from sernn.connectomes.expansion import stick_breaking
from sernn.tasks import nback

# rows = source, columns = target
TOY = np.array([[0.0, 2.0, 0.0],
                [1.0, 0.0, 3.0],
                [4.0, 0.0, 0.0]])


def _toy():
    return Connectome(weights=TOY, names=("a", "b", "c"))


def _intrinsic_sums(network):
    return np.array([network.block(r, r).sum() for r in range(3)])


def test_the_intrinsic_rules_on_a_hand_worked_connectome():
    paper = expand(_toy(), 3, seed=0)  # 0.8 x outgoing: 0.8 x (2, 4, 4)
    np.testing.assert_allclose(np.diag(paper.block_weights), [1.6, 3.2, 3.2])
    bio2art = expand(_toy(), 3, seed=0, intrinsic_rule="bio2art")  # 0.8 / 0.2 x incoming: 4 x (5, 2, 3)
    np.testing.assert_allclose(np.diag(bio2art.block_weights), [20.0, 8.0, 12.0])
    np.testing.assert_allclose(_intrinsic_sums(bio2art), [20.0, 8.0, 12.0])
    # the extrinsic blocks do not depend on the rule
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_array_equal(paper.block_weights[off], bio2art.block_weights[off])
    with pytest.raises(ValueError, match="intrinsic_weight must be < 1 with intrinsic_rule='bio2art'"):
        expand(_toy(), 3, intrinsic_rule="bio2art", intrinsic_weight=1.0)
    with pytest.raises(ValueError, match="intrinsic_rule must be one of 'paper', 'bio2art'; got 'code'"):
        expand(_toy(), 3, intrinsic_rule="code")


@pytest.mark.parametrize("species", ["macaque", "marmoset", "human"])
def test_bio2art_puts_80_percent_of_the_weight_inside_regions_and_the_paper_44(shared_data, species):
    from sernn.connectomes import load
    from sernn.connectomes.catalog import find_connectome

    connectome = load(find_connectome(species, shared_data / "connectomes"))
    for rule, expected in (("paper", 0.8 / 1.8), ("bio2art", 0.8)):
        network = expand(connectome, 4, seed=0, intrinsic_rule=rule)
        inside = network.region_index[:, None] == network.region_index[None, :]
        assert network.weights[inside].sum() / network.weights.sum() == pytest.approx(expected, rel=1e-9)


def test_stick_breaking_by_hand():
    parts = stick_breaking(10.0, 4, np.random.default_rng(3))
    u = np.random.default_rng(3).random(3)
    expected = 10.0 * np.array([u[0], u[1] * (1 - u[0]), u[2] * (1 - u[0]) * (1 - u[1]),
                                (1 - u[0]) * (1 - u[1]) * (1 - u[2])])
    np.testing.assert_allclose(parts, expected, rtol=1e-12)
    assert parts.sum() == pytest.approx(10.0, rel=1e-12)
    # long blocks: no zero or negative weight (bio2art's last-part subtraction gives them from 48 parts on)
    long = stick_breaking(1.0, 2000, np.random.default_rng(0))
    assert (long > 0).all() and long.sum() == pytest.approx(1.0, rel=1e-12)


def test_stick_breaking_is_as_skewed_as_bio2art_and_the_dirichlet_is_not():
    rng = np.random.default_rng(1)
    first = np.mean([stick_breaking(1.0, 12, rng)[0] for _ in range(4000)])
    assert first == pytest.approx(0.5, abs=0.02)  # E[U] = 1/2 of the whole block
    stick = expand(_toy(), 4, seed=0, partition="stick")
    flat = expand(_toy(), 4, seed=0)
    for network in (stick, flat):  # every block still sums to its weight
        for i in range(3):
            for j in range(3):
                assert network.block(i, j).sum() == pytest.approx(network.block_weights[i, j], rel=1e-9)

    def largest_share(network):
        shares = [network.block(i, j).max() / network.block_weights[i, j]
                  for i in range(3) for j in range(3) if network.block_weights[i, j] > 0]
        return float(np.mean(shares))

    shares = [(largest_share(expand(_toy(), 4, seed=s, partition="stick")),
               largest_share(expand(_toy(), 4, seed=s))) for s in range(20)]
    stick_mean, flat_mean = np.mean(shares, axis=0)
    assert stick_mean > 0.5 > 0.35 > flat_mean  # blocks of 12-16 connections
    with pytest.raises(ValueError, match="partition must be one of 'dirichlet', 'stick'; got 'broken'"):
        expand(_toy(), 4, partition="broken")


def test_the_transposed_orientation_is_the_network_the_pytorch_runs_had():
    normal = expand(_toy(), 3, seed=5)
    transposed = expand(_toy(), 3, seed=5, orientation="transposed")
    np.testing.assert_array_equal(transposed.weights, normal.weights.T)
    np.testing.assert_array_equal(transposed.mask, normal.mask.T)
    np.testing.assert_array_equal(transposed.block_weights, normal.block_weights.T)
    assert transposed.block_weights[1, 0] == 2.0 == TOY[0, 1]  # the a -> b edge now reads b -> a


@pytest.mark.parametrize("species, fraction", [("macaque", 0.2015), ("marmoset", 0.1976)])
def test_a_fifth_of_the_area_edges_have_no_reverse_edge(shared_data, species, fraction):
    from sernn.connectomes import load
    from sernn.connectomes.catalog import find_connectome

    C = np.asarray(load(find_connectome(species, shared_data / "connectomes")).weights)
    edges = (C > 0) & ~np.eye(len(C), dtype=bool)
    assert (edges & ~edges.T).sum() / edges.sum() == pytest.approx(fraction, abs=5e-4)
    network = expand(load(find_connectome(species, shared_data / "connectomes")), 2, seed=0)
    transposed = expand(load(find_connectome(species, shared_data / "connectomes")), 2, seed=0,
                        orientation="transposed")
    assert (network.mask != transposed.mask).any()


def test_nback_original_timing_and_three_classes_by_hand():
    data = nback(6, n=3, seed=2, timing="original", classes=3)
    assert data.x.shape == (6, 6, 2) and data.y.shape == (6, 6, 3)  # M = 5 for every n
    np.testing.assert_array_equal(data.x[:, :, 1], np.tile([0, 0, 0, 0, 1, 0], (6, 1)))  # cue with v_4
    np.testing.assert_array_equal(data.x[:, 5, :], 0.0)  # the response step has no input
    np.testing.assert_array_equal(data.sample_weight, np.tile([0, 0, 0, 0, 0, 1], (6, 1)))
    assert data.y[:, :5].sum() == 0 and data.y[:, 5, 0].sum() == 0  # fixate never a target
    match = data.y[:, 5, 2] == 1
    assert match.sum() == 3 and (data.y[:, 5, 1] == 1).sum() == 3
    np.testing.assert_array_equal(data.x[match, 4, 0], data.x[match, 1, 0])  # v_4 == v_{4-3}
    assert (data.x[~match, 4, 0] != data.x[~match, 1, 0]).all()
    # sernn's default: the cue alone on the response step, M = n + 4, two classes
    default = nback(6, n=3, seed=2)
    assert default.x.shape == (6, 8, 2) and default.y.shape == (6, 8, 2)
    np.testing.assert_array_equal(default.x[:, 7, :], np.tile([0, 1], (6, 1)))
    with pytest.raises(ValueError, match="timing='original' shows M = 5 values, which needs n < 5"):
        nback(4, n=5, timing="original")
    with pytest.raises(ValueError, match="classes must be one of 2, 3; got 4"):
        nback(4, classes=4)
    with pytest.raises(ValueError, match="timing must be one of 'separate-cue', 'original'; got 'late'"):
        nback(4, timing="late")


@pytest.mark.parametrize("argv, message", [
    (["maze", "--nback-timing", "original"],
     "sernn maze: error: --nback-timing is an option of sernn memory, not of sernn maze (see sernn maze --help)"),
    (["microns", "--intrinsic-rule=bio2art"],
     "sernn microns: error: --intrinsic-rule is an option of sernn memory, not of sernn microns"),
    (["memory", "--pinky100", "x"], "sernn memory: error: --pinky100 is an option of sernn microns, not of"),
    (["maze", "--no-such-option"], "sernn maze: error: unrecognized arguments: --no-such-option"),
])
def test_an_option_of_another_benchmark_is_named(argv, message, capsys, tmp_path):
    from sernn.cli import main

    assert main(argv + ["--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
