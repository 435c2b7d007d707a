"""The task of a maze-benchmark sweep: the maze itself, or a NeuroGym task (``task="neurogym:NAME"``).

A NeuroGym task is trained with the readout at every step and the loss and accuracy on its decision period
(:func:`sernn.tasks.from_neurogym`); its time step is the sweep's ``dt`` when given, and the networks'
input and output sizes are the task's. Each run draws its trials with the run's data seeds
(:mod:`sernn.experiments.trials`), as on the maze.
"""
from __future__ import annotations

import numpy as np

from sernn.experiments.model_options import cell_options
from sernn.experiments.trials import data_seed, trial_bank

__all__ = ["architecture_options", "neurogym_name", "check_task", "neurogym_shape", "neurogym_draws",
           "neurogym_banks"]


def architecture_options(settings: dict) -> dict:
    """The shared architecture of a sweep's networks: leaky units with ``tau`` (and a neurogym task's sizes).

    Examples
    --------
    >>> architecture_options({"tau": 100.0, "dt": 20.0, "recurrent_noise": 0.05})
    {'cell': 'leaky', 'tau': 100.0, 'dt': 20.0, 'recurrent_noise': 0.05}
    >>> architecture_options({"units": 100})
    {}
    """
    options = cell_options(settings)
    task = neurogym_name(settings.get("task"))
    if task is not None:
        shape = neurogym_shape(task, settings.get("dt"))
        options.update(input_size=shape["inputs"], output_size=shape["actions"], return_sequences=True)
    return options


def neurogym_name(task):
    """The NeuroGym task name of ``task="neurogym:NAME"``; None for the maze (``None`` or ``"maze"``).

    Examples
    --------
    >>> neurogym_name("neurogym:GoNogo-v0"), neurogym_name(None), neurogym_name("maze")
    ('GoNogo-v0', None, None)
    """
    if task is None or task == "maze":
        return None
    return task.split(":", 1)[1]


def check_task(value, name):
    """A check of ``task``: ``"maze"`` (stored as None, as folders before it) or ``"neurogym:NAME"``.

    Examples
    --------
    >>> check_task("maze", "task") is None, check_task("neurogym:GoNogo-v0", "task")
    (True, 'neurogym:GoNogo-v0')
    >>> check_task("gonogo", "task")
    Traceback (most recent call last):
    ...
    ValueError: task must be 'maze' or 'neurogym:NAME' (a NeuroGym task, e.g. 'neurogym:GoNogo-v0'); got 'gonogo'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be 'maze' or 'neurogym:NAME'; got {value!r} ({type(value).__name__})")
    if value == "maze":
        return None
    if not value.startswith("neurogym:") or not value[len("neurogym:"):].strip():
        raise ValueError(f"{name} must be 'maze' or 'neurogym:NAME' (a NeuroGym task, e.g. "
                         f"'neurogym:GoNogo-v0'); got {value!r}")
    return value


def _neurogym_kwargs(dt) -> dict:
    return {} if dt is None else {"dt": float(dt)}


def neurogym_shape(task: str, dt=None) -> dict:
    """Inputs, actions, steps of one trial and the time step of a NeuroGym task (errors name ``task``)."""
    from sernn.tasks.neurogym_tasks import from_neurogym

    try:
        x, y, _, info = from_neurogym(task, 1, 0, return_info=True, **_neurogym_kwargs(dt))
    except ImportError:
        raise
    except (ValueError, TypeError) as error:
        raise ValueError(f"task 'neurogym:{task}': {error}") from None
    return {"inputs": int(x.shape[2]), "actions": int(y.shape[2]), "steps": int(x.shape[1])}


def neurogym_draws(task: str, n_trials: int, seeds, dt=None) -> dict:
    """``seed -> (x, y, weights)`` of a NeuroGym task for each seed, right-padded to one length.

    Trials of tasks with random period durations differ in length; the padded steps have
    input 0, target 0 and weight 0 (never in the loss), as within one draw.
    """
    from sernn.tasks.neurogym_tasks import from_neurogym

    draws = {int(seed): from_neurogym(task, n_trials, int(seed), **_neurogym_kwargs(dt))
             for seed in dict.fromkeys(seeds)}
    steps = max(x.shape[1] for x, _, _ in draws.values())

    def pad(array):
        extra = [(0, 0)] * array.ndim
        extra[1] = (0, steps - array.shape[1])
        return np.pad(array, extra)

    return {seed: tuple(pad(a) for a in draw) for seed, draw in draws.items()}


def neurogym_banks(specs, settings: dict) -> dict:
    """The train, validation and test banks (:class:`~sernn.experiments.trials.TrialBank`) of a population's
    runs on the folder's NeuroGym task, each part padded to one length."""
    task = neurogym_name(settings["task"])
    banks = {}
    for part in ("train", "val", "test"):
        draws = neurogym_draws(task, settings[f"{part}_trials"], [data_seed(part, s.seed) for s in specs],
                               settings.get("dt"))
        banks[part] = trial_bank([data_seed(part, s.seed) for s in specs],
                                 lambda seed, draws=draws: (*draws[seed], None))
    return banks
