"""The two real MICrONS files: pinky100 wiring and distances, minnie65 selections."""
import csv

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from sernn import microns


@pytest.fixture(scope="module")
def microns_dir(shared_data):
    folder = shared_data / "microns"
    if not (folder / "pinky100_soma.csv").exists():
        pytest.skip(f"MICrONS files not found in {folder}")
    return folder


@pytest.fixture(scope="module")
def pinky(microns_dir):
    return microns.load_pinky100(microns_dir)


@pytest.fixture(scope="module")
def minnie(microns_dir):
    return microns.load_minnie65_somata(microns_dir / "minnie65_somata.csv")


def test_pinky100_wiring_counts_pairs(pinky, microns_dir):
    cells, synapses = pinky
    assert len(cells) == 363 and len(synapses) == 1981
    # Independent count with the csv module and a set of ordered pairs.
    with open(microns_dir / "pinky100_synapses.csv") as fh:
        rows = [(int(r["pre"]), int(r["post"])) for r in csv.DictReader(fh)]
    autapses = sum(pre == post for pre, post in rows)
    pairs = {(pre, post) for pre, post in rows if pre != post}
    W, report = microns.wiring_matrix(synapses, cells.root_id)
    assert report.n_synapses == 1981
    assert report.n_autapses == autapses
    assert report.n_used == 1981 - autapses
    assert np.count_nonzero(W) == len(pairs) == report.n_pairs
    assert W.sum() == 1981 - autapses
    assert np.all(np.diag(W) == 0)
    # orientation: W[i, j] counts synapses from cell i to cell j
    index = {rid: k for k, rid in enumerate(cells.root_id)}
    pre, post = next(iter(pairs))
    assert W[index[pre], index[post]] == sum(1 for r in rows if r == (pre, post))


def test_pinky100_distances_equal_soma_distances(pinky, microns_dir):
    cells, _ = pinky
    with open(microns_dir / "pinky100_soma.csv") as fh:
        locs = [[float(v) for v in r["loc"].strip("[]").split()] for r in csv.DictReader(fh)]
    xyz_um = np.array(locs) / 1000.0  # nm -> µm, one row per cell
    D = microns.soma_distances(cells)
    reference = pdist(xyz_um)
    assert np.allclose(squareform(D, checks=False), reference)
    assert np.corrcoef(squareform(D, checks=False), reference)[0, 1] > 0.999999
    # the published reshape(3, -1) scrambling would not pass this
    scrambled = pdist(np.asarray(xyz_um).reshape(3, -1).T)
    assert abs(np.corrcoef(scrambled, reference)[0, 1]) < 0.5


def test_minnie65_selections(minnie, microns_dir):
    assert len(minnie) == 69461
    with open(microns_dir / "minnie65_somata.csv") as fh:
        rows = list(csv.DictReader(fh))
    inhibitory = {"BC", "BPC", "MC", "NGC"}
    expected = sum(r["cell_type"] in inhibitory for r in rows)
    chosen = microns.select_class(minnie, "inhibitory")
    assert len(chosen) == expected
    assert set(chosen.cell_type) == inhibitory
    only_23p = microns.select_class(minnie, cell_type="23P")
    assert len(only_23p) == sum(r["cell_type"] == "23P" for r in rows)

    xyz = np.array([[float(r[k]) / 1000 for k in ("x_nm", "y_nm", "z_nm")] for r in rows])
    point = xyz.mean(axis=0)
    nearest = microns.select_nearest(minnie, point, 50)
    d = np.linalg.norm(xyz - point, axis=1)
    assert set(nearest.nucleus_id) == {int(rows[k]["nucleus_id"]) for k in np.argsort(d)[:50]}
    assert np.all(np.diff(np.linalg.norm(microns.soma_coordinates(nearest) - point, axis=1)) >= 0)

    column = microns.select_cylinder(minnie, point, radius_um=40.0, axis="y")
    radial = np.hypot(xyz[:, 0] - point[0], xyz[:, 2] - point[2])
    assert len(column) == int((radial <= 40.0).sum()) > 50
    # a column spans the cortical depth: y range of a 40 µm column is hundreds of µm
    assert np.ptp(column.y_um) > 300
    shallow = microns.select_cylinder(minnie, point, 40.0, extent_um=(400.0, 600.0))
    assert shallow.y_um.between(400, 600).all() and len(shallow) < len(column)
    with pytest.raises(ValueError, match="available"):
        microns.select_class(minnie, "glial")
    row_of = {int(r["nucleus_id"]): k for k, r in enumerate(rows)}
    own = xyz[[row_of[n] for n in nearest.nucleus_id]]  # raw csv rows in the selection's order
    assert np.allclose(squareform(microns.soma_distances(nearest), checks=False), pdist(own))
