"""Leaky continuous-time recurrent units as Keras layers.

The rate networks of Song et al. (PLoS Computational Biology 2016) and of
PsychRNN (Ehrlich et al., eNeuro 2021) integrate::

    tau dx/dt = -x + r W_rec + u W_in + b + sqrt(2 tau) sigma xi(t),   r = f(x)

and are trained through its Euler discretisation with step ``dt``, ``alpha = dt / tau``::

    x_{t+1} = (1 - alpha) x_t + alpha (r_t W_rec + u_t W_in + b) + sqrt(2 alpha sigma^2) xi_t
    r_{t+1} = f(x_{t+1}),                            xi_t ~ N(0, 1) independent (training only)

in Keras's layout: the input kernel ``W_in`` is ``(inputs, units)`` and the recurrent kernel
``W_rec`` is ``(units, units)`` with ``W_rec[i, j]`` the weight from unit i to unit j (so the
recurrent drive is the row vector ``r W_rec``).

Conventions
-----------
- The network starts at rest: ``x_0 = 0`` and ``r_0 = 0`` (the rate ``r_0`` is 0, as
  ``SimpleRNN``'s ``h_0 = 0``, also for activations with ``f(0) != 0``).
- The output at step t (input ``u_t``) is the rate *after* the update, ``r_{t+1} = f(x_{t+1})``,
  as ``SimpleRNN`` outputs its new state ``h_t``. The cell carries both ``x`` and ``r`` as its
  states, so ``return_state=True`` returns the final ``[x_T, r_T]``.
- With ``alpha = 1`` (``dt = tau``) and no noise, ``x_{t+1} = r_t W_rec + u_t W_in + b`` and
  the output ``f(x_{t+1})`` is exactly ``keras.layers.SimpleRNN``'s
  ``h_t = f(u_t W_in + h_{t-1} W_rec + b)`` (the same weights give the same outputs).
- With zero weights and inputs, the noise makes each ``x`` an AR(1) process of stationary
  variance ``2 alpha sigma^2 / (1 - (1 - alpha)^2) = 2 sigma^2 / (2 - alpha)`` and lag-1
  autocorrelation ``1 - alpha``.
"""
from __future__ import annotations

import math

import keras
from keras import ops

from sernn.validation import check_bool, check_integer, check_real, check_seed

__all__ = ["LeakyRNNCell", "LeakyRNN"]


def _check_time_constants(tau, dt) -> tuple[float, float]:
    """``(tau, dt)`` as floats, checked: ``tau > 0``, ``dt > 0`` and ``dt <= tau`` (``alpha = dt / tau`` in (0, 1]).

    Examples
    --------
    >>> from sernn.leaky import _check_time_constants
    >>> _check_time_constants(100, 20)
    (100.0, 20.0)
    >>> _check_time_constants(10, 20)
    Traceback (most recent call last):
    ...
    ValueError: dt must be <= tau (alpha = dt / tau must be in (0, 1]); got dt=20.0, tau=10.0
    """
    tau = check_real(tau, "tau", low=0, inclusive="neither")
    dt = check_real(dt, "dt", low=0, inclusive="neither")
    if dt > tau:
        raise ValueError(f"dt must be <= tau (alpha = dt / tau must be in (0, 1]); got dt={dt}, tau={tau}")
    return tau, dt


