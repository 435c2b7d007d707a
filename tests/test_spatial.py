import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist, squareform

from sernn import spatial


def test_default_grid_is_the_papers_5x5x4():
    coords = spatial.grid_coordinates()
    assert coords.shape == (100, 3)
    assert set(np.unique(coords[:, 0])) == {0, 1, 2, 3, 4}
    assert set(np.unique(coords[:, 1])) == {0, 1, 2, 3, 4}
    assert set(np.unique(coords[:, 2])) == {0, 1, 2, 3}
    assert len({tuple(c) for c in coords}) == 100
    D = spatial.distance_matrix(coords)
    # SPEC: mean off-diagonal distance 3.06, maximum sqrt(41)
    assert spatial.mean_distance(D) == pytest.approx(3.06, abs=0.005)
    assert D.max() == pytest.approx(np.sqrt(41))


def test_distance_matrix_matches_scipy_with_power_and_normalisation():
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(30, 3))
    reference = squareform(pdist(coords))
    np.testing.assert_allclose(spatial.distance_matrix(coords), reference, atol=1e-12)
    np.testing.assert_allclose(spatial.distance_matrix(coords, power=2.0), reference ** 2, atol=1e-10)
    normalised = spatial.distance_matrix(coords, normalize=True)
    off = ~np.eye(30, dtype=bool)
    assert normalised[off].mean() == pytest.approx(1.0)
    np.testing.assert_allclose(normalised, reference / reference[off].mean())


def test_coordinates_from_table_units_and_columns():
    table = pd.DataFrame({"x": [0.0, 1000.0], "y": [0.0, 0.0], "z": [0.0, 2000.0]})
    np.testing.assert_allclose(spatial.coordinates_from_table(table, unit="nm"),
                               [[0, 0, 0], [1, 0, 2]])
    voxels = pd.DataFrame({"px": [10, 20], "py": [0, 5], "pz": [1, 3]})
    got = spatial.coordinates_from_table(voxels, columns=("px", "py", "pz"), unit="voxel")
    np.testing.assert_allclose(got, [[0.04, 0.0, 0.04], [0.08, 0.02, 0.12]])
    packed = pd.DataFrame({"loc": ["[1000 2000 3000]", "[0 0 0]"]})
    np.testing.assert_allclose(spatial.coordinates_from_table(packed, columns="loc", unit="nm"),
                               [[1, 2, 3], [0, 0, 0]])


@pytest.mark.parametrize("bad, message", [
    (np.zeros((4, 2)), "shape"),
    (np.array([[0, 0, 0], [np.nan, 1, 1]]), "NaN"),
    (np.array([[0, 0, 0], [np.inf, 1, 1]]), "infinite"),
    (np.zeros((1, 3)), "at least 2"),
])
def test_bad_coordinates_raise(bad, message):
    with pytest.raises(ValueError, match=message):
        spatial.distance_matrix(bad)


def test_coordinates_of_the_wrong_type_raise_type_error():
    with pytest.raises(TypeError, match=r"coordinates must be an array of shape \(n, 3\) of real numbers"):
        spatial.distance_matrix([["a", "b", "c"], ["d", "e", "f"]])
    with pytest.raises(TypeError, match="power must be a finite real number > 0; got '2'"):
        spatial.distance_matrix(np.eye(3), power="2")


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="unit must be one of 'mm', 'nm', .*'voxel'; got 'furlong'"):
        spatial.coordinates_from_table(np.zeros((3, 3)), unit="furlong")
    with pytest.raises(ValueError, match="no column"):
        spatial.coordinates_from_table(pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(ValueError, match="power must be a finite real number > 0; got 0"):
        spatial.distance_matrix(np.eye(3), power=0)
    with pytest.raises(ValueError, match="shape"):
        spatial.grid_coordinates((5, 5))
