"""Speed of the seRNN regulariser against a plain dense-expm implementation.

Times value + gradient of ``sernn.regularizers.SpatialCommunicability`` and of a
reference written here with ``tf.linalg.expm`` (Padé with scaling and squaring,
the way the original Keras code computed communicability), both compiled with
``tf.function``, at several network sizes; then the training time of one maze
network per epoch without a regulariser, with the package's regulariser and with
the reference regulariser.

    python scripts/bench_regularizer.py            # n = 100, 312, 1000, 2000
    python scripts/bench_regularizer.py --sizes 100 312 --train-epochs 2
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import sernn  # noqa: E402
from sernn.regularizers import SpatialCommunicability  # noqa: E402
from sernn.spatial import distance_matrix  # noqa: E402


def reference_penalty(W, D, strength):
    """strength * sum(|W| * C * D) with C = expm(S^-1/2 |W| S^-1/2) by tf.linalg.expm."""
    A = tf.abs(W)
    d = tf.math.rsqrt(tf.reduce_sum(A, axis=1))
    C = tf.linalg.expm(A * d[:, None] * d[None, :])
    C = C * (1.0 - tf.eye(tf.shape(C)[0], dtype=C.dtype))
    return strength * tf.reduce_sum(A * C * D)


class ReferenceRegularizer(keras.regularizers.Regularizer):
    def __init__(self, strength, coordinates):
        self.strength = strength
        self.D = distance_matrix(coordinates).astype("float32")

    def __call__(self, x):
        return reference_penalty(x, self.D, self.strength)


def coordinates_for(n, rng):
    if n == 100:
        return sernn.spatial.grid_coordinates()
    return rng.uniform(0, n ** (1 / 3), size=(n, 3))


def time_call(fn, repeats, min_seconds=0.5):
    fn()  # compile / warm up
    times = []
    start = time.perf_counter()
    while len(times) < repeats or (time.perf_counter() - start < min_seconds and len(times) < 100):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bench_penalty(sizes, repeats):
    results = {}
    rng = np.random.default_rng(0)
    print(f"{'n':>6} {'sernn (ms)':>12} {'dense expm (ms)':>16} {'ratio':>7} {'rel. diff':>10}")
    for n in sizes:
        coords = coordinates_for(n, rng)
        W = tf.Variable(keras.initializers.Orthogonal(seed=0)((n, n)))
        reg = SpatialCommunicability(0.3, coords)
        D = tf.constant(distance_matrix(coords), tf.float32)

        @tf.function
        def ours():
            with tf.GradientTape() as tape:
                value = reg(W)
            return value, tape.gradient(value, W)

        @tf.function
        def ref():
            with tf.GradientTape() as tape:
                value = reference_penalty(W, D, 0.3)
            return value, tape.gradient(value, W)

        v_ours, g_ours = ours()
        v_ref, g_ref = ref()
        diff = max(abs(float(v_ours) - float(v_ref)) / abs(float(v_ref)),
                   float(tf.reduce_max(tf.abs(g_ours - g_ref)) / tf.reduce_max(tf.abs(g_ref))))
        reps = repeats if n <= 1000 else max(2, repeats // 5)
        t_ours = time_call(ours, reps)
        t_ref = time_call(ref, reps)
        print(f"{n:>6} {t_ours * 1e3:>12.2f} {t_ref * 1e3:>16.2f} {t_ref / t_ours:>6.1f}x {diff:>10.1e}",
              flush=True)
        results[n] = t_ours
    return results


def bench_training(epochs, penalty_seconds=None):
    x, y = sernn.tasks.maze(5120, seed=0)
    coords = sernn.spatial.grid_coordinates()
    variants = {
        "no regulariser": None,
        "sernn SpatialCommunicability": SpatialCommunicability(0.3),
        "reference (dense expm)": ReferenceRegularizer(0.3, coords),
    }
    models = {}
    for name, reg in variants.items():
        models[name] = sernn.models.build_sernn(recurrent_regularizer=reg, seed=0)
        models[name].fit(x, y, batch_size=128, epochs=1, verbose=0)  # trace and warm up
    times = {name: [] for name in variants}
    for _ in range(epochs):  # interleaved, so that a busy machine slows every variant alike
        for name, model in models.items():
            t0 = time.perf_counter()
            model.fit(x, y, batch_size=128, epochs=1, verbose=0)
            times[name].append(time.perf_counter() - t0)
    per_epoch = {name: min(values) for name, values in times.items()}
    base = per_epoch["no regulariser"]
    print(f"\nmaze training, 100 units, 5,120 trials, batch 128 (40 steps/epoch), "
          f"fastest of {epochs} interleaved epochs:")
    for name, seconds in per_epoch.items():
        print(f"  {name:30s} {seconds:6.3f} s/epoch  ({seconds / base:.2f}x no regulariser)")
    ratio = per_epoch["reference (dense expm)"] / per_epoch["sernn SpatialCommunicability"]
    print(f"  reference / sernn epoch-time ratio: {ratio:.2f}x")
    share = (per_epoch["sernn SpatialCommunicability"] - base) / per_epoch["sernn SpatialCommunicability"]
    print(f"  regulariser share of a training step (epoch-time difference): {100 * share:.1f} %")
    if penalty_seconds is not None:
        step = per_epoch["sernn SpatialCommunicability"] / 40
        print(f"  standalone value+gradient call ({penalty_seconds * 1e3:.2f} ms, dispatch included) / "
              f"training step ({step * 1e3:.2f} ms): {100 * penalty_seconds / step:.1f} %")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 312, 1000, 2000])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--train-epochs", type=int, default=5)
    args = parser.parse_args()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, devices: "
          f"{[d.device_type for d in tf.config.list_logical_devices()]}, "
          f"CPU threads: {os.cpu_count()}")
    print("value + gradient of the penalty, float32, tf.function, median time per call:")
    penalty = bench_penalty(args.sizes, args.repeats)
    if args.train_epochs > 0:
        bench_training(args.train_epochs, penalty.get(100))


if __name__ == "__main__":
    main()
