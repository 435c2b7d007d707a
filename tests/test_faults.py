"""Bad input and environment faults: one line naming the argument or the path, exit 2, nothing half written.

Each command-line case runs ``sernn`` as a subprocess in a folder whose whole
tree is snapshotted before and after (paths, sizes, modification times and
modes): a refused run leaves it exactly as it was. Permission faults run the
command with its file-permission override dropped (``setpriv``), since the
tests may run as root; a full disk and a read-only file system are injected
into the writes of an in-process run.
"""
import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sernn.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "v0_1"
SETPRIV = shutil.which("setpriv")


def snapshot(root: Path) -> dict:
    """Every path under ``root`` with its size, modification time and mode."""
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        found[str(path.relative_to(root))] = (stat.S_ISDIR(info.st_mode), info.st_size, info.st_mtime_ns,
                                              stat.S_IMODE(info.st_mode))
    return found


def sernn(args, cwd, unprivileged=False):
    """Run the ``sernn`` command line; (exit code, stdout, stderr lines)."""
    command = [sys.executable, "-m", "sernn.cli", *map(str, args)]
    if unprivileged and os.geteuid() == 0:  # root ignores permissions unless it gives up the override
        if SETPRIV is None:
            pytest.skip("running as root without setpriv: permission faults cannot be made")
        command = [SETPRIV, "--bounding-set=-dac_override,-dac_read_search", *command]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("SERNN_DEBUG", None)
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    return result.returncode, result.stdout, result.stderr.strip().splitlines()


@pytest.fixture()
def place(tmp_path):
    """A work folder with a copy of a sernn 0.1 maze folder, user files and damaged files."""
    shutil.copytree(FIXTURES / "maze", tmp_path / "maze")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "somata.csv").write_text("nucleus_id,x_nm,y_nm,z_nm,cell_type\n1,0,0,0,23P\n2,1000,0,0,BC\n"
                                         "3,0,9000,0,23P\n")
    return tmp_path


def _connectomes(shared_data):
    folder = shared_data / "connectomes"
    if not (folder / "macaque_markov2014.csv").exists():
        pytest.skip("connectomes not found")
    return folder


MAZE_TINY = ["--units", "8", "--grid", "2", "2", "2", "--epochs", "1", "--seeds", "0"]
#: The options of the sernn 0.1 maze folder (tests/fixtures/v0_1/README.md)
FIXTURE_OPTIONS = ["--units", "8", "--grid", "2", "2", "2", "--epochs", "2", "--train-trials", "64", "--val-trials",
                   "32", "--test-trials", "32"]
REPORT = ["--epoch", "2", "--min-accuracy", "0", "--min-networks", "2", "--boot", "100", "--no-figures"]

