"""``sernn analyze RUN_DIR``: topology of every run and epoch of a benchmark folder, and figures.

Writes ``topology.csv`` (and a cache per run) through
:func:`sernn.analysis.folder.analyze_folder`, then the figures of
:mod:`sernn.plotting` into ``RUN_DIR/figures/``: validation accuracy over
epochs per condition; modularity, small-worldness, wiring cost and
weight–distance correlation over epochs and against the regularisation
strength per condition; the weight matrix of one run ordered by module; that
run's units in 3-D coloured by module with the strongest connections drawn.
"""
from __future__ import annotations

import argparse

import numpy as np

from sernn.analysis.folder import analyze_folder, load_history, parse_epochs, select_epochs
from sernn.analysis.topology import RECIPES, modules
from sernn.commands.options import add_executor_arguments, executor_from
from sernn.plotting import (figure_accuracy, figure_against_strength, figure_matrix, figure_over_epochs,
                            figure_units_3d)

#: The library's argument names that are options of this command under another name.
ALIASES = {"n_nulls": "--nulls", "batch_size": "--batch-size", "n_perm": "--permutations",
           "epoch": "--activity-epoch", "seed": "--seed"}

__all__ = ["add_arguments", "run", "draw_figures"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sernn analyze``."""
    parser.add_argument("run_dir", metavar="RUN_DIR",
                        help="output folder of a benchmark (e.g. of `sernn maze`)")
    parser.add_argument("--recipe", choices=tuple(RECIPES), default="paper",
                        help="paper (default): modularity by Newman's spectral method on the weighted "
                             "|W|, as the seRNN paper; binary: Louvain on the thresholded graph")
    parser.add_argument("--density", type=float, default=0.1,
                        help="fraction of the strongest |weights| kept as edges (default: 0.1)")
    parser.add_argument("--nulls", type=int, default=1000,
                        help="Erdős–Rényi null graphs per network for small-worldness (default: 1000)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the Louvain order and the null graphs (default: 0)")
    parser.add_argument("--epochs", default="all",
                        help="snapshots to analyse: 'all' (default), 'last', or comma-separated "
                             "epoch numbers such as '0,9' (0 = before training)")
    parser.add_argument("--run", default=None, metavar="RUN_ID",
                        help="run drawn in the weight-matrix and 3-D figures (default: the first "
                             "'sernn' run, else the first run)")
    parser.add_argument("--figure-epoch", type=int, default=None,
                        help="epoch used for the strength, matrix and 3-D figures "
                             "(default: the last analysed epoch)")
    parser.add_argument("--edges", type=int, default=150,
                        help="strongest connections drawn in the 3-D figure (default: 150)")
    parser.add_argument("--no-figures", action="store_true", help="write topology.csv only")
    parser.add_argument("--batch-size", type=int, default=None, metavar="N",
                        help="runs per task with --executor ray (default: 8; 32 with --activity or --dynamics)")
    group = parser.add_argument_group("activity (what the units compute; sernn maze folders)")
    group.add_argument("--activity", action="store_true",
                       help="instead of the weights' topology, analyse the units' activity on a probe set: "
                            "explained variance of goal, options and choice, mixed selectivity, spatial "
                            "clustering, energy (writes activity.csv)")
    group.add_argument("--activity-epoch", type=int, default=None, metavar="E",
                       help="epoch of the analysed networks (default: 9, the seRNN paper's, or the last)")
    group.add_argument("--probe-trials", type=int, default=640, metavar="N",
                       help="probe trials per network (default: %(default)s)")
    group.add_argument("--probe-seed", type=int, default=30000, metavar="S",
                       help="seed of the probe trials (default: %(default)s)")
    group.add_argument("--probe-noise", type=float, default=0.0, metavar="SD",
                       help="input noise of the probe trials (default: 0, as at inference)")
    group.add_argument("--min-accuracy", type=float, default=None, metavar="A",
                       help="analyse only networks with at least this validation accuracy at the epoch "
                            "(default: all; the report keeps >= 0.9)")
    group.add_argument("--permutations", type=int, default=1000, metavar="N",
                       help="random unit sets of the spatial-clustering null (default: %(default)s)")
    group = parser.add_argument_group("dynamics (fixed points and dimensionality; sernn maze folders)")
    group.add_argument("--dynamics", action="store_true",
                       help="instead of the weights' topology, find each network's fixed and slow points at the "
                            "delay input and the dimensionality of its trajectories (writes dynamics.csv; "
                            "--activity-epoch, --min-accuracy and --seed apply)")
    group.add_argument("--initial-states", type=int, default=1000, metavar="N",
                       help="states drawn on each network's trajectories to start from (default: %(default)s)")
    group.add_argument("--state-noise", type=float, default=0.0, metavar="SD",
                       help="noise added to those states (default: %(default)s)")
    group.add_argument("--q-tol", type=float, default=1e-12, metavar="Q",
                       help="speed q = |F(h) - h|^2 / 2 below which a point is fixed (default: %(default)s)")
    group.add_argument("--max-q", type=float, default=1e-4, metavar="Q",
                       help="slower points are counted as slow points (default: %(default)s)")
    group.add_argument("--max-iters", type=int, default=1000, metavar="N",
                       help="iterations of the search (default: %(default)s)")
    add_executor_arguments(parser, what="batch of --batch-size runs")


def _chosen_run(table, requested):
    runs = list(dict.fromkeys(table["run_id"]))
    if requested is not None:
        if requested not in runs:
            raise ValueError(f"--run: no analysed run named {requested!r}; runs are e.g. {runs[0]!r}")
        return requested
    if "condition" in table.columns:
        sernn_runs = table.loc[table["condition"].astype(str) == "sernn", "run_id"]
        if not sernn_runs.empty:
            return sernn_runs.iloc[0]
    return runs[0]


def draw_figures(table, store, run_id=None, epoch=None, density=0.1, seed=0, n_edges=150, log=print,
                 recipe="paper"):
    """Write every figure of ``sernn analyze`` into ``RUN_DIR/figures``; returns their paths.

    The matrix and 3-D figures order and colour the units by the modules of
    ``recipe`` (:func:`sernn.analysis.modules`).
    """
    out = store.path / "figures"
    out.mkdir(exist_ok=True)
    written = []
    if epoch is None:
        epoch = int(table["epoch"].max())
    elif epoch not in set(table["epoch"].astype(int)):
        raise ValueError(f"--figure-epoch: epoch {epoch} was not analysed; analysed epochs are "
                         f"{sorted(set(table['epoch'].astype(int)))}")
    if figure_accuracy(store.metrics(), out / "accuracy.png", store.benchmark):
        written.append(out / "accuracy.png")
    else:
        log("no val_accuracy in metrics.csv: accuracy figure skipped")
    figure_over_epochs(table, out / "topology_epochs.png")
    figure_against_strength(table, epoch, out / "topology_strength.png")
    written += [out / "topology_epochs.png", out / "topology_strength.png"]
    run_id = _chosen_run(table, run_id)
    kernel, epochs, coordinates = load_history(store, run_id)
    index = select_epochs(epochs, [epoch], run_id)[0]
    W = np.asarray(kernel[index], dtype=np.float64)
    partition, _ = modules(W, recipe, density=density, seed=seed)
    name = f"weights_{run_id}_epoch{epoch}.png"
    figure_matrix(W, partition, run_id, epoch, out / name)
    written.append(out / name)
    if coordinates is None:
        log(f"{run_id} saved no coordinates: 3-D figure skipped")
    else:
        name = f"units3d_{run_id}_epoch{epoch}.png"
        figure_units_3d(W, coordinates, partition, run_id, epoch, n_edges, out / name)
        written.append(out / name)
    return written


def run(args) -> int:
    """Run ``sernn analyze``; returns the exit code."""
    if not 0 < args.density <= 1:
        raise ValueError(f"--density must be in (0, 1] (fraction of weights kept); got {args.density}")
    if args.nulls < 1:
        raise ValueError(f"--nulls must be a positive integer; got {args.nulls}")
    if args.edges < 0:
        raise ValueError(f"--edges must be >= 0; got {args.edges}")
    epochs = parse_epochs(args.epochs)
    if args.run is not None:
        from sernn.runfolder import check_run_id

        check_run_id(args.run)

    def log(line):
        print(line, flush=True)

    if args.activity and args.dynamics:
        raise ValueError("give one of --activity and --dynamics (each writes its own table)")
    if args.activity:
        return _activity(args, log)
    if args.dynamics:
        return _dynamics(args, log)
    args.batch_size = 8 if args.batch_size is None else args.batch_size
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be a positive integer; got {args.batch_size}")
    # a batch that fails on the executor raises RunsFailed once the others are cached: exit code 1 (sernn.cli)
    with executor_from(args) as executor:
        table, store = analyze_folder(args.run_dir, density=args.density, n_nulls=args.nulls,
                                      seed=args.seed, epochs=epochs, log=log, recipe=args.recipe,
                                      executor=executor, batch_size=args.batch_size)
    log(f"wrote {store.path / 'topology.csv'} ({len(table)} rows)")
    if not args.no_figures:
        for path in draw_figures(table, store, run_id=args.run, epoch=args.figure_epoch,
                                 density=args.density, seed=args.seed, n_edges=args.edges, log=log,
                                 recipe=args.recipe):
            log(f"wrote {path}")
    return 0


def _activity(args, log) -> int:
    """``sernn analyze --activity``: activity.csv through :func:`sernn.experiments.maze_activity.activity_folder`."""
    from sernn.experiments.maze_activity import activity_folder

    with executor_from(args) as executor:
        table, store = activity_folder(args.run_dir, epoch=args.activity_epoch, probe_trials=args.probe_trials,
                                       probe_seed=args.probe_seed, probe_noise=args.probe_noise,
                                       n_perm=args.permutations, seed=args.seed, min_accuracy=args.min_accuracy,
                                       log=log, executor=executor,
                                       batch_size=32 if args.batch_size is None else args.batch_size)
    log(f"wrote {store.path / 'activity.csv'} ({len(table)} networks) and runs/*/activity_units.csv")
    return 0


def _dynamics(args, log) -> int:
    """``sernn analyze --dynamics``: dynamics.csv through :func:`sernn.experiments.maze_dynamics.dynamics_folder`."""
    from sernn.experiments.maze_dynamics import dynamics_folder

    with executor_from(args) as executor:
        table, store = dynamics_folder(args.run_dir, epoch=args.activity_epoch, initial_states=args.initial_states,
                                       state_noise=args.state_noise, seed=args.seed, q_tol=args.q_tol,
                                       max_q=args.max_q, max_iters=args.max_iters, min_accuracy=args.min_accuracy,
                                       log=log, executor=executor,
                                       batch_size=32 if args.batch_size is None else args.batch_size)
    log(f"wrote {store.path / 'dynamics.csv'} ({len(table)} networks) and runs/*/fixed_points.csv")
    if not args.no_figures:
        log(f"wrote {_dynamics_figure(table, store, args.run, args.seed)}")
    return 0


def _dynamics_figure(table, store, requested, seed):
    """The trajectories and fixed points of one analysed run (``--run``, else the first seRNN)."""
    from sernn.experiments.maze_dynamics import goal_trajectories
    from sernn.experiments.run_analysis import saved_network
    from sernn.plotting import figure_trajectories

    run_id = _chosen_run(table, requested)
    row = table[table["run_id"] == run_id].iloc[0]
    weights, _ = saved_network(store, run_id, int(row["epoch"]), "the dynamics figure")
    data = goal_trajectories(weights, alpha=float(row["alpha"]), dt=float(row["dt"]),
                             initial_states=int(row["initial_states"]), seed=seed)
    out = store.path / "figures"
    out.mkdir(exist_ok=True)
    path = out / f"dynamics_{run_id}_epoch{int(row['epoch'])}.png"
    figure_trajectories(data["trajectories"], data["labels"], data["points"], data["stable"], path,
                        explained=data["explained"], marks=data["marks"],
                        title=f"{run_id}, epoch {int(row['epoch'])}\nmean trajectory per goal; fixed points at "
                              "the delay input")
    return path
