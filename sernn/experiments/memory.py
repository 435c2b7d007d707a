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

from sernn.connectomes.strategies import STRATEGIES, parse_strategy
from sernn.experiments.settings import Settings, choice, integer, names, number_list, option, real, seed_list
from sernn.experiments.sweep import Benchmark, EpochProgress, run_sweep
from sernn.experiments.trials import trial_bank
from sernn.runfolder import make_run_id

__all__ = ["TASKS", "MemoryRun", "MemorySettings", "plan_runs", "run_one", "summarize", "aggregate",
           "MEMORY", "MemoryBenchmark", "memory_sweep", "PAPER", "QUICK", "PUBLISHED_CODE",
           "PUBLISHED_CODE_DEFAULTS"]

#: Task name -> name of its setting.
TASKS = {"sequence": "length", "nback": "n"}

#: Quick default settings.
QUICK = dict(species=["macaque"], tasks=["sequence"], lengths=[3], nback_n=[2], optimizers=["adam"],
             activations=["relu"], learning_rates=[1e-3], seeds=[0, 1, 2], epochs=50, nback_epochs=None)

#: The paper's settings (Goulas et al. 2021, section 4.1).
PAPER = dict(species=["macaque", "marmoset", "human"], tasks=["sequence", "nback"], lengths=[3, 5, 10],
             nback_n=[2, 3, 4], optimizers=["adam", "rmsprop"], activations=["relu", "tanh"],
             learning_rates=[1e-4], seeds=[0, 1, 2, 3, 4], epochs=500, nback_epochs=3000)

#: The paper's grid run the way the authors' published code ran it (bio2art for the expansion,
#: bio_rnn_mem for the experiments): its intrinsic rule, stick-breaking split, transposed connectome,
#: n-back timing and three-class read-out, and 500 sequence-memory trials (400 / 100).
PUBLISHED_CODE = dict(PAPER, intrinsic_rule="bio2art", partition="stick", orientation="transposed",
                      nback_timing="original", nback_classes=3, sequence_trials=500)


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


def _task_data(task: str, setting: int, settings: dict, seed: int):
    from sernn.tasks.memory import nback, sequence_memory, train_test_split

    if task == "sequence":
        data = sequence_memory(settings.get("sequence_trials", settings["n_trials"]), setting, seed=seed)
    else:
        data = nback(settings["n_trials"], setting, seed=seed, length=settings["nback_length"],
                     min_difference=settings["nback_min_difference"],
                     timing=settings.get("nback_timing", PUBLISHED_CODE_DEFAULTS["nback_timing"]),
                     classes=settings.get("nback_classes", PUBLISHED_CODE_DEFAULTS["nback_classes"]))
    return train_test_split(data, settings["test_fraction"])


#: Options of the published code (see :func:`sernn.connectomes.expand` and :func:`sernn.tasks.nback`) and
#: their defaults, the papers' text. A folder's settings hold them only when they differ from these.
PUBLISHED_CODE_DEFAULTS = {"intrinsic_rule": "paper", "partition": "dirichlet", "orientation": "source-target",
                           "nback_timing": "separate-cue", "nback_classes": 2}
_EXPANSION_OPTIONS = ("intrinsic_rule", "partition", "orientation")


def _network(spec: MemoryRun, settings: dict, connectome):
    from sernn.connectomes import strategy_network

    return strategy_network(connectome, spec.strategy, settings["neurons_per_region"], seed=spec.seed,
                            target_sparsity=settings["target_sparsity"],
                            intrinsic=settings["intrinsic"],
                            intrinsic_sparsity=settings["intrinsic_sparsity"],
                            intrinsic_weight=settings["intrinsic_weight"],
                            **{key: settings[key] for key in _EXPANSION_OPTIONS if key in settings})


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
    splits = {spec.seed: _task_data(first.task, first.setting, settings, spec.seed) for spec in specs}
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
    train, test = _task_data(spec.task, spec.setting, settings, spec.seed)
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

def _check_keras_names(optimizers, activations) -> None:
    """Refuse unknown optimizer and activation names before any run trains."""
    import keras

    for name in optimizers:
        try:
            keras.optimizers.get({"class_name": name, "config": {}})
        except ValueError:
            raise ValueError(f"optimizers: unknown Keras optimizer {name!r}; use names such as adam, "
                             "rmsprop, sgd") from None
    for name in activations:
        try:
            keras.activations.get(name)
        except ValueError:
            raise ValueError(f"activations: unknown Keras activation {name!r}; use names such as "
                             "relu, tanh, sigmoid") from None