# (arguments, what the one line must contain); {root} is the work folder, {data} the shared data
REFUSED = [
    # sernn maze: every option checked before anything exists
    (["maze", "--noise", "inf"], "--noise must be a finite real number >= 0; got inf"),
    (["maze", "--noise", "nan"], "--noise must be a finite real number >= 0; got nan"),
    (["maze", "--noise", "-1"], "--noise must be a finite real number >= 0; got -1.0"),
    (["maze", "--strength-range", "nan", "1", "3"], "--strength-range needs finite 0 <= START <= STOP"),
    (["maze", "--strength-range", "0", "inf", "3"], "--strength-range needs finite 0 <= START <= STOP"),
    (["maze", "--strength-range", "1", "0", "3"], "--strength-range needs finite 0 <= START <= STOP"),
    (["maze", "--strength-range", "a", "b", "c"], "--strength-range needs START STOP N"),
    (["maze", "--strengths", "0.1", "--strength-range", "0", "1", "2"], "at most one of --strengths"),
    (["maze", "--strengths", "0.1,-1"], "argument --strengths"),
    (["maze", "--train-trials", "100000000000"], "--train-trials 100000000000: the train trials of one run"),
    (["maze", "--val-trials", "100000000000"], "--val-trials 100000000000: the val trials of one run"),
    (["maze", "--units", "1000000", "--grid", "100", "100", "100"], "--units 1000000: the weight history"),
    (["maze", "--epochs", "100000000"], "--epochs 100000000: the weight history"),
    (["maze", "--units", "9"], "--units 9 does not match the grid 5x5x4"),
    (["maze", "--conditions", "chess"], "--conditions must be one of 'baseline', 'l1', 'spatial', 'sernn'"),
    (["maze", "--preset", "huge"], "--preset: unknown preset 'huge' for sernn maze"),
    (["maze", "--trainer", "keras"], "--trainer must be one of 'population', 'fit'; got 'keras'"),
    (["maze", "--population", "0"], "argument --population"),
    (["maze", "--population", "2", "--trainer", "fit"], "--population applies to the population trainer only"),
    (["maze", "--shard", "3/2"], "argument --shard"),
    (["maze", "--seeds", "a"], "argument --seeds"),
    (["maze", "--min-accuracy", "2"], "--min-accuracy must be a finite real number in [0, 1]; got 2.0"),
    (["maze", "--summary-epoch", "11"], "--summary-epoch 11 is after the last epoch"),
    (["maze", "--address", "auto"], "--address applies to the ray executor only"),
    (["maze", "--learning-rate", "0"], "argument --learning-rate"),
    (["maze", "--bogus"], "unrecognized arguments: --bogus"),
    (["maze", "--nback-timing", "original"], "--nback-timing is an option of sernn memory, not of sernn maze"),
    # Dale's law, leaky units and neurogym tasks
    (["maze", "--dale", "1.5"], "--dale must be a finite real number in (0, 1); got 1.5"),
    (["maze", "--dale", "0"], "--dale must be a finite real number in (0, 1); got 0.0"),
    (["maze", "--tau", "10", "--dt", "20"], "--dt must be <= tau (alpha = dt / tau must be in (0, 1]); got dt=20.0"),
    (["maze", "--tau", "100"], "--tau needs dt"),
    (["maze", "--dt", "10"], "--dt needs tau"),
    (["maze", "--recurrent-noise", "0.1"], "--recurrent-noise needs tau"),
    (["maze", "--tau", "-3", "--dt", "1"], "--tau must be a finite real number > 0; got -3.0"),
    (["maze", "--task", "gonogo"], "--task must be 'maze' or 'neurogym:NAME'"),
    (["maze", "--task", "neurogym:NoSuchTask-v0"], "--task 'neurogym:NoSuchTask-v0': env must be a neurogym "
                                                   "TrialEnv or a registered task name"),
    (["microns", "--pinky100", "{data}/microns", "--dale", "0.8", "--variants", "S+M+P"],
     "--variants S+M+P: P (non-negative weights) cannot be combined with dale"),
    (["microns", "--pinky100", "{data}/microns", "--tau", "5", "--dt", "10"], "--dt must be <= tau"),
    # sernn memory
    (["memory", "--noise", "nan"], "--noise must be a finite real number >= 0"),
    (["memory", "--neurons-per-region", "100000", "--connectome-dir", "{data}/connectomes"],
     "--neurons-per-region 100000: the expanded network of 2900000 neurons would take about"),
    (["memory", "--n-trials", "10000000000", "--connectome-dir", "{data}/connectomes"],
     "--n-trials 10000000000: the sequence trials of one run (10000000000 trials of 7 steps) would take about"),
    (["memory", "--lengths", "1000000000", "--connectome-dir", "{data}/connectomes"],
     "--lengths 1000000000: the sequence trials of one run (1000 trials of 2000000001 steps)"),
    (["memory", "--tasks", "nback", "--nback-length", "1000000000", "--connectome-dir", "{data}/connectomes"],
     "--nback-length 1000000000: the nback trials of one run"),
    (["memory", "--test-fraction", "1.5"], "--test-fraction must be a finite real number in (0, 1)"),
    (["memory", "--strategies", "b_w_zz"], "--strategies must be one of 'b_w_no'"),
    (["memory", "--species", "cat", "--connectome-dir", "{data}/connectomes"], "unknown species 'cat'"),
    (["memory", "--optimizers", "adam,foo"], "--optimizers: unknown Keras optimizer 'foo'"),
    (["memory", "--tasks", "chess"], "--tasks must be one of 'sequence', 'nback'; got 'chess'"),
    (["memory", "--tasks", "nback", "--nback-n", "3", "--nback-length", "2"],
     "--nback-length 2 must exceed every nback_n"),
    (["memory", "--nback-min-difference", "0.7"], "--nback-min-difference must be a finite real number"),
    (["memory", "--species", "{root}/binary.csv"], "binary.csv' is not a text CSV file"),
    (["memory", "--species", "{root}/empty.csv"], "empty.csv' is not a readable CSV table"),
    (["memory", "--species", "{root}/missing.csv"], "missing.csv"),
    (["memory", "--connectome-dir", "{root}/nowhere"], "not found in ["),
    # sernn microns
    (["microns"], "no data: give --field DIR"),
    (["microns", "--field", "{data}/microns/fields/5_3_8"], "pass --trust-pickles only for files you trust"),
    (["microns", "--field", "{data}/microns/fields/5_3_8", "--trust-pickles", "--grid", "2", "2", "2"],
     "grid: 2 x 2 x 2 has 8 points for 42 units"),
    (["microns", "--field", "{data}/microns/fields/5_3_8", "--published-code", "--permutation", "entries"],
     "--published-code sets --permutation to neurons"),
    (["microns", "--field", "{data}/microns/fields/5_3_8", "--pinky100", "{data}/microns"], "--field: give a field"),
    (["microns", "--pinky100", "{data}/microns", "--cells", "x.csv"], "--pinky100: give either pinky100 or cells"),
    (["microns", "--pinky100", "{data}/microns", "--tasks", "chess"], "--tasks must be one of 'maze'"),
    (["microns", "--pinky100", "{data}/microns", "--strength-sernn", "-1"], "--strength-sernn must be a finite"),
    (["microns", "--pinky100", "{data}/microns", "--task-scale", "maze=-1"], "--task-scale: expected TASK=FACTOR"),
    (["microns", "--pinky100", "{data}/microns", "--variants", "W+Q"], "variant 'W+Q': unknown token(s) ['Q']"),
    (["microns", "--pinky100", "{data}/microns", "--variants", "W*"], "--variants W*: needs functional traces"),
    (["microns", "--pinky100", "{data}/microns", "--train-trials", "100000000000"],
     "--train-trials 100000000000: the train trials of one run"),
    (["microns", "--cells", "{data}/microns/minnie65_somata.csv", "--neurons", "90000"],
     "--neurons 90000: the (n, n) matrices of the "),
    (["microns", "--cells", "{root}/binary.csv"], "binary.csv"),
    (["microns", "--cells", "{root}/missing.csv"], "missing.csv"),
    (["microns", "--cells", "{root}/somata.csv", "--neurons", "2", "--center", "0", "nan", "0"],
     "--center must be 3 finite numbers"),
    (["microns", "--cells", "{root}/somata.csv", "--synapses", "{root}/somata.csv"],
     "--synapses: the cells table"),
    # sernn analyze and sernn report on a sernn 0.1 folder
    (["analyze", "{root}/maze", "--nulls", "1000000000"], "--nulls 1000000000: the null graphs' measures"),
    (["analyze", "{root}/maze", "--nulls", "0"], "--nulls must be a positive integer"),
    (["analyze", "{root}/maze", "--density", "2"], "--density must be in (0, 1]"),
    (["analyze", "{root}/maze", "--epochs", "x"], "--epochs must be 'all', 'last' or comma-separated"),
    (["analyze", "{root}/maze", "--epochs", "7"], "--epochs: epoch 7 is not in run"),
    (["analyze", "{root}/nowhere"], "nowhere' is not a folder"),
    (["analyze", "{root}/binary.csv"], "binary.csv' is not a folder"),
    (["analyze", "{root}"], "is not a sernn run folder"),
    (["report", "{root}/maze", "--boot", "3"], "--boot must be an integer >= 100; got 3"),
    (["report", "{root}/maze", "--boot", "100000000000"], "--boot 100000000000: the bootstrap resamples"),
    (["report", "{root}/maze", "--min-accuracy", "2"], "--min-accuracy must be a finite real number in [0, 1]"),
    (["report", "{root}/maze"], "has no topology.csv yet; run `sernn analyze"),
]


