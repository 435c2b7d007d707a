"""How a population trains: its trials, its compiled steps, the members' losses.

A :class:`sernn.population.Population` takes its data as a *bank* of distinct
trials and, per member, the bank rows of its trials, visited per epoch in the
member's own order (:func:`seeded_orders`). This module checks them
(:func:`bank_tensors`, :func:`check_index`, :func:`check_orders`), visits them
in batches (:func:`batch_sums`) with the compiled training and test steps
(:func:`compiled_steps`, whose memory :func:`memory_estimate` estimates), and reduces the members' losses over their trials as
Keras reduces them (:func:`task_losses`, :func:`loss_means`).
"""
from __future__ import annotations

import math

import keras
import numpy as np

from sernn.architecture import WEIGHTS
from sernn.validation import check_option

__all__ = ["seeded_orders", "memory_estimate", "bank_tensors", "check_index", "check_orders", "batch_sums", "mean_scores",
           "compiled_steps", "task_losses", "loss_means", "LOSSES"]

#: The task losses a population offers (Keras names).
LOSSES = ("categorical_crossentropy", "mse")


def seeded_orders(seeds, n_trials: int, epoch: int) -> np.ndarray:
    """The default data order: row k is ``default_rng([seeds[k], epoch]).permutation(n_trials)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.population_training import seeded_orders
    >>> orders = seeded_orders([0, 1], n_trials=5, epoch=0)
    >>> orders.shape
    (2, 5)
    >>> orders[0].tolist() == np.random.default_rng([0, 0]).permutation(5).tolist()
    True

    A member's order depends on its own seed and the epoch only, not on the other members:

    >>> bool(np.array_equal(seeded_orders([7, 1], 5, 0)[1], orders[1]))
    True
    """
    return np.stack([np.random.default_rng([int(s), int(epoch)]).permutation(n_trials) for s in seeds])


def memory_estimate(size: int, units: int, batch_size: int, steps: int) -> int:
    """Bytes one training step of a population needs, roughly.

    The activations kept for back-propagation (3 float32 tensors of (K, batch,
    n) per time step; measured: about 2.4) plus 12 float32 (n, n) matrices per
    member (weights, Adam's moments, gradients, the penalty's products).

    Examples
    --------
    One published seRNN (100 units) with batches of 128 trials of 50 steps:
    ``3 * 4 * 128 * 50 * 100 + 12 * 4 * 100 * 100 = 7,680,000 + 480,000`` bytes.

    >>> from sernn.population_training import memory_estimate
    >>> memory_estimate(1, units=100, batch_size=128, steps=50)
    8160000
    >>> memory_estimate(10, units=100, batch_size=128, steps=50) == 10 * 8160000
    True
    """
    return int(size * (3 * 4 * batch_size * steps * units + 12 * 4 * units * units))


def check_index(index, name: str, size: int) -> np.ndarray:
    """``index`` as an int64 ``(K, N)`` array with ``K = size`` and ``N >= 1``, or a ValueError naming it.

    Examples
    --------
    >>> from sernn.population_training import check_index
    >>> check_index([[0, 1], [2, 3]], "train_index", 2).dtype
    dtype('int64')
    >>> check_index([[0, 1]], "train_index", 2)
    Traceback (most recent call last):
    ...
    ValueError: train_index must have shape (K=2, N) with N >= 1; got (1, 2)
    """
    index = np.asarray(index, dtype=np.int64)
    if index.ndim != 2 or index.shape[0] != size or index.shape[1] < 1:
        letter = "N" if name == "train_index" else "V"
        raise ValueError(f"{name} must have shape (K={size}, {letter}) with {letter} >= 1; got {index.shape}")
    return index


def check_orders(orders, epochs: int, size: int, n_trials: int):
    """None for ``orders="seeded"``, else ``orders`` as an int64 array of shape ``(epochs, K, N)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.population_training import check_orders
    >>> check_orders("seeded", 2, 3, 4) is None
    True
    >>> check_orders(np.zeros((2, 3, 4)), 2, 3, 4).shape
    (2, 3, 4)
    >>> check_orders("shuffled", 2, 3, 4)
    Traceback (most recent call last):
    ...
    ValueError: orders must be 'seeded' or an array (epochs, K, N); got 'shuffled'
    """
    if isinstance(orders, str):
        if orders != "seeded":
            raise ValueError(f"orders must be 'seeded' or an array (epochs, K, N); got {orders!r}")
        return None
    orders = np.asarray(orders, dtype=np.int64)
    if orders.shape != (epochs, size, n_trials):
        raise ValueError(f"orders must have shape (epochs, K, N) = {(epochs, size, n_trials)}; got {orders.shape}")
    return orders


