"""The memory benchmark's settings: its presets, the published code's choices and :class:`MemorySettings`.

:class:`MemorySettings` holds every option of ``sernn memory`` (the library form of
its command line), checked when made; :func:`task_data` draws the trials of one task
setting as the settings say (see :mod:`sernn.experiments.memory`).
"""
from __future__ import annotations

from dataclasses import dataclass

from sernn.connectomes.strategies import STRATEGIES, parse_strategy
from sernn.experiments.settings import Settings, choice, integer, names, number_list, option, real, seed_list

__all__ = ["TASKS", "QUICK", "PAPER", "PUBLISHED_CODE", "PUBLISHED_CODE_DEFAULTS", "EXPANSION_OPTIONS",
           "MemorySettings", "task_data"]

#: Task name -> name of its setting.
TASKS = {"sequence": "length", "nback": "n"}

#: Quick default settings.
QUICK = dict(species=["macaque"], tasks=["sequence"], lengths=[3], nback_n=[2], optimizers=["adam"],
             activations=["relu"], learning_rates=[1e-3], seeds=[0, 1, 2], epochs=50, nback_epochs=None)

#: The paper's settings (Goulas, Damicelli & Hilgetag, Neural Networks 2021, section 4.1).
PAPER = dict(species=["macaque", "marmoset", "human"], tasks=["sequence", "nback"], lengths=[3, 5, 10],
             nback_n=[2, 3, 4], optimizers=["adam", "rmsprop"], activations=["relu", "tanh"],
             learning_rates=[1e-4], seeds=[0, 1, 2, 3, 4], epochs=500, nback_epochs=3000)

#: The paper's grid run the way the authors' published code ran it (bio2art for the expansion,
#: bio_rnn_mem for the experiments): its intrinsic rule, stick-breaking split, transposed connectome,
#: n-back timing and three-class read-out, and 500 sequence-memory trials (400 / 100).
PUBLISHED_CODE = dict(PAPER, intrinsic_rule="bio2art", partition="stick", orientation="transposed",
                      nback_timing="original", nback_classes=3, sequence_trials=500)


def task_data(task: str, setting: int, settings: dict, seed: int):
    from sernn.tasks.memory import nback, sequence_memory, train_test_split

    if task == "sequence":
        data = sequence_memory(settings.get("sequence_trials", settings["n_trials"]), setting, seed=seed)
    else:
        data = nback(settings["n_trials"], setting, seed=seed, length=settings["nback_length"],
                     min_difference=settings["nback_min_difference"],
                     timing=settings.get("nback_timing", PUBLISHED_CODE_DEFAULTS["nback_timing"]),
                     classes=settings.get("nback_classes", PUBLISHED_CODE_DEFAULTS["nback_classes"]))
    return train_test_split(data, settings["test_fraction"])


#: Options of the published code (see :func:`sernn.connectomes.expand` and :func:`sernn.tasks.nback`) and
#: their defaults, the papers' text. A folder's settings hold them only when they differ from these.
PUBLISHED_CODE_DEFAULTS = {"intrinsic_rule": "paper", "partition": "dirichlet", "orientation": "source-target",
                           "nback_timing": "separate-cue", "nback_classes": 2}
EXPANSION_OPTIONS = ("intrinsic_rule", "partition", "orientation")


def _check_keras_names(optimizers, activations) -> None:
    """Refuse unknown optimizer and activation names before any run trains."""
    import keras

    for name in optimizers:
        try:
            keras.optimizers.get({"class_name": name, "config": {}})
        except ValueError:
            raise ValueError(f"optimizers: unknown Keras optimizer {name!r}; use names such as adam, "
                             "rmsprop, sgd") from None
    for name in activations:
        try:
            keras.activations.get(name)
        except ValueError:
            raise ValueError(f"activations: unknown Keras activation {name!r}; use names such as "
                             "relu, tanh, sigmoid") from None


