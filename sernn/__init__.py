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
"""
import importlib

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
