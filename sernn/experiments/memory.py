"""``sernn memory``: bio-instantiated RNNs on working-memory tasks.

The benchmark of Goulas, Damicelli & Hilgetag ("Bio-instantiated recurrent
neural networks", Neural Networks 2021): for every species (area connectome) x strategy x task
setting x optimizer x activation x learning rate x seed, it expands the
connectome to neurons (:func:`sernn.connectomes.strategy_network`), builds a
temporal Elman network whose recurrent kernel is initialised by
:class:`sernn.initializers.ConnectomeInitializer` and masked by
:class:`sernn.constraints.MaskConstraint`, trains it, and records per epoch the
training loss and the test loss (and accuracy for n-back).

Strategies: ``b_w_no``, ``b_w_eq``, ``b_w_div`` and their randomised controls
``r_b_w_no``, ``r_b_w_eq``, ``r_b_w_div`` (see :mod:`sernn.connectomes.strategies`).

Tasks: ``sequence`` (:func:`sernn.tasks.sequence_memory`, setting = L, MSE on
the recall steps; the test loss is that MSE) and ``nback``
(:func:`sernn.tasks.nback`, setting = n, cross-entropy on the response step;
the test loss is that cross-entropy, the test accuracy the response accuracy).

Data and seeds: run seed ``s`` builds the network with ``seed=s`` and uses the
task's trials drawn with ``seed=s`` (so all strategies of one seed see the same
trials), the first ``1 - test_fraction`` of them for training, the rest for
testing. The quick default (macaque, 4 neurons per region, sequence memory
with L = 3, Adam with learning rate 1e-3, 50 epochs, 3 seeds) runs in a few
minutes on 2 CPU cores; ``preset="paper"`` uses the paper's settings (macaque,
marmoset and human; L = 3, 5, 10 and n = 2, 3, 4; Adam and RMSprop; ReLU and
tanh; learning rate 1e-4; 500 epochs for sequence memory and 3,000 for n-back;
5 seeds).

The benchmark runs on the sweep engine (:mod:`sernn.experiments.sweep`). Its
default trainer trains the runs of one species, task setting, optimizer,
activation and learning rate (every strategy and seed) as one
:class:`sernn.population.Population` (read-out at every step, the per-step
weights of the task, MSE or cross-entropy, Adam or RMSprop; each member is the
network Keras would fit alone on the same data order); ``trainer="fit"`` trains
one network at a time with ``keras.Model.fit`` (Keras's own shuffling).

Output folder (a :class:`~sernn.runfolder.RunStore`, resumable):
``metrics.csv`` (one row per run and epoch: ``loss``, ``task_loss``,
``test_loss``, and for n-back ``accuracy``, ``test_accuracy``), ``summary.csv``
(one row per run: ``min_test_loss``, ``epoch_of_min``, ``final_test_loss``...),
``summary_by_strategy.csv`` (median and spread over seeds and settings),
``runs/<run_id>/history.npz`` (recurrent kernel before and after training, its
mask and the biological weights) and figures ``loss_curves_*.png``,
``min_test_loss_*.png`` and ``epoch_of_min_*.png``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sernn.connectomes.strategies import STRATEGIES
from sernn.experiments.memory_settings import (EXPANSION_OPTIONS, PAPER, PUBLISHED_CODE,  # noqa: F401
                                               PUBLISHED_CODE_DEFAULTS, QUICK, TASKS, MemorySettings, task_data)
from sernn.experiments.sweep import Benchmark, EpochProgress, run_sweep
from sernn.experiments.trials import trial_bank
from sernn.runfolder import make_run_id

# (TASKS, QUICK, PAPER, PUBLISHED_CODE, PUBLISHED_CODE_DEFAULTS and MemorySettings stay importable from
# here, as in sernn 0.1; they live in sernn.experiments.memory_settings)
__all__ = ["MemoryRun", "plan_runs", "run_one", "run_population", "summarize", "aggregate", "MEMORY",
           "MemoryBenchmark", "memory_sweep"]

@dataclass(frozen=True)
class MemoryRun:
    species: str
    task: str
    setting: int
    optimizer: str
    activation: str
    learning_rate: float
    strategy: str
    seed: int

    @property
    def params(self) -> dict:
        return {"species": self.species, "task": self.task, "setting": int(self.setting),
                "optimizer": self.optimizer, "activation": self.activation,
                "learning_rate": float(self.learning_rate), "strategy": self.strategy,
                "seed": int(self.seed)}

    @property
    def run_id(self) -> str:
        return make_run_id(self.params)


def plan_runs(species, tasks, lengths, nback_n, optimizers, activations, learning_rates, strategies,
              seeds, shard=(0, 1)) -> list:
    """All runs, in a fixed order, keeping every ``shard[1]``-th one from ``shard[0]``."""
    runs = []
    for name in species:
        for task in tasks:
            for setting in (lengths if task == "sequence" else nback_n):
                for optimizer in optimizers:
                    for activation in activations:
                        for lr in learning_rates:
                            for seed in seeds:
                                for strategy in strategies:
                                    runs.append(MemoryRun(name, task, int(setting), optimizer,
                                                          activation, float(lr), strategy, int(seed)))
    index, count = shard
    return runs[index::count]


def _network(spec: MemoryRun, settings: dict, connectome):
    from sernn.connectomes import strategy_network

    return strategy_network(connectome, spec.strategy, settings["neurons_per_region"], seed=spec.seed,
                            target_sparsity=settings["target_sparsity"],
                            intrinsic=settings["intrinsic"],
                            intrinsic_sparsity=settings["intrinsic_sparsity"],
                            intrinsic_weight=settings["intrinsic_weight"],
                            **{key: settings[key] for key in EXPANSION_OPTIONS if key in settings})


def _architecture(spec: MemoryRun, settings: dict) -> dict:
    """What the models of a run share, whichever trainer builds them: sizes, read-out at every step,
    loss, optimizer and learning rate."""
    sequence = spec.task == "sequence"
    classes = settings.get("nback_classes", PUBLISHED_CODE_DEFAULTS["nback_classes"])
    return {"input_size": 2, "output_size": 1 if sequence else classes,
            "activation": spec.activation, "output_activation": "linear" if sequence else "softmax",
            "return_sequences": True, "loss": "mse" if sequence else "categorical_crossentropy",
            "optimizer": spec.optimizer, "learning_rate": spec.learning_rate}


def _epochs(spec: MemoryRun, settings: dict) -> int:
    return settings["epochs"] if spec.task == "sequence" else settings["nback_epochs"]


def _record(network, kernels, rows) -> tuple[dict, dict]:
    """The arrays and info saved for one run."""
    final = kernels[-1]
    outside = float(np.abs(final[network.mask == 0]).max()) if (network.mask == 0).any() else 0.0
    arrays = {"recurrent_kernel": kernels,
              "epoch": np.array([0, len(rows)]), "mask": network.mask,
              "bio_weights": network.weights.astype(np.float32),
              "region_index": network.region_index}
    info = {"units": network.n_units, "n_connections": network.n_connections,
            "density": round(network.density, 6), "max_abs_weight_outside_mask": outside}
    return arrays, info


def _rows(history, sequence: bool) -> list:
    rows = []
    for record in history:
        # task_loss is weighted by the sample weight: the mean loss over the
        # recall / response steps only (Keras's "loss" divides by all steps).
        row = {"epoch": record["epoch"], "loss": record["loss"], "task_loss": record["task_loss"],
               "test_loss": record["val_task_loss"]}
        if not sequence:
            row["accuracy"] = record["accuracy"]
            row["test_accuracy"] = record["val_accuracy"]
        rows.append(row)
    return rows


def run_population(specs, settings: dict, connectomes) -> list:
    """Train the runs ``specs`` (one species, task setting, optimizer, activation and learning rate) as
    one :class:`~sernn.population.Population`; one (rows, arrays, info) per run, in order."""
    from sernn.initializers.connectome import connectome_recurrent
    from sernn.population import Population

    first = specs[0]
    sequence = first.task == "sequence"
    networks, members = [], []
    for spec in specs:
        network = _network(spec, settings, connectomes[spec.species])
        units, initializer, constraint = connectome_recurrent(network, spec.strategy, seed=spec.seed)
        networks.append(network)
        members.append({"seed": spec.seed, "noise": settings["noise"], "recurrent_initializer": initializer,
                        "recurrent_constraint": constraint})
    # one draw of trials per seed (every strategy of a seed sees the same trials), split in train / test
    splits = {spec.seed: task_data(first.task, first.setting, settings, spec.seed) for spec in specs}
    banks = [trial_bank([spec.seed for spec in specs],
                        lambda seed, part=part: (splits[seed][part].x, splits[seed][part].y,
                                                 splits[seed][part].sample_weight, None))
             for part in (0, 1)]
    population = Population(members, units=units, **_architecture(first, settings))
    history, snapshots = population.fit(banks[0].x, banks[0].y, banks[0].index, banks[1].index,
                                        epochs=_epochs(first, settings), batch_size=settings["batch_size"],
                                        validation_bank=(banks[1].x, banks[1].y, banks[1].weights),
                                        bank_weights=banks[0].weights, every_epoch=False,
                                        progress=EpochProgress(len(specs)))
    results = []
    for k, network in enumerate(networks):
        rows = _rows(history[k], sequence)
        results.append((rows, *_record(network, snapshots[k], rows)))
    return results


def run_one(spec: MemoryRun, settings: dict, connectome) -> tuple[list, dict, dict]:
    """Train one network with ``keras.Model.fit``; return (per-epoch rows, arrays to save, extra info)."""
    import keras

    from sernn.models import build_sernn
    from sernn.training import fit_and_record

    network = _network(spec, settings, connectome)
    sequence = spec.task == "sequence"
    model = build_sernn(connectome=network, strategy=spec.strategy, noise=settings["noise"], metrics=(),
                        weighted_metrics=[] if sequence else ["accuracy"], seed=spec.seed,
                        **_architecture(spec, settings))
    train, test = task_data(spec.task, spec.setting, settings, spec.seed)
    # Only the first and last kernels are kept: n-back runs last thousands of epochs.
    history, kernels = fit_and_record(model, train.x, train.y, sample_weight=train.sample_weight,
                                      validation_data=(test.x, test.y, test.sample_weight),
                                      epochs=_epochs(spec, settings), batch_size=settings["batch_size"],
                                      every_epoch=False)
    rows = _rows(history, sequence)
    arrays, info = _record(network, kernels, rows)
    keras.backend.clear_session()
    return rows, arrays, info


_RUN_COLUMNS = ["species", "task", "setting", "optimizer", "activation", "learning_rate", "strategy",
                "seed"]
_GROUP = ["species", "task", "setting", "optimizer", "activation", "learning_rate", "strategy"]


def _best(losses) -> int:
    """Index of the (first) minimum test loss, ignoring NaN epochs (a run that diverged
    keeps the minimum it reached before); 0 if every epoch is NaN."""
    losses = np.asarray(losses, dtype=np.float64)
    return 0 if np.isnan(losses).all() else int(np.nanargmin(losses))


def summarize(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per run: minimum test loss, the (first) epoch where it is reached, final values."""
    if metrics.empty:
        return pd.DataFrame()
    records = []
    for run_id, frame in metrics.groupby("run_id", sort=False):
        frame = frame.sort_values("epoch")
        best = _best(frame["test_loss"].to_numpy())
        record = {"run_id": run_id, **{c: frame[c].iloc[0] for c in _RUN_COLUMNS},
                  "epochs": int(frame["epoch"].max()),
                  "min_test_loss": float(frame["test_loss"].iloc[best]),
                  "epoch_of_min": int(frame["epoch"].iloc[best]),
                  "final_test_loss": float(frame["test_loss"].iloc[-1])}
        if "test_accuracy" in frame and frame["test_accuracy"].notna().any():
            record["max_test_accuracy"] = float(frame["test_accuracy"].max())
            record["final_test_accuracy"] = float(frame["test_accuracy"].iloc[-1])
        records.append(record)
    summary = pd.DataFrame(records)
    summary["_order"] = summary["strategy"].map({s: i for i, s in enumerate(STRATEGIES)})
    summary = summary.sort_values(["species", "task", "setting", "optimizer", "activation",
                                   "learning_rate", "_order", "seed"]).drop(columns="_order")
    return summary.reset_index(drop=True)


