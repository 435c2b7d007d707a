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
``maze(val_trials, seed=10000 + s)`` and tests on ``maze(test_trials, seed=20000 + s)``;
the model is built with ``seed=s``.

Trainers (:mod:`sernn.experiments.sweep`): by default up to 64 networks train at a
time as one :class:`sernn.population.Population` (its seeded data order and
per-member input noise; results do not depend on the population size);
``trainer="fit"`` trains every network alone with ``keras.Model.fit`` (Keras's
shuffling and input noise, seeded). One folder holds runs of one trainer only.

Presets: ``"quick"`` (one strength per condition, seeds 0 and 1) and ``"paper"``
(Achterberg et al., Nature Machine Intelligence 2023: seRNN and L1 at linspace(0.001, 0.3, 1001), the
spatial-only ablation at linspace(1e-5, 0.02, 101), one seed: 2,103 networks).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sernn.experiments.arguments import name_list, number_list, positive
from sernn.experiments.sweep import (Benchmark, EpochProgress, add_sweep_arguments, executor_from, resolve_preset,
                                    run_sweep)
from sernn.tasks.maze import MAZE_STEPS
from sernn.runfolder import RunStore, make_run_id

__all__ = ["CONDITIONS", "QUICK_STRENGTHS", "PAPER_STRENGTHS", "MazeRun", "plan_runs", "run_one",
           "run_population", "summarize", "MAZE", "MazeBenchmark", "maze_sweep", "add_arguments", "run",
           "PLATEAU", "SUCCESS_ACCURACY"]

CONDITIONS = ("baseline", "l1", "spatial", "sernn")

#: Quick default: one strength per condition, chosen so that the initial
#: penalty is of similar size in every regularised condition (about 16 at an
#: orthogonal init on the 5x5x4 grid, the paper's demo strength for seRNN).
QUICK_STRENGTHS = {"baseline": [0.0], "l1": [0.02], "spatial": [0.006], "sernn": [0.3]}