@keras.saving.register_keras_serializable(package="sernn")
class LeakyRNNCell(keras.layers.Layer):
    """One step of leaky continuous-time rate units (Euler step ``alpha = dt / tau``).

    ``x_{t+1} = (1 - alpha) x_t + alpha (r_t W_rec + u_t W_in + b) + sqrt(2 alpha sigma^2) xi_t``,
    output ``r_{t+1} = f(x_{t+1})`` (see :mod:`sernn.leaky`). The states are ``[x, r]``, both
    starting at 0.

    Parameters
    ----------
    units : int
        Number of units n.
    activation : str or callable, default="relu"
        The rate function f.
    use_bias : bool, default=True
    kernel_initializer : str or keras Initializer, default="glorot_uniform"
        Of the input kernel ``(inputs, n)``.
    recurrent_initializer : str or keras Initializer, default="orthogonal"
        Of the recurrent kernel ``(n, n)``.
    bias_initializer : str or keras Initializer, default="zeros"
    kernel_regularizer, recurrent_regularizer : keras Regularizer, optional
        E.g. :class:`sernn.regularizers.SpatialL1` on the recurrent kernel.
    recurrent_constraint : keras Constraint, optional
        E.g. :class:`sernn.constraints.MaskConstraint`.
    tau : float, default=100.0
        Time constant of the units (> 0), in the units of ``dt`` (e.g. ms).
    dt : float, default=10.0
        Time step (``0 < dt <= tau``); ``alpha = dt / tau`` (0.1 with the defaults, as in PsychRNN's examples).
    recurrent_noise : float, default=0.0
        Standard deviation sigma of the recurrent noise (>= 0), added in training only.
    seed : int, optional
        Seed of the noise (a ``keras.random.SeedGenerator``); the initializers are used as given.

    Examples
    --------
    With ``dt = tau`` one step is ``SimpleRNN``'s; here ``alpha = 0.5``, 1 input, 2 units, relu:

    >>> import numpy as np, keras
    >>> from sernn.leaky import LeakyRNNCell
    >>> cell = LeakyRNNCell(2, tau=20, dt=10, kernel_initializer="ones",
    ...                     recurrent_initializer="identity")
    >>> cell.alpha
    0.5
    >>> x, r = np.float32([[1.0, -2.0]]), np.float32([[1.0, 0.0]])
    >>> rate, (x_next, r_next) = cell(np.float32([[3.0]]), [x, r])
    >>> keras.ops.convert_to_numpy(x_next).tolist()   # 0.5 * x + 0.5 * (r + 3)
    [[2.5, 0.5]]
    >>> keras.ops.convert_to_numpy(rate).tolist()
    [[2.5, 0.5]]

    In ``keras.layers.RNN``:

    >>> layer = keras.layers.RNN(LeakyRNNCell(4, tau=100, dt=20), return_sequences=True)
    >>> tuple(layer(np.zeros((2, 7, 3), dtype="float32")).shape)
    (2, 7, 4)
    """

    def __init__(self, units, activation="relu", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, recurrent_constraint=None, tau=100.0, dt=10.0, recurrent_noise=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_integer(units, "units", low=1)
        self.tau, self.dt = _check_time_constants(tau, dt)
        self.recurrent_noise = check_real(recurrent_noise, "recurrent_noise", low=0)
        self.seed = check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.activation = keras.activations.get(activation)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = keras.regularizers.get(recurrent_regularizer)
        self.recurrent_constraint = keras.constraints.get(recurrent_constraint)
        self.state_size = [self.units, self.units]  # [x, r]
        self.output_size = self.units

    @property
    def alpha(self) -> float:
        """The Euler step relative to the time constant, ``dt / tau`` (in (0, 1])."""
        return self.dt / self.tau

    @property
    def noise_scale(self) -> float:
        """Standard deviation of the noise added to ``x`` per step, ``sqrt(2 alpha) sigma``."""
        return math.sqrt(2.0 * self.alpha) * self.recurrent_noise

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), name="recurrent_kernel", initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = self.add_weight(shape=(self.units,), name="bias", initializer=self.bias_initializer) \
            if self.use_bias else None

    def call(self, inputs, states, training=False):
        x, r = states[0], states[1]
        drive = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            drive = ops.add(drive, self.bias)
        drive = drive + ops.matmul(r, self.recurrent_kernel)  # SimpleRNN's order of operations
        alpha = self.alpha
        x = drive if alpha == 1.0 else (1.0 - alpha) * x + alpha * drive
        if training and self.recurrent_noise > 0:
            x = x + self.noise_scale * keras.random.normal(ops.shape(x), dtype=x.dtype, seed=self.seed_generator)
        rate = self.activation(x) if self.activation is not None else x
        return rate, [x, rate]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype) for _ in range(2)]

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, activation=keras.activations.serialize(self.activation), use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            recurrent_initializer=keras.initializers.serialize(self.recurrent_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
            kernel_regularizer=_serialize(self.kernel_regularizer),
            recurrent_regularizer=_serialize(self.recurrent_regularizer),
            recurrent_constraint=_serialize(self.recurrent_constraint),
            tau=self.tau, dt=self.dt, recurrent_noise=self.recurrent_noise, seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**_deserialize(config))


