"""The ``sernn microns`` benchmark: variant grammar, parts, plateau flags, end-to-end runs."""
import json

import numpy as np
import pandas as pd
import pytest

from sernn.cli import main
from sernn.commands.microns import task_scales
from sernn.experiments import microns as bench
from sernn.experiments import microns_variants
from sernn.runfolder import RunStore


def test_variant_grammar():
    v = bench.parse_variant("C*+D*+W*")
    assert v.name == "W*+D*+C*" and v.init == "W*" and v.distance == "D*" and v.communicability == "C*"
    assert v.needs == {"traces", "synapses"} and v.slug == "Wfun+Dreal+Cmatch"
    assert bench.parse_variant("D").init == "W"
    assert bench.parse_variant("S+M+P").needs == {"synapses"}
    assert bench.parse_variant("W!+D").slug != bench.parse_variant("W*+D").slug
    with pytest.raises(ValueError, match="unknown token"):
        bench.parse_variant("W+X")
    with pytest.raises(ValueError, match="more than one initialisation"):
        bench.parse_variant("W+S")
    with pytest.raises(ValueError, match="add D or D"):
        bench.parse_variant("W+C*")


def test_grid_for():
    from sernn.spatial import grid_coordinates

    assert np.array_equal(bench.grid_for(100), grid_coordinates((5, 5, 4)))
    g = bench.grid_for(37)
    assert g.shape == (37, 3) and len({tuple(p) for p in g}) == 37


def _data(n=10, seed=0):
    rng = np.random.default_rng(seed)
    wiring = (rng.random((n, n)) < 0.4) * rng.integers(1, 4, (n, n)).astype(float)
    np.fill_diagonal(wiring, 0)
    corr = np.corrcoef(rng.random((n, 50)))
    return bench.MicronsData(cells=pd.DataFrame({"root_id": np.arange(1, n + 1)}),
                             coordinates=rng.random((n, 3)) * 100, wiring=wiring,
                             correlation=corr, sttc=corr.copy())


def test_build_parts_use_size_normalised_penalties():
    from sernn.constraints import MaskConstraint
    from sernn.initializers import FunctionalInitializer, SynapseInitializer
    from sernn.regularizers import CommunicabilityMatching, SpatialCommunicability, SpatialL1

    data = _data()
    settings = {"strengths": dict(bench.DEFAULT_STRENGTHS),
                "task_strength_scales": dict(bench.TASK_STRENGTH_SCALES)}
    init, reg, con = bench.build_parts(bench.parse_variant("W*+D*+C*"), data, settings, seed=1)
    assert isinstance(init, FunctionalInitializer) and init.params["permute"] is None
    assert isinstance(reg, CommunicabilityMatching) and con is None
    assert np.array_equal(reg.spatial.coordinates, data.coordinates)
    assert reg.spatial.normalization == "size"
    init, reg, con = bench.build_parts(bench.parse_variant("W!+D"), data, settings, seed=1)
    assert init.params["permute"] == "entries" and isinstance(reg, SpatialL1)
    assert np.array_equal(reg.coordinates, bench.grid_for(10))
    init, reg, con = bench.build_parts(bench.parse_variant("S+D*+C+M+P"), data, settings, seed=1)
    assert isinstance(init, SynapseInitializer) and isinstance(reg, SpatialCommunicability)
    assert reg.normalization == "size" and reg.strength == bench.DEFAULT_STRENGTHS["sernn"]
    assert isinstance(con, MaskConstraint) and con.nonneg
    assert np.array_equal(con.mask, data.wiring > 0)


