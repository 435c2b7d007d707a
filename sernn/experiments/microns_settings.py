"""The MICrONS benchmark's settings: tasks, default strengths, presets and :class:`MicronsSettings`.

:class:`MicronsSettings` holds every run option of ``sernn microns`` (the library form
of its command line), checked when made; see :mod:`sernn.experiments.microns`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sernn.experiments.microns_data import WHY, MicronsData
from sernn.experiments.microns_variants import parse_variant
from sernn.experiments.settings import Settings, choice, integer, names, option, real, seed_list
from sernn.experiments.model_options import check_model_options, model_fields

__all__ = ["TASKS", "PLATEAUS", "QUICK_VARIANTS", "FULL_VARIANTS", "STUDY_VARIANTS", "DEFAULT_STRENGTHS",
           "TASK_STRENGTH_SCALES", "PRESETS", "MicronsSettings", "PUBLISHED_CODE", "CHOICES"]

#: Task name -> (input channels, classes).
TASKS = {"maze": (8, 4), "go_nogo": (3, 2), "perceptual_decision": (3, 2)}

#: Validation-accuracy band of a network without working memory, per task.
PLATEAUS = {"maze": (0.58, 0.66), "go_nogo": (0.45, 0.55), "perceptual_decision": (0.45, 0.55)}

#: Quick default. On pinky100 (no traces) the function-derived ones are skipped with a message.
QUICK_VARIANTS = ("W", "S", "W+D", "W+D*", "W+D*+C", "W+D*+C*", "S+M+P", "W*+D*+C", "W!+D*+C")
#: The full grid of the MICrONS inductive-bias study's comparisons plus the synapse and sign variants.
FULL_VARIANTS = ("W", "W*", "W!", "S", "W+D", "W+D*", "W+D+C", "W+D*+C", "W+D*+C*",
                 "W*+D*+C", "W*+D*+C*", "W!+D*+C*", "S+D*+C*", "W+P", "W*+P", "S+M", "S+M+P")

#: The study's models, by the names of its notebook -> sernn variants (its "W" is the orthogonal
#: network *with an L1 penalty*), then the controls that separate biological structure from scale:
#: the matched-scale log-normal init (Wlog), the precision and STTC-only arms and the sign arm.
STUDY_MODELS = {"W": "L1", "WD": "D", "WD*": "D*", "WDC": "D+C", "WD*C": "D*+C", "W*D*C": "W*+D*+C",
                "W!D*C": "W!+D*+C", "WD*C*": "D*+C*", "W*D*C*": "W*+D*+C*", "W*DC*": "W*+D+C*",
                "W!D*C*": "W!+D*+C*"}
STUDY_VARIANTS = tuple(STUDY_MODELS.values()) + ("Wlog+D*+C", "W*prec+D*+C", "W*sttc+D*+C", "W*+D*+C+P")

#: Default strengths (size-normalised penalties; see the module docstring). ``l1``: the L1 token's.
DEFAULT_STRENGTHS = {"spatial": 0.006, "sernn": 0.3, "communicability": 0.9, "matching": 0.1, "l1": 0.3}
#: The study's strengths: lambda = 0.3 on every summed penalty, 0.1 on the EMD term.
STUDY_STRENGTHS = {"spatial": 0.3, "sernn": 0.3, "communicability": 0.3, "matching": 0.1, "l1": 0.3}

#: The published code's choices, by name (each setting's first value is the correct one, the default):
#: ``coordinates`` of D* (true positions in µm, their per-axis min-max as the study's methods
#: describe, or the published notebook's scrambled reshape), ``l1_strength`` (the stated lambda, or
#: the published L1 class that never multiplies by it: strength 1), ``functional_recipe``
#: (:mod:`sernn.initializers.microns_kernels`) and ``permutation`` of W! (shuffled pairs, or the
#: notebook's relabelling of neurons, which keeps W*'s graph and diagonal).
CHOICES = {"coordinates": ("micrometres", "minmax", "published-code"),
           "l1_strength": ("stated", "published-code"),
           "functional_recipe": ("pairs", "published-code"),
           "permutation": ("entries", "neurons")}
#: Every choice as the published notebook makes it (``--published-code``).
PUBLISHED_CODE = {"coordinates": "published-code", "l1_strength": "published-code",
                  "functional_recipe": "published-code", "permutation": "neurons"}
#: Penalty forms: sernn's size normalisation, or the plain sum of the seRNN paper and the study.
NORMALIZATIONS = ("size", "none")
#: Settings added after sernn 0.3: left out of settings.json at these values, so older folders resume.
_LEGACY = {"coordinates": "micrometres", "l1_strength": "stated", "functional_recipe": "pairs",
           "permutation": "entries", "normalization": "size", "grid": None}

#: Factor applied to every strength, per task. The strengths above are the maze's (the paper's
#: demo calibration). The decision tasks give no cue when the answer is due, so their task gradient
#: is near zero until working memory forms; under Adam an L1-type penalty then shrinks every
#: recurrent weight by about the learning rate per step and the recurrence dies first (measured on
#: pinky100, 100 cells, 8 epochs of 2,048 trials, one seed: go_nogo with D* at strength 0.001
#: keeps task loss ln 2 for all epochs; at 1.2e-4 (1/50) D, D* and C* still stay at chance on
#: go_nogo while D* and D*+C learn and then collapse on perceptual_decision; at 1e-4 and 3e-5
#: D* and D*+C reach 100 % on go_nogo). Hence 1/200 of the maze strengths for them.
TASK_STRENGTH_SCALES = {"maze": 1.0, "go_nogo": 0.005, "perceptual_decision": 0.005}


#: The presets: a quick look, and the study's training settings over the full variant grid.
PRESETS = {
    "quick": {"variants": list(QUICK_VARIANTS), "seeds": [0], "epochs": 8, "train_trials": 2048,
              "val_trials": 256, "test_trials": 256},
    # the published notebook: 30 runs per model
    "paper": {"variants": list(FULL_VARIANTS), "seeds": list(range(30)), "epochs": 10, "train_trials": 5120,
              "val_trials": 2560, "test_trials": 2560},
    # the MICrONS-constrained RNN study's notebook on a field: its models and controls, lambda = 0.3 on
    # plain sums, every task at the same strength, D* on the per-axis min-max of the true positions
    # (its methods); 20 runs per model (its text)
    "study": {"variants": list(STUDY_VARIANTS), "seeds": list(range(20)), "epochs": 10, "train_trials": 5120,
              "val_trials": 2560, "test_trials": 2560, "strengths": STUDY_STRENGTHS,
              "task_strength_scales": {"maze": 1.0, "go_nogo": 1.0, "perceptual_decision": 1.0},
              "normalization": "none", "coordinates": "minmax"},
}


def _grid(value, name) -> tuple:
    """A check: the grid shape of D, three integers >= 1."""
    from sernn.validation import check_integer

    values = tuple(value) if hasattr(value, "__iter__") and not isinstance(value, str) else (value,)
    if len(values) != 3:
        raise ValueError(f"{name} must be three integers (x, y, z) >= 1; got {value!r}")
    return tuple(check_integer(v, name, low=1) for v in values)


def _updated(defaults: dict, what: str, label):
    """A check: a mapping whose keys are among ``defaults`` (``what`` names them) and whose values are
    finite and >= 0 (``label(name, key)`` names one), put over ``defaults``."""
    def check(value, name) -> dict:
        value = dict(value)
        for key, number in value.items():
            if key not in defaults:
                raise ValueError(f"{name}: unknown {what} {key!r}; accepted: {', '.join(defaults)}")
            value[key] = real(low=0)(number, label(name, key))
        return {**defaults, **value}
    return check


_strengths = _updated(DEFAULT_STRENGTHS, "term", lambda name, key: f"strength_{key}")
_scales = _updated(TASK_STRENGTH_SCALES, "task", lambda name, key: f"{name}[{key!r}]")


@dataclass(frozen=True)
class MicronsSettings(Settings):
    """Every option of a MICrONS sweep, checked when made (the library form of ``sernn microns``'s options).

    Options left at None take the preset's value (:data:`PRESETS`); ``strengths`` and
    ``task_strength_scales`` update :data:`DEFAULT_STRENGTHS` and :data:`TASK_STRENGTH_SCALES`.
    ``settings.json`` also stores the data's description, size and neuron ids and, in
    ``variants``, the variants the data can run (:meth:`stored_for`).

    Examples
    --------
    >>> settings = MicronsSettings.from_options("quick", tasks=["go_nogo"], strengths={"sernn": 0.1})
    >>> settings.tasks, settings.epochs, settings.strengths["sernn"], settings.strengths["spatial"]
    (('go_nogo',), 8, 0.1, 0.006)
    >>> MicronsSettings.from_options("quick", strengths={"sernn": -1})
    Traceback (most recent call last):
    ValueError: strength_sernn must be a finite real number >= 0; got -1
    """

    benchmark = "microns"
    presets = PRESETS

    variants: tuple = option(None, names(), extendable=True)
    tasks: tuple = option(tuple(TASKS), names(TASKS), extendable=True)
    seeds: tuple = option(None, seed_list, extendable=True)
    epochs: int = option(None, integer(low=1))
    train_trials: int = option(None, integer(low=1))
    val_trials: int = option(None, integer(low=1))
    test_trials: int = option(None, integer(low=1))
    batch_size: int = option(128, integer(low=1))
    learning_rate: float = option(1e-3, real(low=0, inclusive="neither"))
    noise: float = option(0.05, real(low=0))
    strengths: dict = option(DEFAULT_STRENGTHS, _strengths)
    task_strength_scales: dict = option(TASK_STRENGTH_SCALES, _scales)
    normalization: str = option("size", choice(NORMALIZATIONS))
    grid: tuple = option(None, lambda value, name: _grid(value, name))
    coordinates: str = option("micrometres", choice(CHOICES["coordinates"]))
    l1_strength: str = option("stated", choice(CHOICES["l1_strength"]))
    functional_recipe: str = option("pairs", choice(CHOICES["functional_recipe"]))
    permutation: str = option("entries", choice(CHOICES["permutation"]))
    dale: float = model_fields()["dale"]
    tau: float = model_fields()["tau"]
    dt: float = model_fields()["dt"]
    recurrent_noise: float = model_fields()["recurrent_noise"]

    def stored(self) -> dict:
        stored = super().stored()
        for key, value in _LEGACY.items():
            if stored.get(key) == value:
                del stored[key]
        if stored["strengths"].get("l1") == DEFAULT_STRENGTHS["l1"]:
            stored["strengths"] = {k: v for k, v in stored["strengths"].items() if k != "l1"}
        return stored

    def validate(self):
        object.__setattr__(self, "variants", tuple(dict.fromkeys(parse_variant(v).name for v in self.variants)))
        check_model_options(self)
        if self.dale is not None:
            positive = [name for name in self.variants if parse_variant(name).positive]
            if positive:
                raise ValueError(f"variants {positive[0]}: P (non-negative weights) cannot be combined with dale "
                                 "(Dale's inhibitory units have negative weights)")
        self.check_sizes()

    def check_sizes(self) -> None:
        """Refuse trial counts whose arrays cannot fit in memory (before any data is read)."""
        from sernn.experiments.microns import task_data
        from sernn.resources import check_fits

        for task in self.tasks:
            x, y = task_data(task, 1, 0)
            for part in ("train", "val", "test"):
                count = getattr(self, f"{part}_trials")
                check_fits(count * (x.nbytes + y.nbytes), f"{part}_trials", count, f"the {part} trials of one run")

    def runnable(self, data: MicronsData, named: bool, log=print) -> list:
        """The variants the data can run. A variant asked for by name (``named``) that the data cannot
        support is a ValueError naming what it needs; a preset's is skipped with a line."""
        runnable = []
        for variant in (parse_variant(v) for v in self.variants):
            missing = variant.needs - data.available
            need = " and ".join(WHY[m] for m in sorted(missing))
            if missing and named:
                raise ValueError(f"variants {variant.name}: needs {need}")
            if missing:
                log(f"sernn microns: skipping {variant.name}: needs {need}")
            else:
                runnable.append(variant.name)
        if not runnable:
            raise ValueError("variants: none of the variants can run with the data given (see the messages above)")
        return runnable

    def stored_for(self, data: MicronsData, runnable: list) -> dict:
        """``settings.json``'s settings: the stored fields, the data and the runnable variants."""
        ids = data.cells["root_id"] if "root_id" in data.cells.columns else data.cells.get("nucleus_id")
        # "data" (file paths) may change between invocations; the neuron ids may not.
        return {**self.stored(), "data": data.description, "units": int(data.coordinates.shape[0]),
                "neuron_ids": [int(v) for v in ids] if ids is not None else None, "normalization": "size",
                "variants": list(runnable)}
