"""MICrONS table loaders on small files written here in the exact CAVE schemas (SPEC §5)."""
import numpy as np
import pandas as pd
import pytest

from sernn import microns

VOXEL = np.array([4.0, 4.0, 40.0])  # nm per voxel (minnie65)


def _nucleus_frame():
    return pd.DataFrame({
        "id": [10, 11, 12, 13],
        "valid": [True, True, True, False],
        "pt_position": [[100, 200, 10], [150, 220, 12], [400, 100, 30], [1, 1, 1]],
        "pt_supervoxel_id": [1001, 1002, 1003, 1004],
        "pt_root_id": [864691135000001, 864691135000002, 864691135000003, 0],
        "volume": [250.0, 260.0, 300.0, 10.0],
    })


def _synapse_frame():
    a, b, c = 864691135000001, 864691135000002, 864691135000003
    rows = [  # (id, pre, post, size)
        (1, a, b, 100), (2, a, b, 50), (3, b, a, 20), (4, a, c, 10),
        (5, c, c, 999),  # autapse
        (6, 0, b, 5),  # unproofread fragment
        (7, a, 864691135999999, 7),  # post outside the selection
    ]
    frame = pd.DataFrame(rows, columns=["id", "pre_pt_root_id", "post_pt_root_id", "size"])
    frame.insert(1, "valid", True)
    frame.insert(2, "pre_pt_supervoxel_id", 5)
    frame.insert(4, "post_pt_supervoxel_id", 6)
    for name in ("pre_pt_position", "post_pt_position", "ctr_pt_position"):
        frame[name] = [[10 * k, 20 * k, k] for k in range(len(frame))]
    return frame


def test_nucleus_table_list_positions_in_voxels(tmp_path):
    frame = _nucleus_frame()
    out = microns.load_nucleus_table(frame)
    assert list(out.nucleus_id) == [10, 11, 12]  # invalid row dropped
    expected = np.array(frame.pt_position.tolist()[:3], dtype=float) * VOXEL / 1000.0
    assert np.allclose(out[["x_um", "y_um", "z_um"]].to_numpy(), expected)
    # the same table written to CSV stores positions as "[x, y, z]" strings
    path = tmp_path / "nucleus_detection_v0.csv"
    frame.to_csv(path, index=False)
    again = microns.load_nucleus_table(path)
    assert np.allclose(again[["x_um", "y_um", "z_um"]].to_numpy(), expected)
    # overriding the voxel size (e.g. a table queried at 1 nm resolution)
    nm = microns.load_nucleus_table(frame, unit="nm")
    assert np.allclose(nm.x_um, np.array([100, 150, 400]) / 1000.0)
    custom = microns.load_nucleus_table(frame, voxel_size=(8, 8, 40))
    assert np.allclose(custom.x_um, np.array([100, 150, 400]) * 8 / 1000.0)


def test_caveclient_dataframe_resolution_attribute():
    # CAVEclient attaches the resolution of the returned positions to the DataFrame.
    frame = _nucleus_frame()
    frame.attrs["dataframe_resolution"] = [1.0, 1.0, 1.0]  # queried with desired_resolution=[1,1,1]
    out = microns.load_nucleus_table(frame)
    assert np.allclose(out.x_um, np.array([100, 150, 400]) / 1000.0)
    explicit = microns.load_nucleus_table(frame, voxel_size=(4, 4, 40))  # an explicit size wins
    assert np.allclose(explicit.z_um, np.array([10, 12, 30]) * 40 / 1000.0)
    with pytest.raises(ValueError, match="voxel_size"):
        microns.load_nucleus_table(_nucleus_frame(), voxel_size=(4, 4))


def test_split_position_columns_equal_lists():
    frame = _nucleus_frame()
    split = frame.drop(columns="pt_position")
    xyz = np.array(frame.pt_position.tolist())
    for k, axis in enumerate("xyz"):
        split[f"pt_position_{axis}"] = xyz[:, k]
    a = microns.load_nucleus_table(frame)
    b = microns.load_nucleus_table(split)
    assert np.allclose(a[["x_um", "y_um", "z_um"]], b[["x_um", "y_um", "z_um"]])


def test_clear_errors():
    frame = _nucleus_frame()
    with pytest.raises(ValueError, match=r"missing column\(s\) \['pt_root_id'\]"):
        microns.load_nucleus_table(frame.drop(columns="pt_root_id"))
    with pytest.raises(ValueError, match="pt_position"):
        microns.load_nucleus_table(frame.drop(columns="pt_position"))
    with pytest.raises(ValueError, match="unit must be one of"):
        microns.load_nucleus_table(frame, unit="furlong")
    with pytest.raises(ValueError, match="duplicated key"):
        microns.load_nucleus_table(pd.concat([frame, frame.iloc[[0]]]))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        microns.load_synapses("/nonexistent/synapses.csv")
    with pytest.raises(ValueError, match="unknown format"):
        microns.read_table(__file__)
    with pytest.raises(ValueError, match=r"column 'pt_root_id' must hold integer ids; 1 row"):
        microns.load_nucleus_table(frame.assign(pt_root_id=[1.0, np.nan, 3.0, 4.0]))
    with pytest.raises(ValueError, match=r"column 'unit_id' must hold integer ids.*'x'"):
        microns.load_coregistration(_coregistration_frame().assign(unit_id=[5, 3, "x", 1]))

    somata = pd.DataFrame({"nucleus_id": [1, None], "x_nm": [0, 1], "y_nm": [0, 1], "z_nm": [0, 1],
                           "cell_type": ["23P", "BC"]})
    with pytest.raises(ValueError, match=r"minnie65 somata table column 'nucleus_id' must hold integer"):
        microns.load_minnie65_somata(somata)


