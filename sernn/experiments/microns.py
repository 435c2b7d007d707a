"""``sernn microns``: MICrONS-constrained RNNs across variants, tasks and seeds (the MICrONS inductive-bias study).

The variants' grammar and parts are in :mod:`sernn.experiments.microns_variants`, the
neurons' data in :mod:`sernn.experiments.microns_data`; this module defines the
benchmark (runs, training, summary, settings, :func:`microns_sweep`).

Variants are written as tokens joined by ``+`` (``W*+D*+C*``, ``S+M+P``; the tokens are listed in
:mod:`sernn.experiments.microns_variants`). Tasks: ``maze``, ``go_nogo``, ``perceptual_decision``.

**Fair comparison.** All penalties use the size-normalised form
(``normalization="size"``: distances in units of their mean, sum scaled by
``(100 / n) ** a`` with ``a = 3/2`` for the distance-only term and ``1/2`` with
communicability, see :mod:`sernn.regularizers.spatial`), so a strength means the
same at any network size and with distances
in micrometres (the scale pitfall of the summed penalty). Strengths are tuned per task
(:data:`TASK_STRENGTH_SCALES`): the decision tasks use 1/200 of the maze's.
The summary flags runs whose final validation accuracy sits at or below the task's
no-memory level (the band maze: 0.58–0.66, the offered directions alone; decision
tasks: 0.45–0.55, chance; a run below the band has not even reached it): such a
variant is reported as *plateau* (over-regularised, no recurrence or not trained
enough), never ranked as a worse prior; ``val_accuracy_learned`` averages only the
runs above the band.

Data seeds: run seed ``s`` trains on the task with ``seed=s``, validates with
``10000 + s`` and tests with ``20000 + s`` (:mod:`sernn.experiments.trials`); the model and
the initializers use ``s``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sernn.experiments import microns_variants as variants
from sernn.experiments.microns_data import WHY, MicronsData, field_data, load_data  # noqa: F401  (0.1's place)
from sernn.experiments.microns_variants import (LARGE_UNITS, TOKENS, Variant, build_parts, grid_for,  # noqa: F401
                                                parse_variant)
from sernn.experiments.microns_settings import (CHOICES, DEFAULT_STRENGTHS, FULL_VARIANTS, PLATEAUS,  # noqa: F401
                                                PRESETS, PUBLISHED_CODE, QUICK_VARIANTS, STUDY_VARIANTS,
                                                TASK_STRENGTH_SCALES, TASKS, MicronsSettings)
from sernn.experiments.model_options import cell_options
from sernn.experiments.sweep import Benchmark, EpochProgress, run_sweep
from sernn.experiments.trials import data_seed, trial_bank
from sernn.resources import check_fits
from sernn.runfolder import RunStore, make_run_id

# (parse_variant, build_parts, MicronsData, load_data, TASKS, MicronsSettings... stay importable from
# here, as in sernn 0.1)
__all__ = ["MicronsRun", "plan_runs", "task_data", "run_one", "run_population", "summarize", "MICRONS",
           "MicronsBenchmark", "microns_sweep"]

@dataclass(frozen=True)
class MicronsRun:
    task: str
    variant: str
    seed: int

    @property
    def params(self) -> dict:
        # ``condition`` lets ``sernn analyze`` group the runs (task/variant).
        return {"task": self.task, "variant": self.variant, "seed": int(self.seed),
                "condition": f"{self.task}/{self.variant}"}

    @property
    def run_id(self) -> str:
        return make_run_id({"task": self.task, "variant": parse_variant(self.variant).slug,
                            "seed": int(self.seed)})


def plan_runs(tasks, variants, seeds, shard=(0, 1)) -> list:
    """All (task, variant, seed) runs in order; ``shard=(i, k)`` keeps every k-th from i."""
    runs = [MicronsRun(t, parse_variant(v).name, int(s)) for t in tasks for v in variants for s in seeds]
    return runs[shard[0]::shard[1]]


def task_data(task: str, n_trials: int, seed: int):
    """(x, y) of a task."""
    from sernn.tasks import go_nogo, maze, perceptual_decision

    functions = {"maze": maze, "go_nogo": go_nogo, "perceptual_decision": perceptual_decision}
    return functions[task](n_trials, seed=seed)


def run_one(spec: MicronsRun, settings: dict, data: MicronsData):
    """Train one network; return (per-epoch rows, arrays to save, extra info)."""
    from sernn.models import build_sernn
    from sernn.training import fit_and_record

    variant = parse_variant(spec.variant)
    initializer, regularizer, constraint = build_parts(variant, data, settings, spec.seed,
                                                       scale=settings["task_strength_scales"][spec.task])
    inputs, classes = TASKS[spec.task]
    n = data.coordinates.shape[0]
    model = build_sernn(units=n, input_size=inputs, output_size=classes, noise=settings["noise"],
                        recurrent_initializer=initializer, recurrent_regularizer=regularizer,
                        recurrent_constraint=constraint, learning_rate=settings["learning_rate"],
                        seed=spec.seed, **cell_options(settings),
                        recurrent="sparse" if variants.sparse_layer(variant, n, constraint)
                        and settings.get("tau") is None else "dense")
    x, y = task_data(spec.task, settings["train_trials"], data_seed("train", spec.seed))
    validation = task_data(spec.task, settings["val_trials"], data_seed("val", spec.seed))
    rows, snapshots = fit_and_record(model, x, y, validation_data=validation,
                                     epochs=settings["epochs"], batch_size=settings["batch_size"])
    x_test, y_test = task_data(spec.task, settings["test_trials"], data_seed("test", spec.seed))
    test = model.evaluate(x_test, y_test, batch_size=settings["batch_size"], verbose=0, return_dict=True)
    info = {"test_accuracy": float(test["accuracy"]), "test_loss": float(test["loss"])}
    return rows, _arrays(snapshots, data), info


def _arrays(snapshots, data: MicronsData) -> dict:
    arrays = {"recurrent_kernel": snapshots, "epoch": np.arange(len(snapshots)), "coordinates": data.coordinates}
    if data.wiring is not None:
        arrays["wiring"] = data.wiring
    return arrays


def _members(specs, settings, data):
    members = []
    for spec in specs:
        initializer, regularizer, constraint = build_parts(
            parse_variant(spec.variant), data, settings, spec.seed,
            scale=settings["task_strength_scales"][spec.task])
        members.append({"seed": spec.seed, "noise": settings["noise"], "recurrent_initializer": initializer,
                        "recurrent_regularizer": regularizer, "recurrent_constraint": constraint})
    return members


def run_population(specs, settings: dict, data: MicronsData) -> list:
    """Train runs of one task as one population; one (rows, arrays, info) per run, in order."""
    from sernn.population import Population

    task = specs[0].task
    if any(spec.task != task for spec in specs):
        raise ValueError("a population trains runs of one task")
    inputs, classes = TASKS[task]
    population = Population(_members(specs, settings, data), units=data.coordinates.shape[0], input_size=inputs,
                            output_size=classes, learning_rate=settings["learning_rate"],
                            **cell_options(settings))

    def draw(part):
        return lambda seed: (*task_data(task, settings[f"{part}_trials"], seed), None, None)

    banks = {part: trial_bank([data_seed(part, spec.seed) for spec in specs], draw(part))
             for part in ("train", "val", "test")}
    rows, snapshots = population.fit(banks["train"].x, banks["train"].y, banks["train"].index, banks["val"].index,
                                     validation_bank=(banks["val"].x, banks["val"].y), epochs=settings["epochs"],
                                     batch_size=settings["batch_size"], progress=EpochProgress(len(specs)))
    test = population.evaluate(banks["test"].x, banks["test"].y, banks["test"].index,
                               batch_size=settings["batch_size"])
    return [(rows[k], _arrays(snapshots[k], data), {"test_accuracy": float(test["accuracy"][k]),
                                                     "test_loss": float(test["loss"][k])})
            for k in range(len(specs))]


def describe_run(spec: MicronsRun, rows, info) -> str:
    """One progress line for a finished run."""
    return (f"{spec.task:19s} {spec.variant:10s} seed={spec.seed}: "
            f"val_accuracy={rows[-1]['val_accuracy']:.3f} test_accuracy={info['test_accuracy']:.3f} "
            f"reg_loss={rows[-1]['reg_loss']:.3g}")


# -- summary ------------------------------------------------------------------------

def _final_rows(metrics: pd.DataFrame, store: RunStore | None) -> pd.DataFrame:
    final = metrics[metrics["epoch"] == metrics.groupby("run_id")["epoch"].transform("max")].copy()
    if store is not None:
        tests = {r["run_id"]: r.get("info", {}).get("test_accuracy", np.nan) for r in store.done_runs()}
        final["test_accuracy"] = final["run_id"].map(tests)
    # At or below the no-memory band: a run under the band has not reached even that level,
    # so it is no more a "learned" result than one inside it. The one definition of a plateau
    # (sernn.analysis.learning), with the band widened down to 0.
    from sernn.analysis.learning import learning_outcomes

    plateau = {}
    for task, rows in metrics.groupby("task"):
        outcomes = learning_outcomes(rows, epoch=int(rows["epoch"].max()), plateau=(0.0, PLATEAUS[task][1]))
        plateau.update(zip(outcomes["run_id"], outcomes["plateau"]))
    final["plateau"] = final["run_id"].map(plateau).astype(bool)
    final["learned_accuracy"] = final["val_accuracy"].where(~final["plateau"])
    return final


def summarize(metrics: pd.DataFrame, store: RunStore | None = None) -> pd.DataFrame:
    """One row per (task, variant): final validation/test accuracy, plateau flags.

    Columns: task, variant, runs, epoch, val_accuracy (mean over seeds),
    val_accuracy_sd, test_accuracy, val_auc (mean validation accuracy over epochs:
    learning speed), frac_plateau, val_accuracy_learned (mean over the runs above
    the no-memory band; NaN if none), reg_loss, and status: ``"plateau"`` when every
    run ends at or below the task's no-memory level (:data:`PLATEAUS`; not comparable:
    over-regularised, without recurrence or not trained enough), ``"partly plateau"``
    when some do, else ``"learned"``.
    """
    if metrics.empty:
        return pd.DataFrame()
    final = _final_rows(metrics, store)
    auc = metrics.groupby("run_id")["val_accuracy"].mean()
    final["val_auc"] = final["run_id"].map(auc)
    aggregations = dict(runs=("run_id", "count"), epoch=("epoch", "max"),
                        val_accuracy=("val_accuracy", "mean"), val_accuracy_sd=("val_accuracy", "std"),
                        val_auc=("val_auc", "mean"), frac_plateau=("plateau", "mean"),
                        val_accuracy_learned=("learned_accuracy", "mean"), reg_loss=("reg_loss", "mean"))
    if "test_accuracy" in final:
        aggregations["test_accuracy"] = ("test_accuracy", "mean")
    summary = final.groupby(["task", "variant"], as_index=False).agg(**aggregations)
    summary["val_accuracy_sd"] = summary["val_accuracy_sd"].fillna(0.0)
    summary["status"] = np.select([summary["frac_plateau"] >= 1.0, summary["frac_plateau"] > 0.0],
                                  ["plateau", "partly plateau"], "learned")
    task_order = {t: i for i, t in enumerate(TASKS)}
    summary["_t"] = summary["task"].map(task_order)
    summary = summary.sort_values(["_t", "val_accuracy_learned"], ascending=[True, False],
                                  na_position="last").drop(columns="_t")
    return summary.reset_index(drop=True)


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a printable table."""
    if summary.empty:
        return "no finished runs"
    columns = ["task", "variant", "runs", "val_accuracy", "val_accuracy_sd", "test_accuracy",
               "val_auc", "frac_plateau", "status"]
    table = summary[[c for c in columns if c in summary.columns]].copy()
    for column in table.columns:
        if table[column].dtype.kind == "f":
            table[column] = table[column].map(lambda v: f"{v:.3f}")
    return table.to_string(index=False)