def bank_tensors(x, y, weights=None, name: str = "bank", return_sequences: bool = False) -> tuple:
    """A bank's inputs ``(M, T, d)``, targets and weights (or None) as float32 tensors, checked.

    The targets are ``(M, c)``, or ``(M, T, c)`` with ``return_sequences``; the
    weights (Keras's ``sample_weight``) have the targets' shape without ``c``.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.population_training import bank_tensors
    >>> x, y, w = bank_tensors(np.zeros((5, 3, 2)), np.zeros((5, 4)))
    >>> x.dtype.name, tuple(y.shape), w
    ('float32', (5, 4), None)
    >>> bank_tensors(np.zeros((5, 3, 2)), np.zeros((5, 4)), np.ones((5, 3)))
    Traceback (most recent call last):
    ...
    ValueError: bank: the weights must have shape (5,) (one per trial); got (5, 3)
    """
    import tensorflow as tf

    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    if x.ndim != 3 or y.ndim != (3 if return_sequences else 2) or y.shape[0] != x.shape[0] \
            or (return_sequences and y.shape[1] != x.shape[1]):
        expected = "(M, T, c)" if return_sequences else "(M, c)"
        raise ValueError(f"{name}: inputs must have shape (M, T, d) and targets {expected}; got "
                         f"{x.shape} and {y.shape}")
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float32)
        if weights.shape != y.shape[:-1]:
            raise ValueError(f"{name}: the weights must have shape {y.shape[:-1]} (one per trial"
                             f"{' and step' if return_sequences else ''}); got {weights.shape}")
        weights = tf.constant(weights)
    return tf.constant(x), tf.constant(y), weights


def batch_sums(step, bank, index, batch_size: int, first_step=None) -> np.ndarray:
    """Per member, sums over its trials visited in batches: ``step``'s (loss x trials, weighted loss,
    weights, weighted correct), shape (4, K).

    Parameters
    ----------
    step : callable
        Called per batch as ``step(x, y, weights)`` (``step(x, y, weights, global_step)``
        with ``first_step``) on the gathered ``(K, b, ...)`` tensors; returns four ``(K,)``
        tensors as :func:`task_losses`.
    bank : (x, y, weights or None)
        The bank tensors (:func:`bank_tensors`).
    index : ndarray of int, shape (K, N)
        Row k: member k's bank rows, in the order they are visited.
    batch_size : int
        Trials per member and batch (the last batch may be smaller).
    first_step : int, optional
        The global step of the first batch (the training steps count on from it).

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.population_training import bank_tensors, batch_sums, task_losses
    >>> bank = bank_tensors(np.zeros((3, 2, 1)), np.eye(2)[[0, 1, 1]])
    >>> outputs = lambda x, y, w: task_losses(y, 0 * y + 0.5, w, "categorical_crossentropy")
    >>> sums = batch_sums(outputs, bank, np.array([[0, 1, 2], [2, 2, 2]]), batch_size=2)
    >>> sums.shape, sums[2].tolist()   # the weights: 3 trials each
    ((4, 2), [3.0, 3.0])
    """
    import tensorflow as tf

    x, y, weights = bank
    sums = np.zeros((4, index.shape[0]))
    for b in range(math.ceil(index.shape[1] / batch_size)):
        trials = index[:, b * batch_size:(b + 1) * batch_size]
        args = [tf.gather(x, trials), tf.gather(y, trials), None if weights is None else tf.gather(weights, trials)]
        if first_step is not None:
            args.append(tf.constant(first_step + b, tf.int64))
        objective, weighted, total, correct = step(*args)
        sums += [objective.numpy() * trials.shape[1], weighted.numpy(), total.numpy(), correct.numpy()]
    return sums


def mean_scores(test_step, bank, index, batch_size: int, loss: str) -> dict:
    """Per member over its trials ``index[k]``: ``objective`` (the minimised loss, Keras's
    batch-size-weighted mean), ``task_loss`` and (cross-entropy only) ``accuracy``, weighted.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.population_training import bank_tensors, mean_scores, task_losses
    >>> bank = bank_tensors(np.zeros((3, 2, 1)), np.eye(2)[[0, 1, 1]])
    >>> halves = lambda x, y, w: task_losses(y, 0 * y + 0.5, w, "mse")
    >>> scores = mean_scores(halves, bank, np.array([[0, 1, 2]]), 2, "mse")
    >>> sorted(scores), scores["task_loss"].tolist()
    (['objective', 'task_loss'], [0.25])
    """
    sums = batch_sums(test_step, bank, index, batch_size)
    return {"objective": sums[0] / index.shape[1], **loss_means(sums[1:], loss)}


