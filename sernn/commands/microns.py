"""``sernn microns``: MICrONS-constrained RNNs across variants, tasks and seeds.

Thin wrapper: :func:`sernn.experiments.microns_data.load_data` selects the neurons
from the files named by the data options, then
:func:`sernn.experiments.microns.microns_sweep` trains the variants; the run options
are the fields of :class:`sernn.experiments.microns.MicronsSettings`.
"""
from __future__ import annotations

import argparse
import math

from sernn.commands.options import add_sweep_arguments, name_list, number_list, positive, sweep_options
from sernn.experiments import microns

__all__ = ["add_arguments", "run", "task_scales"]

#: The library's names that are options of this command under another name.
ALIASES = {"neurons": "--neurons", "task_strength_scales": "--task-scale"}
#: Data options: keyword arguments of load_data under the same name.
DATA = ("pinky100", "cells", "synapses", "cell_types", "coregistration", "traces", "session", "scan_idx", "field",
        "voxel_size", "sttc_dt", "cell_class", "neurons", "selection", "center")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sernn microns``."""
    parser.description = (
        "Train MICrONS-constrained RNNs: variants (W, W*, W!, S, D, D*, C, C*, M, P combined with +) "
        "x tasks (maze, go_nogo, perceptual_decision) x seeds, on your MICrONS files. The default is "
        "a quick set on pinky100 (100 most connected cells, 1 seed, short training); --preset paper runs "
        "the full grid with the study's training settings. Re-running with the same --out resumes."
    )
    add_sweep_arguments(parser, microns.MICRONS, "sernn-runs/microns")
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
                           f"{microns.LARGE_UNITS} the large-network path is taken (docs/large_networks.md)")
    data.add_argument("--selection", choices=("connected", "nearest"), default=None,
                      help="how to pick --neurons: the most connected (default with synapses) or the "
                           "nearest to --center (default otherwise)")
    data.add_argument("--center", type=float, nargs=3, metavar=("X", "Y", "Z"),
                      help="centre in µm for --selection nearest (default: the median soma position)")
    runs = parser.add_argument_group("runs")
    runs.add_argument("--variants", type=name_list, default=None,
                      help="comma-separated variants (default quick: " + ",".join(microns.QUICK_VARIANTS) + ")")
    runs.add_argument("--tasks", type=name_list, default=list(microns.TASKS),
                      help="comma-separated tasks (default: all: " + ",".join(microns.TASKS) + ")")
    runs.add_argument("--seeds", type=number_list(int), default=None,
                      help="comma-separated seeds (default: 0 (quick), 0-29 (paper: 30 runs per model, as published))")
    runs.add_argument("--epochs", type=positive(int), default=None, help="default: 8 (quick), 10 (paper)")
    runs.add_argument("--train-trials", type=positive(int), default=None, help="default: 2048 (quick) / 5120 (paper)")
    runs.add_argument("--val-trials", type=positive(int), default=None, help="default: 256 (quick) / 2560 (paper)")
    runs.add_argument("--test-trials", type=positive(int), default=None, help="default: 256 (quick) / 2560 (paper)")
    runs.add_argument("--batch-size", type=positive(int), default=128, help="default: %(default)s")
    runs.add_argument("--learning-rate", type=positive(float), default=1e-3, help="default: %(default)s")
    runs.add_argument("--noise", type=float, default=0.05, help="input noise s.d. (default: %(default)s)")
    for key, value in microns.DEFAULT_STRENGTHS.items():
        runs.add_argument(f"--strength-{key}", type=float, default=value,
                          help=f"size-normalised strength of the {key} term (default: %(default)s)")
    runs.add_argument("--task-scale", default="", metavar="TASK=F,...",
                      help="factor on every strength per task (default: maze=1, go_nogo=0.005, "
                           "perceptual_decision=0.005; see the module docstring)")


def task_scales(text) -> dict:
    """``"TASK=F,..."`` -> the factor on every strength per task (unnamed tasks keep their default)."""
    scales = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        task, _, value = item.partition("=")
        task = task.strip()
        try:
            factor = float(value)
        except ValueError:
            factor = float("nan")
        if task not in microns.TASKS or not (math.isfinite(factor) and factor >= 0):
            raise ValueError(f"--task-scale: expected TASK=FACTOR with TASK in {', '.join(microns.TASKS)} and "
                             f"FACTOR >= 0, got {item!r}")
        scales[task] = factor
    return {**microns.TASK_STRENGTH_SCALES, **scales}


def run(args) -> int:
    """Run ``sernn microns``; returns the exit code."""
    if not args.pinky100 and not args.cells:
        raise ValueError("no data: give --pinky100 DIR (the folder with pinky100_soma.csv and pinky100_synapses.csv) "
                         "or --cells FILE (with --synapses/--traces)")
    options = dict(variants=args.variants, tasks=args.tasks, seeds=args.seeds, epochs=args.epochs,
                   train_trials=args.train_trials, val_trials=args.val_trials, test_trials=args.test_trials,
                   batch_size=args.batch_size, learning_rate=args.learning_rate, noise=args.noise,
                   strengths={key: getattr(args, f"strength_{key}") for key in microns.DEFAULT_STRENGTHS},
                   task_strength_scales=task_scales(args.task_scale))
    microns.MicronsSettings.from_options(args.preset, **options)  # every option checked before data is read
    data = microns.load_data(**{name: getattr(args, name) for name in DATA},
                             log=lambda line: print(line, flush=True))
    microns.microns_sweep(data, **sweep_options(args), **options)
    return 0
