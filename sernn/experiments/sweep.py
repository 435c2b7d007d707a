"""The sweep engine that every benchmark (``sernn maze``, ``sernn memory``, ``sernn microns``) runs on.

A benchmark is a :class:`Benchmark` definition: its presets, how to load its
data once, how to train one network (and, where it can, a population of them),
its task metrics and its summary. The engine owns the rest, the same way for
every benchmark:

* **presets**: ``preset="quick"`` (a few minutes) or ``"paper"`` (the published
  grid), each a dict of defaults that explicit options override
  (:func:`resolve_preset`);
* **planning and sharding**: the runs come from the definition's grid, in a
  fixed order; ``shard=(i, k)`` keeps every k-th run from i, so cluster array
  jobs can share one folder;
* **trainers**: ``trainer="population"`` groups the pending runs that can share
  a :class:`sernn.population.Population` (same architecture: the definition's
  :meth:`Benchmark.population_key`) into populations of up to ``population``
  members; ``trainer="fit"`` trains each network alone with ``keras.Model.fit``.
  The two trainers draw data orders and input noise differently, so one folder
  holds runs of one trainer only (``settings.json`` records it; resuming a
  folder keeps its trainer unless another is asked for, which is refused);
* **resume and storage**: a :class:`sernn.runfolder.RunStore`; every finished
  run is saved (and its rows appended to ``metrics.csv``) as soon as its
  population returns, so an interruption loses at most the population in
  progress and a re-run trains only the runs without a ``run.json``;
* **progress**: one line per finished run with the time per network and the
  ETA of the whole sweep;
* **summaries and figures**: the definition's summary table (written as
  ``summary.csv`` and printed) and figures (:mod:`sernn.plotting`).

Everything takes keyword arguments, so a notebook can do what the command line
does: ``run_sweep(MAZE, out="runs/maze", **options)``.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sernn.executors import LocalExecutor, Progress, run_items
from sernn.resources import check_fits
from sernn.runfolder import RunStore
from sernn.validation import check_integer, check_option

__all__ = ["Benchmark", "SweepResult", "TRAINERS", "DEFAULT_POPULATION", "resolve_preset", "plan_groups",
           "train_pending", "run_sweep", "stored_trainer", "EpochProgress"]

#: The trainers: one population of networks at a time, or one network at a time with ``keras.Model.fit``.
TRAINERS = ("population", "fit")
#: Default largest population (members trained at once); fits in well under 1 GiB for maze networks.
DEFAULT_POPULATION = 64


class Benchmark:
    """A benchmark definition: its data, models and task metrics. Subclasses fill in the methods.

    Attributes
    ----------
    name : str
        The folder's benchmark name and the subcommand (``"maze"``).
    presets : dict
        Preset name -> dict of default settings; ``"quick"`` and ``"paper"``.
    extendable : tuple of str
        Settings that may grow between invocations of one folder (e.g. seeds).
    population_unsupported : str or None
        Why the population trainer cannot train this benchmark's models (None: it can).
    """

    name = ""
    presets: dict = {}
    extendable: tuple = ()
    population_unsupported: str | None = None

    def prepare(self, settings: dict):
        """Load what every run needs once (coordinates, connectomes, data); returned as ``context``."""
        return None

    def train(self, spec, settings: dict, context):
        """Train one network alone; return ``(rows, arrays, info)``."""
        raise NotImplementedError

    def train_population(self, specs, settings: dict, context):
        """Train ``specs`` (sharing one :meth:`population_key`) as one population; one result per spec."""
        raise NotImplementedError

    def population_key(self, spec):
        """Runs with equal keys can share a population (same architecture and task)."""
        return None

    def population_shape(self, settings: dict) -> tuple[int, int]:
        """(units, time steps) of the largest network, for the memory check."""
        raise NotImplementedError

    def check_population(self, settings: dict) -> None:
        """Raise :class:`ValueError` (naming the option) if the settings cannot train as a population.

        By default every setting can (a population's epochs weight a smaller last batch as Keras does).
        """

    def describe(self, spec, rows, info) -> str:
        """The progress line of a finished run."""
        return spec.run_id

    def summarize(self, store: RunStore, metrics: pd.DataFrame, **options):
        """``(summary table, text to print)``; the table is written as ``summary.csv``."""
        return pd.DataFrame(), ""

    def write_figures(self, store: RunStore, metrics: pd.DataFrame, summary: pd.DataFrame) -> list:
        """Write the benchmark's figures; return their paths."""
        return []


@dataclass
class SweepResult:
    """What :func:`run_sweep` did: the folder, the runs trained now, the summary and the files written."""

    store: RunStore
    trained: int
    summary: pd.DataFrame
    written: list = field(default_factory=list)
    seconds: float = 0.0


def resolve_preset(benchmark: Benchmark, preset: str, **given) -> dict:
    """The preset's settings with every explicitly given (not None) value in ``given`` put over them.

    Raises :class:`ValueError` naming ``preset`` for an unknown preset.
    """
    if preset not in benchmark.presets:
        raise ValueError(f"preset: unknown preset {preset!r} for sernn {benchmark.name}; accepted: "
                         + ", ".join(benchmark.presets))
    chosen = dict(benchmark.presets[preset])
    chosen.update({key: value for key, value in given.items() if value is not None})
    return chosen


def stored_trainer(out) -> str | None:
    """The trainer of an existing run folder (``"fit"`` for folders made before populations), else None."""
    settings_file = Path(out) / RunStore.SETTINGS
    if not settings_file.exists():
        return None
    try:
        stored = json.loads(settings_file.read_text())
    except (OSError, ValueError):
        return None
    return stored.get("settings", {}).get("trainer", "fit")


def plan_groups(runs, size: int, key=lambda spec: None) -> list[list]:
    """Consecutive groups of at most ``size`` runs that share ``key(spec)``, in the runs' order.

    Runs of one key are grouped in their order of appearance; a key's last group may be smaller.
    """
    size = int(size)
    if size < 1:
        raise ValueError(f"size must be a positive integer, got {size}")
    by_key: dict = {}
    for spec in runs:
        by_key.setdefault(key(spec), []).append(spec)
    groups = []
    for members in by_key.values():
        groups.extend(members[i:i + size] for i in range(0, len(members), size))
    return groups


def train_pending(store: RunStore, runs, train, describe, label: str, groups=None, log=print,
                  executor=None) -> int:
    """Train and save every run of ``runs`` not finished yet, printing one progress line per run.

    Parameters
    ----------
    store : RunStore
    runs : sequence
        Run specifications with ``run_id`` and ``params``.
    train : callable
        ``train(specs) -> [(rows, arrays, info), ...]``, one result per spec, in order (picklable
        for the Ray executor).
    describe : callable
        ``describe(spec, rows, info) -> str``.
    label : str
        Opening words of the first line (e.g. ``"sernn maze"``).
    groups : callable, optional
        ``groups(pending) -> list of lists`` of runs trained together (default: one at a time).
    log : callable
        Where the lines go (default :func:`print`).
    executor : optional
        Where the groups train (:mod:`sernn.executors`; default: in this process).
        Results come back here and are saved as each group finishes.

    Returns
    -------
    int : the number of runs trained now.

    Raises
    ------
    RunsFailed
        After every other group has finished and been saved, if a group's task raised (only the
        Ray executor reports errors this way; in this process an error stops the sweep).
    """
    todo = [spec for spec in runs if not store.is_done(spec.run_id)]
    store.rebuild_metrics()  # heals an append cut short by a crash
    chunks = [[spec] for spec in todo] if groups is None else groups(todo)
    together = max((len(c) for c in chunks), default=1) > 1
    executor = executor or LocalExecutor()
    where = "" if executor.name == "local" else \
        f", as {len(chunks)} {executor.name} task{'s' * (len(chunks) != 1)}"
    log(f"{label}: {len(runs)} runs in {store.path} ({len(runs) - len(todo)} already done, "
        f"{len(todo)} to run" + (f", in {len(chunks)} population{'s' * (len(chunks) > 1)}" if together else "")
        + where + ")")
    progress = Progress(len(todo))

    def save(chunk, results):
        results = list(results)
        if len(results) != len(chunk):
            raise RuntimeError(f"train returned {len(results)} results for {len(chunk)} runs")
        seconds, eta = progress.advance(len(chunk))
        first = progress.finished - len(chunk)
        for position, (spec, (rows, arrays, info)) in enumerate(zip(chunk, results), start=first + 1):
            store.save_run(spec.run_id, spec.params, rows, arrays, info=info)
            each = " each" if len(chunk) > 1 else ""
            log(f"[{position}/{len(todo)}] {describe(spec, rows, info)} ({seconds:.1f} s{each}, "
                f"ETA {eta / 60:.1f} min)")

    run_items(train, chunks, ids=lambda chunk: [spec.run_id for spec in chunk], on_result=save,
              on_failure=lambda chunk: progress.drop(len(chunk)), executor=executor, log=log)
    return len(todo)


class EpochProgress:
    """``Population.fit``'s ``progress``: a line at most every ``every`` seconds with the epoch and the
    population's ETA (populations of long runs, e.g. 3,000 n-back epochs, otherwise print nothing for
    many minutes)."""

    def __init__(self, size: int, every: float = 60.0, log=None):
        self.size, self.every, self.log = size, float(every), log or _log
        self.started = self.last = time.perf_counter()

    def __call__(self, epoch, epochs, seconds):
        now = time.perf_counter()
        if now - self.last < self.every or epoch == epochs:
            return
        self.last = now
        per_epoch = (now - self.started) / epoch
        self.log(f"  population of {self.size}: epoch {epoch}/{epochs} ({per_epoch:.2f} s per epoch, "
                 f"{(epochs - epoch) * per_epoch / 60:.1f} min to go)")


class _Train:
    """The picklable training function of a sweep: one group of runs -> their results."""

    def __init__(self, benchmark, settings, context, trainer):
        self.benchmark, self.settings, self.context, self.trainer = benchmark, settings, context, trainer

    def __call__(self, specs):
        if self.trainer == "population":
            return self.benchmark.train_population(specs, self.settings, self.context)
        return [self.benchmark.train(spec, self.settings, self.context) for spec in specs]


def _log(text):
    print(text, flush=True)


def run_sweep(benchmark: Benchmark, *, out, settings: dict, runs, trainer: str | None = None,
              population: int | None = None, figures: bool = True, label: str | None = None,
              summary_options: dict | None = None, log=_log, executor=None) -> SweepResult:
    """Train every pending run of a sweep into ``out``, then summarise the folder.

    Parameters
    ----------
    benchmark : Benchmark
        The definition (e.g. :data:`sernn.experiments.maze.MAZE`).
    out : path-like
        The run folder (created, or resumed).
    settings : dict
        Settings every run shares (stored in ``settings.json``; see :class:`RunStore`).
    runs : list
        The planned runs (already sharded).
    trainer : {"population", "fit"}, optional
        Default: the folder's trainer when resuming, else ``"population"`` where the benchmark
        supports it, else ``"fit"``.
    population : int, optional
        Largest population (default :data:`DEFAULT_POPULATION`); only with the population trainer.
    figures : bool
        Write the benchmark's figures after the summary.
    summary_options : dict, optional
        Keyword arguments of the benchmark's :meth:`Benchmark.summarize`.
    executor : optional
        Where the populations train: :class:`~sernn.executors.LocalExecutor` (default) or
        :class:`~sernn.executors.RayExecutor` (one Ray task per population, results
        written here by the driver).

    Notes
    -----
    Every bad option raises :class:`ValueError` naming it before the folder is created.
    """
    started = time.perf_counter()
    previous = stored_trainer(out)
    if benchmark.population_unsupported and population is not None and trainer is None:
        raise ValueError(f"population: {benchmark.population_unsupported}; sernn {benchmark.name} trains one "
                         "network at a time")
    if trainer is None:
        trainer = previous or ("fit" if benchmark.population_unsupported else "population")
    check_option(trainer, "trainer", TRAINERS)
    check_integer(population, "population", low=1, allow_none=True)
    if trainer == "population":
        if benchmark.population_unsupported:
            raise ValueError(f"trainer 'population': {benchmark.population_unsupported}; use trainer 'fit'")
        if population is None:
            population = DEFAULT_POPULATION
        benchmark.check_population(settings)
    elif population is not None:
        raise ValueError("population applies to the population trainer only; drop it or use "
                         "trainer 'population'")
    _check_step_memory(benchmark, settings, population if trainer == "population" else 1, len(runs))
    if previous is not None and previous != trainer:
        raise ValueError(f"trainer {trainer!r}: the folder {str(out)!r} holds runs of the {previous!r} trainer, "
                         f"which draws data order and noise differently; resume it with trainer {previous!r}, "
                         "or use another folder")
    settings = dict(settings)
    if trainer == "population":
        settings["trainer"] = "population"  # folders without the key hold keras-fit runs
    store = RunStore(out, benchmark.name, settings, extendable=benchmark.extendable)
    context = benchmark.prepare(store.settings)
    label = label or f"sernn {benchmark.name}"
    groups = (lambda todo: plan_groups(todo, population, benchmark.population_key)) \
        if trainer == "population" else None
    with (executor or LocalExecutor()) as running:
        trained = train_pending(store, runs, _Train(benchmark, store.settings, context, trainer),
                                benchmark.describe, label, groups=groups, log=log, executor=running)
    metrics = store.rebuild_metrics()
    summary, text = benchmark.summarize(store, metrics, **(summary_options or {}))
    written = []
    if summary is not None and not summary.empty:
        written.append(store.write_table("summary.csv", summary))
    if text:
        log(text)
    if figures and not metrics.empty:
        written.extend(benchmark.write_figures(store, metrics, summary))
    return SweepResult(store, trained, summary, written, time.perf_counter() - started)


def _check_step_memory(benchmark: Benchmark, settings: dict, population: int, runs: int) -> None:
    """Refuse a training step that cannot fit in memory, naming what makes it large: one network's step
    (``batch_size`` or ``units``), or the population's size."""
    from sernn.population import check_memory, memory_estimate

    try:
        units, steps = benchmark.population_shape(settings)
    except NotImplementedError:  # a benchmark that does not say its networks' size
        return
    # a batch is never larger than the training trials (Keras and populations cut it there)
    trials = [settings[key] for key in ("train_trials", "n_trials", "sequence_trials") if settings.get(key)]
    batch = min([settings.get("batch_size", 1), *trials])
    try:
        check_memory(1, units, batch, steps)
    except ValueError:
        activations, weights = 3 * 4 * batch * steps * units, 12 * 4 * units * units
        name, value = ("batch_size", settings.get("batch_size")) if activations >= weights else ("units", units)
        check_fits(memory_estimate(1, units, batch, steps), name, value,
                   f"one training step of one network (batch {batch}, {steps} time steps, {units} units)")
    try:
        check_memory(min(population, max(1, runs)), units, batch, steps)
    except ValueError as exc:
        raise ValueError(f"population {population}: {exc}") from None