def test_summary_flags_no_memory_plateau():
    rows = []
    finals = {("maze", "W"): [1.0, 0.98], ("maze", "W+D*"): [0.625, 0.62],
              ("maze", "S"): [0.95, 0.61], ("go_nogo", "W"): [0.5, 0.52],
              ("maze", "W+D"): [0.44, 0.34]}  # below the band: not even the no-memory level
    for (task, variant), accs in finals.items():
        for seed, acc in enumerate(accs):
            for epoch in (1, 2):
                rows.append(dict(run_id=f"{task}-{variant}-{seed}", task=task, variant=variant, seed=seed,
                                 epoch=epoch, val_accuracy=acc if epoch == 2 else 0.3, reg_loss=0.0))
    summary = bench.summarize(pd.DataFrame(rows)).set_index(["task", "variant"])
    assert summary.loc[("maze", "W+D*"), "status"] == "plateau"
    assert np.isnan(summary.loc[("maze", "W+D*"), "val_accuracy_learned"])
    assert summary.loc[("maze", "S"), "status"] == "partly plateau"
    assert summary.loc[("maze", "S"), "val_accuracy_learned"] == pytest.approx(0.95)
    assert summary.loc[("maze", "W"), "status"] == "learned"
    assert summary.loc[("maze", "W"), "val_accuracy"] == pytest.approx(0.99)
    assert summary.loc[("maze", "W"), "val_auc"] == pytest.approx((0.3 + 0.99) / 2)
    assert summary.loc[("go_nogo", "W"), "status"] == "plateau"
    assert summary.loc[("maze", "W+D"), "status"] == "plateau"
    assert np.isnan(summary.loc[("maze", "W+D"), "val_accuracy_learned"])
    # ranking: plateau variants come last within a task
    maze_order = list(bench.summarize(pd.DataFrame(rows)).query("task == 'maze'")["variant"])
    assert set(maze_order[-2:]) == {"W+D*", "W+D"}


COMMON = ["--epochs", "1", "--train-trials", "64", "--val-trials", "32", "--test-trials", "32",
          "--batch-size", "32", "--seeds", "0"]


@pytest.mark.slow
def test_quick_benchmark_on_pinky100(shared_data, tmp_path, capsys):
    folder = shared_data / "microns"
    if not (folder / "pinky100_soma.csv").exists():
        pytest.skip("pinky100 files not found")
    out = tmp_path / "out"
    argv = ["microns", "--pinky100", str(folder), "--out", str(out), "--neurons", "12",
            "--variants", "W*+D*,S+M+P,W+D*+C*", "--tasks", "go_nogo", *COMMON]
    # a variant asked for by name that the data cannot support: one line, nothing trained or written
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--variants W*+D*: needs functional traces (traces with coregistration" in err[0]
    assert not out.exists()
    argv[argv.index("W*+D*,S+M+P,W+D*+C*")] = "S+M+P,W+D*+C*"
    assert main(argv) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["variant"]) == {"S+M+P", "W+D*+C*"}
    assert (out / "figures" / "accuracy_by_variant.png").exists()
    # the saved positions are the selected cells' somata, and the mask held during training
    from sernn import microns
    cells, synapses = microns.load_pinky100(folder)
    chosen = microns.select_most_connected(cells, synapses, 12)
    store = RunStore.open(out)
    run_id = [r["run_id"] for r in store.done_runs() if r["variant"] == "S+M+P"][0]
    arrays = store.load_arrays(run_id)
    assert np.allclose(arrays["coordinates"], microns.soma_coordinates(chosen))
    kernel = arrays["recurrent_kernel"]
    assert kernel.shape == (2, 12, 12)
    assert np.all(kernel[:, arrays["wiring"] == 0] == 0) and np.all(kernel >= 0)
    assert json.loads((out / "settings.json").read_text())["settings"]["normalization"] == "size"
    assert main(argv) == 0  # resume: nothing left to run
    assert "0 to run" in capsys.readouterr().out