def test_parquet_without_pyarrow_is_a_clear_error(tmp_path, monkeypatch):
    def missing(*args, **kwargs):
        raise ImportError("Unable to find a usable engine; tried using: 'pyarrow', 'fastparquet'.")

    monkeypatch.setattr(pd, "read_parquet", missing)
    path = tmp_path / "nucleus_detection_v0.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(ValueError, match=r"nucleus table file .* needs pyarrow .*save the table as \.csv"):
        microns.load_nucleus_table(path)


def test_cell_types_and_join_on_nucleus_id(tmp_path):
    types = pd.DataFrame({
        "id": [1, 2, 3], "valid": True, "target_id": [12, 10, 11],
        "classification_system": ["inhibitory_neuron", "excitatory_neuron", "nonneuron"],
        "cell_type": ["BC", "23P", "astrocyte"],
        "pt_supervoxel_id": 0, "pt_root_id": [864691135000003, 864691135000001, 864691135000002],
        "pt_position": [[400, 100, 30], [100, 200, 10], [150, 220, 12]],
    })
    path = tmp_path / "aibs_metamodel_celltypes_v661.csv"
    types.to_csv(path, index=False)
    out = microns.load_cell_types(path)
    assert list(out.columns[:3]) == ["nucleus_id", "cell_class", "cell_type"]
    cells = microns.load_nucleus_table(_nucleus_frame()).merge(out[["nucleus_id", "cell_class", "cell_type"]],
                                                               on="nucleus_id")
    assert dict(zip(cells.nucleus_id, cells.cell_type)) == {10: "23P", 11: "astrocyte", 12: "BC"}
    assert list(microns.select_class(cells, "excitatory").nucleus_id) == [10]
    bad = types.assign(classification_system=["inhibitory_neuron", "glia?", "nonneuron"])
    with pytest.raises(ValueError, match="glia"):
        microns.load_cell_types(bad)
    with pytest.raises(ValueError, match="duplicated key"):
        microns.load_cell_types(types.assign(target_id=[12, 12, 11]))


