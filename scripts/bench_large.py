"""Large networks: the seRNN penalty and a masked training step at 1,000-12,000 units.

Both parts compare the package's large-n paths against the dense path they replace,
in the same run, at ``--density`` (default 1 %) random connectivity:

1. **Penalty** (``SpatialCommunicability``, value + gradient, float32, one call after a
   warm-up): ``method="dense"`` (every pair, (n, n) products), ``"sparse"`` (exact, from
   the non-zero weights) and ``"estimate"`` (48 probes), with the peak memory of each
   (resident set of a fresh process) and the estimate's value error against the exact
   float64 value. Dense above ``--dense-max`` units and sparse-with-gradient above
   ``--sparse-max`` are not run (they take minutes); the line says so.
2. **Masked training step** (batch 128, 50 time steps, 8 inputs, Adam, MSE on the last
   state): ``SimpleRNN`` + ``MaskConstraint`` (dense products) against
   :class:`sernn.layers.SparseMaskedRNN` (products on the mask's entries), with the
   ratio. Dense above ``--dense-step-max`` units is not run.

    python scripts/bench_large.py                       # n = 1000 4000 12000 on this machine
    python scripts/bench_large.py --sizes 1000 2000 --parts step
    python scripts/bench_large.py --device gpu          # on a machine with a GPU (same code)

Each measurement runs in its own process, so its peak memory is its own.
"""
import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _kernel(n, density, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    nnz = int(round(density * n * n))
    flat = np.unique(rng.choice(n * n, size=nnz, replace=False))
    rows, columns = np.divmod(flat, n)
    coords = rng.random((n, 3)) * 100.0
    return coords, np.stack([rows, columns], axis=1).astype(np.int64), rng.standard_normal(len(flat))


def penalty(n, density, method, dtype="float32", gradient=True):
    import numpy as np
    import tensorflow as tf

    import sernn  # noqa: F401
    from sernn.regularizers import SpatialCommunicability

    coords, indices, values = _kernel(n, density)
    regularizer = SpatialCommunicability(1.0, coordinates=coords, method=method)
    if method == "dense":
        dense = np.zeros((n, n), dtype=dtype)
        dense[indices[:, 0], indices[:, 1]] = values
        variable = tf.Variable(dense)
    else:
        variable = tf.Variable(values.astype(dtype))

    @tf.function
    def evaluate():
        with tf.GradientTape() as tape:
            kernel = variable if method == "dense" else tf.SparseTensor(indices, variable, (n, n))
            value = regularizer(kernel)
        return (value, tape.gradient(value, variable)) if gradient else (value, tf.zeros(()))

    evaluate()  # trace and warm up
    start = time.perf_counter()
    value, grad = evaluate()
    grad.numpy()
    return {"seconds": time.perf_counter() - start, "value": float(value)}


def error(n, density, kind, probes_list=(24, 48, 96), seeds=(0, 1, 2)):
    """The estimate's worst value error and gradient cosine over ``seeds`` against the exact float64
    value and gradient, for uniform random or distance-dependent connectivity."""
    import numpy as np
    import tensorflow as tf

    import sernn  # noqa: F401
    from sernn.regularizers import SpatialCommunicability
    from sernn.spatial import distance_matrix

    rng = np.random.default_rng(n)
    if kind == "random":
        coords = rng.random((n, 3))
        weights = rng.standard_normal((n, n)) * (rng.random((n, n)) < density)
    else:  # connection probability exp(-d / 0.1) in a unit cube, scaled to the density
        coords = rng.random((n, 3))
        p = np.exp(-distance_matrix(coords) / 0.1)
        np.fill_diagonal(p, 0.0)
        p *= density * n * n / p.sum()
        weights = rng.standard_normal((n, n)) * (rng.random((n, n)) < p)

    def value_and_gradient(regularizer):
        variable = tf.Variable(weights)
        with tf.GradientTape() as tape:
            value = regularizer(variable)
        return float(value), tape.gradient(value, variable).numpy()

    exact, exact_gradient = value_and_gradient(SpatialCommunicability(1.0, coordinates=coords, method="sparse"))
    rows = {}
    for probes in probes_list:
        errors, cosines = [], []
        for seed in seeds:
            value, gradient = value_and_gradient(SpatialCommunicability(
                1.0, coordinates=coords, method="estimate", probes=probes, seed=seed))
            errors.append(abs(value - exact) / exact)
            cosines.append(float((gradient * exact_gradient).sum() / np.linalg.norm(gradient)
                                 / np.linalg.norm(exact_gradient)))
        rows[str(probes)] = [max(errors), min(cosines)]
    return rows


def step(n, density, layer_kind, batch=128, steps=50):
    import keras
    import numpy as np
    import tensorflow as tf

    import sernn  # noqa: F401
    from sernn.constraints import MaskConstraint
    from sernn.layers import SparseMaskedRNN

    _, indices, _ = _kernel(n, density)
    mask = np.zeros((n, n), bool)
    mask[indices[:, 0], indices[:, 1]] = True
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((batch, steps, 8)).astype("float32"))
    y = tf.constant(rng.standard_normal((batch, n)).astype("float32"))
    if layer_kind == "sparse":
        layer = SparseMaskedRNN(mask, seed=0)
    else:
        layer = keras.layers.SimpleRNN(n, recurrent_constraint=MaskConstraint(mask))
    layer.build((None, steps, 8))
    del mask
    optimizer = keras.optimizers.Adam(1e-3)
    variables = layer.trainable_variables

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((layer(x) - y) ** 2)
        optimizer.apply(tape.gradient(loss, variables), variables)
        if layer_kind == "dense":
            kernel = layer.cell.recurrent_kernel
            kernel.assign(layer.cell.recurrent_constraint(kernel))
        return loss

    train_step()
    start = time.perf_counter()
    train_step().numpy()
    return {"seconds": time.perf_counter() - start}


