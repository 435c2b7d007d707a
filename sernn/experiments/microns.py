"""``sernn microns``: MICrONS-constrained RNNs across variants, tasks and seeds (the MICrONS inductive-bias study).

Variants are written as tokens joined by ``+``:

=======  ===================================================================
token    meaning
=======  ===================================================================
``W``    orthogonal recurrent init (the default when no init token is given)
``W*``   functional init: lognormal ⊙ minmax(corr) ⊙ minmax(STTC) (needs traces)
``W!``   the same, permuted over off-diagonal entries (control; needs traces)
``S``    synapse init: EM synapse counts as weights (needs synapses)
``D``    distance penalty with grid positions (``SpatialL1``)
``D*``   distance penalty with real soma positions
``C``    the seRNN communicability term (with ``D``/``D*``: ``SpatialCommunicability``;
         alone: ``Communicability``)
``C*``   distance penalty + matching of the communicability distribution to the
         EM connectome's (``CommunicabilityMatching``; needs ``D`` or ``D*``, synapses)
``M``    EM wiring mask: only connections with a synapse exist (needs synapses)
``P``    positive-only recurrence
=======  ===================================================================

e.g. ``W*+D*+C*`` or ``S+M+P``. Tasks: ``maze``, ``go_nogo``, ``perceptual_decision``.

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
``10000 + s`` and tests with ``20000 + s``; the model and the initializers use ``s``.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sernn.experiments.arguments import name_list, number_list, positive
from sernn.experiments.sweep import (Benchmark, EpochProgress, add_sweep_arguments, executor_from, resolve_preset,
                                    run_sweep)
from sernn.runfolder import RunStore, make_run_id

__all__ = ["LARGE_UNITS", "SPARSE_DENSITY", "large_path", "TOKENS", "TASKS", "QUICK_VARIANTS", "FULL_VARIANTS", "PLATEAUS", "Variant",
           "parse_variant", "MicronsData", "load_data", "plan_runs", "run_one", "summarize",
           "write_figures", "MICRONS", "MicronsBenchmark", "microns_sweep", "add_arguments", "run"]

#: Variant tokens and what they need from the data.
TOKENS = {"W": None, "W*": "traces", "W!": "traces", "S": "synapses", "D": None, "D*": None,
          "C": None, "C*": "synapses", "M": "synapses", "P": None}
_INITS = ("W", "W*", "W!", "S")
_SLUGS = {"W*": "Wfun", "W!": "Wperm", "D*": "Dreal", "C*": "Cmatch"}

#: Task name -> (input channels, classes).
TASKS = {"maze": (8, 4), "go_nogo": (3, 2), "perceptual_decision": (3, 2)}

#: Validation-accuracy band of a network without working memory, per task.
PLATEAUS = {"maze": (0.58, 0.66), "go_nogo": (0.45, 0.55), "perceptual_decision": (0.45, 0.55)}

#: Quick default. On pinky100 (no traces) the function-derived ones are skipped with a message.
QUICK_VARIANTS = ("W", "S", "W+D", "W+D*", "W+D*+C", "W+D*+C*", "S+M+P", "W*+D*+C", "W!+D*+C")
#: The full grid of the MICrONS inductive-bias study's comparisons plus the synapse and sign variants.
FULL_VARIANTS = ("W", "W*", "W!", "S", "W+D", "W+D*", "W+D+C", "W+D*+C", "W+D*+C*",
                 "W*+D*+C", "W*+D*+C*", "W!+D*+C*", "S+D*+C*", "W+P", "W*+P", "S+M", "S+M+P")

#: Default strengths (size-normalised penalties; see the module docstring).
DEFAULT_STRENGTHS = {"spatial": 0.006, "sernn": 0.3, "communicability": 0.9, "matching": 0.1}

#: Factor applied to every strength, per task. The strengths above are the maze's (the paper's
#: demo calibration). The decision tasks give no cue when the answer is due, so their task gradient
#: is near zero until working memory forms; under Adam an L1-type penalty then shrinks every
#: recurrent weight by about the learning rate per step and the recurrence dies first (measured on
#: pinky100, 100 cells, 8 epochs of 2,048 trials, one seed: go_nogo with D* at strength 0.001
#: keeps task loss ln 2 for all epochs; at 1.2e-4 (1/50) D, D* and C* still stay at chance on
#: go_nogo while D* and D*+C learn and then collapse on perceptual_decision; at 1e-4 and 3e-5
#: D* and D*+C reach 100 % on go_nogo). Hence 1/200 of the maze strengths for them.
TASK_STRENGTH_SCALES = {"maze": 1.0, "go_nogo": 0.005, "perceptual_decision": 0.005}


@dataclass(frozen=True)
class Variant:
    """A parsed variant name."""

    name: str
    init: str
    distance: str | None  # None, "D" or "D*"
    communicability: str | None  # None, "C" or "C*"
    mask: bool
    positive: bool

    @property
    def needs(self) -> set:
        """Data this variant needs beyond positions: ``{"traces", "synapses"}`` subsets."""
        tokens = [self.init, self.distance, self.communicability, "M" if self.mask else None]
        return {TOKENS[t] for t in tokens if t and TOKENS[t]}

    @property
    def slug(self) -> str:
        """File-name-safe form (``W*+D*+C*`` -> ``Wfun+Dreal+Cmatch``)."""
        return "+".join(_SLUGS.get(t, t) for t in self.name.split("+"))


def parse_variant(name: str) -> Variant:
    """Parse ``"W*+D*+C*"`` and the like; raise ValueError naming a bad token."""
    tokens = [t.strip() for t in str(name).split("+") if t.strip()]
    if not tokens:
        raise ValueError(f"empty variant name {name!r}")
    unknown = [t for t in tokens if t not in TOKENS]
    if unknown:
        raise ValueError(f"variant {name!r}: unknown token(s) {unknown}; accepted: {', '.join(TOKENS)}")
    if len(set(tokens)) != len(tokens):
        raise ValueError(f"variant {name!r} repeats a token")
    inits = [t for t in tokens if t in _INITS]
    distances = [t for t in tokens if t in ("D", "D*")]
    comms = [t for t in tokens if t in ("C", "C*")]
    for group, label in ((inits, "initialisation (W, W*, W!, S)"), (distances, "distance (D, D*)"),
                         (comms, "communicability (C, C*)")):
        if len(group) > 1:
            raise ValueError(f"variant {name!r} has more than one {label} token")
    if comms == ["C*"] and not distances:
        raise ValueError(f"variant {name!r}: C* is a distance penalty plus matching; add D or D*")
    canonical = "+".join(t for t in TOKENS if t in tokens)
    return Variant(name=canonical, init=(inits or ["W"])[0], distance=(distances or [None])[0],
                   communicability=(comms or [None])[0], mask="M" in tokens, positive="P" in tokens)


# -- data -----------------------------------------------------------------------

@dataclass
class MicronsData:
    """The selected neurons and what is known about them.

    Attributes
    ----------
    cells : DataFrame
        One row per neuron (positions ``x_um, y_um, z_um``; ``root_id`` when known).
    coordinates : ndarray (n, 3)
        Soma positions, µm.
    wiring : ndarray (n, n) or None
        EM synapse counts (pre -> post), None without a synapse table.
    correlation, sttc : ndarray (n, n) or None
        Activity relations, None without traces.
    description : str
        Where the data came from (for the settings and the log).
    """

    cells: pd.DataFrame
    coordinates: np.ndarray
    wiring: np.ndarray | None = None
    correlation: np.ndarray | None = None
    sttc: np.ndarray | None = None
    description: str = ""

    @property
    def available(self) -> set:
        have = set()
        if self.wiring is not None and np.count_nonzero(self.wiring):
            have.add("synapses")
        if self.correlation is not None:
            have.add("traces")
        return have


def _load_cells(path, voxel_size=None):
    from sernn import microns

    table = microns.read_table(path, "cells table")
    if {"x_nm", "y_nm", "z_nm", "nucleus_id"} <= set(table.columns):
        return microns.load_minnie65_somata(table)
    if {"id", "pt_root_id"} <= set(table.columns):
        return microns.load_nucleus_table(table, voxel_size=voxel_size)
    if {"root_id", "x_um", "y_um", "z_um"} <= set(table.columns):
        return table
    raise ValueError(f"--cells {str(path)!r}: unknown layout; accepted: minnie65_somata.csv "
                     "(nucleus_id, x_nm, y_nm, z_nm, ...), nucleus_detection_v0 (id, pt_root_id, "
                     "pt_position...), or a cells table (root_id, x_um, y_um, z_um)")


def load_data(args) -> MicronsData:
    """Select the neurons and load wiring and activity from the command-line arguments."""
    from sernn import microns
    from sernn.functional.relations import functional_relations

    synapses = None
    if args.pinky100:
        if args.cells or args.synapses or args.cell_types:
            raise ValueError("give either --pinky100 or --cells/--synapses/--cell-types, not both")
        cells, synapses = microns.load_pinky100(args.pinky100)
        source = f"pinky100 ({args.pinky100})"
    elif args.cells:
        cells = _load_cells(args.cells, args.voxel_size)
        source = f"cells {args.cells}"
        if args.cell_types:
            if "nucleus_id" not in cells.columns:
                raise ValueError(f"--cell-types: the --cells table {str(args.cells)!r} has no nucleus_id "
                                 "to join the cell types on")
            types = microns.load_cell_types(args.cell_types, voxel_size=args.voxel_size)
            cells = cells.drop(columns=[c for c in ("cell_class", "cell_type") if c in cells.columns])
            cells = cells.merge(types[["nucleus_id", "cell_class", "cell_type"]], on="nucleus_id", how="left")
            source += f", cell types {args.cell_types}"
        if args.synapses:
            if "root_id" not in cells.columns:
                raise ValueError(f"--synapses: the --cells table {str(args.cells)!r} has no root ids to "
                                 "match synapses to cells; give a nucleus_detection_v0 export "
                                 "(pt_root_id) or a cells table with a root_id column")
            synapses = microns.load_synapses(args.synapses, voxel_size=args.voxel_size)
            source += f", synapses {args.synapses}"
    else:
        raise ValueError("no data: give --pinky100 DIR (the folder with pinky100_soma.csv and "
                         "pinky100_synapses.csv) or --cells FILE (with --synapses/--traces)")
    traces = None
    if args.traces:
        if not args.coregistration or args.session is None or args.scan_idx is None:
            raise ValueError("--traces needs --coregistration, --session and --scan-idx "
                             "(and optionally --field) to match units to cells")
        if "nucleus_id" not in cells.columns:
            raise ValueError("--traces: the cells table has no nucleus_id to join the coregistration on")
        coregistration = microns.load_coregistration(args.coregistration, voxel_size=args.voxel_size)
        cells = microns.select_field(coregistration, cells, args.session, args.scan_idx, args.field)
        traces = microns.load_traces(args.traces)
        source += f", traces {args.traces} (session {args.session}, scan {args.scan_idx}, field {args.field})"
    if args.cell_class:
        if "cell_class" not in cells.columns:
            raise ValueError("--cell-class: the cells have no cell class; add --cell-types FILE "
                             "(an aibs_metamodel_celltypes_v661 export) or use minnie65_somata.csv")
        cells = microns.select_class(cells, cell_class=args.cell_class)
    if args.neurons is not None and args.neurons < len(cells):
        if args.selection == "connected":
            if synapses is None or "root_id" not in cells.columns:
                raise ValueError("--selection connected needs synapses (--pinky100 or --synapses)")
            cells = microns.select_most_connected(cells, synapses, args.neurons)
        else:
            if args.center is not None and not np.isfinite(args.center).all():
                raise ValueError(f"--center must be 3 finite numbers (x, y, z in µm), got {args.center}")
            centre = (np.asarray(args.center, dtype=float) if args.center is not None
                      else np.median(microns.soma_coordinates(cells), axis=0))
            cells = microns.select_nearest(cells, centre, args.neurons)
    coordinates = microns.soma_coordinates(cells)
    data = MicronsData(cells=cells, coordinates=coordinates, description=source)
    if synapses is not None and "root_id" in cells.columns:
        data.wiring, report = microns.wiring_matrix(synapses, cells["root_id"].to_numpy())
        print(f"sernn microns: wiring of {len(cells)} neurons: {report}", flush=True)
    if traces is not None:
        selected = traces.select(cells)
        data.correlation, data.sttc = functional_relations(selected.traces, selected.frame_rate,
                                                           dt=args.sttc_dt)
    return data


# -- runs -----------------------------------------------------------------------

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


def grid_for(n: int) -> np.ndarray:
    """Grid positions for ``n`` units: the paper's 5 x 5 x 4 grid at n = 100, else the
    first ``n`` points of a near-cubic grid."""
    from sernn.spatial import DEFAULT_GRID, grid_coordinates

    if n == int(np.prod(DEFAULT_GRID)):
        return grid_coordinates(DEFAULT_GRID)
    side = math.ceil(round(n ** (1.0 / 3.0), 9))
    depth = math.ceil(n / (side * side))
    return grid_coordinates((side, side, depth))[:n]


#: Above this many units the large-network path is taken: communicability penalties are estimated
#: (``method="estimate"``, 48 probes), distance penalties are summed on the support of W
#: (``method="sparse"``), masked variants (``M``) of <= :data:`SPARSE_DENSITY` density use
#: :class:`sernn.layers.SparseMaskedRNN`, and runs train one at a time (``--trainer fit``).
LARGE_UNITS = 1000
#: Masks at or below this density train with the sparse masked layer on the large-network path.
SPARSE_DENSITY = 0.05


def large_path(n: int) -> bool:
    """Whether a network of ``n`` units takes the large-network path (``n > LARGE_UNITS``)."""
    return n > LARGE_UNITS


def build_parts(variant: Variant, data: MicronsData, settings: dict, seed: int, scale: float = 1.0):
    """(recurrent initializer, regulariser, constraint) of a variant.

    ``settings["strengths"]`` gives the strengths; each is multiplied by ``scale``. Above
    :data:`LARGE_UNITS` units the penalties take their large-network methods.
    """
    from sernn.constraints import MaskConstraint
    from sernn.initializers import FunctionalInitializer, SynapseInitializer
    from sernn.regularizers import (Communicability, CommunicabilityMatching, SpatialCommunicability,
                                    SpatialL1)

    n = data.coordinates.shape[0]
    large = {"method": "estimate", "seed": seed} if large_path(n) else {}
    strengths = {key: value * scale for key, value in settings["strengths"].items()}
    if variant.init == "W":
        initializer = "orthogonal"
    elif variant.init == "S":
        initializer = SynapseInitializer(data.wiring)
    else:
        initializer = FunctionalInitializer(data.correlation, data.sttc, seed=seed,
                                            permute="entries" if variant.init == "W!" else None)
    coordinates = None
    if variant.distance == "D":
        coordinates = grid_for(n)
    elif variant.distance == "D*":
        coordinates = data.coordinates
    regularizer = None
    if variant.communicability == "C*":
        regularizer = CommunicabilityMatching(strengths["spatial"], data.wiring,
                                              matching_strength=strengths["matching"],
                                              coordinates=coordinates, normalization="size")
    elif variant.communicability == "C" and coordinates is not None:
        regularizer = SpatialCommunicability(strengths["sernn"], coordinates=coordinates,
                                             normalization="size", **large)
    elif variant.communicability == "C":
        regularizer = Communicability(strengths["communicability"], normalization="size", **large)
    elif coordinates is not None:
        regularizer = SpatialL1(strengths["spatial"], coordinates=coordinates, normalization="size",
                                **({"method": "sparse"} if large else {}))
    constraint = None
    if variant.mask or variant.positive:
        mask = data.wiring > 0 if variant.mask else np.ones((n, n), dtype=bool)
        constraint = MaskConstraint(mask, nonneg=variant.positive)
    return initializer, regularizer, constraint


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
    # the sparse masked layer hands its regulariser a sparse kernel, which C*'s matching cannot take
    sparse = (large_path(n) and variant.mask and constraint.density <= SPARSE_DENSITY
              and variant.communicability != "C*")
    model = build_sernn(units=n, input_size=inputs, output_size=classes, noise=settings["noise"],
                        recurrent_initializer=initializer, recurrent_regularizer=regularizer,
                        recurrent_constraint=constraint, learning_rate=settings["learning_rate"],
                        seed=spec.seed, recurrent="sparse" if sparse else "dense")
    x, y = task_data(spec.task, settings["train_trials"], spec.seed)
    validation = task_data(spec.task, settings["val_trials"], 10000 + spec.seed)
    rows, snapshots = fit_and_record(model, x, y, validation_data=validation,
                                     epochs=settings["epochs"], batch_size=settings["batch_size"])
    x_test, y_test = task_data(spec.task, settings["test_trials"], 20000 + spec.seed)
    test = model.evaluate(x_test, y_test, batch_size=settings["batch_size"], verbose=0, return_dict=True)
    arrays = {"recurrent_kernel": snapshots, "epoch": np.arange(len(snapshots)),
              "coordinates": data.coordinates}
    if data.wiring is not None:
        arrays["wiring"] = data.wiring
    info = {"test_accuracy": float(test["accuracy"]), "test_loss": float(test["loss"])}
    return rows, arrays, info


def describe_run(spec: MicronsRun, rows, info) -> str:
    """One progress line for a finished run."""
    return (f"{spec.task:19s} {spec.variant:10s} seed={spec.seed}: "
            f"val_accuracy={rows[-1]['val_accuracy']:.3f} test_accuracy={info['test_accuracy']:.3f} "
            f"reg_loss={rows[-1]['reg_loss']:.3g}")


# -- summary and figures ----------------------------------------------------------

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


def write_figures(metrics: pd.DataFrame, summary: pd.DataFrame, folder) -> list:
    """Bar chart of final validation accuracy and learning curves, one panel per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tasks = [t for t in TASKS if t in set(summary["task"])]
    written = []
    fig, axes = plt.subplots(1, len(tasks), figsize=(5 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        part = summary[summary["task"] == task].sort_values("variant")
        colours = ["#bbbbbb" if s == "plateau" else "#4477aa" for s in part["status"]]
        ax.bar(range(len(part)), part["val_accuracy"], yerr=part["val_accuracy_sd"], color=colours,
               hatch=None, capsize=3)
        for k, status in enumerate(part["status"]):
            if status != "learned":
                ax.text(k, 0.02, "plateau" if status == "plateau" else "part.", rotation=90,
                        ha="center", va="bottom", fontsize=8)
        low, high = PLATEAUS[task]
        ax.axhspan(low, high, color="#ee6677", alpha=0.15, label="no-memory band")
        ax.set_xticks(range(len(part)))
        ax.set_xticklabels(part["variant"], rotation=60, ha="right", fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(task)
        ax.set_ylabel("final validation accuracy")
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = folder / "accuracy_by_variant.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)
    fig, axes = plt.subplots(1, len(tasks), figsize=(5 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        part = metrics[metrics["task"] == task]
        for variant, rows in part.groupby("variant"):
            curve = rows.groupby("epoch")["val_accuracy"].mean()
            ax.plot(curve.index, curve.values, marker="o", ms=3, label=variant)
        ax.set_title(task)
        ax.set_xlabel("completed training epochs")
        ax.set_ylabel("validation accuracy (mean over seeds)")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = folder / "learning_curves.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)
    return written


# -- the benchmark definition ------------------------------------------------------

#: The presets: a quick look, and the study's training settings over the full variant grid.
PRESETS = {
    "quick": {"variants": list(QUICK_VARIANTS), "seeds": [0], "epochs": 8, "train_trials": 2048,
              "val_trials": 256, "test_trials": 256},
    # the published notebook: 30 runs per model
    "paper": {"variants": list(FULL_VARIANTS), "seeds": list(range(30)), "epochs": 10, "train_trials": 5120,
              "val_trials": 2560, "test_trials": 2560},
}


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
    n = data.coordinates.shape[0]
    population = Population(_members(specs, settings, data), units=n, input_size=inputs, output_size=classes,
                            learning_rate=settings["learning_rate"])
    banks = {}
    for name, offset in (("train", 0), ("val", 10000), ("test", 20000)):
        count = settings[f"{name}_trials"]
        parts = [task_data(task, count, offset + spec.seed) for spec in specs]
        banks[name] = (np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts]),
                       np.arange(len(specs) * count).reshape(len(specs), count))
    x, y, train_index = banks["train"]
    val_x, val_y, val_index = banks["val"]
    rows, snapshots = population.fit(x, y, train_index, val_index, validation_bank=(val_x, val_y),
                                     epochs=settings["epochs"], batch_size=settings["batch_size"],
                                     progress=EpochProgress(len(specs)))
    test_x, test_y, test_index = banks["test"]
    test = population.evaluate(test_x, test_y, test_index, batch_size=settings["batch_size"])
    results = []
    for k in range(len(specs)):
        arrays = {"recurrent_kernel": snapshots[k], "epoch": np.arange(snapshots.shape[1]),
                  "coordinates": data.coordinates}
        if data.wiring is not None:
            arrays["wiring"] = data.wiring
        results.append((rows[k], arrays, {"test_accuracy": float(test["accuracy"][k]),
                                          "test_loss": float(test["loss"][k])}))
    return results


class MicronsBenchmark(Benchmark):
    """The MICrONS benchmark on the sweep engine, for one selection of neurons (``data``)."""

    name = "microns"
    presets = PRESETS
    extendable = ("variants", "tasks", "seeds", "data")

    def __init__(self, data: MicronsData | None = None):
        self.data = data
        if data is not None and data.coordinates.shape[0] > LARGE_UNITS:
            self.population_unsupported = (
                f"networks of more than {LARGE_UNITS} units ({data.coordinates.shape[0]} here) train one at a "
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
        return write_figures(metrics, summary, store.path / "figures")


#: The MICrONS benchmark's definition (without data; :func:`microns_sweep` gives it its data).
MICRONS = MicronsBenchmark()


def microns_sweep(data: MicronsData, out="sernn-runs/microns", preset="quick", variants=None, tasks=None,
                  seeds=None, epochs=None, train_trials=None, val_trials=None, test_trials=None,
                  batch_size=128, learning_rate=1e-3, noise=0.05, strengths=None, task_scales=None,
                  trainer=None, population=None, shard=(0, 1), figures=True, executor=None, log=None):
    """Run (or resume) a MICrONS sweep on ``data`` (see :func:`load_data`); the library form of ``sernn microns``.

    Options left at None take the preset's value (:data:`PRESETS`); ``strengths`` and
    ``task_scales`` update :data:`DEFAULT_STRENGTHS` and :data:`TASK_STRENGTH_SCALES`.
    A preset's variants that the data cannot support are skipped with a message; a variant
    asked for by name (``variants=``) that the data cannot support is a :class:`ValueError`
    naming what it needs.
    """
    say = log or (lambda text: print(text, flush=True))
    chosen = resolve_preset(MICRONS, preset, variants=variants, seeds=seeds, epochs=epochs,
                            train_trials=train_trials, val_trials=val_trials, test_trials=test_trials)
    tasks = list(TASKS) if tasks is None else list(dict.fromkeys(tasks))
    unknown = [t for t in tasks if t not in TASKS]
    if unknown or not tasks:
        raise ValueError(f"--tasks: unknown {unknown or tasks}; accepted: {', '.join(TASKS)}")
    strengths = {**DEFAULT_STRENGTHS, **(strengths or {})}
    for key, value in strengths.items():
        if key not in DEFAULT_STRENGTHS:
            raise ValueError(f"strengths: unknown term {key!r}; accepted: {', '.join(DEFAULT_STRENGTHS)}")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"--strength-{key} must be a non-negative number, got {value}")
    if not noise >= 0:
        raise ValueError(f"--noise must be >= 0, got {noise}")
    runnable = []
    why = {"traces": "functional traces (--traces with --coregistration, --session, --scan-idx)",
           "synapses": "EM synapses among the selected neurons (--pinky100 or --synapses)"}
    for variant in (parse_variant(v) for v in chosen["variants"]):
        missing = variant.needs - data.available
        if missing and variants is not None:  # asked for by name: an error, before anything trains
            raise ValueError(f"--variants {variant.name}: needs " + " and ".join(why[m] for m in sorted(missing)))
        if missing:  # part of the preset: skipped, and said so
            say(f"sernn microns: skipping {variant.name}: needs " + " and ".join(why[m] for m in sorted(missing)))
        else:
            runnable.append(variant.name)
    if not runnable:
        raise ValueError("none of the variants can run with the data given (see the messages above)")
    ids = data.cells["root_id"] if "root_id" in data.cells.columns else data.cells.get("nucleus_id")
    seeds = list(dict.fromkeys(int(s) for s in chosen["seeds"]))
    settings = {
        # "data" (file paths) may change between invocations; the neuron ids may not.
        "data": data.description, "units": int(data.coordinates.shape[0]),
        "neuron_ids": [int(v) for v in ids] if ids is not None else None,
        "epochs": chosen["epochs"], "train_trials": chosen["train_trials"], "val_trials": chosen["val_trials"],
        "test_trials": chosen["test_trials"], "batch_size": batch_size, "learning_rate": learning_rate,
        "noise": noise, "normalization": "size", "strengths": {k: float(v) for k, v in strengths.items()},
        "task_strength_scales": {**TASK_STRENGTH_SCALES, **(task_scales or {})},
        "variants": runnable, "tasks": tasks, "seeds": seeds,
    }
    runs = plan_runs(tasks, runnable, seeds, shard=shard)
    return run_sweep(MicronsBenchmark(data), out=out, settings=settings, runs=runs, trainer=trainer,
                     population=population, figures=figures, executor=executor,
                     label=f"sernn microns: {settings['units']} neurons from {data.description}",
                     log=say)


# -- command line -------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Train MICrONS-constrained RNNs: variants (W, W*, W!, S, D, D*, C, C*, M, P combined with +) "
        "x tasks (maze, go_nogo, perceptual_decision) x seeds, on your MICrONS files. The default is "
        "a quick set on pinky100 (100 most connected cells, 1 seed, short training); --preset paper runs "
        "the full grid with the study's training settings. Re-running with the same --out resumes."
    )
    add_sweep_arguments(parser, MICRONS, "sernn-runs/microns")
    data = parser.add_argument_group("data")
    data.add_argument("--pinky100", metavar="DIR",
                      help="folder with pinky100_soma.csv and pinky100_synapses.csv (real wiring + positions)")
    data.add_argument("--cells", metavar="FILE",
                      help="minnie65_somata.csv, a nucleus_detection_v0 export, or a cells table")
    data.add_argument("--synapses", metavar="FILE", help="synapses_pni_2 export (needs root ids in --cells)")
    data.add_argument("--coregistration", metavar="FILE", help="coregistration_manual_v4 export")
    data.add_argument("--traces", metavar="FILE", help="functional traces (.npz or CSV), see docs/microns.md")
    data.add_argument("--session", type=int, help="scan session of the imaging field (with --traces)")
    data.add_argument("--scan-idx", type=int, help="scan index (with --traces)")
    data.add_argument("--field", type=int, help="imaging field (with --traces; default: all fields)")
    data.add_argument("--voxel-size", type=float, nargs=3, default=None, metavar=("X", "Y", "Z"),
                      help="voxel size in nm of CAVE positions (default: the table's stored "
                           "dataframe_resolution, e.g. in a parquet export, else 4 4 40)")
    data.add_argument("--sttc-dt", type=positive(float), default=None,
                      help="STTC window in seconds (default: one frame period)")
    data.add_argument("--cell-types", metavar="FILE",
                      help="aibs_metamodel_celltypes_v661 export, joined to --cells on the nucleus id")
    data.add_argument("--cell-class", help="keep only this cell class (e.g. excitatory; needs cell "
                                           "types: --cell-types, minnie65_somata.csv or pinky100)")
    data.add_argument("--neurons", "--units", dest="neurons", type=positive(int), default=100,
                      help="number of neurons, one unit each (default: %(default)s; all if fewer). Above "
                           f"{LARGE_UNITS} the large-network path is taken (docs/large_networks.md)")
    data.add_argument("--selection", choices=("connected", "nearest"), default=None,
                      help="how to pick --neurons: the most connected (default with synapses) or the "
                           "nearest to --center (default otherwise)")
    data.add_argument("--center", type=float, nargs=3, metavar=("X", "Y", "Z"),
                      help="centre in µm for --selection nearest (default: the median soma position)")
    runs = parser.add_argument_group("runs")
    runs.add_argument("--variants", type=name_list, default=None,
                      help="comma-separated variants (default quick: " + ",".join(QUICK_VARIANTS) + ")")
    runs.add_argument("--tasks", type=name_list, default=list(TASKS),
                      help="comma-separated tasks (default: all: " + ",".join(TASKS) + ")")
    runs.add_argument("--seeds", type=number_list(int), default=None,
                      help="comma-separated seeds (default: 0 (quick), 0-29 (paper: 30 runs per model, as published))")
    runs.add_argument("--epochs", type=positive(int), default=None, help="default: 8 (quick), 10 (paper)")
    runs.add_argument("--train-trials", type=positive(int), default=None, help="default: 2048 (quick) / 5120 (paper)")
    runs.add_argument("--val-trials", type=positive(int), default=None, help="default: 256 (quick) / 2560 (paper)")
    runs.add_argument("--test-trials", type=positive(int), default=None, help="default: 256 (quick) / 2560 (paper)")
    runs.add_argument("--batch-size", type=positive(int), default=128, help="default: %(default)s")
    runs.add_argument("--learning-rate", type=positive(float), default=1e-3, help="default: %(default)s")
    runs.add_argument("--noise", type=float, default=0.05, help="input noise s.d. (default: %(default)s)")
    for key, value in DEFAULT_STRENGTHS.items():
        runs.add_argument(f"--strength-{key}", type=float, default=value,
                          help=f"size-normalised strength of the {key} term (default: %(default)s)")
    runs.add_argument("--task-scale", default="", metavar="TASK=F,...",
                      help="factor on every strength per task (default: maze=1, go_nogo=0.005, "
                           "perceptual_decision=0.005; see the module docstring)")


def _task_scales(text) -> dict:
    scales = dict(TASK_STRENGTH_SCALES)
    for item in (text or "").split(","):
        if not item.strip():
            continue
        task, _, value = item.partition("=")
        task = task.strip()
        try:
            factor = float(value)
        except ValueError:
            factor = float("nan")
        if task not in TASKS or not (math.isfinite(factor) and factor >= 0):
            raise ValueError(f"--task-scale: expected TASK=FACTOR with TASK in {', '.join(TASKS)} and "
                             f"FACTOR >= 0, got {item!r}")
        scales[task] = factor
    return scales


def run(args) -> int:
    if args.selection is None:
        args.selection = "connected" if (args.pinky100 or args.synapses) else "nearest"
    if args.preset not in PRESETS:  # before any data is read
        resolve_preset(MICRONS, args.preset)
    tasks = args.tasks
    unknown = [t for t in tasks if t not in TASKS]
    if unknown or not tasks:
        raise ValueError(f"--tasks: unknown {unknown or tasks}; accepted: {', '.join(TASKS)}")
    for variant in args.variants or ():
        parse_variant(variant)
    scales = _task_scales(args.task_scale)
    data = load_data(args)
    microns_sweep(data, out=args.out, preset=args.preset, variants=args.variants, tasks=tasks, seeds=args.seeds,
                  epochs=args.epochs, train_trials=args.train_trials, val_trials=args.val_trials,
                  test_trials=args.test_trials, batch_size=args.batch_size, learning_rate=args.learning_rate,
                  noise=args.noise, strengths={key: getattr(args, f"strength_{key}") for key in DEFAULT_STRENGTHS},
                  task_scales=scales, trainer=args.trainer, population=args.population, shard=args.shard,
                  figures=not args.no_figures, executor=executor_from(args))
    return 0
