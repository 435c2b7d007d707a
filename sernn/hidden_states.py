"""Hidden states of trained networks: what every recurrent unit does on every trial and step.

The functional analyses of the seRNN paper (Achterberg et al., Nature Machine Intelligence 2023) read
the recurrent units' activity ``h_t = activation(x_t K + b + h_{t-1} R)`` (post-activation, ``h_0 = 0``,
no input noise) on a fixed set of probe trials. This module computes it for

* one Keras model of the :func:`sernn.models.build_sernn` architecture (:func:`model_states`),
* every member of a :class:`sernn.population.Population` at once (:func:`population_states`),
* a run saved by a benchmark, at any recorded epoch (:func:`run_states`; its ``history.npz`` must hold
  every weight, as ``sernn maze`` saves it; sernn 0.1 kept the recurrent kernels only),
* or any weights, one network or a stack of K (:func:`forward_states`).

All of them run one numpy forward pass (float32, the same update as Keras's ``SimpleRNN``, tested
against it), so no Keras model is built per network and thousands of networks cost seconds.
"""
from __future__ import annotations

import numpy as np

from sernn.architecture import WEIGHTS, Architecture
from sernn.validation import check_option, check_real

__all__ = ["ACTIVATIONS", "RECURRENT_WEIGHTS", "forward_states", "model_states", "population_states",
           "run_states", "MissingWeights"]

#: The recurrent layer's weights a forward pass needs (the readout is not needed for the states).
RECURRENT_WEIGHTS = WEIGHTS[:3]

#: The activations the forward pass offers, by their Keras names.
ACTIVATIONS = {
    "relu": lambda v: np.maximum(v, 0, out=v),
    "tanh": lambda v: np.tanh(v, out=v),
    "sigmoid": lambda v: np.divide(1, 1 + np.exp(-v), out=v),
    "linear": lambda v: v,
}


class MissingWeights(ValueError):
    """A saved run lacks the weights needed to rebuild its network (a folder written by sernn 0.1)."""


def forward_states(weights: dict, x, *, activation: str = "relu", alpha: float = 1.0) -> np.ndarray:
    """The recurrent units' states on every trial and step, for one network or a stack of K.

    Parameters
    ----------
    weights : dict
        ``kernel`` (d, n), ``recurrent_kernel`` (n, n) and ``bias`` (n,) of one network, or the
        same with a leading axis of K networks (other keys, such as the readout's, are ignored).
    x : array-like of shape (trials, T, d)
        The inputs, the same for every network.
    activation : {"relu", "tanh", "sigmoid", "linear"}, default="relu"
        The units' activation.
    alpha : float in (0, 1], default=1.0
        ``dt / tau`` of leaky units (:class:`sernn.leaky.LeakyRNN`): ``z_t = (1 - alpha) z_{t-1} +
        alpha (x_t K + b + h_{t-1} R)``, ``h_t = activation(z_t)``, without recurrent noise.
        1: Elman units (``SimpleRNN``).

    Returns
    -------
    states : ndarray of shape (trials, T, n), or (K, trials, T, n) for stacked weights, float32
        The rates ``h_t``.

    Examples
    --------
    Two units that each keep their own input (R = identity, no bias) add it up over steps:

    >>> import numpy as np
    >>> from sernn.hidden_states import forward_states
    >>> weights = {"kernel": np.eye(2), "recurrent_kernel": np.eye(2), "bias": np.zeros(2)}
    >>> x = np.array([[[1.0, -1.0], [2.0, 0.0], [0.5, 3.0]]])      # 1 trial, 3 steps, 2 inputs
    >>> forward_states(weights, x)[0].tolist()                     # ReLU cuts the -1
    [[1.0, 0.0], [3.0, 0.0], [3.5, 3.0]]
    >>> forward_states({k: v[None].repeat(4, 0) for k, v in weights.items()}, x).shape   # K = 4
    (4, 1, 3, 2)

    Leaky units with ``alpha = 0.5`` move halfway to their drive each step:

    >>> forward_states(weights, x, alpha=0.5)[0, :, 0].tolist()   # 0.5 * 1, 0.5 * 0.5 + 0.5 * (2 + 0.5), ...
    [0.5, 1.5, 1.75]
    """
    missing = [name for name in RECURRENT_WEIGHTS if name not in weights]
    if missing:
        raise ValueError(f"weights lacks {', '.join(map(repr, missing))} (needs {', '.join(RECURRENT_WEIGHTS)})")
    kernel, recurrent, bias = (np.asarray(weights[name], dtype=np.float32) for name in RECURRENT_WEIGHTS)
    stacked = recurrent.ndim == 3
    if not stacked:
        kernel, recurrent, bias = kernel[None], recurrent[None], bias[None]
    n_networks, n_inputs, units = kernel.shape
    if recurrent.shape != (n_networks, units, units) or bias.shape != (n_networks, units):
        raise ValueError(f"weights have inconsistent shapes: kernel {kernel.shape[1:]}, recurrent_kernel "
                         f"{recurrent.shape[1:]}, bias {bias.shape[1:]} (expected (d, n), (n, n), (n,))")
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[2] != n_inputs:
        raise ValueError(f"x must have shape (trials, T, {n_inputs}); got {x.shape}")
    function = ACTIVATIONS[check_option(activation, "activation", tuple(ACTIVATIONS))]
    alpha = check_real(alpha, "alpha", low=0, high=1, inclusive="right")
    # the input drive of every step at once: (K, trials, T, n)
    drive = np.einsum("btd,kdn->kbtn", x, kernel, optimize=True) + bias[:, None, None, :]
    states = np.empty_like(drive)
    h = np.zeros((n_networks, x.shape[0], units), dtype=np.float32)
    z = np.zeros_like(h)
    for t in range(x.shape[1]):
        if alpha == 1.0:
            h = function(drive[:, :, t] + np.matmul(h, recurrent))
        else:
            z = np.float32(1.0 - alpha) * z + np.float32(alpha) * (drive[:, :, t] + np.matmul(h, recurrent))
            h = function(z.copy())
        states[:, :, t] = h
    return states if stacked else states[0]


