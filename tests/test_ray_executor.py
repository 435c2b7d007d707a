"""The Ray executor on a real local Ray cluster (2 CPUs): same results, faults, resume."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

ray = pytest.importorskip("ray", reason='ray is not installed (pip install "sernn[ray]")')

import ray_toy  # noqa: E402
from sernn.executors import RayExecutor, RunsFailed  # noqa: E402
from sernn.experiments.sweep import run_sweep  # noqa: E402

pytestmark = pytest.mark.ray
TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def cluster():
    """One local Ray instance (2 CPUs) for the module's tests; skipped with the reason if it cannot start."""
    ray_toy.register()
    executor = RayExecutor(num_cpus=2)
    try:
        executor.__enter__()
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.skip(f"Ray cannot start on this machine: {error}")
    yield executor
    executor.__exit__(None, None, None)


def _runs(tasks=("a", "b"), seeds=range(4)):
    return [ray_toy.Spec(t, s) for t in tasks for s in seeds]


def test_a_worker_killed_in_the_middle_of_a_task_is_retried_and_every_run_is_saved_once(cluster, tmp_path):
    marker = tmp_path / "killed"
    lines = []
    result = run_sweep(ray_toy.Toy(kill_once=marker), out=tmp_path / "out", settings={"scale": 3, "batch_size": 1},
                       runs=_runs(), population=2, executor=cluster, log=lines.append)
    assert marker.exists()  # the first attempt of the seed-0 tasks died
    assert result.trained == 8
    metrics = pd.read_csv(tmp_path / "out" / "metrics.csv")
    assert sorted(metrics["run_id"]) == sorted(spec.run_id for spec in _runs())  # each run exactly once
    assert (metrics["value"] == metrics["seed"] * 3).all()
    assert "as 4 ray tasks" in lines[0] and sum(line.startswith("[") for line in lines) == 8


def test_a_task_that_raises_is_reported_with_its_runs_and_the_others_finish(cluster, tmp_path):
    lines = []
    runs = _runs(tasks=("a", "bad", "b"), seeds=range(2))
    with pytest.raises(RunsFailed) as failed:
        run_sweep(ray_toy.Toy(), out=tmp_path / "out", settings={"scale": 1, "batch_size": 1}, runs=runs,
                  population=2, executor=cluster, log=lines.append)
    assert "2 runs failed (first: task=bad_seed=0: ValueError: bad input for task=bad_seed=0)" in str(failed.value)
    assert any(line.startswith("failed: task=bad_seed=0, task=bad_seed=1: ValueError") for line in lines)
    metrics = pd.read_csv(tmp_path / "out" / "metrics.csv")
    assert sorted(metrics["run_id"]) == sorted(s.run_id for s in runs if s.task != "bad")


@pytest.fixture(scope="module")
def maze_folders(cluster, tmp_path_factory):
    from sernn.experiments.maze import maze_sweep

    root = tmp_path_factory.mktemp("maze")
    options = dict(conditions=["baseline", "l1", "sernn"], strengths=[0.01, 0.3], seeds=[0], epochs=2,
                   train_trials=64, val_trials=32, test_trials=32, batch_size=32, noise=0.0, population=2,
                   log=lambda line: None)
    maze_sweep(out=root / "local", **options)
    maze_sweep(out=root / "ray", executor=cluster, **options)
    return root / "local", root / "ray"


def test_the_maze_benchmark_gives_the_same_rows_on_ray_as_locally(maze_folders):
    local, remote = (pd.read_csv(folder / "metrics.csv").sort_values(["run_id", "epoch"]).reset_index(drop=True)
                     for folder in maze_folders)
    assert len(local) == 5 * 2
    pd.testing.assert_frame_equal(local, remote, check_exact=True)  # noise off: identical values


def test_analyze_on_ray_gives_the_local_table_and_caches_every_run(cluster, maze_folders, tmp_path):
    import shutil

    from sernn.analysis.folder import analyze_folder

    folder = tmp_path / "copy"
    shutil.copytree(maze_folders[0], folder)
    lines = []
    remote, _ = analyze_folder(folder, n_nulls=20, executor=cluster, batch_size=2, log=lines.append)
    local, _ = analyze_folder(maze_folders[0], n_nulls=20, log=lambda line: None)
    assert len(local) == 5 * 3 and sum("epochs in" in line for line in lines) == 5
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
    again = []
    analyze_folder(folder, n_nulls=20, executor=cluster, batch_size=2, log=again.append)
    assert sum(line.endswith(": cached") for line in again) == 5


