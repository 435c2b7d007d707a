"""Loading the shipped MICrONS functional connectomics fields (read from ../shared/data, never copied)."""
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist

from sernn.functional import correlation_matrix, sttc_matrix
from sernn.microns import (Field, UntrustedPickle, field_coordinates, load_field,
                           published_code_coordinates)
from sernn.readers import DamagedFile

FIELDS = {"6_6_2": 312, "6_2_8": 125, "5_3_8": 42}


@pytest.fixture(scope="module")
def fields_dir(shared_data):
    folder = shared_data / "microns" / "fields"
    if not folder.is_dir():
        pytest.skip(f"MICrONS fields not found at {folder}")
    return folder


@pytest.fixture(scope="module")
def loaded(fields_dir):
    return {name: load_field(fields_dir / name, trust_pickles=True) for name in FIELDS}


def _voxels(folder, name):
    return np.array(np.load(folder / name / f"positions_{name}.npy", allow_pickle=True).tolist())


# ---------------------------------------------------------------- the three fields

@pytest.mark.parametrize("name", list(FIELDS))
def test_every_field_loads_with_consistent_shapes(loaded, fields_dir, name):
    field = loaded[name]
    n = FIELDS[name]
    assert isinstance(field, Field)
    assert (field.name, field.n) == (name, n)
    assert (field.session, field.scan, field.field) == tuple(int(p) for p in name.split("_"))
    for matrix in (field.connectome, field.correlation, field.precision, field.sttc):
        assert matrix.shape == (n, n) and matrix.dtype == np.float64
    assert field.positions.shape == (n, 3) and field.positions_unit == "micrometres"
    for ids in (field.root_ids, field.unit_ids, field.target_ids):
        assert ids.shape == (n,) and ids.dtype == np.int64
    # the connectome is the CSV as stored (rows = presynaptic), never transposed
    stored = pd.read_csv(fields_dir / name / f"connectome_{name}.csv", index_col=0).to_numpy()
    np.testing.assert_array_equal(field.connectome, stored)
    # STTC: the stored lower triangle mirrored, diagonal 1
    lower = np.load(fields_dir / name / "sttc_matrix.npy")
    il = np.tril_indices(n, -1)
    np.testing.assert_array_equal(field.sttc, field.sttc.T)
    np.testing.assert_array_equal(field.sttc[il], lower[il])
    np.testing.assert_array_equal(np.diag(field.sttc), 1.0)
    if name == "6_6_2":
        assert field.spikes is None
    else:
        assert len(field.spikes) == n and all(t.ndim == 1 for t in field.spikes)


def test_field_6_6_2_is_the_studys_field(loaded):
    field = loaded["6_6_2"]
    w = field.connectome
    assert field.n == 312
    assert np.count_nonzero(w) == 316
    assert set(np.unique(w[w > 0])) == {1.0, 2.0, 3.0, 4.0}
    assert np.all(np.diag(w) == 0)
    # the degree asymmetry the orientation is read from: rows (out) concentrated, columns (in) spread
    out_degree, in_degree = (w > 0).sum(axis=1), (w > 0).sum(axis=0)
    assert (out_degree.max(), in_degree.max()) == (21, 6)
    assert ((out_degree > 0).sum(), (in_degree > 0).sum()) == (146, 182)


def test_positions_are_voxels_times_the_voxel_size(loaded, fields_dir):
    voxels = _voxels(fields_dir, "6_6_2")
    np.testing.assert_allclose(loaded["6_6_2"].positions, voxels * [0.004, 0.004, 0.04], rtol=1e-12)
    raw = load_field(fields_dir / "6_6_2", trust_pickles=True, positions="voxels")
    np.testing.assert_array_equal(raw.positions, voxels)
    assert raw.positions_unit == "voxels"


# ---------------------------------------------------------------- pickles need the trust flag

@pytest.mark.parametrize("name", ["6_6_2", "5_3_8"])
def test_without_the_trust_flag_a_pickled_file_is_refused_in_one_line(fields_dir, name):
    with pytest.raises(UntrustedPickle) as caught:
        load_field(fields_dir / name)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(fields_dir / name / f"positions_{name}.npy"))
    assert "pickled object array" in message and "runs code" in message and "trust_pickles=True" in message


def test_spikes_are_refused_without_the_flag_and_nothing_pickled_is_needed_when_both_are_skipped(fields_dir):
    with pytest.raises(UntrustedPickle, match=r"spikes_5_3_8\.npy: a pickled object array.*spikes=False"):
        load_field(fields_dir / "5_3_8", positions=None)
    field = load_field(fields_dir / "5_3_8", positions=None, spikes=False)
    assert field.positions is None and field.spikes is None and field.n == 42
    assert load_field(fields_dir / "6_6_2", positions=None).n == 312    # no spikes file there


def test_a_plain_numeric_positions_file_needs_no_flag(fields_dir, tmp_path):
    folder = tmp_path / "6_6_2"
    shutil.copytree(fields_dir / "6_6_2", folder)
    voxels = _voxels(fields_dir, "6_6_2")
    np.save(folder / "positions_6_6_2.npy", voxels)      # int64 (N, 3): no pickle
    field = load_field(folder)
    np.testing.assert_allclose(field.positions, voxels * [0.004, 0.004, 0.04])


# ---------------------------------------------------------------- the functional matrices from the spikes

