"""``sernn memory``: bio-instantiated RNNs on working-memory tasks.

Thin wrapper around :func:`sernn.experiments.memory.memory_sweep`: the options are
the fields of :class:`sernn.experiments.memory.MemorySettings` plus the sweep's.
"""
from __future__ import annotations

import argparse

from sernn.commands.options import add_sweep_arguments, name_list, number_list, positive, sweep_options
from sernn.experiments import memory

__all__ = ["add_arguments", "run"]

#: The library's field names that are options of this command under another name.
ALIASES = {"intrinsic": "--no-intrinsic", "strategy": "--strategies"}
#: Options that are fields of MemorySettings under the same name (``--nback-n`` -> ``nback_n``).
FIELDS = ("species", "connectome_dir", "strategies", "tasks", "lengths", "nback_n", "optimizers", "activations",
          "learning_rates", "seeds", "epochs", "nback_epochs", "neurons_per_region", "target_sparsity",
          "intrinsic_sparsity", "intrinsic_weight", "n_trials", "test_fraction", "batch_size", "noise",
          "nback_length", "nback_min_difference", "intrinsic_rule", "partition", "orientation", "nback_timing",
          "nback_classes", "sequence_trials")


def _neurons(text):
    """One integer >= 1 (all regions) or a list of them (one per region)."""
    values = number_list(int, minimum=1)(text)
    return values[0] if len(values) == 1 else values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sernn memory``."""
    parser.description = (
        "Train bio-instantiated RNNs (area connectomes expanded to neurons) on working-memory tasks, "
        "for every species x strategy (b_w_no, b_w_eq, b_w_div and the r_ controls) x task setting x "
        "seed. --preset quick (default): macaque, sequence memory L=3, 50 epochs, 3 seeds; --preset paper: "
        "macaque, marmoset, human; sequence L=3,5,10 and n-back n=2,3,4; adam, rmsprop; relu, tanh; "
        "lr 1e-4; 500 / 3000 epochs; seeds 0-4; --preset published-code: the paper's grid with the "
        "published code's choices (see docs/connectomes.md). Re-running with the same --out resumes."
    )
    add_sweep_arguments(parser, memory.MEMORY, "sernn-runs/memory")
    parser.add_argument("--species", type=name_list, default=None,
                        help="comma-separated species (macaque, marmoset, human, mouse, mouse_ypma_oh, "
                             "drosophila) or connectome CSV paths (default: macaque)")
    parser.add_argument("--connectome-dir", default=None,
                        help="folder with the connectome CSV files (default: $SERNN_CONNECTOMES, "
                             "../shared/data/connectomes, data/connectomes)")
    parser.add_argument("--strategies", type=name_list, default=None,
                        help="comma-separated subset of " + ", ".join(memory.STRATEGIES) + " (default: all)")
    parser.add_argument("--tasks", type=name_list, default=None,
                        help="comma-separated subset of sequence, nback (default: sequence)")
    parser.add_argument("--lengths", type=number_list(int, minimum=1), default=None,
                        help="sequence-memory lengths L (default: 3)")
    parser.add_argument("--nback-n", type=number_list(int, minimum=1), default=None, help="n-back n values (default: 2)")
    parser.add_argument("--optimizers", type=name_list, default=None,
                        help="comma-separated keras optimizer names (default: adam)")
    parser.add_argument("--activations", type=name_list, default=None,
                        help="comma-separated activations of the recurrent units (default: relu)")
    parser.add_argument("--learning-rates", type=number_list(float, strict=True), default=None,
                        help="comma-separated learning rates (default: 1e-3; paper: 1e-4)")
    parser.add_argument("--seeds", type=number_list(int), default=None, help="comma-separated seeds (default: 0,1,2)")
    parser.add_argument("--epochs", type=positive(int), default=None,
                        help="epochs of sequence-memory runs (default: 50; paper: 500)")
    parser.add_argument("--nback-epochs", type=positive(int), default=None,
                        help="epochs of n-back runs (default: --epochs; paper: 3000)")
    _add_network_arguments(parser)


def _add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """The connectome expansion, data and published-code options of ``sernn memory``."""
    parser.add_argument("--neurons-per-region", type=_neurons, default=4,
                        help="neurons per region: one integer, or one per region comma-separated "
                             "(default: 4, as in the paper)")
    parser.add_argument("--target-sparsity", type=float, default=0.8, help="default: %(default)s")
    parser.add_argument("--intrinsic-sparsity", type=float, default=1.0, help="default: %(default)s")
    parser.add_argument("--intrinsic-weight", type=float, default=0.8, help="default: %(default)s")
    parser.add_argument("--no-intrinsic", action="store_true", help="no within-region connections")
    parser.add_argument("--n-trials", type=positive(int), default=1000, help="default: %(default)s")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="default: %(default)s")
    parser.add_argument("--batch-size", type=positive(int), default=128, help="default: %(default)s")
    parser.add_argument("--noise", type=float, default=0.0,
                        help="input noise s.d. during training (default: 0, as in the paper)")
    parser.add_argument("--nback-length", type=positive(int), default=None,
                        help="values shown per n-back trial (default: n + 4)")
    code = parser.add_argument_group("the published code's choices (defaults: the paper's text, or --preset "
                                     "published-code's; see docs/connectomes.md)")
    code.add_argument("--sequence-trials", type=positive(int), default=None,
                      help="sequence-memory trials (default: --n-trials; published-code: 500)")
    code.add_argument("--intrinsic-rule", choices=("paper", "bio2art"), default=None,
                      help="within-region weight: paper = 0.8 x outgoing strength; bio2art = 4 x incoming "
                           "(the published expansion code)")
    code.add_argument("--partition", choices=("dirichlet", "stick"), default=None,
                      help="random split of a block's weight (b_w_div): flat Dirichlet, or bio2art's stick-breaking")
    code.add_argument("--orientation", choices=("source-target", "transposed"), default=None,
                      help="transposed: the network the published PyTorch runs had (the connectome transposed)")
    code.add_argument("--nback-timing", choices=("separate-cue", "original"), default=None,
                      help="original: M = 5 values, the cue with the last value, the response on the next step")
    code.add_argument("--nback-classes", type=int, choices=(2, 3), default=None,
                      help="3: fixate, no-match, match read-out of the published code (default: 2)")
    parser.add_argument("--nback-min-difference", type=float, default=0.0,
                        help="minimum |difference| of a no-match value (default: 0)")




def run(args) -> int:
    """Run ``sernn memory``; returns the exit code."""
    memory.memory_sweep(**sweep_options(args), intrinsic=not args.no_intrinsic,
                        **{name: getattr(args, name) for name in FIELDS})
    return 0
