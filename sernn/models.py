"""Model builders.

:func:`build_sernn` builds the published seRNN (Achterberg et al., Nature Machine Intelligence 2023), its
layers made by :class:`sernn.architecture.Architecture` (the definition populations share)::

    Input (timesteps, input_size)
    -> GaussianNoise(0.05)                    (training only)
    -> SimpleRNN(100, relu, orthogonal recurrent init)   [regulariser/constraint here]
    -> Dense(output_size, softmax)

compiled with Adam (learning rate 1e-3) and categorical cross-entropy. ``cell="leaky"`` makes the
recurrent layer :class:`sernn.leaky.LeakyRNN` (leaky continuous-time rate units with time constant
``tau``, time step ``dt`` and recurrent noise), with the same hooks.
"""
from __future__ import annotations

import keras

from sernn.architecture import Architecture
from sernn.constraints import MaskConstraint
from sernn.initializers.masked import MaskedInitializer
from sernn.initializers.seeded import seeded_initializer
from sernn.validation import check_integer, check_real, check_seed

__all__ = ["build_sernn", "TASK_LOSS_METRIC"]

#: Name of the metric that tracks the task loss alone (without the regulariser).
TASK_LOSS_METRIC = "task_loss"


def build_sernn(units=100, input_size=8, output_size=4, timesteps=None, activation="relu",
                noise=0.05, recurrent_regularizer=None, recurrent_constraint=None,
                recurrent_initializer="orthogonal", kernel_initializer="glorot_uniform",
                output_activation="softmax", return_sequences=False,
                loss="categorical_crossentropy", metrics=("accuracy",), weighted_metrics=None,
                optimizer="adam", learning_rate=1e-3, seed=None, compile=True, name="sernn",
                connectome=None, strategy=None, recurrent="dense", cell="simple", tau=None, dt=None,
                recurrent_noise=0.0, dale=None):
    """Build (and compile) a spatially embedded / biologically constrained RNN.

    Parameters
    ----------
    units : int, default=100
        Number of recurrent units.
    input_size : int, default=8
        Input channels (8 for the maze task).
    output_size : int, default=4
        Output units (4 directions for the maze task).
    timesteps : int or None, default=None
        Sequence length, or None for any length.
    activation : str, default="relu"
        Activation of the recurrent units.
    noise : float, default=0.05
        Standard deviation of the Gaussian input noise (training only); 0 disables it.
    recurrent_regularizer : keras Regularizer, optional
        E.g. :class:`sernn.regularizers.SpatialCommunicability`.
    recurrent_constraint : keras Constraint, optional
        E.g. :class:`sernn.constraints.MaskConstraint`. With a ``MaskConstraint``
        the recurrent initializer is wrapped in
        :class:`sernn.initializers.MaskedInitializer`, so masked weights are
        zero from the start.
    recurrent_initializer : str or keras Initializer, default="orthogonal"
    kernel_initializer : str or keras Initializer, default="glorot_uniform"
        Initializer of the input weights.
    output_activation : str, default="softmax"
        Activation of the readout ("linear" for regression tasks).
    return_sequences : bool, default=False
        If True, the readout is applied at every step (output ``(batch, T, output_size)``),
        for tasks whose loss is masked per step with ``sample_weight``.
    loss : str or keras Loss, default="categorical_crossentropy"
    metrics : sequence, default=("accuracy",)
        Metrics; a ``"task_loss"`` metric (the loss without the regulariser) is always added.
    weighted_metrics : sequence, optional
        Metrics weighted by ``sample_weight``. When given, the ``"task_loss"``
        metric is weighted too.
    optimizer : str or keras Optimizer, default="adam"
    learning_rate : float, default=1e-3
        Used when ``optimizer`` is a name.
    seed : int, optional
        Seeds every random part: initializers, the noise layer, and (through
        :func:`keras.utils.set_random_seed`) Python, numpy and TensorFlow, so that
        building and fitting with the same seed gives the same network.
    compile : bool, default=True
    name : str, default="sernn"
    connectome : sernn.connectomes.ExpandedNetwork or (N, N) array, optional
        A connectome-expanded network (bio-instantiated RNN). Sets ``units`` to
        N, the recurrent initializer to :class:`sernn.initializers.ConnectomeInitializer`
        and the recurrent constraint to ``MaskConstraint(network.mask)``, so only
        existing connections train (``units``, ``recurrent_initializer`` and
        ``recurrent_constraint`` are then not used; passing a constraint is an error).
    strategy : str or None, default=None
        With ``connectome``: ``"rank"`` (rank-order weight mapping) or
        ``"topology"`` (mask x random init), or a code such as ``"b_w_no"``
        (see :func:`sernn.initializers.connectome_recurrent`). None: the code
        the network was built for by :func:`sernn.connectomes.strategy_network`,
        else ``"rank"``.
    recurrent : {"dense", "sparse"}, default="dense"
        ``"sparse"`` (with a :class:`~sernn.constraints.MaskConstraint`): the
        recurrent layer is :class:`sernn.layers.SparseMaskedRNN`, whose weights
        exist only on the mask's entries (the same network as the dense masked
        ``SimpleRNN``; faster from about 1,000 units at <= 5 % density). Its
        regulariser gets the kernel as a ``tf.SparseTensor``, so use a sernn
        regulariser with ``method="sparse"`` or ``"estimate"``.
    cell : {"simple", "leaky"}, default="simple"
        ``"simple"``: the Elman units above (``SimpleRNN``). ``"leaky"``: leaky
        continuous-time units, :class:`sernn.leaky.LeakyRNN` (with ``recurrent="dense"``),
        ``x_{t+1} = (1 - dt/tau) x_t + (dt/tau) (f(x_t) W + u_t K + b) + noise``, output
        ``f(x_{t+1})``, with the same initializers, regulariser and constraint (the same
        ``seed`` draws the same initial weights as ``"simple"``). With ``dt = tau`` and
        no recurrent noise it computes the same as ``"simple"``.
    tau : float, optional
        With ``cell="leaky"``: the units' time constant (> 0); None: 100.
    dt : float, optional
        With ``cell="leaky"``: the time step, ``0 < dt <= tau``; None: 10.
    recurrent_noise : float, default=0.0
        With ``cell="leaky"``: standard deviation of the recurrent noise (training only,
        seeded with ``seed + 2``).
    dale : float or array-like of shape (units,), optional
        Dale's law on the recurrent kernel: an excitatory fraction in (0, 1) (which units
        are excitatory is drawn with ``seed``, see :func:`sernn.dale.dale_signs`) or one
        sign per unit (+1 excitatory, -1 inhibitory). Sets the recurrent constraint to
        :class:`sernn.constraints.DaleConstraint` (within the mask of a ``MaskConstraint``
        or ``connectome``) and the recurrent initializer to
        :class:`sernn.initializers.BalancedEIInitializer` (see
        :func:`sernn.initializers.dale_recurrent`); so ``recurrent_initializer`` must
        be left at its default, and a non-negative mask is refused.

    Returns
    -------
    model : keras.Model
        Layers are named ``"noise"`` (if ``noise > 0``), ``"rnn"`` and ``"readout"``.
        Input shape ``(batch, timesteps, input_size)``; output ``(batch, output_size)``
        or ``(batch, timesteps, output_size)``.

    Examples
    --------
    A tiny seRNN of 8 units (8 inputs, 4 softmax outputs, as for the maze task):

    >>> import numpy as np
    >>> from sernn.models import build_sernn
    >>> model = build_sernn(units=8, seed=0)
    >>> [layer.name for layer in model.layers]
    ['inputs', 'noise', 'rnn', 'readout']
    >>> model.input_shape, model.output_shape
    ((None, None, 8), (None, 4))

    The recurrent kernel is (units, units) and starts orthogonal:

    >>> W = model.get_layer("rnn").get_weights()[1]
    >>> W.shape, bool(np.allclose(W.T @ W, np.eye(8), atol=1e-5))
    ((8, 8), True)

    The same seed builds the same network; another seed does not:

    >>> same = build_sernn(units=8, seed=0).get_layer("rnn").get_weights()[1]
    >>> other = build_sernn(units=8, seed=1).get_layer("rnn").get_weights()[1]
    >>> bool(np.array_equal(same, W)), bool(np.array_equal(other, W))
    (True, False)

    One forward pass on 2 trials of 5 steps gives one probability vector per trial:

    >>> probabilities = np.asarray(model(np.zeros((2, 5, 8), dtype="float32")))
    >>> probabilities.shape, probabilities.sum(axis=1).round(4).tolist()
    ((2, 4), [1.0, 1.0])

    Leaky units with ``alpha = dt / tau = 0.2``, started from the same weights:

    >>> leaky = build_sernn(units=8, seed=0, cell="leaky", tau=100, dt=20)
    >>> rnn = leaky.get_layer("rnn")
    >>> type(rnn).__name__, rnn.alpha, bool(np.array_equal(rnn.get_weights()[1], W))
    ('LeakyRNN', 0.2, True)

    Dale's law with 80 % excitatory units: each row keeps its unit's sign:

    >>> dale = build_sernn(units=10, seed=0, dale=0.8)
    >>> W = dale.get_layer("rnn").get_weights()[1]
    >>> signs = dale.get_layer("rnn").recurrent_constraint.signs
    >>> int((signs > 0).sum()), bool(np.all(W * signs[:, None] >= 0))
    (8, True)
    """
    if connectome is not None:
        from sernn.initializers.connectome import connectome_recurrent

        if recurrent_constraint is not None:
            raise ValueError("recurrent_constraint cannot be combined with connectome (which sets "
                             "MaskConstraint(network.mask)); for a sign constraint pass the parts of "
                             "sernn.initializers.connectome_recurrent(network, nonneg=True) instead")
        units, recurrent_initializer, recurrent_constraint = connectome_recurrent(
            connectome, strategy, seed=seed)
    architecture = Architecture(units, input_size, output_size, activation, output_activation, return_sequences,
                                cell=cell, tau=tau, dt=dt, recurrent_noise=recurrent_noise)
    if dale is not None:
        from sernn.initializers.dale import dale_recurrent

        if not (isinstance(recurrent_initializer, str) and recurrent_initializer == "orthogonal") \
                and connectome is None:
            raise ValueError("dale sets the recurrent initializer (a BalancedEIInitializer); leave "
                             "recurrent_initializer at its default, or pass recurrent_initializer and "
                             "recurrent_constraint=DaleConstraint(...) yourself")
        if recurrent_constraint is not None and not isinstance(recurrent_constraint, MaskConstraint):
            raise ValueError(f"dale sets the recurrent constraint; it combines only with a MaskConstraint; got "
                             f"recurrent_constraint={type(recurrent_constraint).__name__}")
        recurrent_initializer, recurrent_constraint = dale_recurrent(dale, units=architecture.units,
                                                                     mask=recurrent_constraint, seed=seed)
    if timesteps is not None:
        timesteps = check_integer(timesteps, "timesteps", low=1)
    noise = check_real(noise, "noise", low=0)
    seed = check_seed(seed)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    recurrent_init = _recurrent_initializer(recurrent_initializer, recurrent_constraint, architecture.units, seed)
    inputs = keras.Input(shape=(timesteps, architecture.input_size), name="inputs")
    outputs = architecture.keras_outputs(
        inputs, noise=noise, seed=seed, kernel_initializer=kernel_initializer,
        recurrent_initializer=recurrent_init, regularizer=recurrent_regularizer,
        constraint=recurrent_constraint, recurrent=recurrent)
    model = keras.Model(inputs, outputs, name=name)
    if compile:
        _compile(model, loss, metrics, weighted_metrics, optimizer, learning_rate)
    return model