def _activation_name(layer) -> str:
    name = getattr(layer.activation, "__name__", str(layer.activation))
    return check_option(name, "the recurrent layer's activation", tuple(ACTIVATIONS))


def model_states(model, x) -> np.ndarray:
    """The states ``(trials, T, n)`` of a Keras model of the ``build_sernn`` architecture (layers "rnn"
    and "readout"; no input noise, as at inference).

    Examples
    --------
    The same values as the model's own recurrent layer returning every step:

    >>> import keras, numpy as np
    >>> from sernn.hidden_states import model_states
    >>> from sernn.models import build_sernn
    >>> model = build_sernn(units=6, seed=0)
    >>> x = np.random.default_rng(0).normal(size=(3, 5, 8)).astype("float32")
    >>> rnn = model.get_layer("rnn")
    >>> every_step = keras.layers.SimpleRNN(6, activation="relu", return_sequences=True)
    >>> _ = every_step(x)
    >>> every_step.set_weights(rnn.get_weights())
    >>> bool(np.allclose(model_states(model, x), every_step(x), atol=1e-5))
    True
    """
    layer = model.get_layer("rnn")
    return forward_states(Architecture.model_weights(model), x, activation=_activation_name(layer),
                          alpha=getattr(layer, "alpha", 1.0))


def population_states(population, x) -> np.ndarray:
    """The states ``(K, trials, T, n)`` of every member of a :class:`~sernn.population.Population`.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.hidden_states import model_states, population_states
    >>> from sernn.population import Population
    >>> population = Population([{"seed": 0}, {"seed": 1}], units=5)
    >>> x = np.ones((2, 4, 8), dtype="float32")
    >>> states = population_states(population, x)
    >>> states.shape, bool(np.allclose(states[1], model_states(population.member_model(1), x)))
    ((2, 2, 4, 5), True)
    """
    return forward_states(population.weights(), x, activation=population.architecture.activation,
                          alpha=population.architecture.alpha)


def run_states(store, run_id: str, x, *, epoch: int, activation: str = "relu", alpha: float = 1.0) -> np.ndarray:
    """The states ``(trials, T, n)`` of a saved run's network after ``epoch`` epochs.

    Parameters
    ----------
    store : sernn.runfolder.RunStore or path-like
        The benchmark folder.
    run_id : str
        The run.
    x : array-like of shape (trials, T, d)
        The probe inputs.
    epoch : int
        Completed training epochs of the snapshot (0: before training).
    activation : str, default="relu"
        The units' activation (every sernn benchmark uses ReLU).
    alpha : float, default=1.0
        ``dt / tau`` of a run of leaky units (1: Elman units).

    Raises
    ------
    MissingWeights
        If the run saved only its recurrent kernels (a folder written by sernn 0.1) or no history.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from sernn.hidden_states import forward_states, run_states
    >>> from sernn.runfolder import RunStore
    >>> rng = np.random.default_rng(0)
    >>> weights = {"kernel": rng.normal(size=(2, 8, 3)), "recurrent_kernel": rng.normal(size=(2, 3, 3)),
    ...            "bias": np.zeros((2, 3)), "epoch": np.array([0, 1])}
    >>> x = rng.normal(size=(4, 5, 8))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = RunStore(folder, "maze", {})
    ...     store.save_run("a", {"seed": 0}, [{"epoch": 1}], weights)
    ...     states = run_states(store, "a", x, epoch=1)
    >>> bool(np.allclose(states, forward_states({k: v[1] for k, v in weights.items()}, x)))
    True
    """
    from sernn.readers import load_npz
    from sernn.runfolder import RunStore

    if not isinstance(store, RunStore):
        store = RunStore.open(store)
    path = store.run_dir(run_id) / "history.npz"
    if not path.exists():
        raise MissingWeights(f"{path}: the run saved no weight history")
    arrays = load_npz(path, "weight history", keys=(*RECURRENT_WEIGHTS, "epoch"))
    missing = [name for name in RECURRENT_WEIGHTS if name not in arrays]
    if missing:
        raise MissingWeights(f"{path} holds only the recurrent kernels (a folder of sernn 0.1); the "
                             f"hidden states need {', '.join(missing)} too: train the run again")
    epochs = np.asarray(arrays.get("epoch", np.arange(len(arrays["recurrent_kernel"]))))
    where = np.flatnonzero(epochs == int(epoch))
    if where.size == 0:
        raise ValueError(f"epoch {epoch} was not recorded in {path}; recorded epochs: {epochs.tolist()}")
    return forward_states({name: arrays[name][where[0]] for name in RECURRENT_WEIGHTS}, x,
                          activation=activation, alpha=alpha)