def _neurons_per_region(value, name):
    """One integer >= 1 (every region) or a list of them (one per region)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"{name} must be an integer >= 1 or a list of them; got an empty list")
        return [integer(low=1)(v, name) for v in value]
    return integer(low=1)(value, name)


def _strategies(value, name):
    return tuple(dict.fromkeys(parse_strategy(s).code for s in names()(value, name)))


@dataclass(frozen=True)
class MemorySettings(Settings):
    """Every option of a memory sweep, checked when made (the library form of ``sernn memory``'s options).

    Options left at None take the preset's value (:data:`QUICK`, :data:`PAPER`,
    :data:`PUBLISHED_CODE`); the published code's choices (``intrinsic_rule``,
    ``partition``, ``orientation``, ``nback_timing``, ``nback_classes``) default to the
    papers' text (:data:`PUBLISHED_CODE_DEFAULTS`) and are stored in ``settings.json``
    only when they differ from it, as sernn 0.1 stored them.

    Examples
    --------
    >>> settings = MemorySettings.from_options("quick", seeds=[0])
    >>> settings.species, settings.tasks, settings.nback_epochs, settings.intrinsic_rule
    (('macaque',), ('sequence',), 50, 'paper')
    >>> MemorySettings.from_options("quick", tasks=["chess"])
    Traceback (most recent call last):
    ValueError: tasks must be one of 'sequence', 'nback'; got 'chess'
    """

    benchmark = "memory"
    presets = {"quick": QUICK, "paper": PAPER, "published-code": PUBLISHED_CODE}

    species: tuple = option(None, names(), extendable=True)
    tasks: tuple = option(None, names(TASKS), extendable=True)
    lengths: tuple = option(None, number_list(low=1, kind="integer"), extendable=True)
    nback_n: tuple = option(None, number_list(low=1, kind="integer"), extendable=True)
    optimizers: tuple = option(None, names(), extendable=True)
    activations: tuple = option(None, names(), extendable=True)
    learning_rates: tuple = option(None, number_list(low=0, inclusive="neither"), extendable=True)
    strategies: tuple = option(STRATEGIES, _strategies, extendable=True)
    seeds: tuple = option(None, seed_list, extendable=True)
    epochs: int = option(None, integer(low=1))
    nback_epochs: int = option(None, integer(low=1))
    neurons_per_region: object = option(4, _neurons_per_region)
    target_sparsity: float = option(0.8, real(low=0, high=1))
    intrinsic: bool = option(True)
    intrinsic_sparsity: float = option(1.0, real(low=0, high=1))
    intrinsic_weight: float = option(0.8, real(low=0))
    n_trials: int = option(1000, integer(low=1))
    test_fraction: float = option(0.2, real(low=0, high=1, inclusive="neither"))
    batch_size: int = option(128, integer(low=1))
    noise: float = option(0.0, real(low=0))
    nback_length: int = option(None, integer(low=1))
    nback_min_difference: float = option(0.0, real(low=0, high=0.5, inclusive="left"))
    intrinsic_rule: str = option(None, choice(("paper", "bio2art")))
    partition: str = option(None, choice(("dirichlet", "stick")))
    orientation: str = option(None, choice(("source-target", "transposed")))
    nback_timing: str = option(None, choice(("separate-cue", "original")))
    nback_classes: int = option(None, choice((2, 3)))
    sequence_trials: int = option(None, integer(low=1))
    connectome_dir: str = option(None, stored=False)

    def validate(self):
        for key, default in PUBLISHED_CODE_DEFAULTS.items():
            if getattr(self, key) is None:
                object.__setattr__(self, key, default)
        if self.nback_epochs is None:
            object.__setattr__(self, "nback_epochs", self.epochs)
        object.__setattr__(self, "intrinsic", bool(self.intrinsic))
        if self.nback_length is not None and "nback" in self.tasks and self.nback_length <= max(self.nback_n):
            raise ValueError(f"nback_length {self.nback_length} must exceed every nback_n "
                             f"(largest {max(self.nback_n)})")
        _check_keras_names(self.optimizers, self.activations)

    def stored(self) -> dict:
        stored = super().stored()
        for key, default in PUBLISHED_CODE_DEFAULTS.items():
            if stored[key] == default:
                del stored[key]
        if stored["sequence_trials"] is None:
            del stored["sequence_trials"]
        return stored

    def runs(self, shard=(0, 1)) -> list:
        """The planned runs (:func:`plan_runs`)."""
        return plan_runs(self.species, self.tasks, self.lengths, self.nback_n, self.optimizers, self.activations,
                         self.learning_rates, self.strategies, self.seeds, shard=shard)

    def check_data(self, connectomes: dict) -> None:
        """Refuse settings the connectomes or the tasks cannot take (one cheap expansion and draw each)."""
        from sernn.connectomes import expand

        if isinstance(self.neurons_per_region, list):
            wrong = {n: c.n_regions for n, c in connectomes.items() if c.n_regions != len(self.neurons_per_region)}
            if wrong:
                raise ValueError(f"neurons_per_region has {len(self.neurons_per_region)} values but the "
                                 f"connectomes have {wrong} regions; give one integer, or one per region for "
                                 "a single species")
        for connectome in connectomes.values():
            expand(connectome, self.neurons_per_region, target_sparsity=self.target_sparsity,
                   intrinsic=self.intrinsic, intrinsic_sparsity=self.intrinsic_sparsity,
                   intrinsic_weight=self.intrinsic_weight, seed=0,
                   **{key: getattr(self, key) for key in _EXPANSION_OPTIONS})
        stored = self.stored()
        for task in self.tasks:
            _task_data(task, (self.lengths if task == "sequence" else self.nback_n)[0], stored, 0)


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
        steps = [_task_data(task, setting, settings, 0)[0].x.shape[1] for task in settings["tasks"]
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
    trainer, population, shard, figures, executor, log :
        As for :func:`sernn.experiments.maze.maze_sweep`.
    **options
        Fields of :class:`MemorySettings`.

    Returns a :class:`~sernn.experiments.sweep.SweepResult`.
    """
    from sernn.connectomes import load
    from sernn.connectomes.catalog import find_connectome

    if settings is None:
        settings = MemorySettings.from_options(preset, **options)
    elif options:
        raise TypeError(f"give either settings or options ({', '.join(options)}), not both")
    connectomes = {name: (connectomes or {}).get(name) or load(find_connectome(name, settings.connectome_dir))
                   for name in settings.species}
    settings.check_data(connectomes)
    return run_sweep(MemoryBenchmark(settings.connectome_dir, connectomes), out=out, settings=settings.stored(),
                     runs=settings.runs(shard), trainer=trainer, population=population, figures=figures,
                     executor=executor, **({"log": log} if log is not None else {}))
