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

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sernn.connectomes.strategies import STRATEGIES, parse_strategy
from sernn.experiments.arguments import name_list, number_list, positive
from sernn.experiments.sweep import (Benchmark, EpochProgress, add_sweep_arguments, executor_from, resolve_preset,
                                    run_sweep)
from sernn.runfolder import make_run_id

__all__ = ["TASKS", "MemoryRun", "plan_runs", "run_one", "summarize", "aggregate", "write_figures",
           "MEMORY", "MemoryBenchmark", "memory_sweep", "add_arguments", "run", "PAPER", "QUICK",
           "PUBLISHED_CODE", "PUBLISHED_CODE_DEFAULTS"]

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
                     timing=settings.get("nback_timing", "separate-cue"),
                     classes=settings.get("nback_classes", 2))
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
    return {"input_size": 2, "output_size": 1 if sequence else settings.get("nback_classes", 2),
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
    # one bank of trials per seed (every strategy of a seed sees the same trials)
    seeds = list(dict.fromkeys(spec.seed for spec in specs))
    splits = {seed: _task_data(first.task, first.setting, settings, seed) for seed in seeds}
    banks, index = {}, {}
    for part in (0, 1):
        parts = [splits[seed][part] for seed in seeds]
        offsets = np.cumsum([0] + [len(p.x) for p in parts])
        banks[part] = [np.concatenate([getattr(p, name) for p in parts]) for name in ("x", "y", "sample_weight")]
        index[part] = np.stack([offsets[seeds.index(spec.seed)] + np.arange(len(parts[0].x)) for spec in specs])
    population = Population(members, units=units, **_architecture(first, settings))
    history, snapshots = population.fit(banks[0][0], banks[0][1], index[0], index[1],
                                        epochs=_epochs(first, settings),
                                        batch_size=settings["batch_size"], validation_bank=banks[1],
                                        bank_weights=banks[0][2], every_epoch=False,
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


def _combo_label(key) -> str:
    task, setting, optimizer, activation, lr = key
    return f"{task}_{TASKS[task]}={setting}_{optimizer}_{activation}_lr={lr:g}"


def write_figures(metrics: pd.DataFrame, summary: pd.DataFrame, folder) -> list:
    """Loss curves per strategy (band over seeds) and box plots per species.

    Loss curves show the mean of log10(test loss) over seeds with a band of one
    standard deviation (a geometric mean and a multiplicative band); accuracy
    curves (n-back) the plain mean and s.d.

    Returns the paths written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pathlib import Path

    folder = Path(folder)
    written = []

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        return folder / name

    if metrics.empty:
        return written
    colors = {s: plt.get_cmap("tab10")(i) for i, s in enumerate(STRATEGIES)}
    styles = {s: ("--" if s.startswith("r_") else "-") for s in STRATEGIES}
    species = list(dict.fromkeys(summary["species"]))
    combos = summary[["task", "setting", "optimizer", "activation", "learning_rate"]].drop_duplicates()
    for key in combos.itertuples(index=False, name=None):
        task = key[0]
        part = metrics[(metrics["task"] == key[0]) & (metrics["setting"] == key[1])
                       & (metrics["optimizer"] == key[2]) & (metrics["activation"] == key[3])
                       & np.isclose(metrics["learning_rate"], key[4])]
        panels = [("test_loss", "test loss (MSE, recall steps)" if task == "sequence"
                   else "test loss (cross-entropy, response step)")]
        if task == "nback":
            panels.append(("test_accuracy", "test accuracy"))
        fig, axes = plt.subplots(len(panels), len(species), squeeze=False,
                                 figsize=(max(5.5, 4.2 * len(species)), 3.4 * len(panels)))
        for col, name in enumerate(species):
            for row, (column, label) in enumerate(panels):
                ax = axes[row, col]
                for strategy in STRATEGIES:
                    sub = part[(part["species"] == name) & (part["strategy"] == strategy)]
                    if sub.empty:
                        continue
                    values = sub[["epoch", column]].copy()
                    log_scale = column == "test_loss"
                    if log_scale:  # losses span decades: mean and s.d. of log10(loss)
                        values[column] = np.log10(np.clip(values[column], 1e-12, None))
                    stats = values.groupby("epoch")[column].agg(["mean", "std"]).fillna(0.0)
                    centre, low, high = stats["mean"], stats["mean"] - stats["std"], stats["mean"] + stats["std"]
                    if log_scale:
                        centre, low, high = 10 ** centre, 10 ** low, 10 ** high
                    ax.plot(stats.index, centre, styles[strategy], color=colors[strategy],
                            label=strategy, lw=1.4)
                    ax.fill_between(stats.index, low, high, color=colors[strategy], alpha=0.15)
                ax.set_xlabel("completed training epochs")
                ax.set_ylabel(label)
                if row == 0:
                    ax.set_title(name)
                if column == "test_loss":
                    ax.set_yscale("log")
        axes[0, -1].legend(fontsize=7, frameon=False)
        fig.suptitle(f"{_combo_label(key)}\nmean and s.d. over seeds (loss: of log10 loss)", fontsize=8)
        written.append(save(fig, f"loss_curves_{_combo_label(key)}.png"))
    for task in dict.fromkeys(summary["task"]):
        for column, label in (("min_test_loss", "minimum test loss"), ("epoch_of_min", "epoch of minimum")):
            part = summary[summary["task"] == task]
            fig, axes = plt.subplots(1, len(species), squeeze=False,
                                     figsize=(max(5.5, 4.2 * len(species)), 3.6))
            for col, name in enumerate(species):
                ax = axes[0, col]
                present = [s for s in STRATEGIES if ((part["species"] == name) & (part["strategy"] == s)).any()]
                values = [part[(part["species"] == name) & (part["strategy"] == s)][column].to_numpy()
                          for s in present]
                if values:
                    box = ax.boxplot(values, patch_artist=True)
                    for patch, strategy in zip(box["boxes"], present):
                        patch.set_facecolor(colors[strategy])
                        patch.set_alpha(0.5)
                    ax.set_xticks(range(1, len(present) + 1), present, rotation=45, fontsize=8)
                ax.set_title(name)
                ax.set_ylabel(label)
            fig.suptitle(f"{task}: {label} over seeds and settings", fontsize=9)
            written.append(save(fig, f"{column}_{task}.png"))
    return written


def describe_run(spec, rows, info) -> str:
    """One progress line for a finished run."""
    losses = [r["test_loss"] for r in rows]
    best = _best(losses)
    extra = f" acc={rows[-1]['test_accuracy']:.3f}" if "test_accuracy" in rows[-1] else ""
    return (f"{spec.species} {spec.task} {TASKS[spec.task]}={spec.setting} "
            f"{spec.optimizer}/{spec.activation} lr={spec.learning_rate:g} {spec.strategy:9s} "
            f"seed={spec.seed}: min test loss {losses[best]:.4g} at epoch {best + 1}{extra}")


# -- command line ---------------------------------------------------------------

def _neurons(text):
    """One integer >= 1 (all regions) or a list of them (one per region)."""
    values = number_list(int, minimum=1)(text)
    return values[0] if len(values) == 1 else values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Train bio-instantiated RNNs (area connectomes expanded to neurons) on working-memory tasks, "
        "for every species x strategy (b_w_no, b_w_eq, b_w_div and the r_ controls) x task setting x "
        "seed. --preset quick (default): macaque, sequence memory L=3, 50 epochs, 3 seeds; --preset paper: "
        "macaque, marmoset, human; sequence L=3,5,10 and n-back n=2,3,4; adam, rmsprop; relu, tanh; "
        "lr 1e-4; 500 / 3000 epochs; seeds 0-4; --preset published-code: the paper's grid with the "
        "published code's choices (see docs/connectomes.md). Re-running with the same --out resumes."
    )
    add_sweep_arguments(parser, MEMORY, "sernn-runs/memory")
    parser.add_argument("--species", type=name_list, default=None,
                        help="comma-separated species (macaque, marmoset, human, mouse, mouse_ypma_oh, "
                             "drosophila) or connectome CSV paths (default: macaque)")
    parser.add_argument("--connectome-dir", default=None,
                        help="folder with the connectome CSV files (default: $SERNN_CONNECTOMES, "
                             "../shared/data/connectomes, data/connectomes)")
    parser.add_argument("--strategies", type=name_list, default=list(STRATEGIES),
                        help="comma-separated subset of " + ", ".join(STRATEGIES) + " (default: all)")
    parser.add_argument("--tasks", type=name_list, default=None,
                        help="comma-separated subset of sequence, nback (default: sequence)")
    parser.add_argument("--lengths", type=number_list(int, minimum=1), default=None,
                        help="sequence-memory lengths L (default: 3)")
    parser.add_argument("--nback-n", type=number_list(int, minimum=1), default=None, help="n-back n values (default: 2)")
    parser.add_argument("--optimizers", type=name_list, default=None,
                        help="comma-separated keras optimizer names (default: adam)")
    parser.add_argument("--activations", type=name_list, default=None,
                        help="comma-separated activations of the recurrent units (default: relu)")
    parser.add_argument("--learning-rates", type=number_list(float, strict=True), default=None,
                        help="comma-separated learning rates (default: 1e-3; paper: 1e-4)")
    parser.add_argument("--seeds", type=number_list(int), default=None, help="comma-separated seeds (default: 0,1,2)")
    parser.add_argument("--epochs", type=positive(int), default=None,
                        help="epochs of sequence-memory runs (default: 50; paper: 500)")
    parser.add_argument("--nback-epochs", type=positive(int), default=None,
                        help="epochs of n-back runs (default: --epochs; paper: 3000)")
    parser.add_argument("--neurons-per-region", type=_neurons, default=4,
                        help="neurons per region: one integer, or one per region comma-separated "
                             "(default: 4, as in the paper)")
    parser.add_argument("--target-sparsity", type=float, default=0.8, help="default: %(default)s")
    parser.add_argument("--intrinsic-sparsity", type=float, default=1.0, help="default: %(default)s")
    parser.add_argument("--intrinsic-weight", type=float, default=0.8, help="default: %(default)s")
    parser.add_argument("--no-intrinsic", action="store_true", help="no within-region connections")
    parser.add_argument("--n-trials", type=positive(int), default=1000, help="default: %(default)s")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="default: %(default)s")
    parser.add_argument("--batch-size", type=positive(int), default=128, help="default: %(default)s")
    parser.add_argument("--noise", type=float, default=0.0,
                        help="input noise s.d. during training (default: 0, as in the paper)")
    parser.add_argument("--nback-length", type=positive(int), default=None,
                        help="values shown per n-back trial (default: n + 4)")
    code = parser.add_argument_group("the published code's choices (defaults: the paper's text, or --preset "
                                     "published-code's; see docs/connectomes.md)")
    code.add_argument("--sequence-trials", type=positive(int), default=None,
                      help="sequence-memory trials (default: --n-trials; published-code: 500)")
    code.add_argument("--intrinsic-rule", choices=("paper", "bio2art"), default=None,
                      help="within-region weight: paper = 0.8 x outgoing strength; bio2art = 4 x incoming "
                           "(the published expansion code)")
    code.add_argument("--partition", choices=("dirichlet", "stick"), default=None,
                      help="random split of a block's weight (b_w_div): flat Dirichlet, or bio2art's stick-breaking")
    code.add_argument("--orientation", choices=("source-target", "transposed"), default=None,
                      help="transposed: the network the published PyTorch runs had (the connectome transposed)")
    code.add_argument("--nback-timing", choices=("separate-cue", "original"), default=None,
                      help="original: M = 5 values, the cue with the last value, the response on the next step")
    code.add_argument("--nback-classes", type=int, choices=(2, 3), default=None,
                      help="3: fixate, no-match, match read-out of the published code (default: 2)")
    parser.add_argument("--nback-min-difference", type=float, default=0.0,
                        help="minimum |difference| of a no-match value (default: 0)")


def _check_keras_names(optimizers, activations) -> None:
    """Refuse unknown optimizer and activation names before any run trains."""
    import keras

    for name in optimizers:
        try:
            keras.optimizers.get({"class_name": name, "config": {}})
        except ValueError:
            raise ValueError(f"--optimizers: unknown Keras optimizer {name!r}; use names such as adam, "
                             "rmsprop, sgd") from None
    for name in activations:
        try:
            keras.activations.get(name)
        except ValueError:
            raise ValueError(f"--activations: unknown Keras activation {name!r}; use names such as "
                             "relu, tanh, sigmoid") from None


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
            raise ValueError(f"--optimizers {other[0]}: the population trainer offers "
                             f"{', '.join(OPTIMIZERS)} (elementwise optimizers keep networks independent); "
                             "use --trainer fit for other optimizers")

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
        return write_figures(metrics, summary, store.path)


#: The memory benchmark's definition (connectomes found in the default places).
MEMORY = MemoryBenchmark()


def _resolve(preset, given, strategies, nback_length) -> dict:
    chosen = resolve_preset(MEMORY, preset, **given)
    if chosen["nback_epochs"] is None:
        chosen["nback_epochs"] = chosen["epochs"]
    # A value given twice would train the same runs twice.
    chosen = {key: list(dict.fromkeys(value)) if isinstance(value, list) else value
              for key, value in chosen.items()}
    unknown = [t for t in chosen["tasks"] if t not in TASKS]
    if unknown:
        raise ValueError(f"--tasks: unknown {unknown}; accepted: {', '.join(TASKS)}")
    for strategy in strategies:
        parse_strategy(strategy)
    if nback_length is not None and "nback" in chosen["tasks"] and nback_length <= max(chosen["nback_n"]):
        raise ValueError(f"--nback-length {nback_length} must exceed every --nback-n "
                         f"(largest {max(chosen['nback_n'])})")
    _check_keras_names(chosen["optimizers"], chosen["activations"])
    return chosen


def memory_sweep(out="sernn-runs/memory", preset="quick", species=None, connectome_dir=None,
                 strategies=STRATEGIES, tasks=None, lengths=None, nback_n=None, optimizers=None,
                 activations=None, learning_rates=None, seeds=None, epochs=None, nback_epochs=None,
                 neurons_per_region=4, target_sparsity=0.8, intrinsic_sparsity=1.0, intrinsic_weight=0.8,
                 intrinsic=True, n_trials=1000, test_fraction=0.2, batch_size=128, noise=0.0,
                 nback_length=None, nback_min_difference=0.0, intrinsic_rule=None, partition=None,
                 orientation=None, nback_timing=None, nback_classes=None, sequence_trials=None, trainer=None,
                 population=None,
                 shard=(0, 1), figures=True, executor=None, log=None):
    """Run (or resume) a memory sweep in ``out``; the library form of ``sernn memory``.

    Options left at None take the preset's value (``"quick"`` or ``"paper"``, see
    :data:`QUICK` and :data:`PAPER`). Returns a :class:`~sernn.experiments.sweep.SweepResult`.
    """
    from sernn.connectomes import expand, load
    from sernn.connectomes.catalog import find_connectome

    given = dict(species=species, tasks=tasks, lengths=lengths, nback_n=nback_n, optimizers=optimizers,
                 activations=activations, learning_rates=learning_rates, seeds=seeds, epochs=epochs,
                 nback_epochs=nback_epochs, intrinsic_rule=intrinsic_rule, partition=partition,
                 orientation=orientation, nback_timing=nback_timing, nback_classes=nback_classes,
                 sequence_trials=sequence_trials)
    chosen = _resolve(preset, given, strategies, nback_length)
    if not noise >= 0 or not np.isfinite(noise):
        raise ValueError(f"--noise must be a finite number >= 0, got {noise}")
    if not 0 <= nback_min_difference < 0.5:
        raise ValueError(f"--nback-min-difference must be in [0, 0.5), got {nback_min_difference}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"--test-fraction must be in (0, 1), got {test_fraction}")
    strategies = list(dict.fromkeys(parse_strategy(s).code for s in strategies))
    connectomes = {name: load(find_connectome(name, connectome_dir)) for name in chosen["species"]}
    if isinstance(neurons_per_region, list):
        wrong = {n: c.n_regions for n, c in connectomes.items() if c.n_regions != len(neurons_per_region)}
        if wrong:
            raise ValueError(f"--neurons-per-region has {len(neurons_per_region)} values but the connectomes "
                             f"have {wrong} regions; give one integer, or one per region for a single species")
    settings = {
        "neurons_per_region": neurons_per_region, "target_sparsity": target_sparsity,
        "intrinsic": bool(intrinsic), "intrinsic_sparsity": intrinsic_sparsity,
        "intrinsic_weight": intrinsic_weight, "n_trials": n_trials,
        "test_fraction": test_fraction, "batch_size": batch_size, "noise": noise,
        "nback_length": nback_length, "nback_min_difference": nback_min_difference,
        "epochs": chosen["epochs"], "nback_epochs": chosen["nback_epochs"],
        "species": chosen["species"], "tasks": chosen["tasks"], "lengths": chosen["lengths"],
        "nback_n": chosen["nback_n"], "optimizers": chosen["optimizers"],
        "activations": chosen["activations"], "learning_rates": chosen["learning_rates"],
        "strategies": strategies, "seeds": chosen["seeds"],
    }
    published = {key: chosen.get(key, default) for key, default in PUBLISHED_CODE_DEFAULTS.items()}
    settings.update({key: value for key, value in published.items() if value != PUBLISHED_CODE_DEFAULTS[key]})
    if chosen.get("sequence_trials") is not None:
        settings["sequence_trials"] = int(chosen["sequence_trials"])
    intrinsic_rule, partition, orientation = (published[k] for k in _EXPANSION_OPTIONS)
    # Validate the expansion and task settings once, before any training.
    for connectome in connectomes.values():
        expand(connectome, neurons_per_region, target_sparsity=target_sparsity, intrinsic=bool(intrinsic),
               intrinsic_sparsity=intrinsic_sparsity, intrinsic_weight=intrinsic_weight, seed=0,
               intrinsic_rule=intrinsic_rule, partition=partition, orientation=orientation)
    for task in chosen["tasks"]:
        _task_data(task, (chosen["lengths"] if task == "sequence" else chosen["nback_n"])[0], settings, 0)
    runs = plan_runs(chosen["species"], chosen["tasks"], chosen["lengths"], chosen["nback_n"],
                     chosen["optimizers"], chosen["activations"], chosen["learning_rates"], strategies,
                     chosen["seeds"], shard=shard)
    options = {"log": log} if log is not None else {}
    return run_sweep(MemoryBenchmark(connectome_dir, connectomes), out=out, settings=settings, runs=runs, trainer=trainer,
                     population=population, figures=figures, executor=executor, **options)


def run(args) -> int:
    memory_sweep(out=args.out, preset=args.preset, species=args.species, connectome_dir=args.connectome_dir,
                 strategies=args.strategies, tasks=args.tasks, lengths=args.lengths, nback_n=args.nback_n,
                 optimizers=args.optimizers, activations=args.activations, learning_rates=args.learning_rates,
                 seeds=args.seeds, epochs=args.epochs, nback_epochs=args.nback_epochs,
                 neurons_per_region=args.neurons_per_region, target_sparsity=args.target_sparsity,
                 intrinsic_sparsity=args.intrinsic_sparsity, intrinsic_weight=args.intrinsic_weight,
                 intrinsic=not args.no_intrinsic, n_trials=args.n_trials, test_fraction=args.test_fraction,
                 batch_size=args.batch_size, noise=args.noise, nback_length=args.nback_length,
                 nback_min_difference=args.nback_min_difference, intrinsic_rule=args.intrinsic_rule,
                 partition=args.partition, orientation=args.orientation, nback_timing=args.nback_timing,
                 nback_classes=args.nback_classes, sequence_trials=args.sequence_trials, trainer=args.trainer,
                 population=args.population, shard=args.shard, figures=not args.no_figures,
                 executor=executor_from(args))
    return 0
