"""Check sernn's Keras parts on the active Keras backend (TensorFlow, JAX or PyTorch) and device.

Runs the regulariser against the float64 scipy reference (value) and central
differences (gradient, through ``keras.ops`` only), the mask constraint through a
short training run, a short maze training with ``SpatialCommunicability``, a save
and load, and times value + gradient of the regulariser at several sizes.

    KERAS_BACKEND=jax python scripts/check_backend.py
    python scripts/check_backend.py --sizes 100 1000 --epochs 3
"""
import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
from keras import ops  # noqa: E402

import sernn  # noqa: E402
from sernn.constraints import MaskConstraint  # noqa: E402
from sernn.regularizers import SpatialCommunicability  # noqa: E402
from sernn.spatial import distance_matrix, grid_coordinates  # noqa: E402


def reference(W, D, strength):
    A = np.abs(W)
    d = 1 / np.sqrt(A.sum(axis=1))
    C = scipy.linalg.expm(d[:, None] * A * d[None, :])
    np.fill_diagonal(C, 0)
    return strength * np.sum(A * C * D)


def value_and_grad_fn(reg):
    backend = keras.backend.backend()
    if backend == "jax":
        import jax
        return jax.jit(jax.value_and_grad(lambda w: reg(w)))
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function
        def fn(w):
            with tf.GradientTape() as tape:
                tape.watch(w)
                value = reg(w)
            return value, tape.gradient(value, w)
        return fn
    if backend == "torch":
        import torch

        def fn(w):
            w = w.detach().requires_grad_(True)
            value = reg(w)
            (grad,) = torch.autograd.grad(value, w)
            return value, grad
        return fn
    raise SystemExit(f"unsupported backend {backend}")


def synchronize(value):
    return float(ops.convert_to_numpy(value))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 312, 1000, 2000])
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")
    if keras.backend.backend() == "jax":
        import jax
        print(f"devices: {jax.devices()}")

    # value and gradient against float64 references
    rng = np.random.default_rng(0)
    coords = rng.uniform(size=(12, 3))
    W = rng.normal(size=(12, 12))
    reg = SpatialCommunicability(0.5, coords)
    fn = value_and_grad_fn(reg)
    value, grad = fn(ops.convert_to_tensor(W.astype("float32")))
    D = distance_matrix(coords)
    ref = reference(W, D, 0.5)
    h = 1e-6
    numeric = np.zeros_like(W)
    for i, j in [(0, 1), (3, 7), (11, 2)]:
        plus, minus = W.copy(), W.copy()
        plus[i, j] += h
        minus[i, j] -= h
        numeric[i, j] = (reference(plus, D, 0.5) - reference(minus, D, 0.5)) / (2 * h)
    grad = ops.convert_to_numpy(grad)
    worst = max(abs(grad[e] - numeric[e]) / abs(numeric[e]) for e in [(0, 1), (3, 7), (11, 2)])
    print(f"value: relative error {abs(synchronize(value) - ref) / ref:.1e} (float32 vs scipy float64); "
          f"gradient: worst relative error {worst:.1e} (vs central differences)")

    # mask constraint and a short maze training with the regulariser
    x, y = sernn.tasks.maze(5120, seed=0)
    mask = rng.random((100, 100)) < 0.3
    model = sernn.models.build_sernn(recurrent_regularizer=SpatialCommunicability(0.3),
                                     recurrent_constraint=MaskConstraint(mask), seed=0)
    t0 = time.perf_counter()
    history = model.fit(x, y, batch_size=128, epochs=args.epochs, verbose=0,
                        validation_data=sernn.tasks.maze(2560, seed=1))
    seconds = time.perf_counter() - t0
    kernel = ops.convert_to_numpy(model.get_layer("rnn").cell.recurrent_kernel)
    print(f"maze, seRNN 0.3 + mask (density 0.3), {args.epochs} epochs in {seconds:.1f} s: "
          f"val_accuracy {history.history['val_accuracy'][-1]:.3f}; "
          f"masked weights exactly zero: {bool(np.all(kernel[~mask] == 0))}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
        same = np.array_equal(loaded.predict(x[:256], verbose=0), model.predict(x[:256], verbose=0))
        print(f"save/load: identical predictions {same}, identical penalty "
              f"{synchronize(sum(loaded.losses)) == synchronize(sum(model.losses))}")

    # timing of value + gradient
    print(f"{'n':>6} {'value+grad (ms)':>16}")
    for n in args.sizes:
        coords = grid_coordinates() if n == 100 else rng.uniform(0, n ** (1 / 3), size=(n, 3))
        fn = value_and_grad_fn(SpatialCommunicability(0.3, coords))
        w = ops.convert_to_tensor(keras.initializers.Orthogonal(seed=0)((n, n)))
        synchronize(fn(w)[0])
        times = []
        for _ in range(10 if n <= 1000 else 3):
            t0 = time.perf_counter()
            synchronize(fn(w)[0])
            times.append(time.perf_counter() - t0)
        print(f"{n:>6} {1e3 * min(times):>16.2f}")


if __name__ == "__main__":
    main()
