"""Speed of the fixed-point analysis (``sernn analyze --dynamics``): batched against one network at a time.

Takes ``--networks`` finished runs of a ``sernn maze`` folder (every weight saved, validation accuracy >=
``--min-accuracy`` at the analysed epoch), and times :func:`sernn.experiments.maze_dynamics.network_dynamics`
(1,000 initial states per network by default, everything ``sernn analyze --dynamics`` computes):

1. batched: ``--batch`` networks per call, every network of a call in one optimisation (what the command does);
2. one network at a time, on the first ``--alone`` of them (the reference: the loop a notebook would run).

Prints seconds per network of each, their ratio, and checks that both give the same counts of fixed points.

    python scripts/bench_dynamics.py RUN_DIR --networks 100
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from sernn.experiments.maze_dynamics import network_dynamics  # noqa: E402
from sernn.experiments.run_analysis import maze_records, saved_network  # noqa: E402
from sernn.hidden_states import RECURRENT_WEIGHTS  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--networks", type=int, default=100)
    parser.add_argument("--alone", type=int, default=None, help="networks timed one at a time (default: all)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--initial-states", type=int, default=1000)
    parser.add_argument("--min-accuracy", type=float, default=0.9)
    args = parser.parse_args()
    store, records, _, epoch = maze_records(args.run_dir, None, args.min_accuracy, print, "the benchmark")
    records = records[:args.networks]
    networks = [saved_network(store, r["run_id"], epoch)[0] for r in records]
    networks = [w for w in networks if w is not None]
    n = len(networks)
    print(f"{n} networks of {args.run_dir} at epoch {epoch}, {args.initial_states} initial states each, "
          f"{os.cpu_count()} CPUs visible, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    network_dynamics(networks[0], initial_states=10, max_iters=10)   # compile once, outside the timings
    tick = time.perf_counter()
    batched = []
    for first in range(0, n, args.batch):
        group = networks[first:first + args.batch]
        stacked = {name: np.stack([w[name] for w in group]) for name in RECURRENT_WEIGHTS}
        batched += network_dynamics(stacked, initial_states=args.initial_states)
    together = (time.perf_counter() - tick) / n
    alone_n = n if args.alone is None else min(args.alone, n)
    tick = time.perf_counter()
    alone = [network_dynamics(w, initial_states=args.initial_states)[0] for w in networks[:alone_n]]
    apart = (time.perf_counter() - tick) / alone_n
    same = sum(a[0][k] == b[0][k] for a, b in zip(alone, batched) for k in ("n_stable", "n_unstable"))
    print(f"batched ({args.batch} per call): {together:.2f} s per network, {together * n:.0f} s for {n}")
    print(f"one at a time ({alone_n} networks): {apart:.2f} s per network")
    print(f"ratio (one at a time / batched): {apart / together:.1f}x")
    print(f"same counts of stable and unstable fixed points: {same} of {2 * alone_n}")
    stable = np.array([row["n_stable"] for row, _ in batched])
    print(f"stable fixed points per network: median {np.median(stable):.0f}, range {stable.min()}-{stable.max()}")


if __name__ == "__main__":
    main()