def compiled_steps(architecture, variables, optimizer, penalties, constraints, noise, seeds, loss: str) -> tuple:
    """A population's compiled computations: ``(train_step, test_step, penalty_now)``.

    ``train_step(x, y, weights, step)`` runs every member on its batch (with its
    input noise at global ``step``), adds the members' task losses
    (:func:`task_losses`) and penalties, takes one optimizer step on the stacked
    weights and applies the constraints; it returns the members' minimised
    losses plus penalties and the sums of :func:`task_losses`.
    ``test_step(x, y, weights)`` returns :func:`task_losses` without noise;
    ``penalty_now()`` the members' current penalties ``(K,)``.

    Parameters
    ----------
    architecture : sernn.architecture.Architecture
        The shared architecture.
    variables : dict of keras.Variable
        The stacked weights named as :data:`sernn.architecture.WEIGHTS`.
    optimizer : keras.optimizers.Optimizer
        Built on the variables (an elementwise one keeps members independent).
    penalties : sernn.regularizers.batched.BatchedPenalties
        The members' penalties.
    constraints : sernn.population_members.MemberConstraints
        The members' mask and sign constraints.
    noise, seeds : ndarray of shape (K,)
        The members' input-noise levels and seeds.
    loss : {"categorical_crossentropy", "mse"}
        The task loss.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.population import Population
    >>> from sernn.population_training import compiled_steps
    >>> population = Population([{"seed": 0}], units=8)
    >>> p = population
    >>> _, test_step, penalty_now = compiled_steps(p.architecture, p.variables, p.optimizer, p.penalty,
    ...                                            p.constraints, p.noise, p.seeds, p.loss)
    >>> x, y = np.zeros((1, 3, 5, 8), "float32"), np.full((1, 3, 4), 0.25, "float32")
    >>> [tuple(value.shape) for value in test_step(x, y, None)], penalty_now().numpy().tolist()
    ([(1,), (1,), (1,), (1,)], [0.0])
    """
    import tensorflow as tf

    trainable = [variables[name] for name in WEIGHTS]
    kernels = variables["recurrent_kernel"]

    @tf.function(reduce_retracing=True)
    def train_step(x, y, weight, step):
        with tf.GradientTape() as tape:
            output = architecture.forward(x, variables, noise=noise, seeds=seeds, step=step)
            objective, weighted, weights, correct = task_losses(y, output, weight, loss)
            penalty = penalties(kernels) if penalties.groups else tf.zeros_like(objective)
            total = tf.reduce_sum(objective + penalty)
        gradients = tape.gradient(total, trainable)
        optimizer.apply(gradients, trainable)
        constraints.apply(kernels)
        return objective + penalty, weighted, weights, correct

    @tf.function(reduce_retracing=True)
    def test_step(x, y, weight):
        return task_losses(y, architecture.forward(x, variables), weight, loss)

    @tf.function
    def penalty_now():
        return penalties(kernels) if penalties.groups else tf.zeros((len(seeds),))

    return train_step, test_step, penalty_now


def task_losses(y, output, weight, loss: str) -> tuple:
    """Per member (each ``(K,)``): the loss Keras minimises, the weighted loss sum, the weight sum, the
    weighted number of correct answers.

    The minimised loss is the weighted per-trial (and per-step) losses summed
    and divided by their count, as Keras reduces a batch; the correct answers
    are counted for the cross-entropy only (zeros for ``"mse"``).

    Parameters
    ----------
    y, output : tensors of shape (K, B, c) or (K, B, T, c)
        Targets and outputs of K members.
    weight : tensor of shape (K, B) or (K, B, T), or None
        Keras's ``sample_weight`` (None: every trial weighs 1).
    loss : {"categorical_crossentropy", "mse"}
        The task loss.

    Examples
    --------
    Two members of two trials; member 1 answers its second trial wrongly:

    >>> import numpy as np, tensorflow as tf
    >>> from sernn.population_training import task_losses
    >>> y = tf.constant([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]])
    >>> out = tf.constant([[[0.9, 0.1], [0.2, 0.8]], [[0.9, 0.1], [0.9, 0.1]]])
    >>> objective, weighted, weights, correct = task_losses(y, out, None, "categorical_crossentropy")
    >>> weights.numpy().tolist(), correct.numpy().tolist()
    ([2.0, 2.0], [2.0, 1.0])
    >>> bool(np.isclose(objective[0], -(np.log(0.9) + np.log(0.8)) / 2))
    True
    """
    import tensorflow as tf

    loss = check_option(loss, "loss", LOSSES)
    if loss == "mse":
        values = keras.losses.mean_squared_error(y, output)
    else:
        values = keras.losses.categorical_crossentropy(y, output)
    if weight is None:
        weight = tf.ones_like(values)
    axes = list(range(1, len(values.shape)))
    weighted = tf.reduce_sum(values * weight, axis=axes)
    count = tf.cast(tf.reduce_prod(tf.shape(values)[1:]), values.dtype)
    if loss == "mse":
        correct = tf.zeros_like(weighted)
    else:
        right = tf.cast(tf.equal(tf.argmax(y, -1), tf.argmax(output, -1)), values.dtype)
        correct = tf.reduce_sum(right * weight, axis=axes)
    return weighted / count, weighted, tf.reduce_sum(weight, axis=axes), correct


def loss_means(sums, loss: str) -> dict:
    """``task_loss`` and (cross-entropy only) ``accuracy`` from the summed weighted loss, weight and correct.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.population_training import loss_means
    >>> means = loss_means(np.array([[3.0, 1.0], [6.0, 4.0], [3.0, 2.0]]), "categorical_crossentropy")
    >>> means["task_loss"].tolist(), means["accuracy"].tolist()
    ([0.5, 0.25], [0.5, 0.5])
    >>> sorted(loss_means(np.ones((3, 2)), "mse"))
    ['task_loss']
    """
    weighted, weights, correct = sums
    means = {"task_loss": weighted / weights}
    if loss != "mse":
        means["accuracy"] = correct / weights
    return means
