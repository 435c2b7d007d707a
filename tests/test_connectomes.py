"""Area connectomes: loading, validation, expansion to neurons, shuffle control, positions."""
import csv
import math

import numpy as np
import pandas as pd
import pytest

import sernn.connectomes as sc

FILES = {"macaque": "macaque_markov2014.csv", "marmoset": "marmoset_majka2016.csv",
         "human": "human_betzel2018.csv", "mouse": "mouse_gamanut2018.csv"}


@pytest.fixture(scope="module")
def connectome_dir(shared_data):
    return shared_data / "connectomes"


@pytest.fixture(scope="module")
def macaque(connectome_dir):
    return sc.load(connectome_dir / FILES["macaque"])


def _raw_csv(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    names = rows[0][1:]
    matrix = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    return names, [row[0] for row in rows[1:]], matrix


# -- loading ------------------------------------------------------------------------

@pytest.mark.parametrize("species,n_regions", [("macaque", 29), ("marmoset", 55), ("human", 57),
                                               ("mouse", 19)])
def test_load_square_csv_matches_raw_file(connectome_dir, species, n_regions):
    path = connectome_dir / FILES[species]
    connectome = sc.load(path)
    header, first_column, matrix = _raw_csv(path)
    assert connectome.n_regions == n_regions
    assert list(connectome.names) == header == first_column
    np.testing.assert_array_equal(connectome.weights, matrix)


def test_rows_are_sources(macaque):
    # Markov et al.: the V1 -> V2 FLN is 0.7633478377 (row V1, column V2) and V2 -> V1 is 0.7313210965.
    assert macaque.weights[macaque.index("V1"), macaque.index("V2")] == pytest.approx(0.7633478377)
    assert macaque.weights[macaque.index("V2"), macaque.index("V1")] == pytest.approx(0.7313210965)


def test_edge_list_and_array_give_the_same_connectome(macaque, tmp_path):
    rng = np.random.default_rng(0)
    sources, targets = np.nonzero(macaque.weights)
    order = rng.permutation(len(sources))
    table = pd.DataFrame({"Source": np.array(macaque.names)[sources[order]],
                          "Target": np.array(macaque.names)[targets[order]],
                          "Weight": macaque.weights[sources[order], targets[order]]})
    path = tmp_path / "edges.csv"
    table.to_csv(path, index=False)
    from_edges = sc.load(path, names=macaque.names)
    np.testing.assert_array_equal(from_edges.weights, macaque.weights)
    auto_order = sc.load(path)  # names in order of first appearance
    np.testing.assert_array_equal(auto_order.to_frame().loc[list(macaque.names), list(macaque.names)],
                                  macaque.weights)
    from_array = sc.load(np.asarray(macaque.weights), names=macaque.names)
    np.testing.assert_array_equal(from_array.weights, macaque.weights)


def test_region_names_are_read_verbatim(tmp_path):
    path = tmp_path / "numeric_names.csv"
    path.write_text("source\\target,01,2,10\n01,0,0.5,0\n2,1e-3,0,2\n10,0,3,0\n")
    connectome = sc.load(path)
    assert connectome.names == ("01", "2", "10")
    np.testing.assert_array_equal(connectome.weights, [[0, 0.5, 0], [1e-3, 0, 2], [0, 3, 0]])


def test_square_csv_with_permuted_columns_is_reordered(macaque, tmp_path):
    frame = macaque.to_frame()
    permuted = frame[list(reversed(macaque.names))]
    path = tmp_path / "permuted.csv"
    permuted.to_csv(path)
    np.testing.assert_array_equal(sc.load(path).weights, macaque.weights)


@pytest.mark.parametrize("weights,names,message", [
    (np.ones((2, 3)), ["a", "b"], "square"),
    (np.array([[0, -1.0], [1, 0]]), ["a", "b"], "negative"),
    (np.array([[0, np.nan], [1, 0]]), ["a", "b"], "non-finite"),
    (np.array([[0, np.inf], [1, 0]]), ["a", "b"], "non-finite"),
    (np.zeros((2, 2)), ["a", "a"], "duplicate"),
    (np.zeros((2, 2)), ["a", ""], "missing"),
    (np.zeros((3, 3)), ["a", "b"], "3 rows"),
])
def test_invalid_arrays_are_rejected(weights, names, message):
    with pytest.raises(ValueError, match=message):
        sc.from_array(weights, names)


@pytest.mark.parametrize("weights, names, message", [
    (np.zeros((2, 2)), None, "names must be a sequence of region names, one per row .* got None"),
    (np.zeros((2, 2)), "ab", "names must be a sequence of region names, one per row .* got 'ab'"),
    ([["x", "y"], ["z", "w"]], ["a", "b"], "weights must be a numeric"),
])
def test_arrays_of_the_wrong_type_are_rejected(weights, names, message):
    with pytest.raises(TypeError, match=message):
        sc.from_array(weights, names)


def test_missing_file_is_rejected(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sc.load(tmp_path / "absent.csv")


@pytest.mark.parametrize("text,names,message", [
    ("x,a,b\na,0,1\nc,1,0\n", None, "row and column region names differ"),
    ("x,a,b,c\na,0,1,1\nb,1,0,1\n", None, "not square"),
    ("x,a,b\na,0,-1\nb,1,0\n", None, "negative"),
    ("x,a,a\na,0,1\nb,1,0\n", None, "duplicate region names: \\['a'\\]"),
    ("x,a,b\na,0,\nb,1,0\n", None, "row 'a', column 'b'"),
    ("x,a,b\na,0,abc\nb,1,0\n", None, "row 'a', column 'b'"),
    ("x,a,b\na,0,NaN\nb,1,0\n", None, "row 'a', column 'b'"),
    ("source,target,weight\na,b,1\na,b,2\n", None, "more than once"),
    ("source,target,weight\na,b,1\nb,c,2\n", ["a", "b"], "not in names"),
    ("", None, "broken.csv' is not a readable CSV table"),
    ("x,a,b\n", None, "broken.csv' is not a readable CSV table"),
    ("x,a,b\na,0,1\nb,1,0,5\n", None, "broken.csv' is not a readable CSV table"),
])
def test_invalid_files_are_rejected(tmp_path, text, names, message):
    path = tmp_path / "broken.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        sc.load(path, names=names)


# -- expansion ----------------------------------------------------------------------

def _expected_connections(C, counts, p, q, intrinsic, self_connections, intrinsic_weight=0.8):
    """The number of connections, from the formula (independent of the implementation)."""
    total = 0
    n = len(counts)
    for i in range(n):
        for j in range(n):
            if i != j and C[i, j] > 0:
                total += counts[i] * max(1, math.floor(p * counts[j] + 0.5))
        if intrinsic:
            candidates = counts[i] if self_connections else counts[i] - 1
            strength = intrinsic_weight * (C[i].sum() - C[i, i])
            if candidates > 0 and strength > 0:
                total += counts[i] * min(candidates, max(1, math.floor(q * candidates + 0.5)))
    return total


@pytest.mark.parametrize("species", sorted(FILES))
@pytest.mark.parametrize("mapping", ["diverse", "equal"])
@pytest.mark.parametrize("neurons", [3, "per-region"])
def test_every_block_sums_to_its_empirical_weight(connectome_dir, species, mapping, neurons):
    connectome = sc.load(connectome_dir / FILES[species])
    n_regions = connectome.n_regions
    counts = 3 if neurons == 3 else np.random.default_rng(1).integers(1, 6, n_regions)
    net = sc.expand(connectome, counts, mapping=mapping, seed=2)
    C = connectome.weights
    per_region = np.broadcast_to(counts, (n_regions,))
    edges = np.concatenate([[0], np.cumsum(per_region)])
    for i in range(n_regions):
        rows = slice(edges[i], edges[i + 1])
        for j in range(n_regions):
            block = net.weights[rows, edges[j]:edges[j + 1]]
            if i == j:
                expected = 0.8 * (C[i].sum() - C[i, i]) if per_region[i] > 1 else 0.0
            else:
                expected = C[i, j]
            assert block.sum() == pytest.approx(expected, rel=1e-12, abs=1e-300)
            if expected == 0:
                assert not block.any()  # no connection between unconnected regions
    assert (net.weights >= 0).all()
    np.testing.assert_array_equal(net.mask, net.weights > 0)


@pytest.mark.parametrize("p,q,self_connections,intrinsic", [
    (0.8, 1.0, False, True), (0.5, 0.5, True, True), (0.3, 0.6, False, True), (0.8, 1.0, False, False),
    (1.0, 0.25, True, True)])
def test_number_of_connections_matches_the_formula(connectome_dir, p, q, self_connections, intrinsic):
    for species in ("macaque", "mouse", "human"):
        connectome = sc.load(connectome_dir / FILES[species])
        for counts in (4, np.random.default_rng(7).integers(1, 8, connectome.n_regions)):
            per_region = np.broadcast_to(counts, (connectome.n_regions,)).tolist()
            net = sc.expand(connectome, counts, target_sparsity=p, intrinsic_sparsity=q,
                            self_connections=self_connections, intrinsic=intrinsic, seed=0)
            assert net.n_units == sum(per_region)
            assert net.n_connections == _expected_connections(
                connectome.weights, per_region, p, q, intrinsic, self_connections)
            if not self_connections:
                assert not np.diag(net.weights).any()


def test_each_source_neuron_has_the_formula_number_of_targets(macaque):
    net = sc.expand(macaque, 5, target_sparsity=0.5, seed=3)  # round(0.5 * 5) = 3 (halves up)
    v1, v2 = macaque.index("V1"), macaque.index("V2")
    block = net.block("V1", "V2")
    np.testing.assert_array_equal((block > 0).sum(axis=1), np.full(5, 3))
    intrinsic = net.block(v1, v1)  # q = 1, no self connections: 4 targets per neuron
    np.testing.assert_array_equal((intrinsic > 0).sum(axis=1), np.full(5, 4))
    assert net.block(v2, v1).sum() == pytest.approx(macaque.weights[v2, v1])


def test_worked_example_of_the_paper():
    # Regions A, B, C; A -> B weight 5, B -> C weight 2 (Fig. 1B), 4 neurons each, p = 0.8:
    # every neuron of A connects to round(3.2) = 3 neurons of B, K = 12, equal weight 5/12.
    C = np.array([[0, 5.0, 0], [0, 0, 2.0], [0, 0, 0]])
    net = sc.expand(sc.from_array(C, ["A", "B", "C"]), 4, mapping="equal", seed=0)
    ab = net.block("A", "B")
    assert (ab > 0).sum() == 12
    np.testing.assert_allclose(ab[ab > 0], 5 / 12)
    # intrinsic A: 80 % of 5 = 4 over 4 * 3 = 12 connections (no self connections).
    aa = net.block("A", "A")
    assert (aa > 0).sum() == 12 and aa.sum() == pytest.approx(4.0)
    np.testing.assert_allclose(aa[aa > 0], 4 / 12)
    # C projects nowhere: no intrinsic block, and nothing leaves it.
    assert not net.block("C", "C").any() and not net.weights[net.region_slice("C")].any()
    assert net.n_connections == 12 + 12 + 12 + 12  # A->B, B->C, A->A, B->B


def test_diverse_split_is_a_positive_random_partition(macaque):
    net = sc.expand(macaque, 4, mapping="diverse", seed=0)
    block = net.block("V1", "V2")
    parts = block[block > 0]
    assert parts.size == 12 and (parts > 0).all()
    assert parts.std() > 0.1 * parts.mean()  # not an equal split
    assert parts.sum() == pytest.approx(macaque.weights[0, 1], rel=1e-12)


def test_same_seed_same_network(macaque):
    a = sc.expand(macaque, 3, seed=11)
    b = sc.expand(macaque, 3, seed=11)
    c = sc.expand(macaque, 3, seed=12)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert not np.array_equal(a.weights, c.weights)


def test_regions_label_every_neuron(macaque):
    counts = np.arange(1, macaque.n_regions + 1)
    net = sc.expand(macaque, counts, seed=0)
    assert net.regions.shape == (counts.sum(),)
    assert list(net.regions[:3]) == [macaque.names[0], macaque.names[1], macaque.names[1]]
    assert (net.regions == macaque.names[-1]).sum() == macaque.n_regions


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(neurons_per_region=0), ValueError, "neurons_per_region must be an integer >= 1 .*; got minimum 0"),
    (dict(neurons_per_region=[2, 2]), ValueError, "one entry per region \\(29 regions\\); got 2 entries"),
    (dict(neurons_per_region=2.5), TypeError, "neurons_per_region must be an integer >= 1 or a 1-D sequence"),
    (dict(neurons_per_region=2, target_sparsity=0), ValueError,
     r"target_sparsity must be a finite real number in \(0, 1\]; got 0"),
    (dict(neurons_per_region=2, intrinsic_sparsity=1.5), ValueError, r"intrinsic_sparsity .* in \(0, 1\]; got 1.5"),
    (dict(neurons_per_region=2, intrinsic_sparsity="half"), TypeError, r"intrinsic_sparsity .* got 'half' \(str\)"),
    (dict(neurons_per_region=2, intrinsic_weight=-1), ValueError, "intrinsic_weight must be a finite real number >= 0"),
    (dict(neurons_per_region=2, mapping="random"), ValueError, "mapping must be one of 'diverse', 'equal'; got 'random'"),
    (dict(neurons_per_region=2, mapping=1), TypeError, "mapping must be one of 'diverse', 'equal'; got 1 \\(int\\)"),
    (dict(neurons_per_region=2, seed=-1), ValueError, "seed must be an integer >= 0"),
])
def test_bad_expansion_arguments(macaque, kwargs, error, message):
    with pytest.raises(error, match=message):
        sc.expand(macaque, **kwargs)


