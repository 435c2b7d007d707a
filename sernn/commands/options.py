"""What the commands share: argument types, the sweep and executor options, and library errors in flags.

The library (:mod:`sernn.experiments`, :mod:`sernn.analysis`) names its
arguments in its own words (``noise must be a finite real number >= 0``); a
command maps such a message to its option (``--noise must be ...``) with
:func:`in_flags`, so the command line says what to change on the command line
and a notebook says what to change in the call.
"""
from __future__ import annotations

import argparse
import math
import re

__all__ = ["number_list", "name_list", "positive", "shard", "add_sweep_arguments", "add_executor_arguments",
           "executor_from", "sweep_options", "in_flags", "population_size"]


def number_list(kind=float, minimum=0, strict=False):
    """Parse ``"a,b,c"`` into a list of ``kind`` values, each ``>= minimum`` (``> minimum`` if ``strict``)."""
    bound = f"{'>' if strict else '>='} {minimum}"

    def parse(text):
        try:
            values = [kind(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {kind.__name__}s, got {text!r}") from None
        if not values:
            raise argparse.ArgumentTypeError(f"expected at least one value, got {text!r}")
        for v in values:
            if not math.isfinite(v) or v < minimum or (strict and v == minimum):
                raise argparse.ArgumentTypeError(f"values must be finite and {bound}, got {text!r}")
        return values

    parse.__name__ = f"list of {kind.__name__}"
    return parse


def name_list(text):
    """Parse ``"a,b"`` into a list of non-empty names."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of names, got {text!r}")
    return values


def positive(kind):
    """A strictly positive ``kind`` (int or float)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}") from None
        if not value > 0 or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def shard(text):
    """``"I/K"`` -> ``(I, K)`` with ``0 <= I < K``: run every K-th run starting at I."""
    try:
        index, count = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"shard must look like I/K (e.g. 0/4), got {text!r}") from None
    if count < 1 or not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"shard I/K needs 0 <= I < K, got {text!r}")
    return index, count


def population_size(text):
    """A positive integer: networks trained at once (``--population``)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer (networks trained at once), got {text!r}")
    return value


def add_sweep_arguments(parser: argparse.ArgumentParser, benchmark, default_out: str) -> None:
    """The options every benchmark shares: ``--out --preset --trainer --population --shard --no-figures``
    and the executor's (``benchmark``: its :class:`~sernn.experiments.sweep.Benchmark` definition)."""
    from sernn.experiments.sweep import DEFAULT_POPULATION

    group = parser.add_argument_group("sweep (shared by every benchmark)")
    group.add_argument("--out", default=default_out, help="output folder; re-running with it resumes "
                                                          "(default: %(default)s)")
    group.add_argument("--preset", default="quick", metavar="NAME",
                       help="default settings: " + ", ".join(benchmark.presets) + " (default: %(default)s); "
                            "explicit options override them")
    if benchmark.population_unsupported:
        trainer_help = f"fit only ({benchmark.population_unsupported})"
    else:
        trainer_help = ("population: up to --population networks trained at once (sernn.population; "
                        "default); fit: one network at a time with keras fit. A resumed folder keeps its "
                        "trainer")
    group.add_argument("--trainer", default=None, help=trainer_help)
    group.add_argument("--population", type=population_size, default=None, metavar="K",
                       help=f"largest population (default: {DEFAULT_POPULATION}); results do not depend on it")
    group.add_argument("--shard", type=shard, default=(0, 1), metavar="I/K",
                       help="run only every K-th run starting at I (for cluster array jobs sharing --out)")
    group.add_argument("--no-figures", action="store_true", help="skip the figures")
    add_executor_arguments(parser)


def add_executor_arguments(parser: argparse.ArgumentParser, what: str = "population") -> None:
    """``--executor --address --task-cpus --task-gpus`` (shared by the benchmarks and ``sernn analyze``)."""
    from sernn.executors import EXECUTORS

    group = parser.add_argument_group("executor")
    group.add_argument("--executor", choices=EXECUTORS, default="local",
                       help=f"local: in this process (default); ray: one Ray task per {what} "
                            '(pip install "sernn[ray]"); results are written by this process')
    group.add_argument("--address", default=None, metavar="ADDR",
                       help="Ray cluster to join (e.g. auto, or ray://HEAD:10001); default: start a local "
                            "Ray instance and shut it down afterwards")
    group.add_argument("--task-cpus", type=float, default=1.0, metavar="N",
                       help="CPUs per Ray task (default: %(default)s)")
    group.add_argument("--task-gpus", type=float, default=0.0, metavar="N",
                       help="GPUs per Ray task (default: %(default)s)")


def executor_from(args):
    """The executor that the ``--executor`` options name."""
    from sernn.executors import make_executor

    return make_executor(args.executor, address=args.address, task_cpus=args.task_cpus,
                         task_gpus=args.task_gpus)


def sweep_options(args) -> dict:
    """The keyword arguments of every ``*_sweep`` function that the shared sweep options give."""
    return dict(out=args.out, preset=args.preset, trainer=args.trainer, population=args.population,
                shard=args.shard, figures=not args.no_figures, executor=executor_from(args))


_NAME = re.compile(r"^([a-z][a-z0-9_]*)(?=[ :\[]|$)")


def in_flags(message: str, parser: argparse.ArgumentParser, aliases: dict | None = None) -> str:
    """``message`` with its leading argument name written as the command's option.

    The library's messages start with the argument's name (``noise must be ...``,
    ``preset: unknown preset ...``); when the command has the option ``--noise``,
    the name becomes ``--noise``. ``aliases`` maps names to options spelled
    otherwise (``{"strengths": "--strengths/--strength-range"}``).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> _ = parser.add_argument("--train-trials", type=int)
    >>> in_flags("train_trials must be an integer >= 1; got 0", parser)
    '--train-trials must be an integer >= 1; got 0'
    >>> in_flags("units 8 does not match the grid", parser)     # not an option of this command
    'units 8 does not match the grid'
    """
    match = _NAME.match(message)
    if not match:
        return message
    name = match.group(1)
    flag = (aliases or {}).get(name) or "--" + name.replace("_", "-")
    if flag.split("/")[0] not in parser._option_string_actions:
        return message
    return flag + message[len(name):]


def add_model_arguments(group, *, task_dt: bool = False) -> None:
    """``--dale --tau --dt --recurrent-noise``: Dale's law and leaky continuous-time units
    (:mod:`sernn.experiments.model_options`). ``task_dt``: ``--dt`` is also the task's time step."""
    group.add_argument("--dale", type=float, default=None, metavar="FRACTION",
                       help="Dale's law with this excitatory fraction in (0, 1), e.g. 0.8 (which units are "
                            "excitatory is drawn with each run's seed; their weights keep their signs)")
    group.add_argument("--tau", type=float, default=None, metavar="MS",
                       help="leaky continuous-time units with this time constant (needs --dt)")
    group.add_argument("--dt", type=float, default=None, metavar="MS",
                       help="time step of leaky units (dt <= tau)"
                            + ("; with a neurogym task also the task's step" if task_dt else ""))
    group.add_argument("--recurrent-noise", type=float, default=None, metavar="SIGMA",
                       help="recurrent noise of leaky units: sqrt(2 dt/tau) SIGMA per step (training only)")


def model_options(args) -> dict:
    """The settings that :func:`add_model_arguments`'s options give."""
    return dict(dale=args.dale, tau=args.tau, dt=args.dt, recurrent_noise=args.recurrent_noise)
