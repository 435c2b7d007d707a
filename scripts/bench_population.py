"""Speed of population training against one network at a time (maze networks).

Times the same workload both ways in the same run: ``--epochs`` epochs of
``--trials`` maze training trials (batch 128) plus ``--val-trials`` validation
trials per network, seRNN regulariser at strength 0.3, input noise 0.05:

* one at a time: ``build_sernn`` + ``keras.Model.fit`` for each of ``--single``
  networks (today's path of ``sernn maze``), time per network;
* population: ``sernn.population.Population`` of K members (K from ``--sizes``),
  construction included, time per member.

and prints the ratio (time per network one at a time / time per member).

    python scripts/bench_population.py                      # K = 4 16 64 256
    python scripts/bench_population.py --sizes 16 --epochs 2
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import sernn  # noqa: E402,F401  (before TensorFlow: sernn turns on its oneDNN kernels, as in `sernn maze`)


def members(count, offset=0):
    from sernn.regularizers import SpatialCommunicability

    return [{"seed": offset + k, "recurrent_regularizer": SpatialCommunicability(0.3)} for k in range(count)]


def one_at_a_time(count, trials, val_trials, epochs):
    from sernn.models import build_sernn
    from sernn.tasks import maze

    start = time.perf_counter()
    for member in members(count):
        model = build_sernn(**member)
        x, y = maze(trials, seed=member["seed"])
        model.fit(x, y, batch_size=128, epochs=epochs, validation_data=maze(val_trials, seed=10000 + member["seed"]),
                  verbose=0)
    return (time.perf_counter() - start) / count


def population(count, trials, val_trials, epochs):
    from sernn.population import Population
    from sernn.tasks.maze import PROBLEM_INPUTS, PROBLEM_TARGETS, maze_problems

    start = time.perf_counter()
    specs = members(count)
    pop = Population(specs)
    built = time.perf_counter() - start
    train = np.stack([maze_problems(trials, m["seed"]) for m in specs])
    val = np.stack([maze_problems(val_trials, 10000 + m["seed"]) for m in specs])
    rows, _ = pop.fit(PROBLEM_INPUTS, PROBLEM_TARGETS, train, val, epochs=epochs)
    total = time.perf_counter() - start
    return total / count, built / count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 16, 64, 256])
    parser.add_argument("--single", type=int, default=3, help="networks timed one at a time (default: 3)")
    parser.add_argument("--trials", type=int, default=5120)
    parser.add_argument("--val-trials", type=int, default=2560)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args(argv)
    import tensorflow as tf

    devices = ", ".join(d.device_type for d in tf.config.list_physical_devices())
    print(f"maze networks, {args.epochs} epoch(s) of {args.trials} trials + {args.val_trials} validation "
          f"trials each; devices: {devices}; {os.cpu_count()} CPU cores; "
          f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}")
    single = one_at_a_time(args.single, args.trials, args.val_trials, args.epochs)
    print(f"one at a time (build_sernn + fit): {single:.2f} s per network ({args.single} networks)")
    for size in args.sizes:
        per_member, build = population(size, args.trials, args.val_trials, args.epochs)
        print(f"population K={size:4d}: {per_member:.3f} s per network (construction {build:.3f} s of it), "
              f"ratio {single / per_member:.1f}x", flush=True)


if __name__ == "__main__":
    main()
