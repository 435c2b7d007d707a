"""Any NeuroGym task as sernn arrays: inputs, per-step targets and per-step loss weights.

NeuroGym (Molano-Mazón et al., "NeuroGym: An open resource for developing and
sharing neuroscience tasks", PsyArXiv 2022) is a collection of cognitive
neuroscience tasks written as ``TrialEnv`` environments. A ``TrialEnv`` builds a
whole trial at once: ``env.new_trial()`` draws the trial's conditions and
period durations and fills ``env.ob`` (observations, ``(steps, *obs_shape)``)
and ``env.gt`` (the ground-truth action, ``(steps,)``), one row per time step of
``env.dt`` ms. The trial's periods ("fixation", "stimulus", "delay",
"decision", ...) span steps ``env.start_ind[name]`` to ``env.end_ind[name]``
(end excluded).

:func:`from_neurogym` draws ``n_trials`` such trials and stacks them in sernn's
layout (batch first, like :mod:`sernn.tasks.memory`):

============  ==============================  ==========================================
array         shape                           content
============  ==============================  ==========================================
``x``         (n_trials, steps, ob_dim)       ``env.ob`` of each trial (flattened if
                                              the observation is not a vector)
``y``         (n_trials, steps, n_actions)    one-hot of ``env.gt`` at every step
                                              (``one_hot=False``: ``(n_trials, steps)``
                                              integer actions)
``weights``   (n_trials, steps)               1 on the steps of ``loss_periods`` (each
                                              trial's own boundaries), else 0
============  ==============================  ==========================================

Train on them with a temporal model and per-step sample weights, e.g.
``build_sernn(input_size=x.shape[2], output_size=y.shape[2],
return_sequences=True)`` and ``model.fit(x, y, sample_weight=weights)``: the loss
then counts only on the weighted steps (by default the decision period, where
the answer is due; use ``loss_periods=None`` to also train fixation, as NeuroGym's
own supervised examples do).

**Padding.** Trials of different lengths (tasks with random period durations)
are right-padded to the longest trial drawn: padded steps have input 0, target 0
(an all-zero row of ``y``, or action 0 with ``one_hot=False``) and weight 0, so
they never count in the loss. ``return_info=True`` gives each trial's real
length.

**Seeding.** NeuroGym tasks draw from ``env.rng``, a ``numpy.random.RandomState``
that only ``env.seed(seed)`` sets (``env.reset(seed=...)`` seeds Gymnasium's
separate ``np_random`` that the tasks do not use, and also steps the env).
:func:`from_neurogym` calls ``seed(seed)`` on every layer of the env that
defines it (the task, and trial wrappers such as NeuroGym's ``ScheduleEnvs``
with their schedules and tasks), then calls ``new_trial()`` ``n_trials`` times
on the outermost layer that defines it: the same seed gives the same arrays.

Only what ``new_trial`` builds is taken: Gymnasium wrappers that change
observations or targets in ``step`` (NeuroGym's ``Noise``, ``ReactionTime``) are
not applied; trial wrappers (subclasses of NeuroGym's ``TrialWrapper``, which act
in ``new_trial``) are.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

from sernn.tasks.maze import check_task_arguments
from sernn.validation import check_bool, check_integer, describe

__all__ = ["from_neurogym", "NEUROGYM_TASKS"]

#: Standard NeuroGym tasks with a "decision" period (the default loss period) and
#: spaces sernn can use (a Box observation, a Discrete action). Any other task
#: with such spaces works as well; ``neurogym.utils.info.all_envs()`` lists them.
NEUROGYM_TASKS = (
    "PerceptualDecisionMaking-v0",
    "DelayMatchSample-v0",
    "GoNogo-v0",
    "ContextDecisionMaking-v0",
    "MultiSensoryIntegration-v0",
    "DelayComparison-v0",
    "IntervalDiscrimination-v0",
    "PerceptualDecisionMakingDelayResponse-v0",
)

_MAX_SEED = 2**32 - 1  # numpy.random.RandomState, which neurogym seeds


def _neurogym():
    """The neurogym module, or an ImportError naming sernn's extra."""
    try:
        import neurogym
    except ImportError as error:
        raise ImportError(f"from_neurogym needs neurogym: pip install 'sernn[neurogym]' "
                          f"(importing it failed: {error})") from error
    return neurogym