def _neurons_per_region(value, name):
    """One integer >= 1 (every region) or a list of them (one per region)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"{name} must be an integer >= 1 or a list of them; got an empty list")
        return [integer(low=1)(v, name) for v in value]
    return integer(low=1)(value, name)


def _strategies(value, name):
    return tuple(dict.fromkeys(parse_strategy(s).code for s in names()(value, name)))


@dataclass(frozen=True)
class MemorySettings(Settings):
    """Every option of a memory sweep, checked when made (the library form of ``sernn memory``'s options).

    Options left at None take the preset's value (:data:`QUICK`, :data:`PAPER`,
    :data:`PUBLISHED_CODE`); the published code's choices (``intrinsic_rule``,
    ``partition``, ``orientation``, ``nback_timing``, ``nback_classes``) default to the
    papers' text (:data:`PUBLISHED_CODE_DEFAULTS`) and are stored in ``settings.json``
    only when they differ from it, as sernn 0.1 stored them.

    Examples
    --------
    >>> settings = MemorySettings.from_options("quick", seeds=[0])
    >>> settings.species, settings.tasks, settings.nback_epochs, settings.intrinsic_rule
    (('macaque',), ('sequence',), 50, 'paper')
    >>> MemorySettings.from_options("quick", tasks=["chess"])
    Traceback (most recent call last):
    ValueError: tasks must be one of 'sequence', 'nback'; got 'chess'
    """

    benchmark = "memory"
    presets = {"quick": QUICK, "paper": PAPER, "published-code": PUBLISHED_CODE}

    species: tuple = option(None, names(), extendable=True)
    tasks: tuple = option(None, names(TASKS), extendable=True)
    lengths: tuple = option(None, number_list(low=1, kind="integer"), extendable=True)
    nback_n: tuple = option(None, number_list(low=1, kind="integer"), extendable=True)
    optimizers: tuple = option(None, names(), extendable=True)
    activations: tuple = option(None, names(), extendable=True)
    learning_rates: tuple = option(None, number_list(low=0, inclusive="neither"), extendable=True)
    strategies: tuple = option(STRATEGIES, _strategies, extendable=True)
    seeds: tuple = option(None, seed_list, extendable=True)
    epochs: int = option(None, integer(low=1))
    nback_epochs: int = option(None, integer(low=1))
    neurons_per_region: object = option(4, _neurons_per_region)
    target_sparsity: float = option(0.8, real(low=0, high=1))
    intrinsic: bool = option(True)
    intrinsic_sparsity: float = option(1.0, real(low=0, high=1))
    intrinsic_weight: float = option(0.8, real(low=0))
    n_trials: int = option(1000, integer(low=1))
    test_fraction: float = option(0.2, real(low=0, high=1, inclusive="neither"))
    batch_size: int = option(128, integer(low=1))
    noise: float = option(0.0, real(low=0))
    nback_length: int = option(None, integer(low=1))
    nback_min_difference: float = option(0.0, real(low=0, high=0.5, inclusive="left"))
    intrinsic_rule: str = option(None, choice(("paper", "bio2art")))
    partition: str = option(None, choice(("dirichlet", "stick")))
    orientation: str = option(None, choice(("source-target", "transposed")))
    nback_timing: str = option(None, choice(("separate-cue", "original")))
    nback_classes: int = option(None, choice((2, 3)))
    sequence_trials: int = option(None, integer(low=1))
    connectome_dir: str = option(None, stored=False)

    def validate(self):
        for key, default in PUBLISHED_CODE_DEFAULTS.items():
            if getattr(self, key) is None:
                object.__setattr__(self, key, default)
        if self.nback_epochs is None:
            object.__setattr__(self, "nback_epochs", self.epochs)
        object.__setattr__(self, "intrinsic", bool(self.intrinsic))
        if self.nback_length is not None and "nback" in self.tasks and self.nback_length <= max(self.nback_n):
            raise ValueError(f"nback_length {self.nback_length} must exceed every nback_n "
                             f"(largest {max(self.nback_n)})")
        _check_keras_names(self.optimizers, self.activations)

    def stored(self) -> dict:
        stored = super().stored()
        for key, default in PUBLISHED_CODE_DEFAULTS.items():
            if stored[key] == default:
                del stored[key]
        if stored["sequence_trials"] is None:
            del stored["sequence_trials"]
        return stored

    def runs(self, shard=(0, 1)) -> list:
        """The planned runs (:func:`sernn.experiments.memory.plan_runs`)."""
        from sernn.experiments.memory import plan_runs

        return plan_runs(self.species, self.tasks, self.lengths, self.nback_n, self.optimizers, self.activations,
                         self.learning_rates, self.strategies, self.seeds, shard=shard)

    def check_data(self, connectomes: dict) -> None:
        """Refuse settings the connectomes or the tasks cannot take (one cheap expansion and draw each)."""
        from sernn.connectomes import expand

        if isinstance(self.neurons_per_region, list):
            wrong = {n: c.n_regions for n, c in connectomes.items() if c.n_regions != len(self.neurons_per_region)}
            if wrong:
                raise ValueError(f"neurons_per_region has {len(self.neurons_per_region)} values but the "
                                 f"connectomes have {wrong} regions; give one integer, or one per region for "
                                 "a single species")
        for connectome in connectomes.values():
            expand(connectome, self.neurons_per_region, target_sparsity=self.target_sparsity,
                   intrinsic=self.intrinsic, intrinsic_sparsity=self.intrinsic_sparsity,
                   intrinsic_weight=self.intrinsic_weight, seed=0,
                   **{key: getattr(self, key) for key in EXPANSION_OPTIONS})
        from sernn.resources import check_fits

        stored = self.stored()
        for task in self.tasks:
            sequence = task == "sequence"
            count, name = ((self.sequence_trials, "sequence_trials") if sequence and self.sequence_trials
                           else (self.n_trials, "n_trials"))
            for setting in (self.lengths if sequence else self.nback_n):
                # time steps of a trial: 2 L + 1 (sequence memory); the values shown, cue and response (n-back)
                steps = 2 * setting + 1 if sequence else (self.nback_length or setting + 4) + 2
                culprit = (("lengths", setting) if sequence else ("nback_length", self.nback_length)
                           if self.nback_length else ("nback_n", setting))
                # about 64 bytes a step and trial (inputs, targets and weights, drawn in float64)
                need = 64 * steps * count
                check_fits(need, *(culprit if steps > count else (name, count)),
                           f"the {task} trials of one run ({count} trials of {steps} steps)")
            task_data(task, (self.lengths if task == "sequence" else self.nback_n)[0], stored, 0)
