"""``sernn microns --field``: the study's variants on a field folder, the published code's choices by name."""
import json

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist

from sernn.cli import main
from sernn.experiments.microns_data import field_data
from sernn.experiments.microns_settings import MicronsSettings
from sernn.experiments.microns_variants import build_parts, parse_variant, penalty_coordinates
from sernn.microns import UntrustedPickle


@pytest.fixture(scope="module")
def fields_dir(shared_data):
    return shared_data / "microns" / "fields"


@pytest.fixture(scope="module")
def small(fields_dir):
    return field_data(fields_dir / "5_3_8", trust_pickles=True, log=lambda line: None)


def test_the_new_tokens():
    assert parse_variant("L1").l1 and parse_variant("L1").init == "W"
    assert parse_variant("D*+C+Wlog").name == "Wlog+D*+C"
    assert parse_variant("W*prec+D*+C").needs == {"precision"} and parse_variant("W*prec").slug == "Wfunprec"
    assert parse_variant("W*sttc+D*+C").needs == {"traces"} and parse_variant("W*sttc").slug == "Wfunsttc"
    with pytest.raises(ValueError, match="L1 is a penalty of its own"):
        parse_variant("L1+D*")
    with pytest.raises(ValueError, match="more than one initialisation"):
        parse_variant("Wlog+W*")


def test_field_data_keeps_the_field_and_selects_neurons(fields_dir, small):
    table = pd.read_csv(fields_dir / "6_2_8" / "connectome_6_2_8.csv", index_col=0).to_numpy()
    assert small.coordinates.shape == (42, 3) and small.available == {"traces", "synapses", "precision"}
    data = field_data(fields_dir / "6_2_8", trust_pickles=True, neurons=20, log=lambda line: None)
    degree = table.sum(axis=0) + table.sum(axis=1)
    keep = np.sort(np.argsort(-degree, kind="stable")[:20])
    assert np.array_equal(data.wiring, table[np.ix_(keep, keep)])
    assert degree[keep].min() >= np.sort(degree)[-20]
    nearest = field_data(fields_dir / "6_2_8", trust_pickles=True, neurons=10, selection="nearest",
                         log=lambda line: None)
    everyone = field_data(fields_dir / "6_2_8", trust_pickles=True, log=lambda line: None).coordinates
    centre = np.median(everyone, axis=0)
    order = np.sort(np.argsort(np.linalg.norm(everyone - centre, axis=1), kind="stable")[:10])
    assert np.allclose(nearest.coordinates, everyone[order])
    with pytest.raises(UntrustedPickle, match="positions"):
        field_data(fields_dir / "5_3_8", log=lambda line: None)


def test_published_code_coordinates_are_the_notebooks_reshape(fields_dir, small):
    # The notebook: np.array(positions.tolist()).reshape(3, -1), each row min-max scaled.
    raw = np.load(fields_dir / "5_3_8" / "positions_5_3_8.npy", allow_pickle=True)
    rows = np.array(raw.tolist(), dtype=float).reshape(3, -1)
    expected = ((rows - rows.min(axis=1, keepdims=True)) / np.ptp(rows, axis=1, keepdims=True)).T
    settings = {"coordinates": "published-code"}
    assert np.allclose(penalty_coordinates(parse_variant("D*"), small, settings), expected)
    minmax = penalty_coordinates(parse_variant("D*"), small, {"coordinates": "minmax"})
    assert np.allclose(minmax, (small.coordinates - small.coordinates.min(0)) / np.ptp(small.coordinates, 0))
    true = pdist(small.coordinates)
    assert np.corrcoef(pdist(minmax), true)[0, 1] > 0.8 > abs(np.corrcoef(pdist(expected), true)[0, 1])
    grid = penalty_coordinates(parse_variant("D"), small, {"grid": (7, 3, 2)})
    assert grid.shape == (42, 3) and grid.max(axis=0).tolist() == [6, 2, 1]
    with pytest.raises(ValueError, match="grid: 2 x 2 x 2 has 8 points for 42 units"):
        penalty_coordinates(parse_variant("D"), small, {"grid": (2, 2, 2)})


def test_the_baselines_l1_at_the_stated_and_the_published_strength(small):
    settings = MicronsSettings.from_options("study").stored()
    W = np.array([[1.0, -2.0], [3.0, 0.0]])
    _, stated, _ = build_parts(parse_variant("L1"), small, settings, seed=0)
    _, published, _ = build_parts(parse_variant("L1"), small, {**settings, "l1_strength": "published-code"}, seed=0)
    assert float(stated(W)) == pytest.approx(0.3 * 6) and float(published(W)) == pytest.approx(6.0)