def test_synapses_and_wiring_report(tmp_path):
    frame = _synapse_frame()
    path = tmp_path / "synapses_pni_2.csv"
    frame.to_csv(path, index=False)
    syn = microns.load_synapses(path, positions=True)
    assert np.allclose(syn.ctr_x_um, np.arange(7) * 10 * 4 / 1000)
    assert np.allclose(syn.ctr_z_um, np.arange(7) * 40 / 1000)
    ids = [864691135000001, 864691135000002, 864691135000003]
    counts, report = microns.wiring_matrix(syn, ids)
    assert np.array_equal(counts, [[0, 2, 1], [1, 0, 0], [0, 0, 0]])
    assert (report.n_synapses, report.n_zero_root, report.n_autapses, report.n_outside,
            report.n_used, report.n_pairs) == (7, 1, 1, 1, 4, 3)
    sizes, _ = microns.wiring_matrix(syn, ids, weight="size")
    assert np.array_equal(sizes, [[0, 150, 10], [20, 0, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="weight must be one of"):
        microns.wiring_matrix(syn, ids, weight="strength")
    with pytest.raises(ValueError, match="duplicates"):
        microns.wiring_matrix(syn, [ids[0], ids[0]])
    with pytest.raises(ValueError, match=r"missing column\(s\) \['size'\]"):
        microns.wiring_matrix(syn.drop(columns="size"), ids, weight="size")
    with pytest.raises(ValueError, match="duplicated key"):
        microns.load_synapses(frame.assign(id=1))


def _coregistration_frame():
    return pd.DataFrame({
        "id": [1, 2, 3, 4], "valid": True, "target_id": [10, 11, 12, 10],
        "pt_supervoxel_id": 0, "pt_root_id": 0, "pt_position": [[0, 0, 0]] * 4,
        "session": [6, 6, 6, 7], "scan_idx": [6, 6, 6, 3], "unit_id": [5, 3, 9, 1],
        "field": [2, 2, 1, 1], "residual": [3.0, 4.0, 5.0, 2.0], "score": [9.0, 8.0, 7.0, 6.0],
    })


def test_coregistration_and_field_selection():
    coreg = microns.load_coregistration(_coregistration_frame())
    cells = microns.load_nucleus_table(_nucleus_frame())
    field = microns.select_field(coreg, cells, session=6, scan_idx=6, field=2)
    assert list(field.unit_id) == [3, 5]  # ordered by unit id
    assert list(field.nucleus_id) == [11, 10]  # joined on the nucleus id
    assert np.allclose(field.x_um, [150 * 4 / 1000, 100 * 4 / 1000])
    whole_scan = microns.select_field(coreg, cells, session=6, scan_idx=6)
    assert list(whole_scan.unit_id) == [3, 5, 9]
    with pytest.raises(ValueError, match="empty"):
        microns.select_field(coreg, cells, session=6, scan_idx=6, field=5)
    with pytest.raises(ValueError, match="duplicated key"):
        microns.load_coregistration(_coregistration_frame().assign(unit_id=[5, 5, 9, 1]))
    # one cell imaged in two fields of the scan: the whole-scan selection says how to choose
    twice = microns.load_coregistration(_coregistration_frame().assign(target_id=[10, 11, 10, 12]))
    with pytest.raises(ValueError, match=r"nucleus 10: units \[5, 9\]\); give field="):
        microns.select_field(twice, cells, session=6, scan_idx=6)
    assert list(microns.select_field(twice, cells, session=6, scan_idx=6, field=2).unit_id) == [3, 5]


def test_traces_npz_wide_long_and_select(tmp_path):
    rng = np.random.default_rng(0)
    keys = pd.DataFrame({"session": [6, 6, 6], "scan_idx": [6, 6, 6], "unit_id": [3, 5, 9]})
    traces = rng.random((3, 12))
    npz = tmp_path / "traces.npz"
    np.savez(npz, traces=traces, frame_rate=6.3009, **{k: keys[k].to_numpy() for k in keys})
    wide = pd.concat([keys, pd.DataFrame(traces, columns=[f"f{i}" for i in range(12)])], axis=1)
    wide_path = tmp_path / "traces_wide.csv"
    wide.to_csv(wide_path, index=False)
    long = wide.melt(id_vars=["session", "scan_idx", "unit_id"], var_name="frame", value_name="trace")
    long["frame"] = long["frame"].str[1:].astype(int)
    long = long.sample(frac=1.0, random_state=1)  # any row order
    long_path = tmp_path / "traces_long.csv"
    long.to_csv(long_path, index=False)
    arrays = keys.assign(trace=list(traces))
    for source in (npz, wide_path, long_path, arrays):
        loaded = microns.load_traces(source)
        assert loaded.frame_rate == pytest.approx(6.3009)
        assert np.allclose(loaded.traces, traces)
        assert list(loaded.keys.unit_id) == [3, 5, 9]
    loaded = microns.load_traces(npz)
    units = pd.DataFrame({"session": [6, 6], "scan_idx": [6, 6], "unit_id": [9, 3]})
    picked = loaded.select(units)
    assert np.allclose(picked.traces, traces[[2, 0]])
    assert picked.duration == pytest.approx(12 / 6.3009)
    with pytest.raises(ValueError, match="no trace"):
        loaded.select(units.assign(unit_id=[9, 4]))
    with pytest.raises(ValueError, match="duplicated key"):
        microns.load_traces(pd.concat([wide, wide.iloc[[0]]]))
    saved_with_index = tmp_path / "traces_index.csv"
    wide.to_csv(saved_with_index)  # index=True adds an "Unnamed: 0" column
    with pytest.raises(ValueError, match=r"\['Unnamed: 0'\], a saved DataFrame index"):
        microns.load_traces(saved_with_index)
    with pytest.raises(ValueError, match=r"frame column\(s\) \['f3'\] hold non-numeric"):
        microns.load_traces(wide.astype({"f3": object}).assign(f3=["a", 0.1, 0.2]))
    bad = tmp_path / "bad.npz"
    np.savez(bad, traces=traces, session=keys.session.to_numpy())
    with pytest.raises(ValueError, match=r"missing array\(s\) \['scan_idx', 'unit_id'\]"):
        microns.load_traces(bad)


def test_selection_errors_and_order():
    cells = microns.load_nucleus_table(_nucleus_frame())
    assert list(microns.select_ids(cells, [12, 10]).nucleus_id) == [12, 10]
    with pytest.raises(ValueError, match="not in the cells table"):
        microns.select_ids(cells, [10, 99])
    with pytest.raises(ValueError, match="repeat"):
        microns.select_ids(cells, [10, 10])
    with pytest.raises(ValueError, match="empty"):
        microns.select_cylinder(cells, [10_000, 0, 10_000], radius_um=1.0)
    with pytest.raises(ValueError, match="n = 4 is more"):
        microns.select_nearest(cells, [0, 0, 0], 4)
    for extent in ((5.0, 1.0), (0.0, 1.0, 2.0), "deep"):
        with pytest.raises(ValueError, match=r"extent_um must be \(low, high\)"):
            microns.select_cylinder(cells, [0, 0, 0], radius_um=1e4, extent_um=extent)
    with pytest.raises(TypeError, match=r"n must be an integer >= 1; got True \(bool\)"):
        microns.select_nearest(cells, [0, 0, 0], True)
