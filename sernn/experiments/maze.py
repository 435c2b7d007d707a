"""``sernn maze``: the maze benchmark across conditions, strengths and seeds.

Conditions (the recurrent kernel's regulariser):

============  ==========================================================
``baseline``  none
``l1``        ``keras.regularizers.L1(strength)``
``spatial``   :class:`sernn.regularizers.SpatialL1` (``sum |W| * D``)
``sernn``     :class:`sernn.regularizers.SpatialCommunicability`
============  ==========================================================

Each run builds the published model (:func:`sernn.models.build_sernn`), trains it
on the maze task and saves, in a resumable folder (:class:`RunStore`), one row
per epoch (training loss, task loss, regularisation loss, accuracy, validation
loss and accuracy) and the recurrent-kernel history (before training and after
every epoch). ``summary.csv`` aggregates the finished runs per condition and
strength.

Data seeds: run seed ``s`` trains on ``maze(train_trials, seed=s)``, validates on
``maze(val_trials, seed=10000 + s)`` and tests on ``maze(test_trials, seed=20000 + s)``
(:mod:`sernn.experiments.trials`); the model is built with ``seed=s``.

Settings: :class:`MazeSettings` (checked when made, before any folder exists).

Trainers (:mod:`sernn.experiments.sweep`): by default up to 64 networks train at a
time as one :class:`sernn.population.Population` (its seeded data order and
per-member input noise; results do not depend on the population size);
``trainer="fit"`` trains every network alone with ``keras.Model.fit`` (Keras's
shuffling and input noise, seeded). One folder holds runs of one trainer only.

Models and tasks of the wider field: ``dale`` (an excitatory fraction) trains every
network under Dale's law (balanced E/I initial weights that keep their signs,
:func:`sernn.initializers.dale_recurrent`; which units are excitatory is drawn
with the run's seed); ``tau`` and ``dt`` make the units leaky continuous-time
units (:class:`sernn.leaky.LeakyRNN`, optionally with ``recurrent_noise``); and
``task="neurogym:NAME"`` trains the same conditions on a NeuroGym task instead
of the maze (:func:`sernn.tasks.from_neurogym`: the decision period's steps in
the loss, the readout at every step; ``dt`` is also the task's time step).

Presets: ``"quick"`` (one strength per condition, seeds 0-5) and ``"paper"``
(Achterberg et al., Nature Machine Intelligence 2023: seRNNs at linspace(0.001, 0.3, 1001), L1 at
linspace(1e-5, 0.025, 1001) and the spatial-only ablation at linspace(1e-5, 0.01, 101), the last two
calibrated the paper's way (:mod:`sernn.experiments.calibration`); one seed: 2,103 networks).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sernn.experiments.maze_tasks import (architecture_options, check_task, neurogym_banks, neurogym_draws,
                                         neurogym_name, neurogym_shape)
from sernn.experiments.model_options import check_model_options, model_fields
from sernn.experiments.settings import Settings, choice, integer, names, option, real, seed_list
from sernn.experiments.sweep import Benchmark, EpochProgress, run_sweep
from sernn.experiments.trials import data_seed, trial_bank
from sernn.tasks.maze import MAZE_STEPS
from sernn.runfolder import RunStore, make_run_id

__all__ = ["CONDITIONS", "QUICK_STRENGTHS", "PAPER_STRENGTHS", "MazeRun", "MazeSettings", "plan_runs", "run_one",
           "run_population", "summarize", "MAZE", "MazeBenchmark", "maze_sweep", "PLATEAU", "SUCCESS_ACCURACY"]

CONDITIONS = ("baseline", "l1", "spatial", "sernn")

#: Quick default: one strength per condition, chosen so that the initial
#: penalty is of similar size in every regularised condition (about 16 at an
#: orthogonal init on the 5x5x4 grid, the paper's demo strength for seRNN).
QUICK_STRENGTHS = {"baseline": [0.0], "l1": [0.02], "spatial": [0.006], "sernn": [0.3]}

#: The paper's grid: seRNNs at the published linspace(0.001, 0.3, 1001); L1 (1,001 networks) and the spatial
#: ablation (101) at the ranges calibrated the paper's way, accuracy deteriorating half-way through the set
#: (``sernn maze --calibrate``, docs/maze.md: half-way strengths 0.0124 and 0.0051, rounded ranges).
PAPER_STRENGTHS = {
    "baseline": [0.0],
    "l1": np.linspace(1e-5, 0.025, 1001).tolist(),
    "spatial": np.linspace(1e-5, 0.01, 101).tolist(),
    "sernn": np.linspace(0.001, 0.3, 1001).tolist(),
}

#: Validation accuracy band of a network without working memory (offered directions alone: 5/8).
PLATEAU = (0.58, 0.66)
#: The paper keeps networks at or above this validation accuracy.
SUCCESS_ACCURACY = 0.9


@dataclass(frozen=True)
class MazeRun:
    condition: str
    strength: float
    seed: int

    @property
    def params(self) -> dict:
        return {"condition": self.condition, "strength": float(self.strength), "seed": int(self.seed)}

    @property
    def run_id(self) -> str:
        return make_run_id(self.params)


def plan_runs(conditions, strengths, seeds, shard=(0, 1)) -> list[MazeRun]:
    """All (condition, strength, seed) runs, in order; ``shard=(i, k)`` keeps every k-th from i.

    ``strengths`` is a mapping condition -> list of strengths; ``baseline`` always runs at 0.
    """
    runs = []
    for condition in conditions:
        if condition not in CONDITIONS:
            raise ValueError(f"conditions: unknown condition {condition!r}; accepted: {', '.join(CONDITIONS)}")
        values = [0.0] if condition == "baseline" else strengths[condition]
        for strength in values:
            for seed in seeds:
                runs.append(MazeRun(condition, float(strength), int(seed)))
    index, count = shard
    return runs[index::count]


def make_regularizer(condition: str, strength: float, coordinates, normalization=None,
                     constant_communicability=False):
    """The recurrent regulariser of a condition (None for ``baseline``)."""
    import keras

    from sernn.regularizers import SpatialCommunicability, SpatialL1

    if condition == "baseline":
        return None
    if condition == "l1":
        return keras.regularizers.L1(strength)
    if condition == "spatial":
        return SpatialL1(strength, coordinates=coordinates, normalization=normalization)
    if condition == "sernn":
        return SpatialCommunicability(strength, coordinates=coordinates, normalization=normalization,
                                      constant_communicability=constant_communicability)
    raise ValueError(f"unknown condition {condition!r}; accepted: {', '.join(CONDITIONS)}")


def _regularizer(spec: MazeRun, settings: dict, coordinates):
    return make_regularizer(spec.condition, spec.strength, coordinates, normalization=settings["normalization"],
                            constant_communicability=settings["constant_communicability"])


def _member(spec, settings: dict, coordinates) -> dict:
    """A run's member of a population (and keyword arguments of ``build_sernn``)."""
    member = {"seed": spec.seed, "noise": settings["noise"],
              "recurrent_regularizer": _regularizer(spec, settings, coordinates)}
    if settings.get("dale") is not None:
        from sernn.initializers.dale import dale_recurrent

        member["recurrent_initializer"], member["recurrent_constraint"] = dale_recurrent(
            settings["dale"], units=settings["units"], seed=spec.seed)
    return member


