"""The sweep engine: presets, grouping into populations, progress and resume, shared by every benchmark."""
import pandas as pd
import pytest

from sernn.experiments.sweep import Benchmark, plan_groups, resolve_preset, run_sweep, train_pending
from ray_toy import Spec
from sernn.runfolder import RunStore


def test_groups_keep_order_share_a_key_and_respect_the_size():
    runs = [Spec(t, s) for t in ("a", "b") for s in range(5)] + [Spec("a", 9)]
    groups = plan_groups(runs, 4, key=lambda spec: spec.task)
    assert [[(g.task, g.seed) for g in group] for group in groups] == [
        [("a", 0), ("a", 1), ("a", 2), ("a", 3)], [("a", 4), ("a", 9)],
        [("b", 0), ("b", 1), ("b", 2), ("b", 3)], [("b", 4)]]
    assert sorted(s.run_id for g in groups for s in g) == sorted(s.run_id for s in runs)
    with pytest.raises(ValueError, match="size must be a positive integer, got 0"):
        plan_groups(runs, 0)


class Toy(Benchmark):
    """A benchmark whose "training" is arithmetic: the engine's behaviour without Keras."""

    name = "toy"
    presets = {"quick": {"seeds": [0, 1]}, "paper": {"seeds": list(range(10))}}
    extendable = ("seeds",)

    def __init__(self):
        self.calls = []

    @staticmethod
    def _result(spec, settings):
        return [{"epoch": 1, "value": spec.seed * settings["scale"]}], None, {}

    def train(self, spec, settings, context):
        self.calls.append([spec.seed])
        return self._result(spec, settings)

    def train_population(self, specs, settings, context):
        self.calls.append([s.seed for s in specs])
        return [self._result(spec, settings) for spec in specs]

    def population_key(self, spec):
        return spec.task

    def population_shape(self, settings):
        return 10, 5

    def summarize(self, store, metrics):
        table = metrics.groupby("task", as_index=False)["value"].sum()
        return table, table.to_string(index=False)


def test_a_sweep_groups_by_key_resumes_and_summarises(tmp_path):
    toy = Toy()
    chosen = resolve_preset(toy, "paper")
    runs = [Spec(t, s) for t in ("a", "b") for s in chosen["seeds"]]
    lines = []
    result = run_sweep(toy, out=tmp_path / "out", settings={"scale": 2, "batch_size": 1}, runs=runs[:13],
                       population=4, log=lines.append)
    # 13 runs: a0-a9 and b0-b2; populations of up to 4 that never mix tasks
    assert toy.calls == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2]]
    assert "13 to run, in 4 populations" in lines[0] and lines[-1].startswith("task")
    assert result.trained == 13
    result = run_sweep(toy, out=tmp_path / "out", settings={"scale": 2, "batch_size": 1}, runs=runs,
                       population=4, log=lines.append)
    assert result.trained == 7 and "13 already done, 7 to run" in lines[-(7 + 2)]
    summary = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("task")["value"]
    assert summary.to_dict() == {"a": 2 * sum(range(10)), "b": 2 * sum(range(10))}
    metrics = pd.read_csv(tmp_path / "out" / "metrics.csv")
    assert len(metrics) == 20 and not metrics.duplicated("run_id").any()


@pytest.mark.parametrize("options, message", [
    ({"trainer": "keras"}, "trainer must be one of 'population', 'fit'; got 'keras'"),
    ({"population": 0}, "population must be an integer >= 1 or None; got 0"),
    ({"population": 2, "trainer": "fit"}, "population applies to the population trainer only"),
])
def test_bad_sweep_options_are_refused_before_the_folder_exists(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        run_sweep(Toy(), out=tmp_path / "never", settings={"batch_size": 1}, runs=[Spec("a", 0)], **options)
    assert not (tmp_path / "never").exists()


def test_an_unknown_preset_names_the_accepted_ones():
    with pytest.raises(ValueError, match=r"preset: unknown preset 'huge' for sernn toy; accepted: quick, paper"):
        resolve_preset(Toy(), "huge")
    assert resolve_preset(Toy(), "quick", seeds=None) == {"seeds": [0, 1]}
    assert resolve_preset(Toy(), "quick", seeds=[7]) == {"seeds": [7]}


def test_progress_lines_carry_the_time_per_run_and_the_eta(tmp_path):
    store = RunStore(tmp_path / "p", "toy", {})
    lines = []
    runs = [Spec("a", s) for s in range(3)]
    train_pending(store, runs, lambda specs: [([{"epoch": 1}], None, {}) for _ in specs],
                  lambda spec, rows, info: spec.run_id, "toy", log=lines.append)
    assert lines[0] == f"toy: 3 runs in {store.path} (0 already done, 3 to run)"
    assert [line.split(" ")[0] for line in lines[1:]] == ["[1/3]", "[2/3]", "[3/3]"]
    assert all("ETA" in line and " s, " in line for line in lines[1:])


def test_executor_options_are_checked_before_anything_is_written(tmp_path, capsys, monkeypatch):
    import sys

    from sernn import cli

    out = tmp_path / "never"
    assert cli.main(["maze", "--out", str(out), "--address", "auto"]) == 2
    assert "--address applies to the ray executor only" in capsys.readouterr().err
    assert cli.main(["maze", "--out", str(out), "--executor", "spark"]) == 2
    assert "invalid choice: 'spark'" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    assert cli.main(["maze", "--out", str(out), "--executor", "ray"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['sernn maze: error: --executor ray needs the optional extra: pip install "sernn[ray]"']
    assert not out.exists()


def test_failed_runs_give_one_line_and_exit_code_1(tmp_path, capsys, monkeypatch):
    from sernn import cli
    from sernn.experiments import maze
    from sernn.executors import RunsFailed

    def failing(**options):
        raise RunsFailed([(["condition=sernn_strength=0.3_seed=0"], "ValueError: bad input")])

    monkeypatch.setattr(maze, "maze_sweep", failing)
    assert cli.main(["maze", "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["sernn maze: error: 1 run failed (first: condition=sernn_strength=0.3_seed=0: ValueError: "
                   "bad input); the others are saved, re-run to retry the failed ones"]


def test_epoch_progress_prints_at_most_every_interval_and_not_at_the_end(monkeypatch):
    import sernn.experiments.sweep as sweep

    clock = iter([0.0, 10.0, 30.0, 70.0, 100.0, 200.0])
    monkeypatch.setattr(sweep.time, "perf_counter", lambda: next(clock))
    lines = []
    progress = sweep.EpochProgress(30, every=60.0, log=lines.append)  # starts at t = 0
    for epoch in (1, 2, 3, 4, 5):  # at t = 10, 30, 70, 100, 200
        progress(epoch, 5, 0.0)
    # t = 70 is the first 60 s after the start; t = 100 is only 30 s after it; epoch 5 is the last
    assert lines == ["  population of 30: epoch 3/5 (23.33 s per epoch, 0.8 min to go)"]