# -- randomised control ----------------------------------------------------------

def test_shuffle_keeps_weights_and_density_but_not_topology(macaque):
    net = sc.expand(macaque, 4, seed=0)
    control = sc.shuffle(net, seed=5)
    off = ~np.eye(net.n_units, dtype=bool)
    np.testing.assert_array_equal(np.sort(control.weights[off]), np.sort(net.weights[off]))
    assert control.n_connections == net.n_connections
    np.testing.assert_array_equal(np.diag(control.weights), np.diag(net.weights))
    # Topology destroyed: connections now fall into region pairs that are unconnected in the data.
    unconnected = (macaque.weights == 0) & ~np.eye(macaque.n_regions, dtype=bool)
    pair_unconnected = unconnected[net.region_index[:, None], net.region_index[None, :]]
    assert control.mask[pair_unconnected].sum() > 0.2 * control.n_connections
    assert net.mask[pair_unconnected].sum() == 0
    np.testing.assert_array_equal(sc.shuffle(net, seed=5).weights, control.weights)


def test_strategy_codes(macaque):
    assert sc.parse_strategy("b_w_eq").mapping == "equal"
    assert sc.parse_strategy("r_w_div").code == "r_b_w_div"
    assert sc.parse_strategy("b_w_no").weight_mapping == "topology"
    with pytest.raises(ValueError, match="strategy must be one of 'b_w_no', .*; got 'b_w_xx'"):
        sc.parse_strategy("b_w_xx")
    with pytest.raises(TypeError, match="strategy must be one of 'b_w_no', .*; got 3 \\(int\\)"):
        sc.parse_strategy(3)
    bio = sc.strategy_network(macaque, "b_w_eq", 3, seed=4)
    control = sc.strategy_network(macaque, "r_b_w_eq", 3, seed=4)
    off = ~np.eye(bio.n_units, dtype=bool)
    np.testing.assert_array_equal(np.sort(bio.weights[off]), np.sort(control.weights[off]))
    assert not np.array_equal(bio.mask, control.mask)
    assert control.settings["strategy"] == "r_b_w_eq"