def _problems(part: str, settings: dict):
    """``draw(seed)`` of :func:`~sernn.experiments.trials.trial_bank`: the 8 distinct maze trials and the
    rows of a draw of ``settings[part + "_trials"]`` trials."""
    from sernn.tasks.maze import PROBLEM_INPUTS, PROBLEM_TARGETS, maze_problems

    return lambda seed: (PROBLEM_INPUTS, PROBLEM_TARGETS, None, maze_problems(settings[f"{part}_trials"], seed))


def run_population(specs, settings: dict, coordinates) -> list:
    """Train the runs ``specs`` as one population; one (rows, arrays, info) per run, in order."""
    from sernn.population import Population

    members = [_member(spec, settings, coordinates) for spec in specs]
    population = Population(members, units=settings["units"], learning_rate=settings["learning_rate"],
                            **architecture_options(settings))
    if neurogym_name(settings.get("task")) is not None:
        banks = neurogym_banks(specs, settings)
    else:
        banks = {part: trial_bank([data_seed(part, spec.seed) for spec in specs], _problems(part, settings))
                 for part in ("train", "val", "test")}
    rows, snapshots = population.fit(banks["train"].x, banks["train"].y, banks["train"].index,
                                     banks["val"].index, epochs=settings["epochs"],
                                     batch_size=settings["batch_size"], progress=EpochProgress(len(specs)),
                                     record="all", bank_weights=banks["train"].weights,
                                     validation_bank=(banks["val"].x, banks["val"].y, banks["val"].weights))
    test = population.evaluate(banks["test"].x, banks["test"].y, banks["test"].index,
                               batch_size=settings["batch_size"], bank_weights=banks["test"].weights)
    n_snapshots = snapshots["recurrent_kernel"].shape[1]
    return [(rows[k], {**{name: weights[k] for name, weights in snapshots.items()},
                       "epoch": np.arange(n_snapshots), "coordinates": np.asarray(coordinates)},
             {"test_accuracy": float(test["accuracy"][k]), "test_loss": float(test["loss"][k])})
            for k in range(len(specs))]


