"""``sernn microns``: MICrONS-constrained RNNs across variants, tasks and seeds.

Thin wrapper: :func:`sernn.experiments.microns_data.load_data` selects the neurons
from the files named by the data options, then
:func:`sernn.experiments.microns.microns_sweep` trains the variants; the run options
are the fields of :class:`sernn.experiments.microns.MicronsSettings`.
"""
from __future__ import annotations

import argparse
import math

from sernn.commands.options import (add_model_arguments, add_sweep_arguments, model_options, name_list, number_list,
                                   positive, sweep_options)
from sernn.experiments import microns

__all__ = ["add_arguments", "run", "task_scales", "data_options"]

#: The library's names that are options of this command under another name.
ALIASES = {"neurons": "--neurons", "task_strength_scales": "--task-scale"}
#: Data options: keyword arguments of load_data under the same name.
DATA = ("pinky100", "cells", "synapses", "cell_types", "coregistration", "traces", "session", "scan_idx", "field",
        "voxel_size", "sttc_dt", "cell_class", "neurons", "selection", "center")
#: The run options that name the published code's choices (``--published-code`` sets them all).
CHOICE_OPTIONS = ("coordinates", "l1_strength", "functional_recipe", "permutation")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sernn microns``."""
    parser.description = (
        "Train MICrONS-constrained RNNs: variants (W, W*, W!, S, D, D*, C, C*, M, P combined with +) "
        "x tasks (maze, go_nogo, perceptual_decision) x seeds, on your MICrONS files. The default is "
        "a quick set on pinky100 (100 most connected cells, 1 seed, short training); --preset paper runs "
        "the full grid with the study's training settings. Re-running with the same --out resumes."
    )
    add_sweep_arguments(parser, microns.MICRONS, "sernn-runs/microns")
    parser.set_defaults(preset=None)
    for action in parser._actions:
        if action.dest == "preset":
            action.help = ("default settings: " + ", ".join(microns.PRESETS) + " (default: study with --field, "
                           "else quick); the options given override them")
    _add_data_arguments(parser.add_argument_group("data"))
    _add_run_arguments(parser.add_argument_group("runs"))
    add_model_arguments(parser.add_argument_group("Dale's law and leaky units"))
    _add_choice_arguments(parser.add_argument_group(
        "the published code's choices (sernn's defaults are the correct ones; the study preset uses minmax "
        "coordinates, as its methods describe)"))


def _add_data_arguments(data) -> None:
    """Where the neurons come from and which are kept."""
    data.add_argument("--field", metavar="DIR",
                      help="a functional connectomics field folder S_C_F/ (connectome, positions, corr, STTC, "
                           "precision; the MICrONS-constrained RNN study's layout); default preset: study. "
                           "With --traces, an integer here is the imaging field instead (as --imaging-field)")
    data.add_argument("--trust-pickles", action="store_true",
                      help="read the field's positions file, a pickled numpy object array (reading it runs code "
                           "from the file): only for files you trust")
    data.add_argument("--pinky100", metavar="DIR",
                      help="folder with pinky100_soma.csv and pinky100_synapses.csv (real wiring + positions)")
    data.add_argument("--cells", metavar="FILE",
                      help="minnie65_somata.csv, a nucleus_detection_v0 export, or a cells table")
    data.add_argument("--synapses", metavar="FILE", help="synapses_pni_2 export (needs root ids in --cells)")
    data.add_argument("--coregistration", metavar="FILE", help="coregistration_manual_v4 export")
    data.add_argument("--traces", metavar="FILE", help="functional traces (.npz or CSV), see docs/microns.md")
    data.add_argument("--session", type=int, help="scan session of the imaging field (with --traces)")
    data.add_argument("--scan-idx", type=int, help="scan index (with --traces)")
    data.add_argument("--imaging-field", type=int, default=None,
                      help="imaging field (with --traces; default: all fields)")
    data.add_argument("--voxel-size", type=float, nargs=3, default=None, metavar=("X", "Y", "Z"),
                      help="voxel size in nm of CAVE positions (default: the table's stored "
                           "dataframe_resolution, e.g. in a parquet export, else 4 4 40)")
    data.add_argument("--sttc-dt", type=positive(float), default=None,
                      help="STTC window in seconds (default: one frame period)")
    data.add_argument("--cell-types", metavar="FILE",
                      help="aibs_metamodel_celltypes_v661 export, joined to --cells on the nucleus id")
    data.add_argument("--cell-class", help="keep only this cell class (e.g. excitatory; needs cell "
                                           "types: --cell-types, minnie65_somata.csv or pinky100)")
    data.add_argument("--neurons", "--units", dest="neurons_given", type=positive(int), default=None,
                      help="number of neurons, one unit each (default: 100, or every neuron of a --field; "
                           "all if fewer). Above "
                           f"{microns.LARGE_UNITS} the large-network path is taken (docs/large_networks.md)")
    data.add_argument("--selection", choices=("connected", "nearest"), default=None,
                      help="how to pick --neurons: the most connected (default with synapses) or the "
                           "nearest to --center (default otherwise)")
    data.add_argument("--center", type=float, nargs=3, metavar=("X", "Y", "Z"),
                      help="centre in µm for --selection nearest (default: the median soma position)")


def _add_run_arguments(runs) -> None:
    """Variants, tasks, seeds, training and penalty settings."""
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
        runs.add_argument(f"--strength-{key}", type=float, default=None,
                          help=f"strength of the {key} term (default: {value}; study preset: "
                               f"{microns.PRESETS['study']['strengths'][key]})")
    runs.add_argument("--task-scale", default="", metavar="TASK=F,...",
                      help="factor on every strength per task (default: maze=1, go_nogo=0.005, "
                           "perceptual_decision=0.005 (study: 1 each); see the module docstring)")
    runs.add_argument("--normalization", choices=("size", "none"), default=None,
                      help="penalty form: size-normalised (default) or the plain sum (study preset)")
    runs.add_argument("--grid", type=positive(int), nargs=3, default=None, metavar=("X", "Y", "Z"),
                      help="grid of D (default: near-cubic; the study's field 6_6_2: 12 13 2)")


def _add_choice_arguments(choices) -> None:
    """The published code's choices, one option each, and ``--published-code`` for all of them."""
    for name, values in microns.CHOICES.items():
        choices.add_argument("--" + name.replace("_", "-"), choices=values, default=None,
                             help=" or ".join(values))
    choices.add_argument("--published-code", action="store_true",
                         help="every choice as the study's published notebook makes it: "
                              + ", ".join(f"{k}={v}" for k, v in microns.PUBLISHED_CODE.items()))