#: The paper's grids: seRNN and L1 linspace(0.001, 0.3, 1001); the spatial ablation linspace(1e-5, 0.02, 101).
PAPER_STRENGTHS = {
    "baseline": [0.0],
    "l1": np.linspace(0.001, 0.3, 1001).tolist(),
    "spatial": np.linspace(1e-5, 0.02, 101).tolist(),
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
            raise ValueError(f"unknown condition {condition!r}; accepted: {', '.join(CONDITIONS)}")
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


def run_population(specs, settings: dict, coordinates) -> list:
    """Train the runs ``specs`` as one population; one (rows, arrays, info) per run, in order."""
    from sernn.population import Population
    from sernn.tasks.maze import _PROBLEM_INPUTS, _PROBLEM_TARGETS, maze_problems

    members = [{"seed": spec.seed, "noise": settings["noise"],
                "recurrent_regularizer": make_regularizer(
                    spec.condition, spec.strength, coordinates, normalization=settings["normalization"],
                    constant_communicability=settings["constant_communicability"])}
               for spec in specs]
    population = Population(members, units=settings["units"], learning_rate=settings["learning_rate"])
    index = {name: np.stack([maze_problems(settings[f"{name}_trials"], offset + spec.seed) for spec in specs])
             for name, offset in (("train", 0), ("val", 10000), ("test", 20000))}
    rows, snapshots = population.fit(_PROBLEM_INPUTS, _PROBLEM_TARGETS, index["train"], index["val"],
                                     epochs=settings["epochs"], batch_size=settings["batch_size"],
                                     progress=EpochProgress(len(specs)))
    test = population.evaluate(_PROBLEM_INPUTS, _PROBLEM_TARGETS, index["test"],
                               batch_size=settings["batch_size"])
    return [(rows[k], {"recurrent_kernel": snapshots[k], "epoch": np.arange(snapshots.shape[1]),
                       "coordinates": np.asarray(coordinates)},
             {"test_accuracy": float(test["accuracy"][k]), "test_loss": float(test["loss"][k])})
            for k in range(len(specs))]


def run_one(spec: MazeRun, settings: dict, coordinates) -> tuple[list, dict, dict]:
    """Train one network; return (per-epoch rows, arrays to save, extra info)."""
    from sernn.models import build_sernn
    from sernn.tasks import maze
    from sernn.training import fit_and_record

    regularizer = make_regularizer(spec.condition, spec.strength, coordinates,
                                   normalization=settings["normalization"],
                                   constant_communicability=settings["constant_communicability"])
    model = build_sernn(units=settings["units"], recurrent_regularizer=regularizer,
                        noise=settings["noise"], learning_rate=settings["learning_rate"],
                        seed=spec.seed)
    x, y = maze(settings["train_trials"], seed=spec.seed)
    validation = maze(settings["val_trials"], seed=10000 + spec.seed)
    rows, snapshots = fit_and_record(model, x, y, validation_data=validation,
                                     epochs=settings["epochs"], batch_size=settings["batch_size"])
    x_test, y_test = maze(settings["test_trials"], seed=20000 + spec.seed)
    test = model.evaluate(x_test, y_test, batch_size=settings["batch_size"], verbose=0,
                          return_dict=True)
    arrays = {"recurrent_kernel": snapshots, "epoch": np.arange(len(snapshots)),
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
    if summary.empty:
        return "no finished runs"
    table = summary.copy()
    for column in table.columns:
        if table[column].dtype.kind == "f":
            table[column] = table[column].map(lambda v: f"{v:.4g}")
    return table.to_string(index=False)


# -- the benchmark definition --------------------------------------------------------

class MazeBenchmark(Benchmark):
    """The maze benchmark on the sweep engine (:func:`sernn.experiments.sweep.run_sweep`)."""

    name = "maze"
    presets = {
        # one strength per condition, 2 seeds: about a minute on 2 cores
        "quick": {"conditions": list(CONDITIONS), "strengths": QUICK_STRENGTHS, "seeds": [0, 1]},
        # the seRNN paper's grid: 1,001 seRNNs + 1,001 L1 networks + 101 spatial-only networks
        "paper": {"conditions": ["l1", "spatial", "sernn"], "strengths": PAPER_STRENGTHS, "seeds": [0]},
    }
    extendable = ("conditions", "seeds")

    def prepare(self, settings):
        from sernn.spatial import grid_coordinates

        return grid_coordinates(tuple(settings["grid"]))

    def train(self, spec, settings, context):
        return run_one(spec, settings, context)

    def train_population(self, specs, settings, context):
        return run_population(specs, settings, context)

    def population_shape(self, settings):
        return settings["units"], MAZE_STEPS

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


#: The maze benchmark's definition.
MAZE = MazeBenchmark()


def maze_sweep(out="sernn-runs/maze", preset="quick", conditions=None, strengths=None, seeds=None,
               epochs=10, units=100, grid=None, train_trials=5120, val_trials=2560, test_trials=2560,
               batch_size=128, learning_rate=1e-3, noise=0.05, normalization=None,
               constant_communicability=False, trainer=None, population=None, shard=(0, 1),
               summary_epoch=None, min_accuracy=SUCCESS_ACCURACY, executor=None, log=None):
    """Run (or resume) a maze sweep in ``out``; the library form of ``sernn maze``.

    ``strengths`` is a list used for every regularised condition, or a mapping
    condition -> list; ``conditions``, ``strengths`` and ``seeds`` default to the
    preset's (``"quick"`` or ``"paper"``). Returns a :class:`~sernn.experiments.sweep.SweepResult`.
    """
    from sernn.spatial import DEFAULT_GRID

    chosen = resolve_preset(MAZE, preset, conditions=conditions, strengths=strengths, seeds=seeds)
    conditions = list(dict.fromkeys(chosen["conditions"]))
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not conditions:
        raise ValueError(f"--conditions: unknown {unknown or conditions!r}; accepted: {', '.join(CONDITIONS)}")
    strengths = chosen["strengths"]
    if not isinstance(strengths, dict):
        strengths = {c: list(strengths) for c in CONDITIONS}
    seeds = list(dict.fromkeys(int(s) for s in chosen["seeds"]))
    grid = tuple(grid) if grid else DEFAULT_GRID
    if int(np.prod(grid)) != units:
        raise ValueError(f"--units {units} does not match the grid {'x'.join(map(str, grid))} "
                         f"({int(np.prod(grid))} positions); give --grid NX NY NZ with NX*NY*NZ = units")
    if not noise >= 0:
        raise ValueError(f"--noise must be >= 0, got {noise}")
    if summary_epoch is not None and summary_epoch > epochs:
        raise ValueError(f"--summary-epoch {summary_epoch} is after the last epoch (--epochs {epochs})")
    if not 0.0 <= min_accuracy <= 1.0:
        raise ValueError(f"--min-accuracy must be in [0, 1], got {min_accuracy}")
    settings = {
        "units": units, "grid": list(grid), "epochs": epochs, "train_trials": train_trials,
        "val_trials": val_trials, "test_trials": test_trials, "batch_size": batch_size,
        "learning_rate": learning_rate, "noise": noise,
        "normalization": None if normalization in (None, "none") else normalization,
        "constant_communicability": bool(constant_communicability),
        "conditions": conditions, "seeds": seeds,
    }
    runs = plan_runs(conditions, strengths, seeds, shard=shard)
    options = {"log": log} if log is not None else {}
    return run_sweep(MAZE, out=out, settings=settings, runs=runs, trainer=trainer, population=population,
                     summary_options={"epoch": summary_epoch, "min_accuracy": min_accuracy}, executor=executor,
                     **options)


# -- command line ---------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Train maze-task networks across conditions (baseline, l1, spatial, sernn), strengths and "
        "seeds. --preset quick (default): one strength per condition, 2 seeds, 10 epochs; --preset paper: "
        "the seRNN paper's grid (2,103 networks). Re-running with the same --out resumes."
    )
    add_sweep_arguments(parser, MAZE, "sernn-runs/maze")
    parser.add_argument("--conditions", type=name_list, default=None,
                        help="comma-separated subset of: " + ", ".join(CONDITIONS) + " (default: the preset's)")
    parser.add_argument("--strengths", type=number_list(float), default=None,
                        help="comma-separated strengths for every regularised condition "
                             "(default: the preset's; quick: l1=0.02, spatial=0.006, sernn=0.3)")
    parser.add_argument("--strength-range", nargs=3, metavar=("START", "STOP", "N"), default=None,
                        help="strengths linspace(START, STOP, N) for every regularised condition")
    parser.add_argument("--seeds", type=number_list(int), default=None,
                        help="comma-separated seeds (default: the preset's; quick 0,1, paper 0)")
    parser.add_argument("--epochs", type=positive(int), default=10, help="default: %(default)s")
    parser.add_argument("--units", type=positive(int), default=100,
                        help="recurrent units (default: %(default)s); must equal the grid size")
    parser.add_argument("--grid", type=positive(int), nargs=3, metavar=("NX", "NY", "NZ"), default=None,
                        help="grid of unit positions (default: 5 5 4, the paper's 100 units)")
    parser.add_argument("--train-trials", type=positive(int), default=5120, help="default: %(default)s")
    parser.add_argument("--val-trials", type=positive(int), default=2560, help="default: %(default)s")
    parser.add_argument("--test-trials", type=positive(int), default=2560, help="default: %(default)s")
    parser.add_argument("--batch-size", type=positive(int), default=128, help="default: %(default)s")
    parser.add_argument("--learning-rate", type=positive(float), default=1e-3, help="default: %(default)s")
    parser.add_argument("--noise", type=float, default=0.05, help="input noise s.d. (default: %(default)s)")
    parser.add_argument("--normalization", choices=("none", "size"), default="none",
                        help="penalty form: none = the paper's sum; size = size-normalised (see docs)")
    parser.add_argument("--constant-communicability", action="store_true",
                        help="treat communicability as a constant in the gradient")
    parser.add_argument("--summary-epoch", type=positive(int), default=None, metavar="E",
                        help="completed epochs at which the summary compares runs (default: 9, the paper's, "
                             "or the last epoch if fewer)")
    parser.add_argument("--min-accuracy", type=float, default=SUCCESS_ACCURACY,
                        help="validation accuracy that counts as success (default: %(default)s)")


def _strength_range(values) -> list:
    try:
        start, stop, count = float(values[0]), float(values[1]), int(values[2])
    except ValueError:
        raise ValueError(f"--strength-range needs START STOP N (numbers, N an integer), got "
                         f"{' '.join(values)}") from None
    if count < 1 or start < 0 or stop < start:
        raise ValueError(f"--strength-range needs 0 <= START <= STOP and N >= 1, got {' '.join(values)}")
    return np.linspace(start, stop, count).tolist()


def run(args) -> int:
    if args.strengths is not None and args.strength_range is not None:
        raise ValueError("give at most one of --strengths and --strength-range")
    strengths = _strength_range(args.strength_range) if args.strength_range is not None else args.strengths
    maze_sweep(out=args.out, preset=args.preset, conditions=args.conditions, strengths=strengths,
               seeds=args.seeds, epochs=args.epochs, units=args.units, grid=args.grid,
               train_trials=args.train_trials, val_trials=args.val_trials, test_trials=args.test_trials,
               batch_size=args.batch_size, learning_rate=args.learning_rate, noise=args.noise,
               normalization=args.normalization, constant_communicability=args.constant_communicability,
               trainer=args.trainer, population=args.population, shard=args.shard,
               summary_epoch=args.summary_epoch, min_accuracy=args.min_accuracy, executor=executor_from(args))
    return 0
