"""``sernn report RUN_DIR``: the paper's comparisons of a benchmark folder, with confidence intervals.

Thin wrapper around :func:`sernn.experiments.maze_report.maze_report` (maze
folders, after ``sernn maze`` and ``sernn analyze``).
"""
from __future__ import annotations

import argparse
import shlex
import sys

#: The library's argument names that are options of this command under another name.
ALIASES = {"n_boot": "--boot"}

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sernn report``."""
    parser.description = ("Write RUN_DIR/report/ (report.md, report.json, tables, figures). Maze folders: the "
                          "seRNN paper's comparisons at matched accuracy with 95 % confidence intervals (run "
                          "`sernn analyze RUN_DIR` first), and its functional claims when `sernn analyze RUN_DIR "
                          "--activity` has run. Memory folders: the connectome study's paired "
                          "comparisons of strategies and their randomised controls. MICrONS folders: the variants "
                          "compared on the same seeds and the study's claims.")
    parser.add_argument("run_dir", metavar="RUN_DIR",
                        help="a `sernn maze` folder analysed by `sernn analyze`, or a `sernn memory` folder")
    parser.add_argument("--epoch", type=int, default=9,
                        help="completed training epochs at which networks are compared (default: 9, the paper's)")
    parser.add_argument("--min-accuracy", type=float, default=0.9,
                        help="keep networks with at least this validation accuracy at --epoch "
                             "(default: 0.9, the paper's filter)")
    parser.add_argument("--bins", type=int, default=10,
                        help="strength bins of the learning table and strength figures (default: 10)")
    parser.add_argument("--min-networks", type=int, default=None,
                        help="networks each group needs for a claim's verdict (default: 10), or, in a memory "
                             "folder, pairs of runs on the same seed (default: 10)")
    parser.add_argument("--boot", type=int, default=10000, help="bootstrap resamples (default: 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    parser.add_argument("--no-figures", action="store_true", help="tables and text only")


def _command():
    return "sernn " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[0].endswith("sernn") else None


def _print_claims(report, what, present, tables):
    print(f"Report of {report['folder']}: {report['runs']} runs, {what} " + ", ".join(present))
    for claim in report["claims"]:
        print(f"- {claim['claim']}: {claim['verdict']}; {claim['detail']}")
    print(f"wrote {report['folder']}/report/report.md, report.json, {tables}")


def run(args) -> int:
    """Run ``sernn report``; returns the exit code."""
    from sernn.experiments.maze_report import maze_report
    from sernn.runfolder import RunStore
    from sernn.resources import check_fits
    from sernn.validation import check_integer, check_real

    # every option before the folder is read
    check_integer(args.boot, "boot", low=100)
    check_real(args.min_accuracy, "min_accuracy", low=0, high=1)
    check_integer(args.bins, "bins", low=1)
    if args.min_networks is not None:
        check_integer(args.min_networks, "min_networks", low=2)
    check_fits(16 * args.boot, "boot", args.boot, "the bootstrap resamples")  # at least one value each
    benchmark = RunStore.open(args.run_dir).benchmark
    if benchmark in ("memory", "microns"):
        import importlib

        module = importlib.import_module(f"sernn.experiments.{benchmark}_report")
        report = getattr(module, f"{benchmark}_report")(
            args.run_dir, n_boot=args.boot, seed=args.seed,
            min_pairs=10 if args.min_networks is None else args.min_networks, command=_command())
        what = "strategies" if benchmark == "memory" else "variants"
        from pathlib import Path

        written = ", ".join(sorted(path.name for path in (Path(report["folder"]) / "report").glob("*.csv")))
        _print_claims(report, what, report[f"{what}_present"], written)
        return 0
    if benchmark != "maze":
        raise ValueError(f"sernn report reads maze, memory and microns folders; {args.run_dir!r} holds a "
                         f"{benchmark!r} benchmark")
    report = maze_report(args.run_dir, epoch=args.epoch, min_accuracy=args.min_accuracy, bins=args.bins,
                         n_boot=args.boot, seed=args.seed, figures=not args.no_figures,
                         min_networks=10 if args.min_networks is None else args.min_networks,
                         command=_command())
    print(f"Report of {report['folder']} at epoch {report['epoch']}, validation accuracy >= "
          f"{report['min_accuracy']} (kept: " + ", ".join(f"{c} {n}/{report['networks'][c]}"
                                                         for c, n in report["networks_kept"].items()) + ")")
    for claim in report["claims"]:
        basis = f" (at {claim['basis']})" if claim.get("basis") not in (None, "none") else ""
        print(f"- {claim['claim']}: {claim['verdict']}{basis}; {claim['detail']}")
    print(f"wrote {report['folder']}/report/report.md, report.json and "
          f"{len(report.get('figures', []))} figures")
    return 0