# -- settings and the benchmark definition ------------------------------------------

class MicronsBenchmark(Benchmark):
    """The MICrONS benchmark on the sweep engine, for one selection of neurons (``data``)."""

    name = "microns"
    presets = PRESETS
    extendable = ("variants", "tasks", "seeds", "data")

    def __init__(self, data: MicronsData | None = None):
        self.data = data
        if data is not None and variants.large_path(data.coordinates.shape[0]):
            self.population_unsupported = (
                f"networks of more than {variants.LARGE_UNITS} units ({data.coordinates.shape[0]} here) train one at a "
                "time (a population holds every member's dense (n, n) kernels)")

    def prepare(self, settings):
        return self.data

    def train(self, spec, settings, context):
        return run_one(spec, settings, context)

    def train_population(self, specs, settings, context):
        return run_population(specs, settings, context)

    def population_key(self, spec):
        return spec.task  # input and output sizes, time steps

    def population_shape(self, settings):
        steps = max(task_data(task, 1, 0)[0].shape[1] for task in settings["tasks"])
        return settings["units"], steps

    def describe(self, spec, rows, info):
        return describe_run(spec, rows, info)

    def summarize(self, store, metrics):
        summary = summarize(metrics, store)
        if summary.empty:
            return summary, "no finished runs"
        text = ("\nSummary at the final epoch (plateau = final val_accuracy at or below the task's no-memory "
                "band: " + ", ".join(f"{t} {lo}-{hi}" for t, (lo, hi) in PLATEAUS.items()) + "; such runs are "
                "not ranked; rows sorted by val_accuracy_learned):\n" + format_summary(summary)
                + f"\n\nwrote {store.path / 'metrics.csv'}, {store.path / 'summary.csv'}, runs/*/history.npz")
        return summary, text

    def write_figures(self, store, metrics, summary):
        if summary is None or summary.empty:
            return []
        from sernn.plotting import microns_figures

        return microns_figures(metrics, summary, store.path / "figures", PLATEAUS)