def _recurrent_initializer(initializer, constraint, units, seed):
    """The recurrent initializer, seeded, and wrapped in a ``MaskedInitializer`` under a ``MaskConstraint``."""
    initializer = seeded_initializer(initializer, seed)
    if isinstance(constraint, MaskConstraint):
        if constraint.mask.shape != (units, units):
            raise ValueError(f"recurrent_constraint mask has shape {constraint.mask.shape}, "
                             f"expected ({units}, {units}) for units={units}")
        if not isinstance(initializer, MaskedInitializer):
            initializer = MaskedInitializer(initializer, constraint.mask, nonneg=constraint.nonneg)
    return initializer


def _compile(model, loss, metrics, weighted_metrics, optimizer, learning_rate):
    """Compile with the loss, the metrics and a ``"task_loss"`` metric (weighted when ``weighted_metrics``)."""
    if isinstance(optimizer, str):
        optimizer = keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": float(learning_rate)}})
    task_loss = keras.metrics.MeanMetricWrapper(keras.losses.get(loss), name=TASK_LOSS_METRIC)
    metrics = list(metrics or [])
    weighted = None if weighted_metrics is None else list(weighted_metrics)
    if weighted is None:
        metrics.append(task_loss)
    else:
        weighted.append(task_loss)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, weighted_metrics=weighted)