def _write_user_files(folder, n=8, frames=300, seed=0):
    """Small CAVE-schema exports: nucleus table, synapses, coregistration, traces."""
    rng = np.random.default_rng(seed)
    roots = 864691135000000 + np.arange(n)
    nucleus = pd.DataFrame({"id": 100 + np.arange(n), "valid": "t",
                            "pt_position": [f"[{x} {y} {z}]" for x, y, z in
                                            rng.integers(0, 5000, (n, 3))],
                            "pt_supervoxel_id": 1, "pt_root_id": roots, "volume": 200.0})
    nucleus.to_csv(folder / "nucleus.csv", index=False)
    pre, post = rng.integers(0, n, 60), rng.integers(0, n, 60)
    synapses = pd.DataFrame({"id": np.arange(60), "valid": "t", "pre_pt_supervoxel_id": 1,
                             "pre_pt_root_id": roots[pre], "post_pt_supervoxel_id": 1,
                             "post_pt_root_id": roots[post], "size": rng.integers(50, 500, 60)})
    for name in ("pre_pt_position", "post_pt_position", "ctr_pt_position"):
        for axis in "xyz":
            synapses[f"{name}_{axis}"] = rng.integers(0, 5000, 60)
    synapses.to_csv(folder / "synapses.csv", index=False)
    coreg = pd.DataFrame({"id": np.arange(n), "valid": "t", "target_id": 100 + np.arange(n),
                          "pt_position": "[0 0 0]", "pt_supervoxel_id": 1, "pt_root_id": roots,
                          "session": 6, "scan_idx": 6, "unit_id": 1 + np.arange(n), "field": 2,
                          "residual": 1.0, "score": 5.0})
    coreg.to_csv(folder / "coregistration.csv", index=False)
    shared = rng.gamma(0.3, size=frames)
    traces = rng.gamma(0.3, size=(n, frames)) + shared
    np.savez(folder / "traces.npz", session=np.full(n, 6), scan_idx=np.full(n, 6),
             unit_id=1 + np.arange(n), traces=traces)


@pytest.mark.slow
def test_benchmark_on_user_files_with_traces(tmp_path, capsys):
    _write_user_files(tmp_path)
    out = tmp_path / "out"
    argv = ["microns", "--cells", str(tmp_path / "nucleus.csv"), "--synapses", str(tmp_path / "synapses.csv"),
            "--coregistration", str(tmp_path / "coregistration.csv"), "--traces", str(tmp_path / "traces.npz"),
            "--session", "6", "--scan-idx", "6", "--field", "2", "--out", str(out),
            "--variants", "W*+D*+C*,W!+D*", "--tasks", "perceptual_decision", "--no-figures", *COMMON]
    assert main(argv) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["variant"]) == {"W*+D*+C*", "W!+D*"}
    store = RunStore.open(out)
    record = [r for r in store.done_runs() if r["variant"] == "W*+D*+C*"][0]
    first = store.load_arrays(record["run_id"])["recurrent_kernel"][0]
    # the initial kernel is the functional initialisation of the recorded traces
    from sernn import microns
    from sernn.functional import functional_relations
    from sernn.initializers.functional import functional_weights
    traces = microns.load_traces(tmp_path / "traces.npz")
    corr, sttc = functional_relations(traces.traces, traces.frame_rate)
    assert np.allclose(first, functional_weights(corr, sttc, seed=0), atol=1e-6)


def test_clear_errors(tmp_path, capsys):
    assert main(["microns", "--out", str(tmp_path / "o")]) == 2
    assert "--pinky100" in capsys.readouterr().err
    assert main(["microns", "--pinky100", str(tmp_path), "--variants", "W+Q"]) == 2
    assert "unknown token" in capsys.readouterr().err
    somata = tmp_path / "somata.csv"
    somata.write_text("nucleus_id,x_nm,y_nm,z_nm,cell_type\n1,0,0,0,23P\n2,1000,0,0,BC\n3,0,9000,0,23P\n")
    assert main(["microns", "--cells", str(somata), "--synapses", str(somata)]) == 2
    assert "--synapses: the cells table" in capsys.readouterr().err
    assert main(["microns", "--cells", str(somata), "--neurons", "2", "--center", "0", "nan", "0"]) == 2
    assert "--center must be 3 finite numbers" in capsys.readouterr().err


def test_task_strength_scales():
    data = _data()
    settings = {"strengths": dict(bench.DEFAULT_STRENGTHS)}
    _, reg, _ = bench.build_parts(bench.parse_variant("W+D*+C"), data, settings, seed=0, scale=0.02)
    assert reg.strength == pytest.approx(bench.DEFAULT_STRENGTHS["sernn"] * 0.02)
    assert task_scales("go_nogo=0.5") == {**bench.TASK_STRENGTH_SCALES, "go_nogo": 0.5}
    with pytest.raises(ValueError, match="--task-scale"):
        task_scales("maze=-1")
    with pytest.raises(ValueError, match="--task-scale"):
        task_scales("chess=1")


