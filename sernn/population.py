"""Many independent networks trained as one compiled computation (TensorFlow backend).

A :class:`Population` holds K networks of the :func:`sernn.models.build_sernn`
architecture (optional input noise -> ``SimpleRNN`` -> ``Dense`` readout, at the
last step or, with ``return_sequences=True``, at every step) as stacked
variables: input kernels ``(K, d, n)``, recurrent kernels ``(K, n, n)``, biases
``(K, n)``, readouts ``(K, n, c)`` and ``(K, c)``. One training step runs every
member on its own batch, adds the members' task losses (categorical
cross-entropy or mean squared error, optionally weighted per trial and time
step as Keras's ``sample_weight``) and penalties, and takes one Adam or RMSprop
step on the stacks. Both optimizers are elementwise, so member k's update
depends on member k's loss only: the population trains K independent networks.
Member k is the network that ``build_sernn(**member)`` + ``fit`` would train
alone with the same seed, the same data order and the same strength (tested to
float32 tolerance with input noise off, for the maze networks and for the
connectome memory networks with per-step weights, RMSprop and a last batch
smaller than the others).

What is per member: the seed (initial weights exactly as ``build_sernn(seed=...)``
draws them, data order, input noise), the recurrent regulariser (any kind the
package has, or Keras's ``L1``/``L2``, each with its own strength), the mask and
sign constraint (:class:`sernn.constraints.MaskConstraint`), the recurrent
initializer (and so connectome initialisations) and the training and validation
data. What is shared, and so refused when it would couple members: the
architecture (units, input and output sizes, activation), the optimizer (Adam,
one learning rate), the batch size and the number of epochs; global gradient
clipping, learning-rate schedules and early stopping are not offered, since they
would make one member's update depend on another's.

Data are given as a *bank* of distinct trials and, per member, the bank rows of
its trials (the maze task has only 8 distinct trials, so K networks of 5,120
trials cost 8 bytes a trial). Per epoch, member k visits its trials in the order
``numpy.random.default_rng([seed_k, epoch]).permutation(N)`` (``orders="seeded"``),
or in a given order. Input noise for member k at global step t is
``noise * stateless_normal(seed=(seed_k, t))``: it depends on the member's seed
and the step only, never on K or on the other members. A member's results so do
not depend on how runs are grouped, up to float32 rounding (the matrix-product
kernels pick their summation order from the batched shape: about 1e-8 in the
weights after an epoch); the same grouping reproduces bitwise.
"""
from __future__ import annotations

import json
import math
import time

import keras
import numpy as np

from sernn.atomic import atomic_save_npz
from sernn.constraints import MaskConstraint
from sernn.resources import available_memory
from sernn.validation import check_integer, check_option, check_real

__all__ = ["Population", "seeded_orders", "available_memory", "memory_estimate", "check_memory",
           "LINEAR_REGULARIZERS", "LOSSES", "OPTIMIZERS"]

#: Regulariser classes whose penalty is ``strength * cost(W)``: members that differ only in
#: strength share one vectorised cost. (Name -> the config key holding the strength.)
LINEAR_REGULARIZERS = {"SpatialCommunicability": "strength", "SpatialL1": "strength",
                       "Communicability": "strength", "L1": "l1", "L2": "l2"}

_SHARED = ("units", "input_size", "output_size", "activation", "output_activation", "return_sequences")
#: The task losses a population offers (Keras names).
LOSSES = ("categorical_crossentropy", "mse")
#: The optimizers a population offers (both elementwise, so members stay independent).
OPTIMIZERS = ("adam", "rmsprop")
_WEIGHTS = ("kernel", "recurrent_kernel", "bias", "readout_kernel", "readout_bias")