@keras.saving.register_keras_serializable(package="sernn")
class LeakyRNN(keras.layers.RNN):
    """A layer of leaky continuous-time rate units (``keras.layers.RNN`` over :class:`LeakyRNNCell`).

    The dynamics of Song et al. (PLoS Computational Biology 2016) and PsychRNN
    (Ehrlich et al., eNeuro 2021), Euler-discretised with ``alpha = dt / tau``::

        x_{t+1} = (1 - alpha) x_t + alpha (r_t W_rec + u_t W_in + b) + sqrt(2 alpha sigma^2) xi_t
        r_{t+1} = f(x_{t+1}),   x_0 = r_0 = 0,   xi_t ~ N(0, 1) (training only)

    The output at step t is the rate ``r_{t+1}`` (every step's with ``return_sequences``, else
    the last). It takes the arguments of ``keras.layers.SimpleRNN`` (and is it exactly, with
    the same weights, when ``dt = tau`` and ``recurrent_noise = 0``); its weights are
    ``[kernel (inputs, n), recurrent_kernel (n, n), bias (n,)]`` as ``SimpleRNN``'s.

    Parameters
    ----------
    units : int
        Number of units n.
    activation : str or callable, default="relu"
        The rate function f.
    use_bias : bool, default=True
    kernel_initializer : str or keras Initializer, default="glorot_uniform"
    recurrent_initializer : str or keras Initializer, default="orthogonal"
    bias_initializer : str or keras Initializer, default="zeros"
    kernel_regularizer, recurrent_regularizer : keras Regularizer, optional
        E.g. :class:`sernn.regularizers.SpatialL1` on the recurrent kernel.
    recurrent_constraint : keras Constraint, optional
        E.g. :class:`sernn.constraints.MaskConstraint`.
    tau : float, default=100.0
        Time constant (> 0), in the units of ``dt``.
    dt : float, default=10.0
        Time step, ``0 < dt <= tau``.
    recurrent_noise : float, default=0.0
        Standard deviation sigma of the recurrent noise (>= 0); training only.
    return_sequences : bool, default=False
        Return every step's rates ``(batch, T, n)`` instead of the last ``(batch, n)``.
    seed : int, optional
        Seed of the recurrent noise (the initializers are used as given).
    **kwargs
        Other arguments of ``keras.layers.RNN`` (``return_state``, ``unroll``, ``name``...).

    Examples
    --------
    >>> import numpy as np, keras
    >>> from sernn.leaky import LeakyRNN
    >>> layer = LeakyRNN(16, tau=100, dt=20, recurrent_noise=0.1, return_sequences=True, seed=0)
    >>> layer.alpha
    0.2
    >>> u = np.random.default_rng(0).normal(size=(2, 30, 3)).astype("float32")
    >>> tuple(layer(u).shape)
    (2, 30, 16)

    The noise is added in training only:

    >>> bool(np.array_equal(layer(u), layer(u))), bool(np.array_equal(layer(u), layer(u, training=True)))
    (True, False)

    With ``dt = tau`` and no noise it is ``SimpleRNN`` with the same weights:

    >>> leaky, simple = LeakyRNN(5, tau=10, dt=10), keras.layers.SimpleRNN(5, activation="relu")
    >>> _ = simple(u)
    >>> _ = leaky(u)
    >>> leaky.set_weights(simple.get_weights())
    >>> bool(np.allclose(leaky(u), simple(u), atol=1e-6))
    True
    """

    def __init__(self, units, activation="relu", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, recurrent_constraint=None, tau=100.0, dt=10.0, recurrent_noise=0.0,
                 return_sequences=False, seed=None, **kwargs):
        kwargs.pop("cell", None)  # (a config of the base class)
        cell = LeakyRNNCell(
            units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            recurrent_constraint=recurrent_constraint, tau=tau, dt=dt, recurrent_noise=recurrent_noise, seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True), name="leaky_rnn_cell")
        super().__init__(cell, return_sequences=check_bool(return_sequences, "return_sequences"), **kwargs)
        self.input_spec = [keras.layers.InputSpec(ndim=3)]

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, mask=mask, training=training, initial_state=initial_state)

    units = property(lambda self: self.cell.units, doc="Number of units.")
    activation = property(lambda self: self.cell.activation, doc="The rate function f.")
    use_bias = property(lambda self: self.cell.use_bias)
    tau = property(lambda self: self.cell.tau, doc="Time constant.")
    dt = property(lambda self: self.cell.dt, doc="Time step.")
    alpha = property(lambda self: self.cell.alpha, doc="``dt / tau``.")
    recurrent_noise = property(lambda self: self.cell.recurrent_noise, doc="Standard deviation of the noise.")
    seed = property(lambda self: self.cell.seed)
    kernel_initializer = property(lambda self: self.cell.kernel_initializer)
    recurrent_initializer = property(lambda self: self.cell.recurrent_initializer)
    bias_initializer = property(lambda self: self.cell.bias_initializer)
    kernel_regularizer = property(lambda self: self.cell.kernel_regularizer)
    recurrent_regularizer = property(lambda self: self.cell.recurrent_regularizer)
    recurrent_constraint = property(lambda self: self.cell.recurrent_constraint)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        config.update(cell)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**_deserialize(config))


def _serialize(obj):
    return None if obj is None else keras.saving.serialize_keras_object(obj)


def _deserialize(config):
    """The config with its regulariser and constraint objects rebuilt (sernn's registered)."""
    import sernn.constraints  # noqa: F401  (registers the package's constraints)
    import sernn.regularizers  # noqa: F401  (registers the package's regularisers)

    config = dict(config)
    for key in ("kernel_regularizer", "recurrent_regularizer", "recurrent_constraint"):
        if isinstance(config.get(key), dict):
            config[key] = keras.saving.deserialize_keras_object(config[key])
    return config