@pytest.mark.parametrize("args, expected", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_a_refused_command_is_one_line_and_leaves_the_folder_as_it_was(place, shared_data, args, expected):
    args = [a.format(root=place, data=shared_data) for a in args]
    if any(str(shared_data) in a for a in args) and not shared_data.exists():
        pytest.skip("shared data not found")
    if args[0] in ("maze", "memory", "microns") and "--out" not in args:
        args += ["--out", str(place / "out")]
    before = snapshot(place)
    code, out, err = sernn(args, cwd=place)
    assert code == 2 and len(err) == 1, (code, err)
    assert err[0].startswith(f"sernn {args[0]}: error: ") and expected in err[0], err[0]
    assert "Traceback" not in out and snapshot(place) == before


def test_a_missing_neurogym_is_one_line_naming_the_extra(place):
    hidden = place / "no_neurogym"
    (hidden / "neurogym").mkdir(parents=True)
    (hidden / "neurogym" / "__init__.py").write_text("raise ImportError('No module named neurogym')\n")
    before = snapshot(place)
    command = [sys.executable, "-m", "sernn.cli", "maze", "--task", "neurogym:GoNogo-v0", "--out", str(place / "out")]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(hidden))
    env.pop("SERNN_DEBUG", None)
    result = subprocess.run(command, cwd=place, capture_output=True, text=True, timeout=300, env=env)
    err = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(err) == 1, (result.returncode, err)
    assert "pip install 'sernn[neurogym]'" in err[0], err[0]
    assert snapshot(place) == {**before, **{k: v for k, v in snapshot(place).items() if k.startswith("no_neurogym")}}