def run_one(spec: MazeRun, settings: dict, coordinates) -> tuple[list, dict, dict]:
    """Train one network; return (per-epoch rows, arrays to save, extra info)."""
    from sernn.models import build_sernn
    from sernn.tasks import maze
    from sernn.training import fit_and_record

    member = _member(spec, settings, coordinates)
    architecture = architecture_options(settings)
    task = neurogym_name(settings.get("task"))
    model = build_sernn(units=settings["units"], learning_rate=settings["learning_rate"], **member, **architecture,
                        **({"metrics": (), "weighted_metrics": ["accuracy"]} if task else {}))
    if task is None:
        x, y = maze(settings["train_trials"], seed=data_seed("train", spec.seed))
        validation = maze(settings["val_trials"], seed=data_seed("val", spec.seed))
        x_test, y_test = maze(settings["test_trials"], seed=data_seed("test", spec.seed))
        weights = test_weights = None
    else:
        parts = {part: neurogym_draws(task, settings[f"{part}_trials"], [data_seed(part, spec.seed)],
                                      settings.get("dt"))[data_seed(part, spec.seed)] for part in ("train", "val", "test")}
        (x, y, weights), validation, (x_test, y_test, test_weights) = parts["train"], parts["val"], parts["test"]
    rows, snapshots = fit_and_record(model, x, y, validation_data=validation, sample_weight=weights,
                                     epochs=settings["epochs"], batch_size=settings["batch_size"], record="all")
    test = model.evaluate(x_test, y_test, sample_weight=test_weights, batch_size=settings["batch_size"], verbose=0,
                          return_dict=True)
    arrays = {**snapshots, "epoch": np.arange(len(snapshots["recurrent_kernel"])),
              "coordinates": np.asarray(coordinates)}
    info = {"test_accuracy": float(test["accuracy"]), "test_loss": float(test["loss"])}
    return rows, arrays, info


def describe_run(spec: MazeRun, rows, info) -> str:
    """One progress line for a finished run."""
    return (f"{spec.condition:8s} strength={spec.strength:<8.4g} seed={spec.seed}: "
            f"val_accuracy={rows[-1]['val_accuracy']:.3f} test_accuracy={info['test_accuracy']:.3f} "
            f"reg_loss={rows[-1]['reg_loss']:.3g}")


