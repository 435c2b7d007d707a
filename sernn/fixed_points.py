"""Fixed points and slow points of trained recurrent networks, for one network or K at once.

A network's update under a constant input ``u*`` is a map ``F``; its fixed points ``h* = F(h*)``
and slow points (where ``F(h) - h`` is small) organise its dynamics (Sussillo & Barak, Neural
Computation 2013; Golub & Sussillo, Journal of Open Source Software 2018). They are found by
minimising the speed

    q(h) = 1/2 ||F(h, u*) - h||^2

from many states sampled on the network's own trajectories:

1. **descent**: Adam on every distinct initial state of every network at once (float64, the
   learning rate decaying 100-fold); a state whose q falls below ``q_tol`` stops moving, so each
   state's path depends on itself only; states whose q stays above ``max_q`` are dropped;
2. **polish**: damped Newton (Levenberg-Marquardt) steps on the distinct candidates, which take
   q on towards round-off wherever the map is smooth around the point (a step is kept only if q
   falls);
3. **de-duplication**: states closer than ``unique_tol`` (Euclidean) count once (the one of
   lowest q is kept);
4. **outliers**: a point farther from the initial states' centroid than ``outlier_scale`` times
   their mean distance from it is dropped;
5. **linearisation**: the Jacobian ``dF/dh`` at each point, its eigenvalues and stability
   (every eigenvalue inside the unit circle of the discrete map), and the time constant of its
   slowest mode, ``-dt / ln|lambda_max|``.

The maps of Elman and leaky units and their Jacobians are those of :mod:`sernn.network_maps`.
Points with ``q`` above ``q_tol`` are kept as
slow points, flagged by ``is_fixed``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sernn.network_maps import NetworkMap, layer_map, network_map
from sernn.validation import check_integer, check_real, check_seed, describe

__all__ = ["FixedPoints", "find_fixed_points", "model_fixed_points", "population_fixed_points",
           "sample_states"]


@dataclass
class FixedPoints:
    """The fixed and slow points of one network under one constant input.

    Attributes
    ----------
    points : ndarray of shape (m, n)
        The points (the state of the map: rates of Elman units, potentials of leaky units).
    q : ndarray of shape (m,)
        Their speed ``1/2 ||F(h) - h||^2``.
    is_fixed : ndarray of shape (m,), bool
        ``q <= q_tol``; the others are slow points.
    jacobians : ndarray of shape (m, n, n)
        ``dF/dh`` at each point.
    eigenvalues : ndarray of shape (m, n), complex
        The Jacobian's eigenvalues, by decreasing modulus.
    stable : ndarray of shape (m,), bool
        Every eigenvalue inside the unit circle.
    time_constant : ndarray of shape (m,)
        ``-dt / ln|lambda_max|``, the slowest mode's time constant (inf where ``|lambda_max| >= 1``).
    rates : ndarray of shape (m, n)
        The units' rates at each point (``f(z)`` for leaky units; the points themselves for Elman units).
    inputs : ndarray of shape (d,)
        The constant input ``u*``.
    """

    points: np.ndarray
    q: np.ndarray
    is_fixed: np.ndarray
    jacobians: np.ndarray
    eigenvalues: np.ndarray
    stable: np.ndarray
    time_constant: np.ndarray
    rates: np.ndarray
    inputs: np.ndarray
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.points)

    @property
    def n_stable(self) -> int:
        """Number of stable fixed points (``is_fixed`` and ``stable``)."""
        return int(np.sum(self.is_fixed & self.stable))

    @property
    def n_unstable(self) -> int:
        """Number of unstable fixed points (``is_fixed`` and not ``stable``)."""
        return int(np.sum(self.is_fixed & ~self.stable))

    def __repr__(self):
        return (f"FixedPoints({len(self)} points: {self.n_stable} stable and {self.n_unstable} unstable fixed, "
                f"{int(np.sum(~self.is_fixed))} slow)")


def sample_states(states, n_states: int, *, noise: float = 0.0, seed=0) -> np.ndarray:
    """``n_states`` initial states drawn from trajectories, plus optional Gaussian noise.

    Parameters
    ----------
    states : array-like of shape (trials, T, n), or (K, trials, T, n) for K networks
        Hidden states (e.g. :func:`sernn.hidden_states.forward_states`).
    n_states : int
        How many to draw (uniformly over trials and steps, with replacement).
    noise : float, default=0.0
        Standard deviation of the noise added to each drawn state.
    seed : int, default=0

    Returns
    -------
    ndarray of shape (n_states, n), or (K, n_states, n)

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.fixed_points import sample_states
    >>> states = np.arange(24.0).reshape(2, 3, 4)
    >>> sample_states(states, 5, seed=0).shape
    (5, 4)
    >>> bool(np.array_equal(sample_states(states, 5, seed=0), sample_states(states, 5, seed=0)))
    True
    """
    states = np.asarray(states, dtype=np.float64)
    n_states = check_integer(n_states, "n_states", low=1)
    noise = check_real(noise, "noise", low=0)
    rng = np.random.default_rng(check_seed(seed, allow_none=False))
    if states.ndim not in (3, 4) or states.size == 0:
        raise ValueError(f"states must be trajectories of shape (trials, T, n) or (K, trials, T, n); got "
                         f"{describe(states)}")
    flat = states.reshape(*states.shape[:-3], -1, states.shape[-1])
    picks = rng.integers(0, flat.shape[-2], size=n_states)
    drawn = flat[..., picks, :]
    if noise:
        drawn = drawn + noise * rng.standard_normal(drawn.shape)
    return drawn


def find_fixed_points(weights: dict, initial_states, *, inputs=None, activation="relu", alpha=1.0, dt=1.0,
                      q_tol=1e-12, max_q=None, max_iters=1000, learning_rate=0.01, polish_iters=50,
                      unique_tol=1e-3, outlier_scale=10.0, noise=0.0, seed=0):
    """Fixed and slow points of one network, or of K networks in one batched optimisation.

    Parameters
    ----------
    weights : dict
        ``kernel`` (d, n), ``recurrent_kernel`` (n, n) and ``bias`` (n,) of one network, or each
        with a leading axis of K networks.
    initial_states : array-like of shape (S, n), or (K, S, n)
        Where the search starts (e.g. :func:`sample_states` of the trajectories); the same S states
        for every network when 2-D.
    inputs : array-like of shape (d,) or (K, d), optional
        The constant input ``u*`` (None: zeros, e.g. the maze's delay period).
    activation : {"relu", "tanh", "linear", "sigmoid"}, default="relu"
    alpha : float in (0, 1], default=1.0
        ``dt / tau`` of leaky units (1: Elman units).
    dt : float, default=1.0
        The time step, the unit of the time constants (1: steps).
    q_tol : float > 0, default=1e-12
        A point with ``q <= q_tol`` is a fixed point (and stops moving in the descent).
    max_q : float, optional
        Points whose q is above this after the descent are dropped (neither fixed nor slow);
        None: every point is kept (as a slow point when not fixed).
    max_iters : int, default=1000
        Adam iterations.
    learning_rate : float, default=0.01
        Adam's initial learning rate; it decays geometrically to 1/100 of it over ``max_iters``.
    polish_iters : int, default=50
        Damped Newton iterations on the candidates (0: none).
    unique_tol : float, default=1e-3
        Points closer than this count once.
    outlier_scale : float or None, default=10.0
        Drop points farther from the initial states' centroid than this times their mean
        distance from it (None: keep all).
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the initial states (seeded).
    seed : int, default=0

    Returns
    -------
    FixedPoints, or a list of K FixedPoints for stacked weights

    Examples
    --------
    A linear network ``h <- u K + h R`` has one fixed point, ``u K (I - R)^-1``, and its Jacobian is ``R^T``:

    >>> import numpy as np
    >>> from sernn.fixed_points import find_fixed_points
    >>> R = np.array([[0.5, 0.2], [0.0, 0.3]])
    >>> weights = {"kernel": np.eye(2), "recurrent_kernel": R, "bias": np.zeros(2)}
    >>> found = find_fixed_points(weights, np.random.default_rng(0).normal(size=(20, 2)),
    ...                           inputs=[1.0, 1.0], activation="linear")
    >>> found
    FixedPoints(1 points: 1 stable and 0 unstable fixed, 0 slow)
    >>> bool(np.allclose(found.points[0], np.ones(2) @ np.linalg.inv(np.eye(2) - R)))
    True
    >>> bool(np.allclose(found.jacobians[0], R.T))
    True
    """
    network = weights if isinstance(weights, NetworkMap) else network_map(weights, activation=activation, alpha=alpha,
                                                                      dt=dt)
    stacked = not isinstance(weights, NetworkMap) and np.asarray(weights["recurrent_kernel"]).ndim == 3
    K, n = network.size, network.recurrent.shape[-1]
    d = network.kernel.shape[1]
    q_tol = check_real(q_tol, "q_tol", low=0, inclusive="neither")
    if max_q is not None:
        max_q = check_real(max_q, "max_q", low=q_tol)
    max_iters = check_integer(max_iters, "max_iters", low=0)
    polish_iters = check_integer(polish_iters, "polish_iters", low=0)
    learning_rate = check_real(learning_rate, "learning_rate", low=0, inclusive="neither")
    unique_tol = check_real(unique_tol, "unique_tol", low=0)
    if outlier_scale is not None:
        outlier_scale = check_real(outlier_scale, "outlier_scale", low=0, inclusive="neither")
    noise = check_real(noise, "noise", low=0)
    seed = check_seed(seed, allow_none=False)
    initial = np.asarray(initial_states, dtype=np.float64)
    if initial.ndim == 2:
        initial = np.broadcast_to(initial, (K, *initial.shape))
    if initial.ndim != 3 or initial.shape[0] != K or initial.shape[2] != n or initial.shape[1] == 0:
        raise ValueError(f"initial_states must have shape (S, {n}) or ({K}, S, {n}) with S >= 1 (sampled from "
                         f"trajectories, e.g. sample_states); got {describe(initial)}")
    if not np.all(np.isfinite(initial)):
        raise ValueError("initial_states must be finite")
    u = np.zeros((K, d)) if inputs is None else np.asarray(inputs, dtype=np.float64)
    if u.ndim == 1:
        u = np.broadcast_to(u, (K, d)) if u.shape == (d,) else u
    if u.shape != (K, d):
        raise ValueError(f"inputs must have shape ({d},) or ({K}, {d}); got {describe(u)}")
    drive = network.drive(u)
    start = initial + (noise * np.random.default_rng(seed).standard_normal(initial.shape) if noise else 0.0)
    start = _distinct(start)  # repeated states (a trajectory's few distinct states) would only repeat work
    states, q = _descend(network, start, drive, q_tol, max_iters, learning_rate)
    results = []
    centroid = initial.mean(axis=1)  # (K, n)
    spread = np.linalg.norm(initial - centroid[:, None], axis=-1).mean(axis=1)  # (K,)
    for k in range(K):
        candidates = q[k] <= (np.inf if max_q is None else max_q)
        keep = np.flatnonzero(candidates)[_unique(states[k][candidates], q[k][candidates], unique_tol)]
        points = _polish(network, k, states[k][keep], drive[k], polish_iters)
        speed = _speed(network, k, points, drive[k])
        keep = _unique(points, speed, unique_tol)
        points, speed = points[keep], speed[keep]
        if outlier_scale is not None and len(points):
            far = np.linalg.norm(points - centroid[k], axis=-1) > outlier_scale * max(spread[k], 1e-12)
            points, speed = points[~far], speed[~far]
        results.append(_linearise(network, k, points, speed, drive[k], u[k], q_tol))
    return results if stacked else results[0]


def _distinct(states) -> np.ndarray:
    """Each network's distinct states, padded to one count by repeating its first (duplicates are merged later)."""
    rows = [np.unique(part, axis=0) for part in states]
    count = max(len(r) for r in rows)
    return np.stack([np.concatenate([r, np.repeat(r[:1], count - len(r), axis=0)]) for r in rows])


def _speed(network, k, points, drive):
    if len(points) == 0:
        return np.zeros(0)
    step = network.member(k).step(points[None], drive[None])
    return 0.5 * np.sum((step[0] - points) ** 2, axis=-1)


_RUNNERS = {}


def _runner(activation: str, leaky: bool):
    """The compiled descent for one activation and kind of unit (traced once per shape family)."""
    import tensorflow as tf

    key = (activation, leaky)
    if key in _RUNNERS:
        return _RUNNERS[key]
    act = {"relu": tf.nn.relu, "tanh": tf.tanh, "sigmoid": tf.sigmoid, "linear": tf.identity}[activation]
    beta1, beta2, epsilon = 0.9, 0.999, 1e-7

    def speed(h, recurrent, drive, alpha):
        if leaky:
            new = (1.0 - alpha) * h + alpha * (drive + tf.matmul(act(h), recurrent))
        else:
            new = act(drive + tf.matmul(h, recurrent))
        return 0.5 * tf.reduce_sum(tf.square(new - h), axis=-1)

    @tf.function(reduce_retracing=True)
    def run(h, recurrent, drive, alpha, q_tol, learning_rate, iterations):
        m = tf.zeros_like(h)
        v = tf.zeros_like(h)
        moving = tf.ones(tf.shape(h)[:2], dtype=tf.bool)
        for t in tf.range(1, iterations + 1):
            with tf.GradientTape() as tape:
                tape.watch(h)
                q = speed(h, recurrent, drive, alpha)
                total = tf.reduce_sum(q)
            moving = tf.logical_and(moving, q > q_tol)
            if not tf.reduce_any(moving):
                break
            grad = tape.gradient(total, h)
            m = beta1 * m + (1.0 - beta1) * grad
            v = beta2 * v + (1.0 - beta2) * tf.square(grad)
            step_t = tf.cast(t, tf.float64)
            decay = 0.01 ** (step_t / tf.cast(iterations, tf.float64))
            rate = learning_rate * decay * tf.sqrt(1.0 - beta2 ** step_t) / (1.0 - beta1 ** step_t)
            h = tf.where(moving[..., None], h - rate * m / (tf.sqrt(v) + epsilon), h)
        return h, speed(h, recurrent, drive, alpha)

    _RUNNERS[key] = run
    return run


def _descend(network, start, drive, q_tol, max_iters, learning_rate):
    """Adam on every state (TensorFlow, float64); a state stops once its q <= q_tol."""
    import tensorflow as tf

    run = _runner(network.activation, network.alpha != 1.0)
    f64 = lambda value: tf.constant(value, tf.float64)  # noqa: E731
    h, q = run(f64(start), f64(network.recurrent), f64(drive[:, None, :]), f64(network.alpha), f64(q_tol),
               f64(learning_rate), tf.constant(max_iters, tf.int32))
    return h.numpy(), q.numpy()


def _unique(points, speed, tol) -> np.ndarray:
    """Indices of the points kept when points closer than ``tol`` count once (lowest q first)."""
    order = np.argsort(speed, kind="stable")
    kept = []
    for index in order:
        if not kept or np.min(np.linalg.norm(points[kept] - points[index], axis=-1)) > tol:
            kept.append(index)
    return np.array(sorted(kept), dtype=int)


def _polish(network, k, points, drive, iterations):
    """Levenberg-Marquardt on the residual ``F(h) - h`` of each point (a step is kept only if q falls)."""
    if iterations == 0 or len(points) == 0:
        return points
    one = network.member(k)
    h = points.copy()
    damping = np.full(len(h), 1e-3)
    n = h.shape[-1]
    for _ in range(iterations):
        residual = one.step(h[None], drive[None])[0] - h
        q = 0.5 * np.sum(residual ** 2, axis=-1)
        active = (q > 1e-30) & (damping < 1e12)   # on to round-off, not only to q_tol
        if not np.any(active):
            break
        jac = one.jacobians(h[None], drive[None])[0] - np.eye(n)  # d residual / dh
        jt = np.swapaxes(jac, 1, 2)
        lhs = jt @ jac + damping[:, None, None] * np.eye(n)
        delta = -np.linalg.solve(lhs, (jt @ residual[..., None]))[..., 0]
        trial = h + delta
        trial_q = 0.5 * np.sum((one.step(trial[None], drive[None])[0] - trial) ** 2, axis=-1)
        better = active & (trial_q < q)
        h[better] = trial[better]
        damping = np.where(better, damping / 10.0, np.where(active, damping * 10.0, damping))
        damping = np.clip(damping, 1e-12, 1e13)
    return h


def _linearise(network, k, points, speed, drive, inputs, q_tol) -> FixedPoints:
    one = network.member(k)
    n = one.recurrent.shape[-1]
    if len(points):
        jacobians = one.jacobians(points[None], drive[None])[0]
        eigenvalues = np.linalg.eigvals(jacobians)
        order = np.argsort(-np.abs(eigenvalues), axis=-1, kind="stable")
        eigenvalues = np.take_along_axis(eigenvalues, order, axis=-1)
        largest = np.abs(eigenvalues[:, 0])
    else:
        jacobians, eigenvalues, largest = np.zeros((0, n, n)), np.zeros((0, n), complex), np.zeros(0)
    stable = largest < 1.0
    with np.errstate(divide="ignore"):
        time_constant = np.where(stable & (largest > 0), -one.dt / np.log(np.where(largest > 0, largest, 0.5)),
                                 np.where(largest == 0, 0.0, math.inf))
    return FixedPoints(points=points, q=speed, is_fixed=speed <= q_tol, jacobians=jacobians,
                       eigenvalues=eigenvalues, stable=stable, time_constant=time_constant,
                       rates=one.rates(points) if len(points) else points, inputs=np.asarray(inputs),
                       info={"activation": one.activation, "alpha": one.alpha, "dt": one.dt})


def model_fixed_points(model, initial_states, *, layer="rnn", **options) -> FixedPoints:
    """:func:`find_fixed_points` of a Keras model's recurrent layer (``SimpleRNN``, the sparse masked layer or
    ``LeakyRNN``); the other options as there.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.fixed_points import model_fixed_points
    >>> from sernn.models import build_sernn
    >>> model = build_sernn(units=6, seed=0, activation="tanh")
    >>> found = model_fixed_points(model, np.random.default_rng(0).normal(size=(50, 6)))
    >>> found.n_stable + found.n_unstable >= 1       # h = 0 is a fixed point of tanh units at zero input
    True
    """
    rnn = model.get_layer(layer) if isinstance(layer, str) else layer
    weights, activation, alpha, dt = layer_map(rnn)
    return find_fixed_points(weights, initial_states, activation=activation, alpha=alpha, dt=dt, **options)


def population_fixed_points(population, initial_states, **options) -> list:
    """:func:`find_fixed_points` of every member of a :class:`~sernn.population.Population` at once.

    ``initial_states`` is ``(S, n)`` (the same for every member) or ``(K, S, n)``.
    """
    architecture = population.architecture
    dt = architecture.dt if architecture.cell == "leaky" else 1.0
    return find_fixed_points(population.weights(), initial_states, activation=architecture.activation,
                             alpha=architecture.alpha, dt=dt, **options)