def aggregate(summary: pd.DataFrame) -> pd.DataFrame:
    """Per species, task setting and strategy: median and IQR of the minimum test loss and its epoch."""
    if summary.empty:
        return pd.DataFrame()

    def q(p):
        return lambda s: float(np.quantile(s, p))

    columns = dict(
        runs=("seed", "count"),
        min_loss_median=("min_test_loss", "median"),
        min_loss_q25=("min_test_loss", q(0.25)),
        min_loss_q75=("min_test_loss", q(0.75)),
        epoch_of_min_median=("epoch_of_min", "median"),
        epoch_of_min_q25=("epoch_of_min", q(0.25)),
        epoch_of_min_q75=("epoch_of_min", q(0.75)),
    )
    if "max_test_accuracy" in summary:
        columns["max_accuracy_median"] = ("max_test_accuracy", "median")
    return summary.groupby(_GROUP, sort=False, as_index=False).agg(**columns)


def format_table(table: pd.DataFrame) -> str:
    """The aggregate table as text; columns that hold one value only are left out."""
    if table.empty:
        return "no finished runs"
    shown = table.copy()
    constant = [c for c in ("optimizer", "activation", "learning_rate") if shown[c].nunique() == 1]
    shown = shown.drop(columns=constant)
    for column in shown.columns:
        if shown[column].dtype.kind == "f":
            shown[column] = shown[column].map(lambda v: f"{v:.4g}")
    return shown.to_string(index=False)


