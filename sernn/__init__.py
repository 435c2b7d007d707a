"""sernn: biologically constrained recurrent neural networks in Keras 3.

Submodules are imported on first use, so that ``import sernn.analysis`` (pure
numpy/scipy/bctpy) never loads TensorFlow or Keras.

======================  ==========================================================
``sernn.spatial``       neuron coordinates and distance matrices (numpy)
``sernn.communicability``  weighted communicability (numpy and Keras tensors)
``sernn.regularizers``  the seRNN wiring-cost regularisers (Keras)
``sernn.constraints``   the connectome mask / sign constraint (Keras)
``sernn.initializers``  connectome- and function-derived initialisers (Keras)
``sernn.tasks``         maze, memory and decision tasks (numpy datasets)
``sernn.models``        model builders (Keras)
``sernn.callbacks``     weight history and other training callbacks (Keras)
``sernn.analysis``      topology of trained weights (numpy/scipy/bctpy, no Keras)
``sernn.connectomes``   area-level connectomes and their expansion to neurons
``sernn.microns``       MICrONS tables: somata, synapses, coregistration, traces
``sernn.functional``    spike extraction, correlation and STTC
``sernn.experiments``   benchmarks across conditions, strengths and seeds
======================  ==========================================================

On import, sernn turns on TensorFlow's oneDNN CPU kernels
(``TF_ENABLE_ONEDNN_OPTS=1``) unless the variable is already set or TensorFlow was
imported first: they run the batched matrix products of population training
about 1.6x faster on 2 cores (``scripts/bench_population.py``). Set
``TF_ENABLE_ONEDNN_OPTS=0`` before importing sernn to keep TensorFlow's own kernels.
"""
import importlib
import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"

_SUBMODULES = (
    "spatial",
    "communicability",
    "regularizers",
    "constraints",
    "initializers",
    "tasks",
    "models",
    "callbacks",
    "analysis",
    "connectomes",
    "microns",
    "functional",
    "experiments",
    "cli",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'sernn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