#: The MICrONS benchmark's definition (without data; :func:`microns_sweep` gives it its data).
MICRONS = MicronsBenchmark()


def microns_sweep(data: MicronsData, settings: MicronsSettings | None = None, *, out="sernn-runs/microns",
                  preset="quick", trainer=None, population=None, shard=(0, 1), figures=True, executor=None, log=None,
                  task_scales=None, **options):
    """Run (or resume) a MICrONS sweep on ``data`` (see :func:`load_data`); the library form of ``sernn microns``.

    Parameters
    ----------
    data : MicronsData
        The selected neurons (:func:`~sernn.experiments.microns_data.load_data`).
    settings : MicronsSettings, optional
        Default: ``MicronsSettings.from_options(preset, **options)``.
    out : path-like, default="sernn-runs/microns"
    preset : {"quick", "paper"}, default="quick"
    trainer, population, shard, figures, executor, log : optional
        As for :func:`sernn.experiments.maze.maze_sweep`.
    task_scales : dict, optional
        sernn 0.1's name of ``task_strength_scales``.
    **options
        Fields of :class:`MicronsSettings`.

    Returns
    -------
    SweepResult
        What the sweep did (:class:`~sernn.experiments.sweep.SweepResult`).

    Notes
    -----
    A preset's variants that the data cannot support are skipped with a message; a variant
    asked for by name (``variants=``) that the data cannot support is a :class:`ValueError`
    naming what it needs.
    """
    say = log or (lambda text: print(text, flush=True))
    if task_scales is not None:
        options["task_strength_scales"] = task_scales
    named = options.get("variants") is not None  # asked for by name, not a preset's
    settings = MicronsSettings.given(settings, preset, **options)
    units = data.coordinates.shape[0]
    check_fits(4 * (settings.epochs + 1) * units ** 2, "neurons", units,
               f"the weight history of one run ({settings.epochs + 1} snapshots of {units} x {units} weights)")
    if settings.grid is not None:
        grid_for(units, settings.grid)  # a grid with fewer points than units is a ValueError naming grid
    runnable = settings.runnable(data, named, log=say)
    stored = settings.stored_for(data, runnable)
    runs = plan_runs(settings.tasks, runnable, settings.seeds, shard=shard)
    return run_sweep(MicronsBenchmark(data), out=out, settings=stored, runs=runs, trainer=trainer,
                     population=population, figures=figures, executor=executor,
                     label=f"sernn microns: {stored['units']} neurons from {data.description}", log=say)
