"""Speed of the connectome memory benchmark: population trainer against keras fit, and the paper preset.

Part 1 times the same workload both ways in the same run: ``--epochs`` epochs of
one task setting (default: macaque, sequence memory L = 3, Adam, ReLU, learning
rate 1e-4, 4 neurons per region, 800 training and 200 test trials, batch 128,
as in ``sernn memory --preset paper``):

* one at a time: :func:`sernn.experiments.memory.run_one` (``build_sernn`` +
  ``keras.Model.fit``) for ``--single`` runs, time per network;
* population: :func:`sernn.experiments.memory.run_population` of the 6
  strategies x ``--seeds`` seeds, time per network;

and prints the ratio. Part 2 (``--preset``) measures the population time per
epoch of every (species, task setting) group of the paper's grid and adds up
the whole preset's time on this machine: every group x 2 optimizers x 2
activations x its epochs (500 for sequence memory, 3,000 for n-back).

    python scripts/bench_memory.py                 # part 1, 3 epochs
    python scripts/bench_memory.py --preset        # and the paper preset's estimate
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sernn  # noqa: E402,F401  (before TensorFlow: sernn turns on its oneDNN kernels, as `sernn memory` does)


def settings(epochs, **extra):
    from sernn.experiments.memory import PAPER

    base = {"neurons_per_region": 4, "target_sparsity": 0.8, "intrinsic": True, "intrinsic_sparsity": 1.0,
            "intrinsic_weight": 0.8, "n_trials": 1000, "test_fraction": 0.2, "batch_size": 128, "noise": 0.0,
            "nback_length": None, "nback_min_difference": 0.0, "epochs": epochs, "nback_epochs": epochs}
    base.update(extra)
    return base, PAPER


def specs(species, task, setting, seeds, optimizer="adam", activation="relu"):
    from sernn.connectomes.strategies import STRATEGIES
    from sernn.experiments.memory import MemoryRun

    return [MemoryRun(species, task, setting, optimizer, activation, 1e-4, strategy, seed)
            for seed in seeds for strategy in STRATEGIES]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--single", type=int, default=3, help="networks trained one at a time (default 3)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds in the population (x 6 strategies)")
    parser.add_argument("--preset", action="store_true", help="also estimate the paper preset's time")
    parser.add_argument("--connectome-dir", default=None)
    args = parser.parse_args()

    from sernn.connectomes import load
    from sernn.connectomes.catalog import find_connectome
    from sernn.experiments.memory import run_one, run_population

    config, paper = settings(args.epochs)
    connectomes = {name: load(find_connectome(name, args.connectome_dir)) for name in paper["species"]}
    runs = specs("macaque", "sequence", 3, range(args.seeds))
    start = time.perf_counter()
    for spec in runs[:args.single]:
        run_one(spec, config, connectomes["macaque"])
    single = (time.perf_counter() - start) / args.single
    start = time.perf_counter()
    run_population(runs, config, connectomes)
    together = (time.perf_counter() - start) / len(runs)
    print(f"macaque, sequence L=3, {args.epochs} epochs, 4 neurons per region ({4 * connectomes['macaque'].n_regions} "
          f"units):")
    print(f"one at a time (build_sernn + fit): {single:.2f} s per network ({args.single} networks)")
    print(f"population of {len(runs)} (6 strategies x {args.seeds} seeds): {together:.2f} s per network, "
          f"ratio {single / together:.1f}x")
    if not args.preset:
        return
    print("\nthe paper preset (population trainer, groups of 6 strategies x 5 seeds), per group:")
    total = 0.0
    networks = 0
    for species in paper["species"]:
        for task, values, epochs in (("sequence", paper["lengths"], paper["epochs"]),
                                     ("nback", paper["nback_n"], paper["nback_epochs"])):
            for setting in values:
                group = specs(species, task, setting, range(5))
                timing = {}
                for measured in (1, 1 + args.epochs):  # the difference removes building and tracing
                    config, _ = settings(measured)
                    start = time.perf_counter()
                    run_population(group, config, connectomes)
                    timing[measured] = time.perf_counter() - start
                per_epoch = (timing[1 + args.epochs] - timing[1]) / args.epochs
                fixed = timing[1] - per_epoch
                seconds = 4 * (fixed + per_epoch * epochs)  # x 2 optimizers x 2 activations
                total += seconds
                networks += 4 * len(group)
                print(f"  {species:9s} {task:8s} {setting:2d}: {per_epoch:6.3f} s per epoch for {len(group)} "
                      f"networks; x {epochs} epochs x 4 optimizer/activation pairs = {seconds / 3600:6.2f} h")
    print(f"whole preset: {networks} networks, {total / 3600:.1f} h on this machine "
          f"({total / networks:.1f} s per network)")


if __name__ == "__main__":
    main()