def _damage(place, what):
    run = next((place / "maze" / "runs").iterdir())
    if what == "truncated history":
        data = (run / "history.npz").read_bytes()
        (run / "history.npz").write_bytes(data[:len(data) // 2])
        return run / "history.npz"
    if what == "random history":
        (run / "history.npz").write_bytes(np.random.default_rng(0).bytes(2000))
        return run / "history.npz"
    if what == "garbage run record":
        (run / "run.json").write_text("{garbage")
        return run / "run.json"
    if what == "garbage settings":
        (place / "maze" / "settings.json").write_text("not json at all")
        return place / "maze" / "settings.json"
    if what == "binary metrics":
        (run / "metrics.csv").write_bytes(bytes(range(256)) * 4)
        return run / "metrics.csv"
    record = pd.read_json(run / "run.json", typ="series").to_dict()
    record["run_id"] = "../../escaped" if what == "relative run id" else str(place / "escaped")
    (run / "run.json").write_text(pd.Series(record).to_json())
    return run / "run.json"


DAMAGED = ["truncated history", "random history", "garbage run record", "garbage settings", "binary metrics",
           "relative run id", "absolute run id"]


@pytest.mark.parametrize("command", ["analyze", "report"])
@pytest.mark.parametrize("what", DAMAGED)
def test_a_damaged_file_is_named_in_one_line(place, what, command):
    if command == "report":
        if what in ("truncated history", "random history"):
            pytest.skip("sernn report does not read weight histories")
        assert main(["analyze", str(place / "maze"), "--nulls", "10", "--no-figures"]) == 0
    path = _damage(place, what)
    before = snapshot(place)
    code, out, err = sernn([command, place / "maze", *(["--nulls", "10"] if command == "analyze" else REPORT)],
                           cwd=place)
    assert code == 2 and len(err) == 1, err
    assert str(path) in err[0], err[0]
    assert "pickle" not in err[0].lower() and "unsafe" not in err[0].lower()
    assert snapshot(place) == before and not (place / "escaped").exists()


def test_run_ids_cannot_leave_the_folder(place):
    code, _, err = sernn(["analyze", place / "maze", "--nulls", "10", "--run", "../../maze"], cwd=place)
    assert code == 2 and len(err) == 1 and "run id must hold only letters" in err[0]


@pytest.mark.parametrize("command", ["maze-inside", "maze-on", "analyze", "report", "connectome"])
def test_permission_faults_name_the_path(place, shared_data, command):
    locked = place / "locked"
    if command == "maze-inside":  # --out inside a read-only folder
        locked.mkdir()
        args, path = ["maze", "--out", locked / "new", *MAZE_TINY], locked / "new"
    elif command == "maze-on":  # --out is a read-only sernn folder
        shutil.copytree(place / "maze", locked)
        args, path = ["maze", "--out", locked, *FIXTURE_OPTIONS, "--seeds", "5"], locked
    elif command == "connectome":
        connectome = _connectomes(shared_data) / "macaque_markov2014.csv"
        locked.mkdir()
        shutil.copy(connectome, locked / "macaque.csv")
        os.chmod(locked / "macaque.csv", 0)
        args, path = ["memory", "--out", place / "out", "--species", locked / "macaque.csv"], locked / "macaque.csv"
    else:
        shutil.copytree(place / "maze", locked)
        if command == "report":
            assert main(["analyze", str(locked), "--nulls", "10", "--no-figures"]) == 0
        args, path = [command, locked] + (["--nulls", "10"] if command == "analyze" else REPORT), locked
    for item in [locked, *locked.rglob("*")]:
        if item.is_dir():
            os.chmod(item, 0o555)
    before = snapshot(place)
    try:
        code, out, err = sernn(args, cwd=place, unprivileged=True)
    finally:
        for item in [locked, *locked.rglob("*")]:
            os.chmod(item, 0o755 if item.is_dir() else 0o644)
    assert code == 2 and len(err) == 1, err
    assert "Permission denied" in err[0] and str(path) in err[0], err[0]
    after = snapshot(place)
    assert {k: v[:3] for k, v in after.items()} == {k: v[:3] for k, v in before.items()}


@pytest.mark.parametrize("fault", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_write_that_fails_is_one_line_and_a_new_folder_is_not_left_behind(tmp_path, capsys, monkeypatch, fault):
    import sernn.atomic

    real = sernn.atomic.os.replace

    def failing(src, dst, *args, **kwargs):
        raise OSError(fault, os.strerror(fault))

    monkeypatch.setattr(sernn.atomic.os, "replace", failing)
    try:
        code = main(["maze", "--out", str(tmp_path / "new"), *MAZE_TINY])
    finally:
        monkeypatch.setattr(sernn.atomic.os, "replace", real)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [f"sernn maze: error: {tmp_path / 'new' / 'settings.json'}: {os.strerror(fault)}"]
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_during_analysis_keeps_the_folder_consistent(place, capsys, monkeypatch):
    import sernn.atomic

    folder = place / "maze"
    before = snapshot(folder)
    calls = []
    real = sernn.atomic.os.replace

    def full_after_one(src, dst, *args, **kwargs):
        calls.append(dst)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(sernn.atomic.os, "replace", full_after_one)
    code = main(["analyze", str(folder), "--nulls", "10", "--no-figures"])
    monkeypatch.setattr(sernn.atomic.os, "replace", real)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "No space left on device" in err[0]
    assert not list(folder.rglob(".*.tmp"))  # no temporary file left
    after = snapshot(folder)
    assert {k for k in after if k not in before} == {str(Path(calls[0]).relative_to(folder))}
    assert main(["analyze", str(folder), "--nulls", "10", "--no-figures"]) == 0  # and it resumes


@pytest.mark.parametrize("mask, mode", [(0o022, 0o755), (0o027, 0o750), (0o077, 0o700)])
def test_created_folders_and_files_follow_the_umask(place, mask, mode):
    folder = place / "maze"
    assert main(["analyze", str(folder), "--nulls", "10", "--no-figures"]) == 0
    old = os.umask(mask)
    try:
        assert main(["report", str(folder), *REPORT]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((folder / "report").stat().st_mode) == mode
    assert stat.S_IMODE((folder / "report" / "report.md").stat().st_mode) == mode & 0o666


API = [
    (lambda d: __import__("sernn").regularizers.SpatialCommunicability(0.3, coordinates="abc"), TypeError,
     "coordinates must be an array of shape (n, 3)"),
    (lambda d: __import__("sernn").constraints.MaskConstraint("abc"), TypeError, "mask must be a 2-D"),
    (lambda d: __import__("sernn").connectomes.load(42), TypeError, "data must be a path to a CSV file"),
    (lambda d: __import__("sernn").connectomes.load(d / "binary.csv"), ValueError, "binary.csv' is not a text CSV"),
    (lambda d: __import__("sernn").connectomes.load(d / "empty.csv"), ValueError, "empty.csv' is not a readable"),
    (lambda d: __import__("sernn").connectomes.expand(
        __import__("sernn").connectomes.from_array(np.ones((2, 2)) - np.eye(2), ["a", "b"]), 10 ** 7), ValueError,
     "neurons_per_region 10000000: the expanded network of 20000000 neurons"),
    (lambda d: __import__("sernn").analysis.statistics.bootstrap_ci(np.ones(10), n_boot=10 ** 12), ValueError,
     "n_boot 1000000000000: 1000000000000 resamples of 10 values"),
    (lambda d: __import__("sernn").analysis.small_worldness(np.ones((4, 4), bool) & ~np.eye(4, dtype=bool),
                                                            n_nulls=10 ** 12), ValueError, "n_nulls 1000000000000"),
    (lambda d: __import__("sernn.runfolder").runfolder.RunStore.open(d / "maze").run_dir("../x"), ValueError,
     "run id must hold only letters"),
    (lambda d: __import__("sernn").experiments.maze.MazeSettings.from_options("quick", train_trials=10 ** 11),
     ValueError, "train_trials 100000000000: the train trials of one run"),
]


@pytest.mark.parametrize("call, error, message", API, ids=[m[:40] for _, _, m in API])
def test_library_calls_refuse_in_their_own_words(place, call, error, message):
    with pytest.raises(error) as raised:
        call(place)
    assert message in str(raised.value)


@pytest.mark.parametrize("what", ["garbage settings", "truncated history", "random history", "relative run id"])
def test_library_readers_name_the_damaged_file(place, what):
    from sernn.readers import DamagedFile
    from sernn.runfolder import RunStore

    path = _damage(place, what)
    with pytest.raises(DamagedFile) as raised:
        store = RunStore.open(place / "maze")
        for record in store.done_runs():
            store.load_arrays(record["run_id"])
    assert str(raised.value).startswith(str(path))


def test_an_unexpected_internal_error_keeps_its_traceback(tmp_path, monkeypatch):
    import sernn.experiments.maze as maze

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(maze, "maze_sweep", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["maze", "--out", str(tmp_path / "x")])