def describe_run(spec, rows, info) -> str:
    """One progress line for a finished run."""
    losses = [r["test_loss"] for r in rows]
    best = _best(losses)
    extra = f" acc={rows[-1]['test_accuracy']:.3f}" if "test_accuracy" in rows[-1] else ""
    return (f"{spec.species} {spec.task} {TASKS[spec.task]}={spec.setting} "
            f"{spec.optimizer}/{spec.activation} lr={spec.learning_rate:g} {spec.strategy:9s} "
            f"seed={spec.seed}: min test loss {losses[best]:.4g} at epoch {best + 1}{extra}")


# -- settings and the benchmark definition ---------------------------------------------

class MemoryBenchmark(Benchmark):
    """The connectome memory benchmark on the sweep engine (:func:`sernn.experiments.sweep.run_sweep`)."""

    name = "memory"
    presets = {"quick": QUICK, "paper": PAPER, "published-code": PUBLISHED_CODE}
    extendable = ("species", "tasks", "lengths", "nback_n", "optimizers", "activations", "learning_rates",
                  "strategies", "seeds")

    def __init__(self, connectome_dir=None, connectomes=None):
        self.connectome_dir = connectome_dir
        self.connectomes = dict(connectomes or {})

    def prepare(self, settings):
        from sernn.connectomes import load
        from sernn.connectomes.catalog import find_connectome

        return {name: self.connectomes.get(name) or load(find_connectome(name, self.connectome_dir))
                for name in settings["species"]}

    def train(self, spec, settings, context):
        return run_one(spec, settings, context[spec.species])

    def train_population(self, specs, settings, context):
        return run_population(specs, settings, context)

    def population_key(self, spec):
        return (spec.species, spec.task, spec.setting, spec.optimizer, spec.activation, spec.learning_rate)

    def population_shape(self, settings):
        npr = settings["neurons_per_region"]
        if isinstance(npr, list):
            units = sum(npr)
        else:
            units = max(npr * self.connectomes[name].n_regions for name in settings["species"])
        steps = [task_data(task, setting, settings, 0)[0].x.shape[1] for task in settings["tasks"]
                 for setting in (settings["lengths"] if task == "sequence" else settings["nback_n"])]
        return units, max(steps)

    def check_population(self, settings):
        from sernn.population import OPTIMIZERS

        other = [name for name in settings["optimizers"] if name.lower() not in OPTIMIZERS]
        if other:
            raise ValueError(f"optimizers {other[0]}: the population trainer offers "
                             f"{', '.join(OPTIMIZERS)} (elementwise optimizers keep networks independent); "
                             "use the fit trainer for other optimizers")

    def describe(self, spec, rows, info):
        return describe_run(spec, rows, info)

    def summarize(self, store, metrics):
        summary = summarize(metrics)
        table = aggregate(summary)
        store.write_table("summary_by_strategy.csv", table)
        text = ("\nMinimum test loss and the epoch where it is reached (median, 25th and 75th percentiles "
                f"over seeds):\n{format_table(table)}\n\nwrote {store.path / 'metrics.csv'}, summary.csv, "
                "summary_by_strategy.csv")
        return summary, text

    def write_figures(self, store, metrics, summary):
        from sernn.plotting import memory_figures

        return memory_figures(metrics, summary, store.path, TASKS)


