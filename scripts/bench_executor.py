"""The same maze sweep run locally and on a local Ray instance, and Ray's overhead per task.

    python scripts/bench_executor.py                      # 8 networks, populations of 4, 3 epochs
    python scripts/bench_executor.py --seeds 16 --population 4 --epochs 10

Locally the populations train one after the other with every core; on Ray each
population is one task with ``--task-cpus`` CPUs, as many at once as the cores
allow. Prints both wall times (start-up included: Ray's start and its workers'
TensorFlow import are part of what a user waits for), the ratio, whether the
two folders hold the same rows, and the round-trip time of empty tasks.
"""
import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sernn  # noqa: E402,F401  (before TensorFlow: oneDNN kernels, as in `sernn maze`)


def _noop(item):
    return item


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="networks (one seed each; default: 8)")
    parser.add_argument("--population", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--task-cpus", type=float, default=1.0)
    parser.add_argument("--empty-tasks", type=int, default=50)
    args = parser.parse_args(argv)
    import pandas as pd

    from sernn.executors import RayExecutor
    from sernn.experiments.maze import maze_sweep

    options = dict(conditions=["sernn"], strengths=[0.3], seeds=list(range(args.seeds)), epochs=args.epochs,
                   noise=0.0, population=args.population, log=lambda line: None)
    root = Path(tempfile.mkdtemp(prefix="bench-executor-"))
    try:
        print(f"{args.seeds} maze networks, populations of {args.population}, {args.epochs} epochs of 5120 "
              f"trials; {os.cpu_count()} CPU cores")
        start = time.perf_counter()
        maze_sweep(out=root / "local", **options)
        local = time.perf_counter() - start
        print(f"local: {local:.1f} s")
        start = time.perf_counter()
        with RayExecutor(task_cpus=args.task_cpus) as executor:
            started = time.perf_counter() - start
            maze_sweep(out=root / "ray", executor=executor, **options)
            remote = time.perf_counter() - start
            print(f"ray ({args.task_cpus:g} CPU per task): {remote:.1f} s (of which {started:.1f} s starting Ray); "
                  f"ratio local / ray {local / remote:.2f}x")
            a, b = (pd.read_csv(root / name / "metrics.csv").sort_values(["run_id", "epoch"]).reset_index(drop=True)
                    for name in ("local", "ray"))
            print(f"same rows: {a.equals(b)} ({len(a)} rows)")
            items = list(range(args.empty_tasks))
            list(executor.map(_noop, items[:4]))  # warm workers
            start = time.perf_counter()
            list(executor.map(_noop, items))
            each = (time.perf_counter() - start) / len(items)
            print(f"overhead: {each * 1000:.1f} ms per empty task ({len(items)} tasks, warm workers)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