@pytest.mark.parametrize("name", ["5_3_8", "6_2_8"])
def test_sttc_recomputed_from_the_spikes_equals_the_stored_matrix(loaded, fields_dir, name):
    field = loaded[name]
    stop = max(train.max() for train in field.spikes)
    recomputed = sttc_matrix(field.spikes, dt=0.1, start=0.0, stop=stop)
    stored = np.load(fields_dir / name / "sttc_matrix.npy")
    il = np.tril_indices(field.n, -1)
    np.testing.assert_allclose(recomputed[il], stored[il], rtol=0, atol=1e-5)
    np.testing.assert_allclose(recomputed, field.sttc, rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", ["5_3_8", "6_2_8"])
def test_correlation_is_pearson_of_spike_counts_in_0_2_s_bins(loaded, name):
    field = loaded[name]
    stop = max(train.max() for train in field.spikes)
    edges = np.arange(0.0, stop + 0.2, 0.2)
    counts = np.array([np.histogram(train, edges)[0] for train in field.spikes], dtype=np.float64)
    np.testing.assert_allclose(correlation_matrix(counts), field.correlation, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- coordinates

def test_published_code_coordinates_on_a_hand_worked_case():
    positions = np.array([[0, 10, 100], [2, 30, 400], [4, 20, 300], [8, 40, 200]])
    # row-major sequence 0 10 100 2 | 30 400 4 20 | 300 8 40 200: block k -> coordinate k
    expected = np.array([[0 / 100, 26 / 396, 292 / 292],
                         [10 / 100, 396 / 396, 0 / 292],
                         [100 / 100, 0 / 396, 32 / 292],
                         [2 / 100, 16 / 396, 192 / 292]])
    np.testing.assert_allclose(published_code_coordinates(positions), expected, rtol=0, atol=1e-15)
    # the stored form, an object array of rows, gives the same
    stored = np.empty(4, dtype=object)
    stored[:] = list(positions)
    np.testing.assert_allclose(published_code_coordinates(stored), expected, rtol=0, atol=1e-15)


def test_published_code_distances_are_unrelated_to_the_true_ones_on_6_6_2(loaded):
    field = loaded["6_6_2"]
    true = pdist(field_coordinates(field))
    published = pdist(field_coordinates(field, coordinates="published-code"))
    minmax = pdist(field_coordinates(field, coordinates="minmax"))
    r_published = np.corrcoef(published, true)[0, 1]
    r_minmax = np.corrcoef(minmax, true)[0, 1]
    assert abs(r_published) < 0.05
    assert r_published == pytest.approx(-0.003, abs=0.001)
    assert r_minmax > 0.9


def test_field_coordinates_default_is_micrometres_and_options_are_checked(loaded):
    field = loaded["5_3_8"]
    np.testing.assert_array_equal(field_coordinates(field), field.positions)
    scaled = field_coordinates(field, coordinates="minmax")
    np.testing.assert_allclose(scaled.min(axis=0), 0.0)
    np.testing.assert_allclose(scaled.max(axis=0), 1.0)
    with pytest.raises(ValueError, match="coordinates must be one of"):
        field_coordinates(field, coordinates="grid")


# ---------------------------------------------------------------- bad or partial folders

@pytest.fixture
def copied(fields_dir, tmp_path):
    folder = tmp_path / "5_3_8"
    shutil.copytree(fields_dir / "5_3_8", folder)
    return folder


@pytest.mark.parametrize("missing", ["connectome_5_3_8.csv", "sttc_matrix.npy", "unit_ids_5_3_8.npy",
                                     "positions_5_3_8.npy"])
def test_a_missing_file_is_named(copied, missing):
    (copied / missing).unlink()
    with pytest.raises(FileNotFoundError) as caught:
        load_field(copied, trust_pickles=True)
    assert caught.value.filename == str(copied / missing)
    assert "\n" not in str(caught.value)


def test_a_missing_spikes_file_is_no_error(copied):
    (copied / "spikes_5_3_8.npy").unlink()
    assert load_field(copied, trust_pickles=True).spikes is None


@pytest.mark.parametrize("damaged, content, expected", [
    ("corr_matrix.npy", b"not an array at all", "not a readable correlation matrix"),
    ("sttc_matrix.npy", None, "not a valid STTC matrix (shape (3, 3)"),
    ("connectome_5_3_8.csv", b"", "not a valid connectome (the file is empty)"),
    ("connectome_5_3_8.csv", b",0,1\n0,0,1\n1,0,0\n", "not a valid positions file (the connectome has 2 neurons"),
    ("root_ids_5_3_8.npy", None, "not a valid root ids file"),
    ("spikes_5_3_8.npy", b"\x93NUMPY garbage", "not a readable spikes file"),
])
def test_a_malformed_file_is_one_line_naming_it(copied, damaged, content, expected):
    path = copied / damaged
    if content is not None:
        path.write_bytes(content)
    else:
        np.save(path, np.zeros((3, 3)))
    with pytest.raises(DamagedFile) as caught:
        load_field(copied, trust_pickles=True)
    message = str(caught.value)
    assert "\n" not in message
    assert expected in message
    # a short connectome makes the first file that disagrees with it the one named
    named = copied / ("positions_5_3_8.npy" if "positions" in expected else damaged)
    assert message.startswith(f"{named}: ")


def test_a_truncated_pickle_is_a_damaged_file(copied):
    path = copied / "positions_5_3_8.npy"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DamagedFile, match=r"positions_5_3_8\.npy: not a readable positions file"):
        load_field(copied, trust_pickles=True)


def test_not_a_field_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such field folder"):
        load_field(tmp_path / "6_6_2")
    (tmp_path / "misc").mkdir()
    with pytest.raises(ValueError, match="misc: not a field folder"):
        load_field(tmp_path / "misc")
    with pytest.raises(ValueError, match="positions must be one of"):
        load_field(tmp_path, positions="nm")