@contextlib.contextmanager
def _quiet():
    """Silence gymnasium's notes on neurogym's own code (render_modes, attributes read through wrappers)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*render_modes.*")
        warnings.filterwarnings("ignore", message=".*to get variables from other wrappers is deprecated.*")
        yield


def _layers(env):
    """``env`` and the layers under it (gymnasium wrappers' ``env``, multi-task wrappers' ``envs``)."""
    seen, stack, layers = set(), [env], []
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        layers.append(layer)
        own = vars(layer)  # the layer's own attributes: no forwarding through wrappers
        stack.extend(reversed(list(own.get("envs") or ())))
        if own.get("env") is not None:
            stack.append(own["env"])
    return layers


def _outermost(env, method: str):
    """The outermost layer whose class defines ``method`` (a trial wrapper or the task)."""
    layer = env
    while not hasattr(type(layer), method) and vars(layer).get("env") is not None:
        layer = vars(layer)["env"]
    return layer


def _env_name(env) -> str:
    spec = getattr(env, "spec", None)
    return spec.id if getattr(spec, "id", None) else type(env.unwrapped).__name__


def _make(env, env_kwargs, neurogym):
    import gymnasium
    from neurogym.core import TrialEnv

    examples = ", ".join(map(repr, NEUROGYM_TASKS[:3]))
    if isinstance(env, str):
        if env not in gymnasium.envs.registry:  # importing neurogym registers its tasks
            raise ValueError(f"env must be a neurogym TrialEnv or a registered task name such as {examples} "
                             f"(neurogym.utils.info.all_envs() lists them); got {env!r}")
        with _quiet():
            env = neurogym.make(env, **env_kwargs)
    elif not isinstance(env, gymnasium.Env):
        raise TypeError(f"env must be a neurogym TrialEnv or a registered task name such as {examples}; "
                        f"got {describe(env)} ({type(env).__name__})")
    elif env_kwargs:
        raise TypeError(f"env_kwargs ({', '.join(sorted(env_kwargs))}) apply only when env is a task name; "
                        f"got an environment, {env}")
    if not isinstance(env.unwrapped, TrialEnv):
        raise ValueError(f"env must be a neurogym TrialEnv (trials built by new_trial); "
                         f"got {_env_name(env)} ({type(env.unwrapped).__name__})")
    return env


def _spaces(env):
    from gymnasium import spaces

    name = _env_name(env)
    observation, action = env.observation_space, env.action_space
    if not isinstance(observation, spaces.Box):
        raise ValueError(f"env's observation space must be a Box (real-valued inputs); {name} has {observation}")
    if not isinstance(action, spaces.Discrete):
        raise ValueError(f"env's action space must be Discrete (classes to one-hot); {name} has {action}")
    return int(np.prod(observation.shape)), int(action.n), int(getattr(action, "start", 0))


def _check_periods(loss_periods):
    if loss_periods is None:
        return None
    if isinstance(loss_periods, str):
        loss_periods = (loss_periods,)
    accepted = "None (every step) or a sequence of period names such as ('decision',)"
    try:
        periods = tuple(loss_periods)
    except TypeError:
        raise TypeError(f"loss_periods must be {accepted}; got {describe(loss_periods)} "
                        f"({type(loss_periods).__name__})") from None
    if not all(isinstance(period, str) for period in periods):
        raise TypeError(f"loss_periods must be {accepted}; got {describe(loss_periods)}")
    if not periods:
        raise ValueError(f"loss_periods must be {accepted}; got an empty {type(loss_periods).__name__}")
    return periods


def _draw(env, n_trials: int):
    """``n_trials`` trials: lists of ob, gt, period boundaries and trial dicts."""
    top = _outermost(env, "new_trial")
    tasks = [layer for layer in _layers(env) if "start_ind" in vars(layer)]
    name = _env_name(env)
    obs, gts, periods, trials = [], [], [], []
    for _ in range(n_trials):
        for task in tasks:  # periods present in a previous trial only must not count in this one
            for boundaries in (task.start_ind, task.end_ind, task.start_t, task.end_t):
                boundaries.clear()
        trial = top.new_trial()
        task = env.unwrapped  # after new_trial: a multi-task wrapper may have switched task
        if not vars(task).get("_ob_built", hasattr(task, "ob")):
            raise ValueError(f"env must build its observations in new_trial (env.ob); {name} does not")
        if not vars(task).get("_gt_built", hasattr(task, "gt")):
            raise ValueError(f"env must set a ground truth in new_trial (env.gt), the supervised target; "
                             f"{name} does not")
        ob, gt = np.asarray(task.ob), np.asarray(task.gt)
        obs.append(ob.reshape(ob.shape[0], -1))
        gts.append(gt.reshape(gt.shape[0]))
        periods.append({period: (int(task.start_ind[period]), int(task.end_ind[period]))
                        for period in task.start_ind})
        trials.append(dict(trial) if isinstance(trial, dict) else trial)
    return obs, gts, periods, trials


def from_neurogym(env, n_trials: int, seed: int, *, loss_periods=("decision",), one_hot: bool = True,
                  dtype="float32", return_info: bool = False, **env_kwargs):
    """Trials of a NeuroGym task as ``(x, y, weights)`` arrays, batch first.

    Parameters
    ----------
    env : str or neurogym TrialEnv
        A registered task name (e.g. ``"PerceptualDecisionMaking-v0"``,
        ``"DelayMatchSample-v0"``, ``"GoNogo-v0"``; see :data:`NEUROGYM_TASKS`)
        or an environment (a ``TrialEnv``, possibly wrapped). An environment is
        seeded and advanced by ``n_trials`` trials.
    n_trials : int >= 1
    seed : int in [0, 2**32 - 1]
        Passed to ``env.seed``; same seed, same trials.
    loss_periods : sequence of str, str or None, default=("decision",)
        Periods whose steps get weight 1 (each trial's own boundaries,
        ``env.start_ind[p]`` to ``env.end_ind[p]``). ``None``: every real
        (non-padded) step.
    one_hot : bool, default=True
        Targets as one-hot rows over the ``env.action_space.n`` actions; ``False``:
        the integer actions (``int64``, for a sparse categorical loss).
    dtype : float dtype, default="float32"
        Dtype of ``x``, ``weights`` and the one-hot ``y``.
    return_info : bool, default=False
        Also return ``{"lengths": (n_trials,) real steps per trial, "periods":
        list of {period: (start, stop)} per trial, "trials": list of the trial
        dicts new_trial returned (conditions, e.g. "ground_truth")}``.
    **env_kwargs
        Arguments of the task (e.g. ``dt=20``, ``timing={...}``), only with a
        task name.

    Returns
    -------
    x : ndarray of shape (n_trials, steps, ob_dim)
        Observations; ``steps`` is the longest trial's length, shorter trials are
        right-padded with 0.
    y : ndarray of shape (n_trials, steps, n_actions), or (n_trials, steps) int64
        The ground-truth action at every step (0 rows / 0 on padding).
    weights : ndarray of shape (n_trials, steps)
        1 on the steps of ``loss_periods``, 0 elsewhere and on padding.
    info : dict, only if ``return_info``

    Raises
    ------
    ImportError
        If neurogym is not installed.
    ValueError
        For an unknown task name, an environment whose spaces cannot be mapped
        (a non-Box observation or a non-Discrete action space) or that builds no
        ground truth, ``n_trials < 1``, or a loss period no drawn trial has.

    References
    ----------
    Molano-Mazón, M., Barbosa, J., Pastor-Ciurana, J., Fradera, M., Zhang, R.-Y.,
    Forest, J., del Pozo Lerida, J., Ji-An, L., Cueva, C. J., de la Rocha, J.,
    Narain, D. & Yang, G. R. (2022). NeuroGym: An open resource for developing
    and sharing neuroscience tasks. PsyArXiv.

    Examples
    --------
    >>> import numpy as np
    >>> x, y, weights = from_neurogym("PerceptualDecisionMaking-v0", 8, seed=0)
    >>> x.shape, y.shape, weights.shape      # 100 ms steps: 1 fixation, 20 stimulus, 1 decision
    ((8, 22, 3), (8, 22, 3), (8, 22))
    >>> np.flatnonzero(weights[0]).tolist()  # the loss counts on the decision step
    [21]
    >>> y[0, 0].tolist()                     # action 0 (fixate) until the decision
    [1.0, 0.0, 0.0]
    >>> bool(np.array_equal(from_neurogym("PerceptualDecisionMaking-v0", 8, seed=0)[0], x))
    True

    Task arguments, every step in the loss, integer targets:

    >>> x, y, weights = from_neurogym("GoNogo-v0", 4, seed=1, loss_periods=None, one_hot=False, dt=50)
    >>> x.shape, y.shape, y.dtype            # 500 ms stimulus, delay and decision at 50 ms steps
    ((4, 30, 3), (4, 30), dtype('int64'))
    >>> float(weights.min())
    1.0

    An environment, and a task with random period durations (right-padded):

    >>> import neurogym
    >>> env = neurogym.make("ContextDecisionMaking-v0")
    >>> x, y, weights, info = from_neurogym(env, 16, seed=0, return_info=True)
    >>> bool(x.shape[1] == info["lengths"].max() > info["lengths"].min())
    True
    >>> short = int(np.argmin(info["lengths"]))
    >>> float(abs(x[short, info["lengths"][short]:]).sum()), float(weights[short].sum())
    (0.0, 1.0)
    """
    n_trials, seed = check_task_arguments(n_trials, seed)
    seed = check_integer(seed, "seed", low=0, high=_MAX_SEED)
    periods_wanted = _check_periods(loss_periods)
    one_hot = check_bool(one_hot, "one_hot")
    return_info = check_bool(return_info, "return_info")
    dtype = _check_float_dtype(dtype)

    neurogym = _neurogym()
    env = _make(env, env_kwargs, neurogym)
    ob_dim, n_actions, first_action = _spaces(env)
    name = _env_name(env)

    with _quiet():
        for layer in _layers(env):  # outermost first: trial wrappers (their schedules), the tasks
            if hasattr(type(layer), "seed"):
                layer.seed(seed)
        obs, gts, periods, trials = _draw(env, n_trials)

    if periods_wanted is not None:
        seen = list(dict.fromkeys(period for trial_periods in periods for period in trial_periods))
        unknown = [period for period in periods_wanted if period not in seen]
        if unknown:
            raise ValueError(f"loss_periods must name periods of {name} ({', '.join(map(repr, seen))}) "
                             f"or be None; got {', '.join(map(repr, unknown))}")

    x, actions, weights, lengths = _stack(obs, gts, periods, periods_wanted, env, dtype)
    steps = x.shape[1]
    if one_hot:
        y = np.zeros((n_trials, steps, n_actions), dtype=dtype)
        real = np.arange(steps)[None, :] < lengths[:, None]
        y[real, actions[real]] = 1
    else:
        y = actions
    if return_info:
        return x, y, weights, {"lengths": lengths, "periods": periods, "trials": trials}
    return x, y, weights


def _check_float_dtype(dtype) -> np.dtype:
    """``dtype`` as a numpy floating-point dtype, or an error naming it."""
    try:
        float_dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a floating-point dtype such as 'float32'; got {describe(dtype)}") from None
    if float_dtype.kind != "f":
        raise ValueError(f"dtype must be a floating-point dtype such as 'float32'; got {describe(dtype)}")
    return float_dtype


def _stack(obs, gts, periods, periods_wanted, env, dtype):
    """The drawn trials right-padded into ``(x, actions, weights, lengths)``, each trial's spaces checked."""
    ob_dim, n_actions, first_action = _spaces(env)
    name = _env_name(env)
    n_trials = len(obs)
    lengths = np.array([ob.shape[0] for ob in obs], dtype=np.int64)
    steps = int(lengths.max())
    x = np.zeros((n_trials, steps, ob_dim), dtype=dtype)
    actions = np.zeros((n_trials, steps), dtype=np.int64)
    weights = np.zeros((n_trials, steps), dtype=dtype)
    for i, (ob, gt, trial_periods) in enumerate(zip(obs, gts, periods)):
        length = lengths[i]
        if ob.shape[1] != ob_dim or gt.shape[0] != length:
            raise ValueError(f"env's trials must have ob of shape (steps, {ob_dim}) and gt of shape (steps,); "
                             f"{name} gave ob {ob.shape} and gt {gt.shape}")
        action = gt.astype(np.int64) - first_action
        if gt.size and (not np.array_equal(action + first_action, gt) or action.min() < 0
                        or action.max() >= n_actions):
            raise ValueError(f"env's ground truth must be actions of its action space ({env.action_space}); "
                             f"{name} gave values {np.unique(gt)[:8].tolist()}")
        x[i, :length] = ob
        actions[i, :length] = action
        if periods_wanted is None:
            weights[i, :length] = 1
        else:
            for period in periods_wanted:
                if period in trial_periods:
                    start, stop = trial_periods[period]
                    weights[i, max(start, 0):min(stop, length)] = 1

    return x, actions, weights, lengths
