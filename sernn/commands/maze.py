"""``sernn maze``: the maze benchmark across conditions, strengths and seeds.

Thin wrapper around :func:`sernn.experiments.maze.maze_sweep`: the options are
the fields of :class:`sernn.experiments.maze.MazeSettings` plus the sweep's.
"""
from __future__ import annotations

import argparse

import numpy as np

from sernn.commands.options import (add_model_arguments, add_sweep_arguments, model_options, name_list,
                                   number_list, positive, sweep_options)
from sernn.experiments import maze

__all__ = ["add_arguments", "run"]

#: Library names written otherwise on this command line.
ALIASES = {"strengths": "--strengths", "grid": "--grid", "recurrent_noise": "--recurrent-noise"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sernn maze``."""
    parser.description = (
        "Train maze-task networks across conditions (baseline, l1, spatial, sernn), strengths and "
        "seeds. --preset quick (default): one strength per condition, 2 seeds, 10 epochs; --preset paper: "
        "the seRNN paper's grid (2,103 networks). Re-running with the same --out resumes."
    )
    add_sweep_arguments(parser, maze.MAZE, "sernn-runs/maze")
    parser.add_argument("--conditions", type=name_list, default=None,
                        help="comma-separated subset of: " + ", ".join(maze.CONDITIONS) + " (default: the preset's)")
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
    parser.add_argument("--min-accuracy", type=float, default=maze.SUCCESS_ACCURACY,
                        help="validation accuracy that counts as success (default: %(default)s)")
    models = parser.add_argument_group("models and tasks of the wider field")
    models.add_argument("--task", default=None, metavar="TASK",
                        help="maze (default) or neurogym:NAME, e.g. neurogym:PerceptualDecisionMaking-v0 (needs "
                             "the extra: pip install 'sernn[neurogym]'); the loss counts the decision period")
    add_model_arguments(models, task_dt=True)
    parser.add_argument("--calibrate", action="store_true",
                        help="run a pilot sweep in --out (13 strengths per condition on a geometric grid, "
                             "--seeds, default 0,1) and print each condition's strength range the seRNN "
                             "paper's way (accuracy deteriorating half-way) and matched to the seRNNs' total "
                             "weight, as options to paste (sernn.experiments.calibration)")


def strength_range(values) -> list:
    """``START STOP N`` -> ``linspace(START, STOP, N)``, refused unless 0 <= START <= STOP (finite), N >= 1."""
    try:
        start, stop, count = float(values[0]), float(values[1]), int(values[2])
    except ValueError:
        raise ValueError(f"--strength-range needs START STOP N (numbers, N an integer), got "
                         f"{' '.join(values)}") from None
    if count < 1 or not (np.isfinite(start) and np.isfinite(stop)) or start < 0 or stop < start:
        raise ValueError(f"--strength-range needs finite 0 <= START <= STOP and N >= 1, got {' '.join(values)}")
    return np.linspace(start, stop, count).tolist()


def run(args) -> int:
    """Run ``sernn maze``; returns the exit code."""
    if args.calibrate:
        return calibrate(args)
    if args.strengths is not None and args.strength_range is not None:
        raise ValueError("give at most one of --strengths and --strength-range")
    strengths = strength_range(args.strength_range) if args.strength_range is not None else args.strengths
    maze.maze_sweep(**sweep_options(args), conditions=args.conditions, strengths=strengths, seeds=args.seeds,
                    epochs=args.epochs, units=args.units, grid=args.grid, train_trials=args.train_trials,
                    val_trials=args.val_trials, test_trials=args.test_trials, batch_size=args.batch_size,
                    learning_rate=args.learning_rate, noise=args.noise, normalization=args.normalization,
                    constant_communicability=args.constant_communicability, summary_epoch=args.summary_epoch,
                    min_accuracy=args.min_accuracy, task=args.task, **model_options(args))
    return 0


def calibrate(args) -> int:
    """``sernn maze --calibrate``: a pilot sweep and the calibrated ranges."""
    from sernn.experiments.calibration import calibrate as run_pilot

    if args.strengths is not None or args.strength_range is not None:
        raise ValueError("--calibrate chooses the pilot strengths itself; drop --strengths/--strength-range")
    options = sweep_options(args)
    for name in ("preset", "figures"):
        options.pop(name)
    run_pilot(conditions=args.conditions or ["sernn", "l1", "spatial"], seeds=args.seeds or [0, 1],
              epochs=args.epochs, units=args.units, grid=args.grid, train_trials=args.train_trials,
              val_trials=args.val_trials, test_trials=args.test_trials, batch_size=args.batch_size,
              learning_rate=args.learning_rate, noise=args.noise, normalization=args.normalization,
              constant_communicability=args.constant_communicability, task=args.task, **model_options(args),
              **options)
    return 0