def task_scales(text, defaults=None) -> dict:
    """``"TASK=F,..."`` -> the factor on every strength per task (unnamed tasks keep ``defaults``, by
    default :data:`~sernn.experiments.microns_settings.TASK_STRENGTH_SCALES`)."""
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
    return {**(defaults or microns.TASK_STRENGTH_SCALES), **scales}


def _imaging_field(args):
    """(field folder or None, imaging field or None): ``--field N`` with ``--traces`` is the imaging field."""
    field = args.field
    if field is not None and args.traces and str(field).strip().lstrip("-").isdigit():
        if args.imaging_field is not None:
            raise ValueError("--field: give the imaging field once (--imaging-field)")
        return None, int(field)
    return field, args.imaging_field


def data_options(args) -> dict:
    """The keyword arguments of :func:`~sernn.experiments.microns_data.load_data` given on a command line
    (without ``--field DIR``, which :func:`~sernn.experiments.microns_data.field_data` reads)."""
    values = {name: getattr(args, name) for name in DATA if name not in ("field", "neurons")}
    values["neurons"] = args.neurons_given or 100
    values["field"] = _imaging_field(args)[1]
    return values


def run(args) -> int:
    """Run ``sernn microns``; returns the exit code."""
    folder, imaging_field = _imaging_field(args)
    if not args.pinky100 and not args.cells and not folder:
        raise ValueError("no data: give --field DIR (a field folder S_C_F/), --pinky100 DIR (the folder with "
                         "pinky100_soma.csv and pinky100_synapses.csv) or --cells FILE (with --synapses/--traces)")
    if folder and (args.pinky100 or args.cells or args.traces):
        raise ValueError("--field: give a field folder or --pinky100/--cells/--traces, not both")
    preset = args.preset or ("study" if folder else "quick")
    choices = {name: getattr(args, name) for name in CHOICE_OPTIONS}
    if args.published_code:
        named = [name for name, value in choices.items() if value not in (None, microns.PUBLISHED_CODE[name])]
        if named:
            raise ValueError(f"--published-code sets --{named[0].replace('_', '-')} to "
                             f"{microns.PUBLISHED_CODE[named[0]]}; leave that option out")
        choices = dict(microns.PUBLISHED_CODE)
    defaults = microns.PRESETS[preset] if preset in microns.PRESETS else {}
    strengths = {key: getattr(args, f"strength_{key}") for key in microns.DEFAULT_STRENGTHS}
    strengths = {key: value for key, value in strengths.items() if value is not None} or None
    scales = task_scales(args.task_scale, defaults.get("task_strength_scales"))
    options = dict(variants=args.variants, tasks=args.tasks, seeds=args.seeds, epochs=args.epochs,
                   train_trials=args.train_trials, val_trials=args.val_trials, test_trials=args.test_trials,
                   batch_size=args.batch_size, learning_rate=args.learning_rate, noise=args.noise,
                   strengths=None if strengths is None else {**defaults.get("strengths", {}), **strengths},
                   task_strength_scales=scales, normalization=args.normalization, grid=args.grid, **choices,
                   **model_options(args))
    run_options = {**sweep_options(args), "preset": preset}
    microns.MicronsSettings.from_options(preset, **options)  # every option checked before data is read
    say = lambda line: print(line, flush=True)  # noqa: E731
    if folder:
        from sernn.microns import UntrustedPickle

        try:
            data = microns.field_data(folder, trust_pickles=args.trust_pickles, neurons=args.neurons_given,
                                      selection=args.selection, center=args.center, log=say)
        except UntrustedPickle as error:  # name the option, not the library's argument
            message = str(error).replace("pass trust_pickles=True", "pass --trust-pickles")
            raise UntrustedPickle(message.replace(", or positions=None to skip it", "")) from None
    else:
        data = microns.load_data(**data_options(args), log=say)
    microns.microns_sweep(data, **run_options, **options)
    return 0