def test_the_activity_analysis_on_ray_gives_the_local_table(cluster, maze_folders, tmp_path):
    import shutil

    from sernn.experiments.maze_activity import activity_folder

    folders = [tmp_path / "ray", tmp_path / "local"]
    for folder in folders:
        shutil.copytree(maze_folders[0], folder)
    lines = []
    remote, _ = activity_folder(folders[0], n_perm=20, executor=cluster, batch_size=2, log=lines.append)
    local, _ = activity_folder(folders[1], n_perm=20, log=lambda line: None)
    assert len(local) == 5 and sum(" s (ETA" in line for line in lines) == 5
    # Explained variances come from BLAS reductions whose summation order follows the number of
    # threads (one per Ray worker, all cores here): equal to round-off, not bit for bit.
    pd.testing.assert_frame_equal(local, remote, check_exact=False, rtol=1e-9, atol=1e-12)
    written = [pd.read_csv(folder / "activity.csv") for folder in folders]
    pd.testing.assert_frame_equal(written[0], written[1], check_exact=False, rtol=1e-9, atol=1e-12)


DRIVER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import ray_toy
    from sernn.executors import RayExecutor
    from sernn.experiments.sweep import run_sweep
    ray_toy.register()
    runs = [ray_toy.Spec("a", s) for s in range(8)]
    run_sweep(ray_toy.Toy(sleep=1.5), out={out!r}, settings={{"scale": 2, "batch_size": 1}}, runs=runs,
              population=1, executor=RayExecutor(num_cpus=2), log=lambda line: print(line, flush=True))
""")


def test_a_killed_driver_leaves_a_folder_that_a_plain_rerun_resumes(cluster, tmp_path):
    out = tmp_path / "out"
    script = tmp_path / "driver.py"
    script.write_text(DRIVER.format(tests=str(TESTS), out=str(out)))
    driver = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("runs/*/run.json"))) < 2:
        time.sleep(0.2)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and the Ray instance it started
    driver.wait(timeout=30)
    saved = len(list(out.glob("runs/*/run.json")))
    assert 2 <= saved < 8
    lines = []
    result = run_sweep(ray_toy.Toy(), out=out, settings={"scale": 2, "batch_size": 1},
                       runs=[ray_toy.Spec("a", s) for s in range(8)], population=1, log=lines.append)
    assert result.trained == 8 - saved and f"{saved} already done" in lines[0]
    metrics = pd.read_csv(out / "metrics.csv")
    assert sorted(metrics["seed"]) == list(range(8)) and (metrics["value"] == 2 * metrics["seed"]).all()


def test_the_command_line_runs_a_sweep_and_an_analysis_on_ray(cluster, tmp_path, capsys):
    from sernn import cli

    out = tmp_path / "cli"
    tiny = ["--train-trials", "64", "--val-trials", "32", "--test-trials", "32", "--epochs", "1",
            "--batch-size", "32", "--conditions", "sernn", "--strengths", "0.3", "--seeds", "0,1"]
    assert cli.main(["maze", "--out", str(out), "--executor", "ray", *tiny]) == 0
    printed = capsys.readouterr().out
    assert "2 to run, in 1 population, as 1 ray task)" in printed and "[2/2]" in printed
    assert cli.main(["analyze", str(out), "--nulls", "10", "--no-figures", "--executor", "ray"]) == 0
    assert "[2/2]" in capsys.readouterr().out and (out / "topology.csv").exists()


def test_the_dynamics_analysis_on_ray_gives_the_local_table(cluster, maze_folders, tmp_path):
    import shutil

    from sernn.experiments.maze_dynamics import dynamics_folder

    folders = [tmp_path / "ray", tmp_path / "local"]
    for folder in folders:
        shutil.copytree(maze_folders[0], folder)
    lines = []
    remote, _ = dynamics_folder(folders[0], initial_states=100, max_iters=500, executor=cluster, batch_size=2,
                                log=lines.append)
    local, _ = dynamics_folder(folders[1], initial_states=100, max_iters=500, log=lambda line: None)
    assert len(local) == 5 and sum(" s (ETA" in line for line in lines) == 5
    counts = ["n_stable", "n_unstable", "n_slow"]
    pd.testing.assert_frame_equal(local[counts], remote[counts])
    pd.testing.assert_frame_equal(local.drop(columns=counts), remote.drop(columns=counts), check_exact=False,
                                  rtol=1e-6, atol=1e-9)
