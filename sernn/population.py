"""Many independent networks trained as one compiled computation (TensorFlow backend).

A :class:`Population` holds K networks of the :func:`sernn.models.build_sernn`
architecture (:class:`sernn.architecture.Architecture`: optional input noise ->
``SimpleRNN`` -> ``Dense`` readout, at the last step or, with
``return_sequences=True``, at every step) as stacked
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
package has, or Keras's ``L1``/``L2``, each with its own strength; members whose
penalties differ only in strength share one vectorised computation, see
:mod:`sernn.regularizers.batched`), the mask and
sign constraints (:class:`sernn.constraints.MaskConstraint`, Dale's law by
:class:`sernn.constraints.DaleConstraint`), the recurrent
initializer (and so connectome initialisations) and the training and validation
data. What is shared, and so refused when it would couple members: the
architecture (units, input and output sizes, activation, the cell: Elman or
leaky units with their ``tau``, ``dt`` and recurrent noise), the optimizer (Adam,
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

from sernn.architecture import WEIGHTS, Architecture
from sernn.atomic import atomic_save_npz
from sernn.population_members import MemberConstraints, check_members, initial_weights, member_config, \
    member_from_config
from sernn.population_training import (LOSSES, bank_tensors, batch_sums, check_index, check_orders,
                                       compiled_steps, loss_means, mean_scores, memory_estimate, seeded_orders)
from sernn.regularizers.batched import BatchedPenalties
from sernn.resources import available_memory
from sernn.validation import check_integer, check_option, check_real

__all__ = ["Population", "seeded_orders", "available_memory", "memory_estimate", "check_memory", "LOSSES",
           "OPTIMIZERS"]

#: The optimizers a population offers (both elementwise, so members stay independent).
OPTIMIZERS = ("adam", "rmsprop")


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


class Population:
    """K independent recurrent networks of the ``build_sernn`` architecture, trained as one.

    Parameters
    ----------
    members : sequence of dict
        One dict per network of :func:`sernn.models.build_sernn` keyword
        arguments that may differ between members: ``seed`` (required),
        ``recurrent_regularizer``, ``recurrent_constraint`` (None, a
        :class:`~sernn.constraints.MaskConstraint` or a
        :class:`~sernn.constraints.DaleConstraint`, e.g. from
        :func:`sernn.initializers.dale_recurrent` with its initializer), ``recurrent_initializer``,
        ``kernel_initializer``, ``noise``.
    units, input_size, output_size, activation, output_activation, return_sequences :
        The shared :class:`~sernn.architecture.Architecture`, as in ``build_sernn``
        (defaults: the published seRNN). With ``return_sequences=True`` the readout
        is applied at every step and the targets have shape ``(trials, T, c)``.
    loss : {"categorical_crossentropy", "mse"}, default="categorical_crossentropy"
        The task loss, reduced as Keras reduces it: the sum of the (weighted)
        per-trial, per-step losses divided by the number of trials x steps in the batch.
    optimizer : {"adam", "rmsprop"}, default="adam"
        Keras's Adam or RMSprop with their defaults, except the learning rate.
    learning_rate : float, default=1e-3
        The optimizer's learning rate.
    cell, tau, dt, recurrent_noise :
        The shared recurrent units, as in ``build_sernn``: ``cell="leaky"`` for leaky
        continuous-time units with time constant ``tau``, step ``dt`` and recurrent noise
        (member k's drawn from its seed and the step, like its input noise).

    Attributes
    ----------
    architecture : sernn.architecture.Architecture
        The shared architecture; ``shared`` is it as a dict.
    variables : dict of keras.Variable
        The stacked weights, named as :data:`sernn.architecture.WEIGHTS`.
    penalty : sernn.regularizers.batched.BatchedPenalties
        The members' penalties of the stacked recurrent kernels.
    constraints : sernn.population_members.MemberConstraints
        The members' mask and sign constraints.

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
                 loss="categorical_crossentropy", optimizer="adam", cell="simple", tau=None, dt=None,
                 recurrent_noise=0.0):
        members = check_members(members)
        learning_rate = check_real(learning_rate, "learning_rate", low=0, inclusive="neither")
        loss = check_option(loss, "loss", LOSSES)
        # (only elementwise optimizers keep the members independent)
        optimizer = check_option(optimizer.lower() if isinstance(optimizer, str) else optimizer, "optimizer",
                                 OPTIMIZERS)
        self.architecture = Architecture(units, input_size, output_size, activation, output_activation,
                                         return_sequences, cell=cell, tau=tau, dt=dt,
                                         recurrent_noise=recurrent_noise)
        self.shared = self.architecture.as_dict()
        self.learning_rate = float(learning_rate)
        self.loss = loss
        self.optimizer_name = optimizer
        self.members = members
        self.variables = {name: keras.Variable(value, name=name, dtype="float32")
                          for name, value in initial_weights(members, self.architecture).items()}
        self.constraints = MemberConstraints(members, self.architecture.units)
        self.penalty = BatchedPenalties([member.get("recurrent_regularizer") for member in members])
        self.noise = np.array([float(m.get("noise", 0.05)) for m in members], dtype=np.float32)
        self.seeds = np.array([int(m["seed"]) for m in members], dtype=np.int64)
        self.optimizer = (keras.optimizers.Adam if self.optimizer_name == "adam"
                          else keras.optimizers.RMSprop)(self.learning_rate)
        self.optimizer.build([self.variables[name] for name in WEIGHTS])
        self._compiled = None

    @property
    def size(self) -> int:
        """The number of members K."""
        return len(self.members)

    def _functions(self):
        """The compiled train step, test step and penalty (traced once per population)."""
        if self._compiled is None:
            self._compiled = compiled_steps(self.architecture, self.variables, self.optimizer, self.penalty,
                                            self.constraints, self.noise, self.seeds, self.loss)
        return self._compiled

    # -- public API ---------------------------------------------------------------------
    def check_memory(self, batch_size: int, steps: int) -> None:
        """Refuse, before anything is allocated, a population that would not fit in memory.

        See :func:`check_memory` (this population's size and units).

        Examples
        --------
        >>> from sernn.population import Population
        >>> Population([{"seed": 0}], units=8).check_memory(batch_size=16, steps=5) is None
        True
        """
        check_memory(self.size, self.architecture.units, batch_size, steps)

    def recurrent_kernels(self) -> np.ndarray:
        """The current recurrent kernels, (K, n, n) float32.

        Examples
        --------
        >>> from sernn.models import build_sernn
        >>> from sernn.population import Population
        >>> kernels = Population([{"seed": 0}, {"seed": 1}], units=8).recurrent_kernels()
        >>> kernels.shape, bool((kernels[1] == build_sernn(units=8, seed=1).get_weights()[1]).all())
        ((2, 8, 8), True)
        """
        return np.array(self.variables["recurrent_kernel"].numpy())

    def weights(self) -> dict:
        """Every current weight, name of :data:`sernn.architecture.WEIGHTS` -> array ``(K, ...)`` (copies).

        Examples
        --------
        >>> from sernn.population import Population
        >>> weights = Population([{"seed": 0}, {"seed": 1}], units=8).weights()
        >>> {name: value.shape for name, value in weights.items()}["kernel"], weights["readout_bias"].shape
        ((2, 8, 8), (2, 4))
        """
        return {name: np.array(self.variables[name].numpy()) for name in WEIGHTS}

    def penalties(self) -> np.ndarray:
        """Every member's current penalty (the regularisation loss), (K,).

        Examples
        --------
        >>> import keras, numpy as np
        >>> from sernn.population import Population
        >>> population = Population([{"seed": 0}, {"seed": 1, "recurrent_regularizer": keras.regularizers.L1(0.5)}],
        ...                         units=8)
        >>> values = population.penalties()
        >>> float(values[0]), bool(np.isclose(values[1], 0.5 * np.abs(population.recurrent_kernels()[1]).sum()))
        (0.0, True)
        """
        return np.asarray(self._functions()[2]())

    def fit(self, bank_x, bank_y, train_index, validation_index=None, epochs=10, batch_size=128,
            orders="seeded", validation_bank=None, every_epoch=True, progress=None, bank_weights=None,
            record="recurrent"):
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
        record : {"recurrent", "all"}, default="recurrent"
            Which weights the history keeps: the recurrent kernels, or every weight
            (:data:`sernn.architecture.WEIGHTS`), enough to rebuild each network at each
            snapshot (:mod:`sernn.hidden_states`).

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
            The recurrent kernels before training and after each epoch (or after the
            last). With ``record="all"``: a dict, name of :data:`~sernn.architecture.WEIGHTS`
            -> array ``(K, epochs + 1, ...)`` of that weight.

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
        epochs = check_integer(epochs, "epochs", low=1)
        batch_size = check_integer(batch_size, "batch_size", low=1)
        record = check_option(record, "record", ("recurrent", "all"))
        snapshot = self.recurrent_kernels if record == "recurrent" else self.weights
        bank = bank_tensors(bank_x, bank_y, bank_weights, "bank", self.architecture.return_sequences)
        train_index = check_index(train_index, "train_index", self.size)
        n_trials = train_index.shape[1]
        orders = check_orders(orders, epochs, self.size, n_trials)
        if validation_index is not None:
            validation_index = check_index(validation_index, "validation_index", self.size)
            if validation_bank is not None and len(validation_bank) not in (2, 3):
                raise ValueError("validation_bank must be (x, y) or (x, y, weights)")
            validation = bank if validation_bank is None else bank_tensors(
                *validation_bank, name="validation_bank", return_sequences=self.architecture.return_sequences)
        self.check_memory(min(batch_size, n_trials), int(bank[0].shape[1]))  # a batch holds at most every trial
        train_step, _, penalty_now = self._functions()
        snapshots = [snapshot()]
        rows = [[] for _ in range(self.size)]
        batches = math.ceil(n_trials / batch_size)
        members = np.arange(self.size)[:, None]
        first_step = int(self.optimizer.iterations.numpy())  # read once, not on every batch
        for epoch in range(epochs):
            start = time.perf_counter()
            order = seeded_orders(self.seeds, n_trials, epoch) if orders is None else orders[epoch]
            sums = batch_sums(train_step, bank, train_index[members, order], batch_size,
                              first_step=first_step + epoch * batches)
            penalty = np.asarray(penalty_now())
            logs = {"loss": sums[0] / n_trials, **loss_means(sums[1:], self.loss), "reg_loss": penalty}
            if validation_index is not None:
                scores = mean_scores(self._functions()[1], validation, validation_index, batch_size, self.loss)
                logs["val_loss"] = scores.pop("objective") + penalty
                logs.update({f"val_{key}": value for key, value in scores.items()})
            for k in range(self.size):
                rows[k].append({"epoch": epoch + 1, **{key: float(value[k]) for key, value in logs.items()}})
            if every_epoch or epoch == epochs - 1:
                snapshots.append(snapshot())
            if progress is not None:
                progress(epoch + 1, epochs, time.perf_counter() - start)
        if record == "all":
            return rows, {name: np.stack([s[name] for s in snapshots], axis=1) for name in WEIGHTS}
        return rows, np.stack(snapshots, axis=1)

    def evaluate(self, bank_x, bank_y, index, batch_size=128, bank_weights=None) -> dict:
        """Per member on the trials ``index`` (K, V): ``loss`` (minimised loss + penalty, as Keras's
        ``evaluate``), ``task_loss`` (weighted by ``bank_weights``) and ``accuracy`` (cross-entropy only).

        Parameters
        ----------
        bank_x, bank_y, bank_weights :
            The bank of trials, as for :meth:`fit`.
        index : array-like of int, shape (K, V)
            Row k: the bank rows of member k's trials.
        batch_size : int, default=128
            Trials per member and batch.

        Examples
        --------
        Each member scores as its :meth:`member_model` does under ``keras.Model.evaluate``:

        >>> import numpy as np
        >>> from sernn.population import Population
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(6, 4, 8)).astype("float32")
        >>> y = np.eye(4, dtype="float32")[rng.integers(0, 4, size=6)]
        >>> population = Population([{"seed": 0}, {"seed": 1}], units=8)
        >>> scores = population.evaluate(x, y, [[0, 1, 2], [3, 4, 5]])
        >>> sorted(scores), scores["loss"].shape
        (['accuracy', 'loss', 'task_loss'], (2,))
        >>> alone = population.member_model(1).evaluate(x[3:], y[3:], verbose=0, return_dict=True)
        >>> bool(np.isclose(alone["loss"], scores["loss"][1], rtol=1e-5))
        True
        """
        bank = bank_tensors(bank_x, bank_y, bank_weights, "bank", self.architecture.return_sequences)
        scores = mean_scores(self._functions()[1], bank, check_index(index, "index", self.size),
                             check_integer(batch_size, "batch_size", low=1), self.loss)
        return {"loss": scores.pop("objective") + self.penalties(), **scores}

    def member_model(self, k: int, compile: bool = True, learning_rate=None):
        """Member ``k`` as an ordinary :func:`sernn.models.build_sernn` model with its current weights.

        Parameters
        ----------
        k : int
            The member, ``0 <= k < size``.
        compile : bool, default=True
            Compile the model with the population's loss and optimizer.
        learning_rate : float, optional
            The compiled optimizer's learning rate (default: the population's).

        Examples
        --------
        >>> import numpy as np
        >>> from sernn.population import Population
        >>> population = Population([{"seed": 0}, {"seed": 1}], units=8)
        >>> model = population.member_model(1)
        >>> bool(np.array_equal(model.get_layer("rnn").get_weights()[1], population.recurrent_kernels()[1]))
        True
        """
        from sernn.models import build_sernn

        k = check_integer(k, "k", low=0)
        if k >= self.size:
            raise ValueError(f"k must be < {self.size} (the population size); got {k}")
        model = build_sernn(**self.shared, **self.members[k], compile=compile, loss=self.loss,
                            optimizer=self.optimizer_name,
                            metrics=("accuracy",) if self.loss != "mse" else (),
                            learning_rate=self.learning_rate if learning_rate is None else learning_rate)
        Architecture.set_model_weights(model, {name: np.asarray(var.numpy()[k]) for name, var in self.variables.items()})
        return model

    # -- saving -------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the population (weights, members, architecture; not the optimizer state) as ``.npz``.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from sernn.population import Population
        >>> from sernn.regularizers import SpatialL1
        >>> population = Population([{"seed": 0, "recurrent_regularizer": SpatialL1(0.1)}])
        >>> path = os.path.join(tempfile.mkdtemp(), "population.npz")
        >>> population.save(path)
        >>> again = Population.load(path)
        >>> bool(np.array_equal(again.recurrent_kernels(), population.recurrent_kernels()))
        True
        >>> again.members[0]["recurrent_regularizer"].strength
        0.1
        """
        config = {"shared": self.shared, "learning_rate": self.learning_rate, "loss": self.loss,
                  "optimizer": self.optimizer_name, "members": [member_config(member) for member in self.members]}
        arrays = {name: var.numpy() for name, var in self.variables.items()}
        atomic_save_npz(path, config=np.array(json.dumps(config)), **arrays)

    @classmethod
    def load(cls, path) -> "Population":
        """A population saved with :meth:`save` (same members, same weights; see its example)."""
        with np.load(path, allow_pickle=False) as data:
            config = json.loads(str(data["config"]))
            arrays = {name: data[name] for name in WEIGHTS}
        members = [member_from_config(member) for member in config["members"]]
        population = cls(members, learning_rate=config["learning_rate"], loss=config.get("loss", LOSSES[0]),
                         optimizer=config.get("optimizer", OPTIMIZERS[0]), **config["shared"])
        for name, value in arrays.items():
            population.variables[name].assign(value)
        return population
