"""Typed settings: checks declared once, presets, settings.json as sernn 0.1 wrote it, resume of 0.1 folders."""
import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sernn.commands.options import in_flags
from sernn.executors import RunsFailed, run_items
from sernn.experiments.maze import MazeSettings, maze_sweep
from sernn.experiments.memory import MemorySettings, memory_sweep
from sernn.experiments.microns import MicronsSettings, load_data, microns_sweep

FIXTURES = Path(__file__).parent / "fixtures" / "v0_1"
MAZE_OPTIONS = dict(units=8, grid=(2, 2, 2), epochs=2, train_trials=64, val_trials=32, test_trials=32, seeds=[0])


def _copy(name, tmp_path):
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def test_a_maze_folder_written_by_sernn_0_1_resumes_unchanged(tmp_path):
    out = _copy("maze", tmp_path)
    before = (out / "settings.json").read_text()
    lines = []
    result = maze_sweep(out=out, figures=False, log=lines.append, **MAZE_OPTIONS)
    assert result.trained == 0 and "4 already done, 0 to run" in lines[0]
    assert (out / "settings.json").read_text() == before
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), pd.read_csv(FIXTURES / "maze" / "summary.csv"))
    # the settings a 0.1 folder stored are exactly what the typed settings store now (plus the trainer)
    stored = json.loads(before)["settings"]
    assert MazeSettings.from_options("quick", **MAZE_OPTIONS).stored() == {k: v for k, v in stored.items()
                                                                           if k != "trainer"}


def test_a_changed_setting_is_refused_by_a_0_1_folder_before_anything_is_written(tmp_path):
    out = _copy("maze", tmp_path)
    files = sorted((p, p.stat().st_mtime_ns) for p in out.rglob("*"))
    with pytest.raises(ValueError, match=r"other settings \(epochs: 2 -> 3\)"):
        maze_sweep(out=out, figures=False, **{**MAZE_OPTIONS, "epochs": 3})
    assert sorted((p, p.stat().st_mtime_ns) for p in out.rglob("*")) == files
    assert MazeSettings.from_options("quick", **{**MAZE_OPTIONS, "epochs": 3}).changes(
        MazeSettings.read(out)) == ["epochs"]


def test_a_memory_folder_written_by_sernn_0_1_resumes_unchanged(tmp_path, shared_data):
    connectomes = shared_data / "connectomes"
    if not (connectomes / "macaque_markov2014.csv").exists():
        pytest.skip("connectomes not found")
    out = _copy("memory", tmp_path)
    before = (out / "settings.json").read_text()
    lines = []
    result = memory_sweep(out=out, species=["macaque"], connectome_dir=str(connectomes), neurons_per_region=1,
                          epochs=2, n_trials=40, seeds=[0], strategies=["b_w_no", "r_b_w_no"], figures=False,
                          log=lines.append)
    assert result.trained == 0 and "2 already done, 0 to run" in lines[0]
    assert (out / "settings.json").read_text() == before


def test_a_microns_folder_written_by_sernn_0_1_resumes_unchanged(tmp_path, shared_data):
    folder = shared_data / "microns"
    if not (folder / "pinky100_soma.csv").exists():
        pytest.skip("pinky100 files not found")
    out = _copy("microns", tmp_path)
    stored = json.loads((out / "settings.json").read_text())["settings"]
    data = load_data(pinky100=str(folder), neurons=10, log=lambda line: None)
    lines = []
    result = microns_sweep(data, out=out, variants=["W", "W+D*"], tasks=["go_nogo"], epochs=1, train_trials=64,
                           val_trials=32, test_trials=32, figures=False, log=lines.append)
    assert result.trained == 0 and "2 already done, 0 to run" in lines[-1 if len(lines) == 1 else 0]
    now = json.loads((out / "settings.json").read_text())["settings"]
    assert {k: v for k, v in now.items() if k != "data"} == {k: v for k, v in stored.items() if k != "data"}