# -- positions ----------------------------------------------------------------------

def test_positions_jitter_around_centroids(macaque):
    net = sc.expand(macaque, 50, seed=0, intrinsic=False, target_sparsity=0.05)
    centroids = np.random.default_rng(0).uniform(0, 40, size=(macaque.n_regions, 3))
    positions = net.positions(centroids, jitter=0.5, seed=3)
    assert positions.shape == (net.n_units, 3)
    np.testing.assert_array_equal(positions, sc.neuron_positions(net, centroids, jitter=0.5, seed=3))
    offsets = positions - centroids[net.region_index]
    assert offsets.std() == pytest.approx(0.5, rel=0.05)
    region_means = pd.DataFrame(positions).groupby(net.region_index).mean().to_numpy()
    np.testing.assert_allclose(region_means, centroids, atol=0.5 * 4 / np.sqrt(50))
    np.testing.assert_array_equal(net.positions(centroids, jitter=0, seed=1), centroids[net.region_index])
    by_name = {name: centroids[k] for k, name in enumerate(macaque.names)}
    np.testing.assert_array_equal(net.positions(by_name, jitter=0.5, seed=3), positions)


def test_default_jitter_and_errors(macaque):
    net = sc.expand(macaque, 2, seed=0)
    centroids = np.arange(macaque.n_regions * 3, dtype=float).reshape(-1, 3) * 10
    # Neighbouring centroids are sqrt(3) * 30 apart: default jitter = 0.1 * that.
    assert sc.default_jitter(centroids) == pytest.approx(0.1 * np.sqrt(3) * 30)
    with pytest.raises(ValueError, match="29 regions"):
        net.positions(centroids[:5])
    with pytest.raises(ValueError, match="no coordinates for regions"):
        net.positions({"V1": (0, 0, 0)})
    with pytest.raises(ValueError, match="jitter must be a finite real number >= 0; got -1"):
        net.positions(centroids, jitter=-1)
    with pytest.raises(TypeError, match="jitter must be a finite real number >= 0; got '0.5' \\(str\\)"):
        net.positions(centroids, jitter="0.5")