def test_the_functional_recipes_and_permutations_by_name(small):
    from sernn.initializers.microns_kernels import diagonal_share, functional_weights

    study = MicronsSettings.from_options("study").stored()
    code = {**study, "functional_recipe": "published-code", "permutation": "neurons"}
    init, regularizer, _ = build_parts(parse_variant("W*+D*+C"), small, code, seed=3)
    kernel = init.initial_kernel()
    assert np.allclose(kernel, functional_weights(small.correlation, small.sttc, seed=3, recipe="published-code"))
    assert diagonal_share(kernel) > 0.5 > diagonal_share(build_parts(parse_variant("W*"), small, study, 3)[0]
                                                         .initial_kernel()) == 0.0
    relabelled = build_parts(parse_variant("W!+D*+C"), small, code, seed=3)[0].initial_kernel()
    assert np.allclose(np.sort(np.diag(relabelled)), np.sort(np.diag(kernel)))  # the graph and diagonal kept
    shuffled = build_parts(parse_variant("W!+D*+C"), small, study, seed=3)[0].initial_kernel()
    assert np.all(np.diag(shuffled) == 0)
    prec = build_parts(parse_variant("W*prec"), small, study, seed=3)[0].initial_kernel()
    assert np.allclose(prec, functional_weights(small.precision, small.sttc, seed=3))
    only = build_parts(parse_variant("W*sttc"), small, study, seed=3)[0].initial_kernel()
    assert np.allclose(only, functional_weights(None, small.sttc, seed=3))
    # the study's plain sum: lambda * sum |W| * C * D on the per-axis min-max positions
    assert regularizer.get_config()["normalization"] is None and regularizer.strength == pytest.approx(0.3)


def test_old_settings_files_still_match():
    stored = MicronsSettings.from_options("quick").stored()
    assert not {"coordinates", "normalization", "grid", "l1_strength"} & set(stored)
    assert "l1" not in stored["strengths"]
    study = MicronsSettings.from_options("study").stored()
    assert study["normalization"] == "none" and study["coordinates"] == "minmax" and study["strengths"]["spatial"] == 0.3


def test_sernn_microns_field_end_to_end(fields_dir, tmp_path, capsys):
    folder = str(fields_dir / "5_3_8")
    small_run = ["--variants", "L1,W*+D*+C,W!+D*+C", "--tasks", "go_nogo", "--seeds", "0", "--epochs", "1",
                 "--train-trials", "64", "--val-trials", "32", "--test-trials", "32", "--no-figures"]
    assert main(["microns", "--field", folder, "--out", str(tmp_path / "x"), *small_run]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pass --trust-pickles only for files you trust" in err[0] and not (tmp_path / "x").exists()
    for arm, extra in (("published", ["--published-code"]), ("corrected", ["--units", "20", "--selection", "nearest"])):
        assert main(["microns", "--field", folder, "--trust-pickles", "--out", str(tmp_path / arm),
                     *small_run, *extra]) == 0
    stored = {arm: json.loads((tmp_path / arm / "settings.json").read_text())["settings"]
              for arm in ("published", "corrected")}
    assert stored["published"]["coordinates"] == "published-code" and stored["published"]["permutation"] == "neurons"
    assert stored["corrected"]["coordinates"] == "minmax" and "permutation" not in stored["corrected"]
    assert stored["published"]["units"] == 42 and stored["corrected"]["units"] == 20
    assert stored["corrected"]["strengths"]["sernn"] == 0.3
    assert main(["microns", "--field", folder, "--trust-pickles", "--published-code", "--coordinates", "minmax",
                 "--out", str(tmp_path / "bad"), *small_run]) != 0
    assert "--published-code sets --coordinates" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "published"), "--boot", "200"]) == 0
    structure = pd.read_csv(tmp_path / "published" / "structure.csv").set_index("run_id")
    assert len(structure) == 3 and structure["diagonal_share"].notna().all()
    # the measures are those of the final kernels, recomputed here from history.npz
    from sernn.analysis.published_code import published_kde_entropy
    from sernn.runfolder import RunStore

    store = RunStore.open(tmp_path / "published")
    for run_id in structure.index:
        W = store.load_arrays(run_id)["recurrent_kernel"][-1]
        assert structure.loc[run_id, "total_weight"] == pytest.approx(np.abs(W).sum(), rel=1e-6)
        assert structure.loc[run_id, "kde_entropy_100"] == pytest.approx(published_kde_entropy(W), rel=1e-9)
    variants = pd.read_csv(tmp_path / "published" / "report" / "variants.csv")
    assert {"modularity_greedy", "small_worldness_fixed_null", "diagonal_share"} <= set(variants.columns)