def summarize(metrics: pd.DataFrame, store: RunStore | None = None, epoch: int | None = None,
              min_accuracy: float = SUCCESS_ACCURACY) -> pd.DataFrame:
    """One row per (condition, strength): validation accuracy at ``epoch`` and the learning outcomes.

    ``epoch`` (completed training epochs) defaults to the seRNN paper's 9, or
    the last epoch of runs shorter than that. Columns: ``runs``, ``epoch``,
    ``val_accuracy`` (mean at ``epoch``) and its s.d., ``frac_success``
    (validation accuracy >= ``min_accuracy`` at ``epoch``), ``frac_plateau``
    (the last epoch on the no-memory band :data:`PLATEAU`), ``frac_collapse``
    (reached ``min_accuracy``, then fell below it by the last epoch),
    ``reg_loss`` (mean penalty at ``epoch``) and, with ``store``, the mean
    ``test_accuracy`` of the trained networks (after the last epoch). The
    outcomes are those of :func:`sernn.analysis.learning.learning_outcomes`.
    """
    from sernn.analysis.learning import learning_outcomes

    if metrics.empty:
        return pd.DataFrame()
    last = int(metrics["epoch"].max())
    epoch = min(9, last) if epoch is None else int(epoch)
    outcomes = learning_outcomes(metrics, epoch=epoch, threshold=min_accuracy, plateau=PLATEAU)
    at_epoch = metrics[metrics["epoch"] == epoch].set_index("run_id")
    outcomes["reg_loss"] = outcomes["run_id"].map(at_epoch["reg_loss"]) if "reg_loss" in at_epoch else np.nan
    aggregations = dict(
        runs=("run_id", "count"),
        val_accuracy=("accuracy_at_epoch", "mean"),
        val_accuracy_sd=("accuracy_at_epoch", "std"),
        frac_success=("success", "mean"),
        frac_plateau=("plateau", "mean"),
        frac_collapse=("collapse", "mean"),
        reg_loss=("reg_loss", "mean"),
    )
    if store is not None:
        tests = {r["run_id"]: r.get("info", {}).get("test_accuracy", np.nan) for r in store.done_runs()}
        outcomes["test_accuracy"] = outcomes["run_id"].map(tests)
        aggregations["test_accuracy"] = ("test_accuracy", "mean")
    summary = outcomes.groupby(["condition", "strength"], as_index=False).agg(**aggregations)
    summary.insert(3, "epoch", epoch)
    summary["val_accuracy_sd"] = summary["val_accuracy_sd"].fillna(0.0)
    summary["_order"] = summary["condition"].map({c: i for i, c in enumerate(CONDITIONS)})
    summary = summary.sort_values(["_order", "strength"]).drop(columns="_order")
    return summary.reset_index(drop=True)


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as printed: every fraction with its Wilson 95 % interval over the runs, e.g. ``0.5 [0.19, 0.81]``.

    Examples
    --------
    >>> table = pd.DataFrame({"condition": ["l1"], "strength": [0.02], "runs": [6], "frac_success": [0.5]})
    >>> print(format_summary(table))
    condition strength  runs     frac_success
           l1     0.02     6 0.5 [0.19, 0.81]
    """
    from sernn.analysis.statistics import wilson_interval

    if summary.empty:
        return "no finished runs"
    table = summary.copy()
    fractions = [c for c in table.columns if c.startswith("frac_")]
    for column in table.columns:
        if column in fractions:
            table[column] = [f"{v:.2g} [{lo:.2f}, {hi:.2f}]" for v, (lo, hi) in
                             zip(table[column], (wilson_interval(round(v * n), n) for v, n in
                                                 zip(table[column], table["runs"])))]
        elif table[column].dtype.kind == "f":
            table[column] = table[column].map(lambda v: f"{v:.4g}")
    return table.to_string(index=False)


# -- settings and the benchmark definition ---------------------------------------------

def _strengths(value, name) -> dict:
    """A list for every regularised condition, or a mapping condition -> list; each finite and >= 0."""
    from sernn.experiments.settings import number_list

    if not isinstance(value, dict):
        value = {condition: value for condition in CONDITIONS}
    check = number_list(low=0)
    return {condition: list(check(values, f"{name}[{condition!r}]")) if condition != "baseline" else [0.0]
            for condition, values in value.items()}


@dataclass(frozen=True)
class MazeSettings(Settings):
    """Every option of a maze sweep, checked when made (the library form of ``sernn maze``'s options).

    ``conditions``, ``strengths`` and ``seeds`` left at None take the preset's
    (:meth:`~sernn.experiments.settings.Settings.from_options`); ``strengths`` is a
    list used for every regularised condition, or a mapping condition -> list.
    ``summary_epoch`` and ``min_accuracy`` shape the printed summary only.

    Examples
    --------
    >>> settings = MazeSettings.from_options("quick", epochs=2)
    >>> settings.conditions, settings.seeds, settings.epochs
    (('baseline', 'l1', 'spatial', 'sernn'), (0, 1, 2, 3, 4, 5), 2)
    >>> MazeSettings.from_options("quick", noise=-1.0)
    Traceback (most recent call last):
    ValueError: noise must be a finite real number >= 0; got -1.0
    """

    benchmark = "maze"
    presets = {
        # one strength per condition, 6 seeds (fractions with Wilson CIs): about a minute on 2 cores
        "quick": {"conditions": list(CONDITIONS), "strengths": QUICK_STRENGTHS, "seeds": list(range(6))},
        # the seRNN paper's grid: 1,001 seRNNs + 1,001 L1 networks + 101 spatial-only networks
        "paper": {"conditions": ["l1", "spatial", "sernn"], "strengths": PAPER_STRENGTHS, "seeds": [0]},
    }

    conditions: tuple = option(None, names(CONDITIONS), extendable=True)
    strengths: dict = option(None, _strengths, stored=False)
    seeds: tuple = option(None, seed_list, extendable=True)
    epochs: int = option(10, integer(low=1))
    units: int = option(100, integer(low=1))
    grid: tuple = option(None)
    train_trials: int = option(5120, integer(low=1))
    val_trials: int = option(2560, integer(low=1))
    test_trials: int = option(2560, integer(low=1))
    batch_size: int = option(128, integer(low=1))
    learning_rate: float = option(1e-3, real(low=0, inclusive="neither"))
    noise: float = option(0.05, real(low=0))
    normalization: str = option(None, choice((None, "none", "size")))
    constant_communicability: bool = option(False)
    summary_epoch: int = option(None, integer(low=1), stored=False)
    min_accuracy: float = option(SUCCESS_ACCURACY, real(low=0, high=1), stored=False)
    task: str = option(None, check_task, omit_none=True)
    dale: float = model_fields()["dale"]
    tau: float = model_fields()["tau"]
    dt: float = model_fields()["dt"]
    recurrent_noise: float = model_fields()["recurrent_noise"]

    def validate(self):
        from sernn.spatial import DEFAULT_GRID

        grid = tuple(int(v) for v in (self.grid or DEFAULT_GRID))
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "normalization", None if self.normalization == "none" else self.normalization)
        object.__setattr__(self, "constant_communicability", bool(self.constant_communicability))
        if int(np.prod(grid)) != self.units:
            raise ValueError(f"units {self.units} does not match the grid {'x'.join(map(str, grid))} "
                             f"({int(np.prod(grid))} positions); give a grid with NX*NY*NZ = units")
        if self.summary_epoch is not None and self.summary_epoch > self.epochs:
            raise ValueError(f"summary_epoch {self.summary_epoch} is after the last epoch (epochs {self.epochs})")
        self.check_units()
        if self.conditions is None or self.seeds is None or self.strengths is None:
            raise ValueError("conditions, strengths and seeds must be given or come from a preset "
                             "(MazeSettings.from_options)")
        self.check_sizes()

    def check_units(self) -> None:
        """Leaky units need ``tau`` and ``dt`` (``dt <= tau``); a NeuroGym task must exist and map to arrays."""
        task = neurogym_name(self.task)
        check_model_options(self, dt_alone=None if task is None else "the task's time step")
        if task is not None:
            neurogym_shape(task, self.dt)

    def check_sizes(self) -> None:
        """Refuse trial counts and network sizes whose arrays cannot fit in memory (before anything runs)."""
        from sernn.resources import check_fits

        for part in ("train", "val", "test"):  # inputs (T, 8) and one-hot targets (4), float32
            count = getattr(self, f"{part}_trials")
            check_fits(count * (MAZE_STEPS * 8 + 4) * 4, f"{part}_trials", count, f"the {part} trials of one run")
        snapshots = self.epochs + 1
        name, value = ("epochs", self.epochs) if snapshots > self.units else ("units", self.units)
        check_fits(snapshots * self.units ** 2 * 4, name, value,
                   f"the weight history of one run ({snapshots} snapshots of {self.units} x {self.units} weights)")

    def runs(self, shard=(0, 1)) -> list:
        """The planned runs (:func:`plan_runs`)."""
        return plan_runs(self.conditions, self.strengths, self.seeds, shard=shard)


class MazeBenchmark(Benchmark):
    """The maze benchmark on the sweep engine (:func:`sernn.experiments.sweep.run_sweep`)."""

    name = "maze"
    presets = MazeSettings.presets
    extendable = MazeSettings.extendable()

    def prepare(self, settings):
        from sernn.spatial import grid_coordinates

        return grid_coordinates(tuple(settings["grid"]))

    def train(self, spec, settings, context):
        return run_one(spec, settings, context)

    def train_population(self, specs, settings, context):
        return run_population(specs, settings, context)

    def population_shape(self, settings):
        task = neurogym_name(settings.get("task"))
        return settings["units"], MAZE_STEPS if task is None else neurogym_shape(task, settings.get("dt"))["steps"]

    def describe(self, spec, rows, info):
        return describe_run(spec, rows, info)

    def summarize(self, store, metrics, epoch=None, min_accuracy=SUCCESS_ACCURACY):
        summary = summarize(metrics, store, epoch=epoch, min_accuracy=min_accuracy)
        shown = int(summary["epoch"].iloc[0]) if not summary.empty else store.settings.get("epochs")
        text = (f"\nSummary at epoch {shown} (completed epochs; success: val_accuracy >= {min_accuracy} "
                f"there; plateau: {PLATEAU[0]}-{PLATEAU[1]} at the end, no working memory; collapse: "
                f"reached {min_accuracy}, then lost it):\n{format_summary(summary)}\n\n"
                f"wrote {store.path / 'metrics.csv'}, {store.path / 'summary.csv'} and runs/*/history.npz")
        return summary, text

    def write_figures(self, store, metrics, summary):
        from sernn.plotting import figure_accuracy

        folder = store.path / "figures"
        folder.mkdir(exist_ok=True)
        return [folder / "accuracy.png"] if figure_accuracy(metrics, folder / "accuracy.png", "maze") else []


#: The maze benchmark's definition.
MAZE = MazeBenchmark()


def maze_sweep(settings: MazeSettings | None = None, *, out="sernn-runs/maze", preset="quick", trainer=None,
               population=None, shard=(0, 1), figures=True, executor=None, log=None, **options):
    """Run (or resume) a maze sweep in ``out``; the library form of ``sernn maze``.

    Parameters
    ----------
    settings : MazeSettings, optional
        The sweep's settings; default: ``MazeSettings.from_options(preset, **options)``.
    out : path-like, default="sernn-runs/maze"
        The run folder (created, or resumed).
    preset : {"quick", "paper"}, default="quick"
        Fills in ``conditions``, ``strengths`` and ``seeds`` when not given.
    trainer, population, executor : optional
        As for :func:`sernn.experiments.sweep.run_sweep`.
    shard : (int, int), default=(0, 1)
        ``(i, k)``: run every k-th planned run from i (array jobs sharing ``out``).
    figures : bool, default=True
        Write ``figures/accuracy.png`` (validation accuracy per condition).
    **options
        Fields of :class:`MazeSettings` (``conditions``, ``strengths``, ``seeds``, ``epochs``...).

    Returns
    -------
    SweepResult
        What the sweep did (:class:`~sernn.experiments.sweep.SweepResult`). Every bad option raises
        before the folder exists, naming the option.
    """
    settings = MazeSettings.given(settings, preset, **options)
    return run_sweep(MAZE, out=out, settings=settings.stored(), runs=settings.runs(shard), trainer=trainer,
                     population=population, figures=figures, executor=executor,
                     summary_options={"epoch": settings.summary_epoch, "min_accuracy": settings.min_accuracy},
                     **({"log": log} if log is not None else {}))