@pytest.mark.parametrize("cls, options, error, message", [
    (MazeSettings, {"noise": float("inf")}, ValueError, "noise must be a finite real number >= 0; got inf"),
    (MazeSettings, {"epochs": 2.5}, TypeError, "epochs must be an integer >= 1"),
    (MazeSettings, {"conditions": ["chess"]}, ValueError, "conditions must be one of 'baseline', 'l1'"),
    (MazeSettings, {"strengths": [0.1, float("nan")]}, ValueError, "strengths['l1'] must be a finite real number"),
    (MazeSettings, {"units": 7}, ValueError, "units 7 does not match the grid 5x5x4 (100 positions)"),
    (MazeSettings, {"seeds": []}, ValueError, "seeds must list at least one of seeds"),
    (MazeSettings, {"summary_epoch": 11}, ValueError, "summary_epoch 11 is after the last epoch (epochs 10)"),
    (MazeSettings, {"bogus": 1}, TypeError, "MazeSettings got an unexpected option 'bogus'"),
    (MemorySettings, {"test_fraction": 1.0}, ValueError, "test_fraction must be a finite real number in (0, 1)"),
    (MemorySettings, {"nback_classes": 4}, ValueError, "nback_classes must be one of 2, 3; got 4"),
    (MemorySettings, {"neurons_per_region": [2, 0]}, ValueError, "neurons_per_region must be an integer >= 1"),
    (MemorySettings, {"optimizers": ["nadamx"]}, ValueError, "optimizers: unknown Keras optimizer 'nadamx'"),
    (MicronsSettings, {"strengths": {"bogus": 1.0}}, ValueError, "strengths: unknown term 'bogus'"),
    (MicronsSettings, {"variants": ["W+Q"]}, ValueError, "variant 'W+Q': unknown token(s) ['Q']"),
    (MicronsSettings, {"task_strength_scales": {"maze": -1}}, ValueError,
     "task_strength_scales['maze'] must be a finite real number >= 0"),
])
def test_each_field_is_checked_once_in_the_library_s_words(cls, options, error, message):
    with pytest.raises(error) as raised:
        cls.from_options("quick", **options)
    assert type(raised.value) is error and str(raised.value).startswith(message)


def test_presets_fill_in_only_what_is_not_given():
    quick = MazeSettings.from_options("quick")
    assert quick.seeds == tuple(range(6)) and quick.strengths["sernn"] == [0.3]
    paper = MazeSettings.from_options("paper", seeds=[3, 3, 4])
    assert paper.seeds == (3, 4) and len(paper.strengths["sernn"]) == 1001 and len(paper.runs()) == 2 * 2103
    assert MazeSettings.extendable() == ("conditions", "seeds")
    with pytest.raises(ValueError, match="preset: unknown preset 'huge' for sernn maze; accepted: quick, paper"):
        MazeSettings.from_options("huge")
    published = MemorySettings.from_options("published-code")
    assert published.stored()["intrinsic_rule"] == "bio2art" and "intrinsic_rule" not in \
        MemorySettings.from_options("paper").stored()


def test_library_names_become_the_command_s_options():
    parser = argparse.ArgumentParser()
    for flag in ("--noise", "--train-trials", "--strengths"):
        parser.add_argument(flag)
    assert in_flags("noise must be a finite real number >= 0; got inf", parser) == \
        "--noise must be a finite real number >= 0; got inf"
    assert in_flags("strengths['l1'] must be ...", parser) == "--strengths['l1'] must be ..."
    assert in_flags("task_strength_scales must ...", parser, {"task_strength_scales": "--task-scale"}) == \
        "task_strength_scales must ..."          # the alias names an option this parser does not have
    assert in_flags("unknown thing", parser) == "unknown thing"


def test_the_one_loop_saves_every_other_item_before_it_reports_a_failure():
    class Failing:
        name = "toy"

        def map(self, function, items):
            for index, item in enumerate(items):
                yield (index, None, "ValueError: odd") if item % 2 else (index, function(item), None)

    saved, dropped, lines = [], [], []
    with pytest.raises(RunsFailed) as failed:
        run_items(lambda n: -n, range(5), ids=lambda n: [f"run{n}"], on_result=lambda n, r: saved.append(r),
                  on_failure=dropped.append, executor=Failing(), log=lines.append, kept="cached")
    assert saved == [0, -2, -4] and dropped == [1, 3]
    assert lines == ["failed: run1: ValueError: odd", "failed: run3: ValueError: odd"]
    assert str(failed.value) == ("2 runs failed (first: run1: ValueError: odd); the others are cached, re-run to "
                                 "retry the failed ones")
