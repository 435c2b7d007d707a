"""Strength ranges calibrated from a pilot sweep: the paper's half-way rule and weight matching."""
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sernn.cli import main
from sernn.experiments.calibration import Calibration, half_way_range, pilot_table, weight_matched_range
from sernn.runfolder import RunStore

FIXTURE = Path(__file__).parent / "fixtures" / "v0_1" / "maze"


def test_the_half_way_strength_is_the_middle_of_the_range():
    # success 1, 1, 0.75, 0.25, 0 at strengths 1, 2, 4, 8, 16 (per strength: 4 networks)
    strengths = np.repeat([1.0, 2.0, 4.0, 8.0, 16.0], 4)
    success = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    pilot = pd.DataFrame({"condition": "l1", "strength": strengths, "success": success})
    calibration = half_way_range(pilot, "l1")
    # one half of the initial rate (1.0) lies between 4 (0.75) and 8 (0.25), half-way in log strength
    assert calibration.anchor == pytest.approx(np.exp((np.log(4) + np.log(8)) / 2))
    assert (calibration.low + calibration.high) / 2 == pytest.approx(calibration.anchor)
    assert calibration.low == 1.0 and calibration.rule == "half-way"


def test_noisy_success_is_smoothed_to_fall_with_strength():
    # a non-monotone pilot: 1, 0.5, 1, 0: pooling the middle two gives 0.75, 0.75 (weights equal)
    pilot = pd.DataFrame({"condition": "x", "strength": [1.0, 2.0, 3.0, 4.0], "success": [1.0, 0.5, 1.0, 0.0]})
    calibration = half_way_range(pilot, "x")
    # 0.5 is crossed between 3 (0.75) and 4 (0): a third of the way in log strength
    assert calibration.anchor == pytest.approx(np.exp(np.log(3) + (0.75 - 0.5) / 0.75 * (np.log(4) - np.log(3))))


def test_a_pilot_that_never_fails_or_never_succeeds_is_refused():
    always = pd.DataFrame({"condition": "x", "strength": [1.0, 2.0], "success": [1.0, 1.0]})
    with pytest.raises(ValueError, match="still succeed at its strongest strength"):
        half_way_range(always, "x")
    never = always.assign(success=0.0)
    with pytest.raises(ValueError, match="no network of the pilot succeeds"):
        half_way_range(never, "x")
    with pytest.raises(ValueError, match="condition: the pilot has no 'y' runs"):
        half_way_range(always, "y")


def test_weight_matching_inverts_the_weight_strength_curve():
    # log weight falls linearly in log strength: w = 1000 * (s / 0.001) ** -0.5
    s = np.geomspace(1e-3, 1e-1, 9)
    pilot = pd.DataFrame({"condition": "l1", "strength": s, "total_weight": 1000 * (s / 1e-3) ** -0.5})
    reference = np.exp(np.random.default_rng(0).uniform(np.log(200), np.log(500), 2000))
    calibration = weight_matched_range(pilot, "l1", reference)
    low_w, high_w = np.quantile(np.log(reference), [0.05, 0.95])
    # the exact inverse of the planted curve: s = 1e-3 * (w / 1000) ** -2
    assert calibration.low == pytest.approx(1e-3 * (np.exp(high_w) / 1000) ** -2, rel=1e-9)
    assert calibration.high == pytest.approx(1e-3 * (np.exp(low_w) / 1000) ** -2, rel=1e-9)
    with pytest.raises(ValueError, match="extend the pilot to stronger strengths"):
        weight_matched_range(pilot, "l1", [10.0, 20.0])
    # heavier than the weakest pilot strength's networks: the range starts there
    heavy = weight_matched_range(pilot, "l1", [200.0, 2000.0, 5000.0])
    assert heavy.low == pytest.approx(1e-3)


def test_the_pilot_table_reads_success_and_total_weight_at_the_epoch(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "maze")
    table = pilot_table(tmp_path / "maze", epoch=2, min_accuracy=0.05)
    store = RunStore.open(tmp_path / "maze")
    metrics = store.metrics()
    for row in table.itertuples():
        run_id = next(r["run_id"] for r in store.done_runs() if r["condition"] == row.condition)
        kernel = store.load_arrays(run_id)["recurrent_kernel"][2]
        assert row.total_weight == pytest.approx(np.abs(kernel).sum())
        accuracy = metrics[(metrics["run_id"] == run_id) & (metrics["epoch"] == 2)]["val_accuracy"].iloc[0]
        assert row.val_accuracy == accuracy and row.success == (accuracy >= 0.05)
    assert len(table) == 4


def test_the_options_are_ready_to_paste():
    assert Calibration("sernn", "half-way", 0.001, 0.5).options(101) == \
        "--conditions sernn --strength-range 0.001 0.5 101"


def test_calibrate_chooses_its_own_strengths(tmp_path, capsys):
    assert main(["maze", "--calibrate", "--strengths", "0.1", "--out", str(tmp_path / "x")]) == 2
    assert "--calibrate chooses the pilot strengths itself" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
