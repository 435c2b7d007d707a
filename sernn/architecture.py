"""The network's architecture, defined once for Keras models and for populations.

An seRNN maps inputs ``x`` of shape ``(batch, T, d)`` through::

    input noise      x_t + noise * N(0, 1)                     (training only)
    recurrent step   h_t = activation(x_t K + b + h_{t-1} R),  h_0 = 0              (cell="simple")
                     z_t = (1 - a) z_{t-1} + a (x_t K + b + h_{t-1} R) + sqrt(2 a) s xi_t,
                     h_t = activation(z_t),  z_0 = h_0 = 0,  a = dt / tau          (cell="leaky")
    readout          y = output_activation(h K_out + b_out)    (last step, or every step)

:class:`Architecture` holds what defines it and what the members of a
population share (``units``, ``input_size``, ``output_size``, ``activation``,
``output_activation``, ``return_sequences``), and each stage in both of its
forms: the Keras layers :func:`sernn.models.build_sernn` assembles
(:meth:`~Architecture.noise_layer`, :meth:`~Architecture.recurrent_layer`,
:meth:`~Architecture.readout_layer`, all through :meth:`~Architecture.keras_outputs`)
and the batched tensor functions :class:`sernn.population.Population` runs for
K networks at once from stacked weights (:meth:`~Architecture.input_noise`,
:meth:`~Architecture.step`, :meth:`~Architecture.readout`, all through
:meth:`~Architecture.forward`). The two forms give the same float32 outputs
(tested with the Keras model of the same weights).

Adding a cell
-------------
A new kind of recurrent unit is added here, once for both: a field of
:class:`Architecture`, its update in :meth:`~Architecture.step`, and in
:meth:`~Architecture.recurrent_layer` a Keras layer that computes the same
update. Leaky continuous-time units (``cell="leaky"``,
:class:`sernn.leaky.LeakyRNN`, the dynamics of Song et al., PLoS Computational
Biology 2016) are added so: their state is the pair ``(z, h)`` and their
recurrent noise in a population is member k's
``stateless_normal(seed=(seeds[k], -1 - step))``, as the input noise depends on
the member's seed and the step only. (Dale's law is a constraint of the weights,
not a cell: :class:`sernn.constraints.DaleConstraint`.) The default cell stays
Keras's ``SimpleRNN`` (or :class:`sernn.layers.SparseMaskedRNN` for
``recurrent="sparse"``), so that saved models keep loading.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import keras
import numpy as np

from sernn.constraints import MaskConstraint
from sernn.initializers.masked import MaskedInitializer
from sernn.initializers.seeded import seeded_initializer
from sernn.validation import check_integer, check_option, check_real

__all__ = ["Architecture", "WEIGHTS"]

#: The weights of one network, in the order of the Keras layers' ``get_weights``: the recurrent layer's
#: input kernel (d, n), recurrent kernel (n, n) and bias (n,), then the readout's kernel (n, c) and bias (c,).
WEIGHTS = ("kernel", "recurrent_kernel", "bias", "readout_kernel", "readout_bias")


@dataclass(frozen=True)
class Architecture:
    """The seRNN architecture: input noise -> recurrent units -> dense readout.

    Parameters
    ----------
    units : int, default=100
        Number of recurrent units n.
    input_size : int, default=8
        Input channels d.
    output_size : int, default=4
        Output units c.
    activation : str, default="relu"
        Activation of the recurrent units (a Keras name).
    output_activation : str, default="softmax"
        Activation of the readout ("linear" for regression tasks).
    return_sequences : bool, default=False
        If True the readout is applied at every step, else at the last one.
    cell : {"simple", "leaky"}, default="simple"
        ``"simple"``: Elman units (Keras's ``SimpleRNN``). ``"leaky"``: leaky
        continuous-time units (:class:`sernn.leaky.LeakyRNN`).
    tau, dt : float, optional
        With ``cell="leaky"``: the time constant and the time step (``0 < dt <= tau``;
        None: 100 and 10, so ``alpha = dt / tau = 0.1``). Refused with ``cell="simple"``.
    recurrent_noise : float, default=0.0
        With ``cell="leaky"``: standard deviation of the recurrent noise (training only).

    Examples
    --------
    The Keras model and the batched forward pass of the same weights agree:

    >>> import keras, numpy as np, tensorflow as tf
    >>> from sernn.architecture import Architecture, WEIGHTS
    >>> arch = Architecture(units=3, input_size=2, output_size=2)
    >>> inputs = keras.Input((None, 2))
    >>> model = keras.Model(inputs, arch.keras_outputs(inputs, noise=0.0, seed=0))
    >>> weights = arch.model_weights(model)
    >>> sorted(weights) == sorted(WEIGHTS)
    True
    >>> x = np.random.default_rng(0).normal(size=(4, 5, 2)).astype("float32")
    >>> stacked = {name: tf.constant(value[None]) for name, value in weights.items()}  # K = 1
    >>> batched = arch.forward(tf.constant(x[None]), stacked)[0]
    >>> bool(np.allclose(batched, model(x), atol=1e-6))
    True

    The fields are checked:

    >>> Architecture(units=0)
    Traceback (most recent call last):
    ...
    ValueError: units must be an integer >= 1; got 0
    >>> Architecture(cell="leaky", tau=10, dt=20)
    Traceback (most recent call last):
    ...
    ValueError: dt must be <= tau (alpha = dt / tau must be in (0, 1]); got dt=20.0, tau=10.0
    """

    units: int = 100
    input_size: int = 8
    output_size: int = 4
    activation: str = "relu"
    output_activation: str = "softmax"
    return_sequences: bool = False
    cell: str = "simple"
    tau: float | None = None
    dt: float | None = None
    recurrent_noise: float = 0.0

    def __post_init__(self):
        for name in ("units", "input_size", "output_size"):
            object.__setattr__(self, name, check_integer(getattr(self, name), name, low=1))
        object.__setattr__(self, "return_sequences", bool(self.return_sequences))
        cell = check_option(self.cell, "cell", ("simple", "leaky"))
        object.__setattr__(self, "cell", cell)
        noise = check_real(self.recurrent_noise, "recurrent_noise", low=0)
        object.__setattr__(self, "recurrent_noise", noise)
        if cell == "simple":
            given = [name for name, value in (("tau", self.tau), ("dt", self.dt)) if value is not None]
            if noise:
                given.append("recurrent_noise")
            if given:
                raise ValueError(f"{', '.join(given)} need cell='leaky' (they set leaky units); got cell='simple'")
        else:
            from sernn.leaky import _check_time_constants

            tau, dt = _check_time_constants(100.0 if self.tau is None else self.tau,
                                            10.0 if self.dt is None else self.dt)
            object.__setattr__(self, "tau", tau)
            object.__setattr__(self, "dt", dt)

    @property
    def alpha(self) -> float:
        """``dt / tau`` of leaky units; 1.0 for ``cell="simple"`` (whose step is the leaky one with ``dt = tau``).

        Examples
        --------
        >>> from sernn.architecture import Architecture
        >>> Architecture(cell="leaky", tau=100, dt=20).alpha, Architecture().alpha
        (0.2, 1.0)
        """
        return 1.0 if self.cell == "simple" else self.dt / self.tau

    def as_dict(self) -> dict:
        """The fields as a dict (the keyword arguments of :func:`sernn.models.build_sernn` they match).

        Examples
        --------
        >>> from sernn.architecture import Architecture
        >>> Architecture(units=5).as_dict()["units"]
        5
        >>> Architecture(**Architecture(units=5).as_dict()) == Architecture(units=5)
        True
        """
        return {field.name: getattr(self, field.name) for field in fields(self)}

    # -- Keras layers (sernn.models.build_sernn) ------------------------------------------------------
    def noise_layer(self, noise: float, seed=None):
        """The input noise as a ``GaussianNoise`` layer named "noise", or None when ``noise`` is 0.

        Examples
        --------
        >>> from sernn.architecture import Architecture
        >>> Architecture().noise_layer(0.05, seed=0).name, Architecture().noise_layer(0.0)
        ('noise', None)
        """
        return keras.layers.GaussianNoise(float(noise), seed=seed, name="noise") if noise > 0 else None

    def recurrent_layer(self, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                        regularizer=None, constraint=None, recurrent="dense", seed=None):
        """The recurrent units as a Keras layer named "rnn".

        Parameters
        ----------
        kernel_initializer : str or keras Initializer, default="glorot_uniform"
            Of the input weights (a name is seeded with ``seed``).
        recurrent_initializer : str or keras Initializer, default="orthogonal"
            Of the recurrent weights (a name is seeded with ``seed``).
        regularizer, constraint : optional
            The recurrent kernel's regulariser and constraint.
        recurrent : {"dense", "sparse"}, default="dense"
            ``"dense"``: Keras's ``SimpleRNN`` (:class:`sernn.leaky.LeakyRNN` for ``cell="leaky"``,
            whose recurrent noise is seeded with ``seed + 2``). ``"sparse"`` (``constraint`` a
            :class:`~sernn.constraints.MaskConstraint`): :class:`sernn.layers.SparseMaskedRNN`.
        seed : int, optional
            Seeds initializers given by name.

        Examples
        --------
        >>> from sernn.architecture import Architecture
        >>> layer = Architecture(units=4, activation="tanh").recurrent_layer(seed=0)
        >>> type(layer).__name__, layer.name, layer.units, layer.activation.__name__
        ('SimpleRNN', 'rnn', 4, 'tanh')
        """
        recurrent = check_option(recurrent, "recurrent", ("dense", "sparse"))
        if self.cell == "leaky":
            if recurrent != "dense":
                raise ValueError(f"cell='leaky' needs recurrent='dense'; got recurrent={recurrent!r}")
            from sernn.leaky import LeakyRNN

            return LeakyRNN(self.units, activation=self.activation, return_sequences=self.return_sequences,
                            kernel_initializer=seeded_initializer(kernel_initializer, seed),
                            recurrent_initializer=seeded_initializer(recurrent_initializer, seed),
                            recurrent_regularizer=regularizer, recurrent_constraint=constraint, tau=self.tau,
                            dt=self.dt, recurrent_noise=self.recurrent_noise,
                            seed=None if seed is None else seed + 2, name="rnn")
        if recurrent == "sparse" and not isinstance(constraint, MaskConstraint):
            raise ValueError("recurrent='sparse' needs a MaskConstraint (the mask says which weights exist); got "
                             f"recurrent_constraint={constraint!r}")
        recurrent_initializer = seeded_initializer(recurrent_initializer, seed)
        if recurrent == "sparse":  # weights only on the mask's entries, so the unmasked initializer
            from sernn.layers import SparseMaskedRNN

            if isinstance(recurrent_initializer, MaskedInitializer):
                recurrent_initializer = recurrent_initializer.initializer
            return SparseMaskedRNN(constraint.mask, activation=self.activation,
                                   return_sequences=self.return_sequences,
                                   kernel_initializer=seeded_initializer(kernel_initializer, seed),
                                   recurrent_initializer=recurrent_initializer, recurrent_regularizer=regularizer,
                                   nonneg=constraint.nonneg, seed=seed, name="rnn")
        return keras.layers.SimpleRNN(
            self.units, activation=self.activation, return_sequences=self.return_sequences,
            kernel_initializer=seeded_initializer(kernel_initializer, seed),
            recurrent_initializer=recurrent_initializer,
            recurrent_regularizer=regularizer, recurrent_constraint=constraint, name="rnn")

    def readout_layer(self, seed=None):
        """The readout as a ``Dense`` layer named "readout" (Glorot-uniform init seeded with ``seed + 1``).

        Examples
        --------
        >>> from sernn.architecture import Architecture
        >>> layer = Architecture(output_size=2, output_activation="linear").readout_layer(seed=0)
        >>> layer.name, layer.units, layer.activation.__name__
        ('readout', 2, 'linear')
        """
        return keras.layers.Dense(
            self.output_size, activation=self.output_activation,
            kernel_initializer=seeded_initializer("glorot_uniform", None if seed is None else seed + 1),
            name="readout")

    def keras_outputs(self, inputs, noise=0.05, seed=None, **recurrent):
        """The model's outputs for a Keras input: noise (when ``noise > 0``), recurrent layer, readout.

        Parameters
        ----------
        inputs : keras tensor of shape (batch, T, input_size)
            E.g. ``keras.Input((None, input_size))``.
        noise : float, default=0.05
            Standard deviation of the input noise (training only); 0: no noise layer.
        seed : int, optional
            Seeds the noise and the initializers given by name.
        **recurrent
            Keyword arguments of :meth:`recurrent_layer`.

        Examples
        --------
        >>> import keras
        >>> from sernn.architecture import Architecture
        >>> inputs = keras.Input((None, 8), name="inputs")
        >>> model = keras.Model(inputs, Architecture(units=6).keras_outputs(inputs, seed=0))
        >>> [layer.name for layer in model.layers], model.output_shape
        (['inputs', 'noise', 'rnn', 'readout'], (None, 4))
        """
        hidden = inputs
        layer = self.noise_layer(noise, seed)
        if layer is not None:
            hidden = layer(hidden)
        hidden = self.recurrent_layer(seed=seed, **recurrent)(hidden)
        return self.readout_layer(seed)(hidden)

    @staticmethod
    def model_weights(model) -> dict:
        """The weights of a model with dense layers "rnn" and "readout", by the names of :data:`WEIGHTS`.

        Examples
        --------
        >>> from sernn.architecture import Architecture
        >>> from sernn.models import build_sernn
        >>> weights = Architecture.model_weights(build_sernn(units=5, seed=0))
        >>> [weights[name].shape for name in ("kernel", "recurrent_kernel", "readout_kernel")]
        [(8, 5), (5, 5), (5, 4)]
        """
        rnn, readout = model.get_layer("rnn"), model.get_layer("readout")
        values = [np.asarray(v) for v in rnn.get_weights() + readout.get_weights()]
        return dict(zip(WEIGHTS, values))

    @staticmethod
    def set_model_weights(model, weights: dict) -> None:
        """Set the "rnn" and "readout" layers of a model from weights named as :data:`WEIGHTS`.

        Examples
        --------
        >>> import numpy as np
        >>> from sernn.architecture import Architecture
        >>> from sernn.models import build_sernn
        >>> source, target = build_sernn(units=5, seed=0), build_sernn(units=5, seed=1)
        >>> Architecture.set_model_weights(target, Architecture.model_weights(source))
        >>> bool(np.array_equal(target.get_layer("rnn").get_weights()[1],
        ...                     source.get_layer("rnn").get_weights()[1]))
        True
        """
        model.get_layer("rnn").set_weights([weights[name] for name in WEIGHTS[:3]])
        model.get_layer("readout").set_weights([weights[name] for name in WEIGHTS[3:]])

    # -- batched tensor functions (sernn.population.Population): a leading axis of K networks ----------
    def input_noise(self, x, noise, seeds, step):
        """Inputs ``(K, B, T, d)`` plus network k's noise ``noise[k] * stateless_normal(seed=(seeds[k], step))``.

        Network k's draw depends on its seed and the step only (not on K or the
        other networks). With every ``noise[k] == 0`` the inputs are returned as they are.

        Examples
        --------
        >>> import numpy as np, tensorflow as tf
        >>> from sernn.architecture import Architecture
        >>> x = tf.zeros((2, 3, 4, 8))
        >>> noisy = Architecture().input_noise(x, np.float32([0.0, 1.0]), [5, 6], tf.constant(0, tf.int64))
        >>> float(tf.reduce_max(tf.abs(noisy[0]))), float(tf.math.reduce_std(noisy[1])) > 0.5
        (0.0, True)
        """
        import tensorflow as tf

        if not np.any(np.asarray(noise) > 0):
            return x
        shape = tf.shape(x)[1:]
        draws = [tf.random.stateless_normal(shape, tf.stack([tf.constant(int(seed), tf.int64), step]), dtype=x.dtype)
                 for seed in seeds]
        return x + tf.constant(noise)[:, None, None, None] * tf.stack(draws)

    def step(self, inputs, state, kernel, recurrent_kernel, bias):
        """One recurrent step of K networks: ``activation(x_t K + b + h R)``.

        Parameters
        ----------
        inputs : tensor of shape (K, B, d)
            The inputs at this step.
        state : tensor of shape (K, B, n)
            The previous state h.
        kernel, recurrent_kernel, bias : tensors of shape (K, d, n), (K, n, n), (K, n)
            The networks' weights.

        Returns
        -------
        state : tensor of shape (K, B, n)

        Examples
        --------
        >>> import tensorflow as tf
        >>> from sernn.architecture import Architecture
        >>> h = Architecture(units=2, input_size=1).step(
        ...     tf.ones((1, 1, 1)), tf.ones((1, 1, 2)), tf.constant([[[1.0, -3.0]]]),
        ...     tf.eye(2)[None], tf.constant([[0.5, 0.0]]))
        >>> h.numpy().tolist()   # relu([1 + 0.5 + 1, -3 + 0 + 1])
        [[[2.5, 0.0]]]
        """
        import tensorflow as tf

        drive = tf.matmul(inputs, kernel) + bias[:, None, :]
        return keras.activations.get(self.activation)(drive + tf.matmul(state, recurrent_kernel))

    def readout(self, hidden, readout_kernel, readout_bias):
        """The outputs of K networks from their states ``(K, B, n)``, or ``(K, B, T, n)`` with ``return_sequences``.

        Returns ``(K, B, c)``, or ``(K, B, T, c)``: the readout at every step.

        Examples
        --------
        >>> import tensorflow as tf
        >>> from sernn.architecture import Architecture
        >>> y = Architecture(units=2, output_size=2).readout(
        ...     tf.ones((1, 3, 2)), tf.zeros((1, 2, 2)), tf.zeros((1, 2)))
        >>> y.shape, y.numpy()[0, 0].tolist()
        (TensorShape([1, 3, 2]), [0.5, 0.5])
        """
        import tensorflow as tf

        output = keras.activations.get(self.output_activation)
        if not self.return_sequences:
            return output(tf.matmul(hidden, readout_kernel) + readout_bias[:, None, :])
        shape = tf.shape(hidden)
        flat = tf.reshape(hidden, (shape[0], shape[1] * shape[2], self.units))
        logits = tf.matmul(flat, readout_kernel) + readout_bias[:, None, :]
        return output(tf.reshape(logits, (shape[0], shape[1], shape[2], self.output_size)))

    def forward(self, x, weights, noise=None, seeds=None, step=None):
        """The outputs of K networks for inputs ``(K, B, T, d)`` and stacked weights.

        Parameters
        ----------
        x : tensor of shape (K, B, T, d)
            Network k's inputs ``x[k]`` (T known when traced).
        weights : dict of tensors or variables
            The stacked weights named as :data:`WEIGHTS`: ``(K, d, n)``, ``(K, n, n)``,
            ``(K, n)``, ``(K, n, c)``, ``(K, c)``.
        noise, seeds : array-like of shape (K,), optional
            With ``step``: the networks' input noise and its seeds (:meth:`input_noise`).
        step : int64 tensor, optional
            The global training step; None: no input noise (as at test time).

        Returns
        -------
        outputs : tensor of shape (K, B, c), or (K, B, T, c) with ``return_sequences``

        Examples
        --------
        Two networks of zero weights: every output is uniform:

        >>> import tensorflow as tf
        >>> from sernn.architecture import Architecture, WEIGHTS
        >>> arch = Architecture(units=3, input_size=2, output_size=4, return_sequences=True)
        >>> shapes = [(2, 3), (3, 3), (3,), (3, 4), (4,)]
        >>> weights = {name: tf.zeros((2, *shape)) for name, shape in zip(WEIGHTS, shapes)}
        >>> y = arch.forward(tf.ones((2, 5, 6, 2)), weights)
        >>> y.shape, float(y[1, 4, 5, 0])
        (TensorShape([2, 5, 6, 4]), 0.25)
        """
        import tensorflow as tf

        weights = {name: tf.convert_to_tensor(weights[name]) for name in WEIGHTS}
        if step is not None:
            x = self.input_noise(x, noise, seeds, step)
        state = tf.zeros((tf.shape(x)[0], tf.shape(x)[1], self.units), dtype=x.dtype)
        potential = state  # z of leaky units
        kicks = self.recurrent_kicks(tf.shape(x), x.shape[2], seeds, step, x.dtype)
        states = []
        for t in range(x.shape[2]):
            if self.cell == "leaky":
                potential, state = self.leaky_step(x[:, :, t, :], potential, state, weights["kernel"],
                                                   weights["recurrent_kernel"], weights["bias"],
                                                   None if kicks is None else kicks[t])
            else:
                state = self.step(x[:, :, t, :], state, weights["kernel"], weights["recurrent_kernel"],
                                  weights["bias"])
            if self.return_sequences:
                states.append(state)
        hidden = tf.stack(states, axis=2) if self.return_sequences else state  # (K, B, T, n) or (K, B, n)
        return self.readout(hidden, weights["readout_kernel"], weights["readout_bias"])

    def leaky_step(self, inputs, potential, state, kernel, recurrent_kernel, bias, kick=None):
        """One step of K networks of leaky units: ``z <- (1 - a) z + a (x_t K + b + h R) + kick``, ``h = f(z)``.

        Parameters
        ----------
        inputs : tensor of shape (K, B, d)
        potential, state : tensors of shape (K, B, n)
            The previous ``z`` and rate ``h = f(z)`` (both 0 at the start).
        kernel, recurrent_kernel, bias : tensors of shape (K, d, n), (K, n, n), (K, n)
        kick : tensor of shape (K, B, n), optional
            The recurrent noise of this step (:meth:`recurrent_kicks`).

        Returns
        -------
        (potential, state) : tensors of shape (K, B, n)

        Examples
        --------
        ``a = 0.5``: ``z = 0.5 * 1 + 0.5 * (2 + 0 + 1)``:

        >>> import tensorflow as tf
        >>> from sernn.architecture import Architecture
        >>> arch = Architecture(units=1, input_size=1, cell="leaky", tau=20, dt=10)
        >>> z, h = arch.leaky_step(tf.ones((1, 1, 1)), tf.ones((1, 1, 1)), tf.ones((1, 1, 1)),
        ...                        tf.constant([[[2.0]]]), tf.ones((1, 1, 1)), tf.zeros((1, 1)))
        >>> float(z[0, 0, 0]), float(h[0, 0, 0])
        (2.0, 2.0)
        """
        import tensorflow as tf

        drive = tf.matmul(inputs, kernel) + bias[:, None, :]
        drive = drive + tf.matmul(state, recurrent_kernel)
        alpha = self.alpha
        potential = drive if alpha == 1.0 else (1.0 - alpha) * potential + alpha * drive
        if kick is not None:
            potential = potential + kick
        return potential, keras.activations.get(self.activation)(potential)

    def recurrent_kicks(self, shape, steps, seeds, step, dtype):
        """The recurrent noise of K leaky networks over a sequence, ``(T, K, B, n)``, or None.

        Member k's noise is ``sqrt(2 alpha) * recurrent_noise * stateless_normal((T, B, n),
        seed=(seeds[k], -1 - step))``: it depends on its seed and the global step only. None
        in evaluation (``step`` None), for ``cell="simple"`` or without recurrent noise.

        Examples
        --------
        >>> import tensorflow as tf
        >>> from sernn.architecture import Architecture
        >>> arch = Architecture(units=50, cell="leaky", tau=100, dt=20, recurrent_noise=1.0)
        >>> kicks = arch.recurrent_kicks(tf.constant([2, 40, 6, 8]), 6, [0, 1], tf.constant(0, tf.int64), "float32")
        >>> tuple(kicks.shape), round(float(tf.math.reduce_std(kicks)), 1)   # sqrt(2 * 0.2) = 0.63
        ((6, 2, 40, 50), 0.6)
        """
        import tensorflow as tf

        if step is None or self.cell != "leaky" or not self.recurrent_noise:
            return None
        scale = (2.0 * self.alpha) ** 0.5 * self.recurrent_noise
        draws = [tf.random.stateless_normal((steps, shape[1], self.units),
                                            tf.stack([tf.constant(int(seed), tf.int64), -1 - step]), dtype=dtype)
                 for seed in seeds]
        return scale * tf.stack(draws, axis=1)