#: The memory benchmark's definition (connectomes found in the default places).
MEMORY = MemoryBenchmark()



def memory_sweep(settings: MemorySettings | None = None, *, out="sernn-runs/memory", preset="quick",
                 connectomes=None, trainer=None, population=None, shard=(0, 1), figures=True, executor=None,
                 log=None, **options):
    """Run (or resume) a memory sweep in ``out``; the library form of ``sernn memory``.

    Parameters
    ----------
    settings : MemorySettings, optional
        Default: ``MemorySettings.from_options(preset, **options)``.
    out : path-like, default="sernn-runs/memory"
    preset : {"quick", "paper", "published-code"}, default="quick"
    connectomes : dict, optional
        Species name -> :class:`~sernn.connectomes.Connectome` already loaded (default: found by
        name in ``connectome_dir`` or the default places).
    trainer, population, shard, figures, executor, log : optional
        As for :func:`sernn.experiments.maze.maze_sweep`.
    **options
        Fields of :class:`MemorySettings`.

    Returns
    -------
    SweepResult
        What the sweep did (:class:`~sernn.experiments.sweep.SweepResult`). Every bad option raises
        before the folder exists, naming the option.
    """
    from sernn.connectomes import load
    from sernn.connectomes.catalog import find_connectome

    settings = MemorySettings.given(settings, preset, **options)
    connectomes = {name: (connectomes or {}).get(name) or load(find_connectome(name, settings.connectome_dir))
                   for name in settings.species}
    settings.check_data(connectomes)
    return run_sweep(MemoryBenchmark(settings.connectome_dir, connectomes), out=out, settings=settings.stored(),
                     runs=settings.runs(shard), trainer=trainer, population=population, figures=figures,
                     executor=executor, **({"log": log} if log is not None else {}))
