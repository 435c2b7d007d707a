"""The ``sernn`` command line.

Each subcommand lives in its own module of :mod:`sernn.commands`, which provides two functions:
``add_arguments(parser)`` (fills an :class:`argparse.ArgumentParser`) and
``run(args) -> int`` (does the work, returns the exit code). Modules are
imported only when their subcommand is used, so ``sernn --help`` is fast.

Errors a user can cause (bad options, a missing or malformed file or folder)
are reported as a single line on standard error, with exit code 2; no
traceback is printed (set ``SERNN_DEBUG=1`` to see one). The library's messages name
its arguments (``noise must be ...``); they are shown with the command's option
(``--noise must be ...``, :func:`sernn.commands.options.in_flags`). TensorFlow's native
log lines are kept off the console (:mod:`sernn.console`); ``--verbose``
(anywhere on the command line) shows them.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

#: subcommand -> (module, one-line help)
SUBCOMMANDS = {
    "maze": ("sernn.commands.maze", "run the maze benchmark (seRNN, spatial, L1, baseline)"),
    "analyze": ("sernn.commands.analyze", "topology analysis and figures of a benchmark output folder"),
    "report": ("sernn.commands.report", "a report with confidence intervals of an analysed maze folder"),
    "memory": ("sernn.commands.memory", "run the connectome (bio-instantiated) memory benchmark"),
    "microns": ("sernn.commands.microns", "run the MICrONS-constrained benchmark"),
}


class UsageError(Exception):
    """A user error that the command line reports as one line."""


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block) and exit code 2."""

    #: The subcommand on the command line (unrecognised options are reported by the top parser).
    chosen = None

    def error(self, message):
        prog = f"{self.prog} {self.chosen}" if self.chosen in SUBCOMMANDS else self.prog
        if message.startswith("unrecognized arguments: ") and prog != self.prog:
            option = message.split()[2].split("=")[0]
            owners = [name for name in _owners(option) if name != self.chosen]
            if option.startswith("--") and owners:
                message = (f"{option} is an option of {' and '.join('sernn ' + o for o in owners)}, not of "
                           f"{prog}")
        self.exit(2, f"{prog}: error: {message} (see {prog} --help)\n")


def _owners(option: str) -> list:
    """The subcommands that accept ``option``."""
    owners = []
    for name, (module_name, _) in SUBCOMMANDS.items():
        parser = argparse.ArgumentParser(add_help=False)
        try:
            importlib.import_module(module_name).add_arguments(parser)
        except Exception:  # a subcommand that cannot load has no options to offer
            continue
        if option in parser._option_string_actions:
            owners.append(name)
    return owners


def _build_parser(argv):
    parser = _OneLineParser(
        prog="sernn",
        description="Biologically constrained recurrent neural networks: benchmarks and analysis.",
    )
    from sernn import __version__

    parser.add_argument("--version", action="version", version=f"sernn {__version__}")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's native log lines (hidden by default); any position")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Only the module of the chosen subcommand is imported; the others get a
    # placeholder parser so that they are listed in --help.
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser.chosen = chosen
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(p)
            p.set_defaults(_run=module.run, _parser=p, _aliases=getattr(module, "ALIASES", None))
    return parser


def main(argv=None) -> int:
    """Entry point of the ``sernn`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--verbose" in argv:
        argv = [a for a in argv if a != "--verbose"]
        return _main(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from sernn.console import native_logs_filtered

    with native_logs_filtered():
        return _main(argv)


def _main(argv) -> int:
    parser = _build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a one-line option error
        return int(exc.code or 0)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0 if not argv else 2
    from sernn.executors import RunsFailed

    try:
        return int(args._run(args) or 0)
    except RunsFailed as exc:  # each failure was printed with its run id; the other runs are saved
        print(f"sernn {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"sernn {args.command}: interrupted; finished runs are saved, re-run to resume",
              file=sys.stderr)
        return 130
    except (UsageError, ValueError, TypeError, OSError, MemoryError, ImportError) as exc:
        if os.environ.get("SERNN_DEBUG"):
            raise
        print(f"sernn {args.command}: error: {error_line(exc, args._parser, args._aliases)}", file=sys.stderr)
        return 2


def error_line(exc: BaseException, parser=None, aliases=None) -> str:
    """One line for a user's or the environment's fault.

    An ``OSError`` with a file name reads ``PATH: what went wrong`` (``Permission denied``,
    ``No space left on device``, ``Read-only file system``...); a library message names its
    argument with the command's option (:func:`sernn.commands.options.in_flags`).
    """
    from sernn.commands.options import in_flags

    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        where = exc.filename if exc.filename2 is None else f"{exc.filename} -> {exc.filename2}"
        return f"{where}: {exc.strerror}"
    if isinstance(exc, MemoryError):
        return "out of memory: " + (str(exc) or "a size option asked for more memory than this machine has")
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, (ValueError, TypeError)) and parser is not None:  # library words -> the options
        message = in_flags(message, parser, aliases)
    return message


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