def _child(function, **kwargs):
    """Run one measurement in a fresh process; its result and its peak resident memory."""
    code = (f"import json, resource, sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
            f"import bench_large as b; r = b.{function}(**{kwargs!r}); "
            "r['peak_gib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20; print(json.dumps(r))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 12000])
    parser.add_argument("--density", type=float, default=0.01)
    parser.add_argument("--parts", nargs="+", default=["penalty", "step"], choices=["penalty", "step", "error"],
                        help="error: the estimate's error table (n <= 4000 of --sizes; minutes)")
    parser.add_argument("--dense-max", type=int, default=4000, help="largest n of the dense penalty (default 4000)")
    parser.add_argument("--sparse-max", type=int, default=4000,
                        help="largest n of the exact penalty with its gradient (default 4000; above it the "
                             "exact value alone is computed, as the estimate's reference)")
    parser.add_argument("--dense-step-max", type=int, default=4000, help="largest n of the dense step (default 4000)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    args = parser.parse_args()
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    print(f"sernn large networks, {args.device}, density {args.density:g}, {os.cpu_count()} cores")
    if "penalty" in args.parts:
        print("\npenalty value + gradient (SpatialCommunicability, float32):")
        for n in args.sizes:
            runs = {}
            if n <= args.dense_max:
                runs["dense"] = _child("penalty", n=n, density=args.density, method="dense")
            if n <= args.sparse_max:
                runs["sparse"] = _child("penalty", n=n, density=args.density, method="sparse")
            runs["estimate"] = _child("penalty", n=n, density=args.density, method="estimate")
            exact = _child("penalty", n=n, density=args.density, method="sparse", dtype="float64",
                           gradient=False)
            for method, result in runs.items():
                if "error" in result:
                    print(f"  n={n:6d} {method:8s}: failed: {result['error']}")
                    continue
                line = f"  n={n:6d} {method:8s}: {result['seconds']:8.2f} s, peak {result['peak_gib']:5.2f} GiB"
                if "error" not in exact:
                    line += f", value error {abs(result['value'] - exact['value']) / exact['value']:.2%}"
                if method != "dense" and "dense" in runs and "error" not in runs["dense"]:
                    line += f", {runs['dense']['seconds'] / result['seconds']:.1f}x faster than dense"
                print(line, flush=True)
            if n > args.dense_max:
                print(f"  n={n:6d} dense   : not run (n^3: about {8 * (n / 4000) ** 3:.0f}x the n=4000 time)")
            if "error" not in exact:
                print(f"  n={n:6d} exact float64 value (no gradient): {exact['seconds']:.1f} s", flush=True)
    if "error" in args.parts:
        print("\nthe estimate's error against the exact float64 penalty (worst of 3 probe seeds):")
        for n in [size for size in args.sizes if size <= 4000]:
            for kind in ("random", "spatial"):
                result = _child("error", n=n, density=args.density, kind=kind)
                if "error" in result:
                    print(f"  n={n:6d} {kind}: failed: {result['error']}")
                    continue
                cells = ", ".join(f"probes {p}: {v[0]:.2%} cos {v[1]:.3f}" for p, v in result.items()
                                  if p != "peak_gib")
                print(f"  n={n:6d} {kind:7s}: {cells}", flush=True)
    if "step" in args.parts:
        print("\nmasked training step (batch 128, 50 steps, Adam):")
        for n in args.sizes:
            sparse = _child("step", n=n, density=args.density, layer_kind="sparse")
            line = f"  n={n:6d} SparseMaskedRNN: "
            line += f"failed: {sparse['error']}" if "error" in sparse else \
                f"{sparse['seconds']:7.2f} s, peak {sparse['peak_gib']:5.2f} GiB"
            if n <= args.dense_step_max:
                dense = _child("step", n=n, density=args.density, layer_kind="dense")
                if "error" in dense:
                    line += f"; dense: failed: {dense['error']}"
                else:
                    line += (f"; SimpleRNN + MaskConstraint: {dense['seconds']:7.2f} s, peak "
                             f"{dense['peak_gib']:5.2f} GiB")
                    if "error" not in sparse:
                        line += f"; ratio {dense['seconds'] / sparse['seconds']:.1f}x"
            else:
                line += "; dense not run (n^2 per step: minutes)"
            print(line, flush=True)


if __name__ == "__main__":
    main()