def test_catalog_finds_known_connectomes(connectome_dir):
    path = sc.find_connectome("marmoset", connectome_dir)
    assert path.name == "marmoset_majka2016.csv"
    # Region counts of the data README (macaque 29, marmoset 55, human 57, mouse 19, Ypma/Oh 56, fly 49).
    expected = {"macaque": 29, "marmoset": 55, "human": 57, "mouse": 19, "mouse_ypma_oh": 56, "drosophila": 49}
    assert {key: sc.KNOWN_CONNECTOMES[key][1] for key in expected} == expected
    for key, n_regions in expected.items():
        assert sc.load(sc.find_connectome(key, connectome_dir)).n_regions == n_regions
    with pytest.raises(ValueError, match="unknown species"):
        sc.find_connectome("cat", connectome_dir)


def test_a_data_frame_with_permuted_columns_is_aligned_to_its_rows(macaque):
    frame = macaque.to_frame()
    permuted = frame[list(reversed(macaque.names))]
    np.testing.assert_array_equal(sc.load(permuted).weights, macaque.weights)


def test_edge_list_names_may_be_a_generator():
    import pandas as pd

    edges = pd.DataFrame({"source": ["A", "B"], "target": ["B", "C"], "weight": [1.0, 2.0]})
    connectome = sc.from_edge_list(edges, names=(name for name in "ABC"))
    assert connectome.names == ("A", "B", "C")
    assert connectome.weights[1, 2] == 2.0


def test_connectomes_compare_by_names_and_weights(macaque):
    same = sc.from_array(macaque.weights.copy(), list(macaque.names), source="elsewhere")
    assert same == macaque and hash(same) == hash(macaque) and len({same, macaque}) == 1
    other = sc.from_array(macaque.weights * 2, list(macaque.names))
    assert other != macaque
    net = sc.expand(macaque, 2, seed=0)
    assert net == net and net != sc.expand(macaque, 2, seed=0)  # networks compare by identity