def _load(argv):
    """load_data with the data options of a `sernn microns` command line."""
    import argparse

    from sernn.commands import microns as command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args(argv)
    return bench.load_data(**command.data_options(args))


def test_cell_types_join_and_cell_class_selection(tmp_path, capsys):
    _write_user_files(tmp_path)
    nucleus = pd.read_csv(tmp_path / "nucleus.csv")
    classes = ["excitatory_neuron", "inhibitory_neuron"] * 4
    pd.DataFrame({"id": np.arange(8), "valid": "t", "target_id": nucleus["id"][::-1].to_numpy(),
                  "classification_system": classes, "cell_type": ["23P", "BC"] * 4}
                 ).to_csv(tmp_path / "types.csv", index=False)
    files = ["--cells", str(tmp_path / "nucleus.csv"), "--synapses", str(tmp_path / "synapses.csv")]
    data = _load(files + ["--cell-types", str(tmp_path / "types.csv"),
                                           "--cell-class", "inhibitory"])
    # target_id runs backwards over the nuclei: even rows of the types table are the odd nuclei
    assert sorted(data.cells["nucleus_id"]) == sorted(nucleus["id"][::-1].to_numpy()[1::2])
    assert set(data.cells["cell_type"]) == {"BC"} and data.wiring.shape == (4, 4)
    with pytest.raises(ValueError, match="cell_class: the cells have no cell class"):
        _load(files + ["--cell-class", "inhibitory"])


@pytest.mark.slow
def test_large_network_path(shared_data, tmp_path, capsys, monkeypatch):
    """Above LARGE_UNITS (lowered here to 40, so that a 60-cell selection takes it): estimated
    communicability, distances summed on the support, the sparse masked layer for M, one network at a
    time; an explicit population trainer is refused in one line before anything is written."""
    from sernn.layers import SparseMaskedRNN

    folder = shared_data / "microns"
    if not (folder / "pinky100_soma.csv").exists():
        pytest.skip("pinky100 files not found")
    monkeypatch.setattr(microns_variants, "LARGE_UNITS", 40)
    monkeypatch.setattr(microns_variants, "SPARSE_DENSITY", 0.5)
    data = _load(["--pinky100", str(folder), "--units", "60"])
    settings = {"strengths": dict(bench.DEFAULT_STRENGTHS), "task_strength_scales": dict(bench.TASK_STRENGTH_SCALES)}
    _, reg, _ = bench.build_parts(bench.parse_variant("W+D*+C"), data, settings, seed=3)
    assert (reg.method, reg.seed) == ("estimate", 3)
    _, reg, _ = bench.build_parts(bench.parse_variant("W+D"), data, settings, seed=3)
    assert reg.method == "sparse" and reg.distances is None
    out = tmp_path / "out"
    argv = ["microns", "--pinky100", str(folder), "--out", str(out), "--units", "60",
            "--variants", "W+D*+C,S+M+P", "--tasks", "go_nogo", *COMMON]
    assert main(argv + ["--trainer", "population"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "networks of more than 40 units (60 here) train one at a time" in err[0]
    assert not out.exists()
    built = []
    original = bench.run_one

    def spy(spec, settings, data):
        import sernn.models

        real = sernn.models.build_sernn

        def recording(**kwargs):
            model = real(**kwargs)
            built.append((spec.variant, type(model.get_layer("rnn"))))
            return model
        monkeypatch.setattr(sernn.models, "build_sernn", recording)
        return original(spec, settings, data)

    monkeypatch.setattr(bench, "run_one", spy)
    assert main(argv) == 0
    assert dict(built)["S+M+P"] is SparseMaskedRNN
    store = RunStore.open(out)
    assert store.settings.get("trainer", "fit") == "fit"
    for record in store.done_runs():
        arrays = store.load_arrays(record["run_id"])
        kernel = arrays["recurrent_kernel"]
        assert kernel.shape[1:] == (60, 60) and np.isfinite(kernel).all()
        if record["variant"] == "S+M+P":  # the selection's own wiring (most connected cells)
            assert kernel.min() >= 0 and not kernel[:, arrays["wiring"] == 0].any() and kernel[-1].any()