def seeded_orders(seeds, n_trials: int, epoch: int) -> np.ndarray:
    """The default data order: row k is ``default_rng([seeds[k], epoch]).permutation(n_trials)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.population import seeded_orders
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

    >>> from sernn.population import memory_estimate
    >>> memory_estimate(1, units=100, batch_size=128, steps=50)
    8160000
    >>> memory_estimate(10, units=100, batch_size=128, steps=50) == 10 * 8160000
    True
    """
    return int(size * (3 * 4 * batch_size * steps * units + 12 * 4 * units * units))


def check_memory(size: int, units: int, batch_size: int, steps: int) -> None:
    """Raise ValueError, naming the largest population that fits, when one would not fit in memory.

    A population fits when its :func:`memory_estimate` is at most 80 % of the
    :func:`available_memory`.

    Examples
    --------
    Two 8-unit networks need ``2 * (3 * 4 * 16 * 5 * 8 + 12 * 4 * 8 * 8)`` bytes
    (about 21 kB) for one step, which fits anywhere, so nothing is raised:

    >>> from sernn.population import check_memory, memory_estimate
    >>> memory_estimate(2, units=8, batch_size=16, steps=5)
    21504
    >>> check_memory(2, units=8, batch_size=16, steps=5) is None
    True
    """
    need = memory_estimate(size, units, batch_size, steps)
    available = available_memory()
    if available is not None and need > 0.8 * available:
        largest = max(1, int(0.8 * available // (need / size)))
        raise ValueError(f"a population of {size} networks needs about {need / 2**30:.1f} GiB for one training "
                         f"step (batch {batch_size}, {steps} time steps, {units} units) and "
                         f"{available / 2**30:.1f} GiB is available; use a population of at most {largest}")


def _check_index(index, name, size):
    """``index`` as an int64 (K, N) array with N >= 1, or a ValueError naming it."""
    index = np.asarray(index, dtype=np.int64)
    if index.ndim != 2 or index.shape[0] != size or index.shape[1] < 1:
        letter = "N" if name == "train_index" else "V"
        raise ValueError(f"{name} must have shape (K={size}, {letter}) with {letter} >= 1; got {index.shape}")
    return index


def _serialize(obj):
    return None if obj is None or isinstance(obj, str) else keras.saving.serialize_keras_object(obj)


def _deserialize(config):
    if config is None or isinstance(config, str):
        return config
    import sernn.constraints  # noqa: F401  (registers the package's serializable classes)
    import sernn.initializers  # noqa: F401
    import sernn.regularizers  # noqa: F401

    return keras.saving.deserialize_keras_object(config)


class Population:
    """K independent recurrent networks of the ``build_sernn`` architecture, trained as one.

    Parameters
    ----------
    members : sequence of dict
        One dict per network of :func:`sernn.models.build_sernn` keyword
        arguments that may differ between members: ``seed`` (required),
        ``recurrent_regularizer``, ``recurrent_constraint`` (None or a
        :class:`~sernn.constraints.MaskConstraint`), ``recurrent_initializer``,
        ``kernel_initializer``, ``noise``.
    units, input_size, output_size, activation, output_activation, return_sequences :
        The shared architecture, as in ``build_sernn`` (defaults: the published seRNN).
        With ``return_sequences=True`` the readout is applied at every step and the
        targets have shape ``(trials, T, c)``.
    loss : {"categorical_crossentropy", "mse"}, default="categorical_crossentropy"
        The task loss, reduced as Keras reduces it: the sum of the (weighted)
        per-trial, per-step losses divided by the number of trials x steps in the batch.
    optimizer : {"adam", "rmsprop"}, default="adam"
        Keras's Adam or RMSprop with their defaults, except the learning rate.
    learning_rate : float, default=1e-3
        The optimizer's learning rate.

    Examples
    --------
    >>> import sernn
    >>> from sernn.regularizers import SpatialCommunicability
    >>> population = sernn.population.Population(
    ...     [{"seed": s, "recurrent_regularizer": SpatialCommunicability(0.3)} for s in (0, 1)],
    ...     units=100)
    >>> population.size, population.recurrent_kernels().shape
    (2, (2, 100, 100))
    """

    def __init__(self, members, units=100, input_size=8, output_size=4, activation="relu",
                 output_activation="softmax", learning_rate=1e-3, return_sequences=False,
                 loss="categorical_crossentropy", optimizer="adam"):
        from sernn.models import build_sernn

        members = [dict(m) for m in members]
        if not members:
            raise ValueError("members must list at least one network")
        for index, member in enumerate(members):
            if "seed" not in member:
                raise ValueError(f"members[{index}] has no 'seed'; every member needs its own seed")
            unknown = set(member) - {"seed", "recurrent_regularizer", "recurrent_constraint",
                                     "recurrent_initializer", "kernel_initializer", "noise"}
            if unknown:
                raise ValueError(f"members[{index}] has {sorted(unknown)[0]!r}, which cannot differ between "
                                 "members; accepted: seed, recurrent_regularizer, recurrent_constraint, "
                                 "recurrent_initializer, kernel_initializer, noise")
            constraint = member.get("recurrent_constraint")
            if constraint is not None and not isinstance(constraint, MaskConstraint):
                raise TypeError(f"members[{index}]: recurrent_constraint must be None or a MaskConstraint "
                                 f"(other constraints are not vectorised); got {type(constraint).__name__}")
        learning_rate = check_real(learning_rate, "learning_rate", low=0, inclusive="neither")
        loss = check_option(loss, "loss", LOSSES)
        # (only elementwise optimizers keep the members independent)
        optimizer = check_option(optimizer.lower() if isinstance(optimizer, str) else optimizer, "optimizer",
                                 OPTIMIZERS)
        self.shared = {"units": check_integer(units, "units", low=1), "input_size": check_integer(input_size, "input_size", low=1),
                       "output_size": check_integer(output_size, "output_size", low=1), "activation": activation,
                       "output_activation": output_activation, "return_sequences": bool(return_sequences)}
        self.learning_rate = float(learning_rate)
        self.loss = loss
        self.optimizer_name = optimizer.lower()
        self.members = members
        initial = {name: [] for name in _WEIGHTS}
        for member in members:
            model = build_sernn(**self.shared, **member, compile=False)
            values = self._model_weights(model)
            for name in _WEIGHTS:
                initial[name].append(values[name])
        self.variables = {name: keras.Variable(np.stack(initial[name]), name=name, dtype="float32")
                          for name in _WEIGHTS}
        self._masks, self._nonneg = self._constraint_stacks()
        self._groups = self._regularizer_groups()
        self.noise = np.array([float(m.get("noise", 0.05)) for m in members], dtype=np.float32)
        self.seeds = np.array([int(m["seed"]) for m in members], dtype=np.int64)
        self.optimizer = (keras.optimizers.Adam if self.optimizer_name == "adam"
                          else keras.optimizers.RMSprop)(self.learning_rate)
        self.optimizer.build([self.variables[name] for name in _WEIGHTS])
        self._compiled = None

    # -- construction helpers ------------------------------------------------------
    @property
    def size(self) -> int:
        """The number of members K."""
        return len(self.members)

    @staticmethod
    def _model_weights(model) -> dict:
        rnn, readout = model.get_layer("rnn"), model.get_layer("readout")
        kernel, recurrent, bias = (np.asarray(v) for v in rnn.get_weights())
        readout_kernel, readout_bias = (np.asarray(v) for v in readout.get_weights())
        return {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias,
                "readout_kernel": readout_kernel, "readout_bias": readout_bias}

    def _constraint_stacks(self):
        n = self.shared["units"]
        masks = np.ones((self.size, n, n), dtype=np.float32)
        nonneg = np.zeros((self.size, 1, 1), dtype=np.float32)
        constrained = False
        for k, member in enumerate(self.members):
            constraint = member.get("recurrent_constraint")
            if constraint is not None:
                if constraint.mask.shape != (n, n):
                    raise ValueError(f"members[{k}]: the mask has shape {constraint.mask.shape}, expected "
                                     f"({n}, {n}) for units={n}")
                masks[k] = constraint.mask
                nonneg[k] = float(constraint.nonneg)
                constrained = True
        return (masks, nonneg) if constrained else (None, None)

    def _regularizer_groups(self):
        """Members grouped so that one vectorised call computes each group's penalties."""
        groups = {}
        for k, member in enumerate(self.members):
            regularizer = member.get("recurrent_regularizer")
            if regularizer is None:
                continue
            name = type(regularizer).__name__
            config = regularizer.get_config()
            key_name = LINEAR_REGULARIZERS.get(name)
            if key_name is not None and key_name in config:
                strength = float(config[key_name])
                template = dict(config, **{key_name: 1.0})
            else:
                strength, template = 1.0, config
            key = (type(regularizer), json.dumps(template, sort_keys=True, default=str))
            if key not in groups:
                unit = type(regularizer).from_config(template) if key_name else regularizer
                groups[key] = {"regularizer": unit, "members": [], "strengths": []}
            groups[key]["members"].append(k)
            groups[key]["strengths"].append(strength)
        return [(np.array(g["members"]), np.array(g["strengths"], dtype=np.float32), g["regularizer"])
                for g in groups.values()]

    # -- computation (TensorFlow) -----------------------------------------------------
    def _penalties(self, recurrent):
        """Per-member penalty (K,) of the recurrent kernels (K, n, n)."""
        import tensorflow as tf

        total = tf.zeros((self.size,), dtype=recurrent.dtype)
        for members, strengths, regularizer in self._groups:
            selected = tf.gather(recurrent, members)
            costs = tf.vectorized_map(regularizer, selected)
            total = tf.tensor_scatter_nd_add(total, members[:, None], costs * strengths)
        return total

    def _forward(self, x, noise_step=None):
        """Outputs (K, B, c) for inputs (K, B, T, d); with ``noise_step`` the members' input noise is added."""
        import tensorflow as tf

        v = {name: tf.convert_to_tensor(var) for name, var in self.variables.items()}
        if noise_step is not None and np.any(self.noise > 0):
            shape = tf.shape(x)[1:]
            draws = [tf.random.stateless_normal(shape, tf.stack([tf.constant(int(seed), tf.int64), noise_step]),
                                                dtype=x.dtype)
                     for seed in self.seeds]
            x = x + tf.constant(self.noise)[:, None, None, None] * tf.stack(draws)
        activation = keras.activations.get(self.shared["activation"])
        h = tf.zeros((tf.shape(x)[0], tf.shape(x)[1], self.shared["units"]), dtype=x.dtype)
        states = []
        for t in range(x.shape[2]):
            drive = tf.matmul(x[:, :, t, :], v["kernel"]) + v["bias"][:, None, :]
            h = activation(drive + tf.matmul(h, v["recurrent_kernel"]))
            if self.shared["return_sequences"]:
                states.append(h)
        output = keras.activations.get(self.shared["output_activation"])
        if not self.shared["return_sequences"]:
            return output(tf.matmul(h, v["readout_kernel"]) + v["readout_bias"][:, None, :])
        hidden = tf.stack(states, axis=2)  # (K, B, T, n)
        shape = tf.shape(hidden)
        flat = tf.reshape(hidden, (shape[0], shape[1] * shape[2], self.shared["units"]))
        logits = tf.matmul(flat, v["readout_kernel"]) + v["readout_bias"][:, None, :]
        return output(tf.reshape(logits, (shape[0], shape[1], shape[2], self.shared["output_size"])))

    def _task_losses(self, y, output, weight):
        """Per member (each (K,)): the loss Keras minimises (the weighted per-trial, per-step losses
        summed and divided by their count), their weighted sum, the sum of the weights and the
        weighted number of correct answers (cross-entropy only; zeros for MSE)."""
        import tensorflow as tf

        if self.loss == "mse":
            values = keras.losses.mean_squared_error(y, output)
        else:
            values = keras.losses.categorical_crossentropy(y, output)
        if weight is None:
            weight = tf.ones_like(values)
        axes = list(range(1, len(values.shape)))
        weighted = tf.reduce_sum(values * weight, axis=axes)
        count = tf.cast(tf.reduce_prod(tf.shape(values)[1:]), values.dtype)
        if self.loss == "mse":
            correct = tf.zeros_like(weighted)
        else:
            right = tf.cast(tf.equal(tf.argmax(y, -1), tf.argmax(output, -1)), values.dtype)
            correct = tf.reduce_sum(right * weight, axis=axes)
        return weighted / count, weighted, tf.reduce_sum(weight, axis=axes), correct

    def _apply_constraints(self):
        if self._masks is None:
            return
        variable = self.variables["recurrent_kernel"]
        value = variable * self._masks
        value = value - self._nonneg * keras.ops.minimum(value, 0.0)
        variable.assign(value)

    def _functions(self):
        """The compiled train step, test step and penalty (traced once per population)."""
        import tensorflow as tf

        if self._compiled is not None:
            return self._compiled
        trainable = [self.variables[name] for name in _WEIGHTS]

        @tf.function(reduce_retracing=True)
        def train_step(x, y, weight, step):
            with tf.GradientTape() as tape:
                output = self._forward(x, noise_step=step)
                objective, weighted, weights, correct = self._task_losses(y, output, weight)
                penalty = self._penalties(self.variables["recurrent_kernel"]) if self._groups \
                    else tf.zeros_like(objective)
                total = tf.reduce_sum(objective + penalty)
            gradients = tape.gradient(total, trainable)
            self.optimizer.apply(gradients, trainable)
            self._apply_constraints()
            return objective + penalty, weighted, weights, correct

        @tf.function(reduce_retracing=True)
        def test_step(x, y, weight):
            return self._task_losses(y, self._forward(x), weight)

        @tf.function
        def penalty_now():
            if not self._groups:
                return tf.zeros((self.size,))
            return self._penalties(self.variables["recurrent_kernel"])

        self._compiled = (train_step, test_step, penalty_now)
        return self._compiled

    # -- public API ---------------------------------------------------------------------
    def check_memory(self, batch_size: int, steps: int) -> None:
        """Refuse, before anything is allocated, a population that would not fit in memory."""
        check_memory(self.size, self.shared["units"], batch_size, steps)

    def recurrent_kernels(self) -> np.ndarray:
        """The current recurrent kernels, (K, n, n) float32."""
        return np.array(self.variables["recurrent_kernel"].numpy())

    def penalties(self) -> np.ndarray:
        """Every member's current penalty (the regularisation loss), (K,)."""
        return np.asarray(self._functions()[2]())

    def fit(self, bank_x, bank_y, train_index, validation_index=None, epochs=10, batch_size=128,
            orders="seeded", validation_bank=None, every_epoch=True, progress=None, bank_weights=None):
        """Train every member; return one list of per-epoch rows per member and the weight history.

        Parameters
        ----------
        bank_x : array-like of shape (M, T, d)
            The distinct training trials.
        bank_y : array-like of shape (M, c), or (M, T, c) with ``return_sequences=True``
            Their targets (one-hot for the cross-entropy).
        train_index : array-like of int, shape (K, N)
            Row k: the bank rows of member k's training trials, in data order.
        validation_index : array-like of int, shape (K, V), optional
            Member k's validation trials (rows of ``validation_bank``, default the same bank).
        epochs, batch_size : int
            As for ``keras.Model.fit``: when ``N`` is not a multiple of ``batch_size`` the
            last batch of an epoch is smaller, and the epoch's means weight every batch by
            its size, as Keras's do.
        orders : "seeded" or array-like of shape (epochs, K, N), default="seeded"
            Per epoch and member, the order in which the member's trials are visited
            (:func:`seeded_orders` by default).
        validation_bank : (x, y) or (x, y, weights), optional
            The bank of the validation trials.
        every_epoch : bool, default=True
            Keep the recurrent kernels after every epoch (else only before and after training).
        progress : callable, optional
            Called as ``progress(epoch, epochs, seconds)`` after every epoch.
        bank_weights : array-like of shape (M,) or (M, T), optional
            Keras's ``sample_weight`` of every bank trial (per time step with
            ``return_sequences=True``), e.g. 1 on the response steps only.

        Returns
        -------
        rows : list of list of dict
            ``rows[k]``: one dict per epoch (``epoch`` = completed epochs, from 1) with
            ``loss`` (the minimised loss plus the penalty, as Keras's), ``task_loss`` (the
            task loss alone, weighted by ``bank_weights``), ``reg_loss`` (at the end of the
            epoch), ``accuracy`` (cross-entropy only) and, with validation data,
            ``val_loss``, ``val_task_loss``, ``val_accuracy``: the keys of
            :func:`sernn.training.fit_and_record` for a model whose ``task_loss`` and
            accuracy are weighted metrics.
        snapshots : ndarray of shape (K, epochs + 1, n, n) (or (K, 2, n, n)), float32

        Examples
        --------
        Two 8-unit networks, the second with a spatial communicability penalty,
        trained for one epoch on the same 32 random trials (input noise off):

        >>> import numpy as np
        >>> from sernn.models import build_sernn
        >>> from sernn.population import Population, seeded_orders
        >>> from sernn.regularizers import SpatialCommunicability
        >>> from sernn.spatial import grid_coordinates
        >>> rng = np.random.default_rng(0)
        >>> bank_x = rng.normal(size=(32, 5, 8)).astype("float32")
        >>> bank_y = np.eye(4, dtype="float32")[rng.integers(0, 4, size=32)]
        >>> penalty = SpatialCommunicability(0.01, coordinates=grid_coordinates((2, 2, 2)))
        >>> members = [{"seed": 0, "noise": 0.0},
        ...            {"seed": 1, "noise": 0.0, "recurrent_regularizer": penalty}]
        >>> population = Population(members, units=8)
        >>> train_index = np.tile(np.arange(32), (2, 1))   # both members see all 32 trials
        >>> rows, snapshots = population.fit(bank_x, bank_y, train_index, epochs=1, batch_size=16)
        >>> len(rows), len(rows[0]), sorted(rows[0][0])
        (2, 1, ['accuracy', 'epoch', 'loss', 'reg_loss', 'task_loss'])
        >>> snapshots.shape  # (K, before + 1 epoch, n, n)
        (2, 2, 8, 8)
        >>> rows[0][0]["reg_loss"], rows[1][0]["reg_loss"] > 0
        (0.0, True)

        Member 1 is the network ``build_sernn`` + ``fit`` trains alone with the same
        seed, the same data order and the same penalty:

        >>> alone = build_sernn(units=8, seed=1, noise=0.0, recurrent_regularizer=penalty)
        >>> order = seeded_orders([1], 32, epoch=0)[0]
        >>> _ = alone.fit(bank_x[order], bank_y[order], epochs=1, batch_size=16, shuffle=False,
        ...               verbose=0)
        >>> trained = alone.get_layer("rnn").get_weights()[1]
        >>> bool(np.allclose(trained, snapshots[1, -1], atol=1e-6))
        True
        """
        import tensorflow as tf

        epochs = check_integer(epochs, "epochs", low=1)
        batch_size = check_integer(batch_size, "batch_size", low=1)
        bank_x, bank_y, bank_w = self._bank(bank_x, bank_y, bank_weights, "bank")
        train_index = _check_index(train_index, "train_index", self.size)
        n_trials = train_index.shape[1]
        if isinstance(orders, str):
            if orders != "seeded":
                raise ValueError(f"orders must be 'seeded' or an array (epochs, K, N); got {orders!r}")
            orders = None
        else:
            orders = np.asarray(orders, dtype=np.int64)
            if orders.shape != (epochs, self.size, n_trials):
                raise ValueError(f"orders must have shape (epochs, K, N) = {(epochs, self.size, n_trials)}; "
                                 f"got {orders.shape}")
        if validation_index is not None:
            validation_index = _check_index(validation_index, "validation_index", self.size)
            if validation_bank is None:
                val_x, val_y, val_w = bank_x, bank_y, bank_w
            else:
                if len(validation_bank) not in (2, 3):
                    raise ValueError("validation_bank must be (x, y) or (x, y, weights)")
                val_x, val_y, val_w = self._bank(*validation_bank, *([None] * (3 - len(validation_bank))),
                                                 "validation_bank")
        self.check_memory(batch_size, int(bank_x.shape[1]))
        train_step, _, penalty_now = self._functions()
        snapshots = [self.recurrent_kernels()]
        rows = [[] for _ in range(self.size)]
        batches = math.ceil(n_trials / batch_size)
        members = np.arange(self.size)[:, None]
        first_step = int(self.optimizer.iterations.numpy())  # read once, not on every batch
        for epoch in range(epochs):
            start = time.perf_counter()
            order = seeded_orders(self.seeds, n_trials, epoch) if orders is None else orders[epoch]
            visit = train_index[members, order]
            sums = np.zeros((4, self.size))  # loss x trials, weighted task loss, weights, weighted correct
            for b in range(batches):
                trials = visit[:, b * batch_size:(b + 1) * batch_size]
                step = tf.constant(first_step + epoch * batches + b, tf.int64)
                loss, weighted, weights, correct = train_step(
                    tf.gather(bank_x, trials), tf.gather(bank_y, trials),
                    None if bank_w is None else tf.gather(bank_w, trials), step)
                sums += [loss.numpy() * trials.shape[1], weighted.numpy(), weights.numpy(), correct.numpy()]
            penalty = np.asarray(penalty_now())
            logs = {"loss": sums[0] / n_trials, **self._means(sums[1:]), "reg_loss": penalty}
            if validation_index is not None:
                scores = self._score(val_x, val_y, val_w, validation_index, batch_size)
                logs["val_loss"] = scores.pop("objective") + penalty
                logs.update({f"val_{key}": value for key, value in scores.items()})
            for k in range(self.size):
                rows[k].append({"epoch": epoch + 1, **{key: float(value[k]) for key, value in logs.items()}})
            if every_epoch or epoch == epochs - 1:
                snapshots.append(self.recurrent_kernels())
            if progress is not None:
                progress(epoch + 1, epochs, time.perf_counter() - start)
        return rows, np.stack(snapshots, axis=1)

    def _bank(self, x, y, weights, name):
        """Validated bank tensors (x, y, weights or None)."""
        import tensorflow as tf

        x = np.asarray(x, dtype=np.float32)
        y = np.asarray(y, dtype=np.float32)
        steps = self.shared["return_sequences"]
        if x.ndim != 3 or y.ndim != (3 if steps else 2) or y.shape[0] != x.shape[0] \
                or (steps and y.shape[1] != x.shape[1]):
            expected = "(M, T, c)" if steps else "(M, c)"
            raise ValueError(f"{name}: inputs must have shape (M, T, d) and targets {expected}; got "
                             f"{x.shape} and {y.shape}")
        if weights is not None:
            weights = np.asarray(weights, dtype=np.float32)
            if weights.shape != y.shape[:-1]:
                raise ValueError(f"{name}: the weights must have shape {y.shape[:-1]} (one per trial"
                                 f"{' and step' if steps else ''}); got {weights.shape}")
            weights = tf.constant(weights)
        return tf.constant(x), tf.constant(y), weights

    def _score(self, x, y, weights, index, batch_size) -> dict:
        """Per member, over the trials ``index`` (K, V): the minimised loss (Keras's batch-size-weighted
        mean), the weighted task loss and the weighted accuracy."""
        import tensorflow as tf

        _, test_step, _ = self._functions()
        sums = np.zeros((4, self.size))
        for b in range(math.ceil(index.shape[1] / batch_size)):
            trials = index[:, b * batch_size:(b + 1) * batch_size]
            objective, weighted, total, correct = test_step(
                tf.gather(x, trials), tf.gather(y, trials), None if weights is None else tf.gather(weights, trials))
            sums += [objective.numpy() * trials.shape[1], weighted.numpy(), total.numpy(), correct.numpy()]
        return {"objective": sums[0] / index.shape[1], **self._means(sums[1:])}

    def _means(self, sums) -> dict:
        """``task_loss`` and (cross-entropy only) ``accuracy`` from the weighted sums of loss, weight, correct."""
        weighted, weights, correct = sums
        means = {"task_loss": weighted / weights}
        if self.loss != "mse":
            means["accuracy"] = correct / weights
        return means

    def evaluate(self, bank_x, bank_y, index, batch_size=128, bank_weights=None) -> dict:
        """Per member on the trials ``index`` (K, V): ``loss`` (minimised loss + penalty, as Keras's
        ``evaluate``), ``task_loss`` (weighted by ``bank_weights``) and ``accuracy`` (cross-entropy only)."""
        x, y, w = self._bank(bank_x, bank_y, bank_weights, "bank")
        scores = self._score(x, y, w, _check_index(index, "index", self.size), check_integer(batch_size, "batch_size", low=1))
        return {"loss": scores.pop("objective") + self.penalties(), **scores}

    def member_model(self, k: int, compile: bool = True, learning_rate=None):
        """Member ``k`` as an ordinary :func:`sernn.models.build_sernn` model with its current weights."""
        from sernn.models import build_sernn

        k = check_integer(k, "k", low=0)
        if k >= self.size:
            raise ValueError(f"k must be < {self.size} (the population size); got {k}")
        model = build_sernn(**self.shared, **self.members[k], compile=compile, loss=self.loss,
                            optimizer=self.optimizer_name,
                            metrics=("accuracy",) if self.loss != "mse" else (),
                            learning_rate=self.learning_rate if learning_rate is None else learning_rate)
        values = {name: np.asarray(var.numpy()[k]) for name, var in self.variables.items()}
        model.get_layer("rnn").set_weights([values["kernel"], values["recurrent_kernel"], values["bias"]])
        model.get_layer("readout").set_weights([values["readout_kernel"], values["readout_bias"]])
        return model

    # -- saving -------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the population (weights, members, architecture; not the optimizer state) as ``.npz``."""
        config = {"shared": self.shared, "learning_rate": self.learning_rate, "loss": self.loss,
                  "optimizer": self.optimizer_name,
                  "members": [{key: (_serialize(value) if key.startswith(("recurrent_", "kernel_")) else value)
                               for key, value in member.items()} for member in self.members]}
        arrays = {name: var.numpy() for name, var in self.variables.items()}
        atomic_save_npz(path, config=np.array(json.dumps(config)), **arrays)

    @classmethod
    def load(cls, path) -> "Population":
        """A population saved with :meth:`save` (same members, same weights)."""
        with np.load(path, allow_pickle=False) as data:
            config = json.loads(str(data["config"]))
            arrays = {name: data[name] for name in _WEIGHTS}
        members = [{key: (_deserialize(value) if key.startswith(("recurrent_", "kernel_")) else value)
                    for key, value in member.items()} for member in config["members"]]
        population = cls(members, learning_rate=config["learning_rate"], loss=config.get("loss", LOSSES[0]),
                         optimizer=config.get("optimizer", OPTIMIZERS[0]), **config["shared"])
        for name, value in arrays.items():
            population.variables[name].assign(value)
        return population
