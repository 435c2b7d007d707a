"""How often maze networks learn: sernn against a reference written from the paper's description.

The seRNN paper (Achterberg et al. 2023) describes its model as a Keras
``Sequential`` stack: GaussianNoise(0.05) -> SimpleRNN(100, relu, orthogonal
recurrent init, recurrent regulariser) -> Dense(4, softmax), Adam 1e-3, batch
128, 10 epochs, with the regulariser ``strength * sum(|W| * C * D)``,
``C = expm(S^-1/2 |W| S^-1/2)`` (diagonal zeroed) computed by a dense matrix
exponential. This script trains that reference (written here, with
``tf.linalg.expm`` and ``keras.utils.set_random_seed(seed)`` as the only
seeding) and ``sernn maze``'s own run (``build_sernn`` + ``SpatialCommunicability``)
on the same seeds and the same data (training set ``maze(5120, seed)``,
validation set ``maze(2560, 10000 + seed)``), and reports per implementation and
strength how many networks succeed at epoch 9 (validation accuracy >= 0.9),
reached 0.9 at any epoch, end above it, end on the no-memory plateau, or
collapse (reached 0.9, then lost it), with Wilson 95 % intervals, and the
difference between the implementations with Newcombe's interval and Fisher's
exact test.

    python scripts/study_learning.py --out runs/learning --seeds 0-99 --strengths 0.3,0.1
    python scripts/study_learning.py --out runs/learning --seeds 0-99 --strengths 0.3,0.1 --shard 1/2
    python scripts/study_learning.py --out runs/learning --report      # the tables only

The output folder is resumable (re-running skips finished networks) and may be
shared by shards (e.g. one process per core).
"""
import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


from sernn.analysis.learning import OUTCOMES, learning_outcomes, learning_table  # noqa: E402
from sernn.analysis.statistics import compare_proportions  # noqa: E402
from sernn.runfolder import RunStore, make_run_id  # noqa: E402
from sernn.experiments.sweep import train_pending  # noqa: E402

IMPLEMENTATIONS = ("sernn", "reference")
PLATEAU = (0.58, 0.66)
SETTINGS = {"epochs": 10, "train_trials": 5120, "val_trials": 2560, "batch_size": 128, "noise": 0.05,
            "learning_rate": 1e-3, "units": 100}


class Spec:
    def __init__(self, implementation, strength, seed):
        self.params = {"implementation": implementation, "strength": float(strength), "seed": int(seed)}
        self.run_id = make_run_id(self.params)


def reference_model(strength, seed):
    """The paper's model as described, with a dense tf.linalg.expm regulariser."""
    import keras
    import tensorflow as tf

    from sernn.spatial import distance_matrix, grid_coordinates

    D = tf.constant(distance_matrix(grid_coordinates()), dtype=tf.float32)

    class DenseExpmCommunicability(keras.regularizers.Regularizer):
        def __call__(self, w):
            a = tf.abs(w)
            s = tf.linalg.diag(tf.pow(tf.reduce_sum(a, axis=1), -0.5))
            c = tf.linalg.expm(s @ a @ s)
            c = c - tf.linalg.diag(tf.linalg.diag_part(c))
            return strength * tf.reduce_sum(a * c * D)

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((50, 8)),
        keras.layers.GaussianNoise(SETTINGS["noise"]),
        keras.layers.SimpleRNN(SETTINGS["units"], activation="relu", recurrent_initializer="orthogonal",
                               recurrent_regularizer=DenseExpmCommunicability()),
        keras.layers.Dense(4, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(SETTINGS["learning_rate"]),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def train(spec):
    from sernn.tasks import maze

    strength, seed = spec.params["strength"], spec.params["seed"]
    if spec.params["implementation"] == "sernn":
        from sernn.experiments.maze import MazeRun, run_one
        from sernn.spatial import grid_coordinates

        settings = dict(SETTINGS, test_trials=2560, normalization=None, constant_communicability=False)
        rows, _, info = run_one(MazeRun("sernn", strength, seed), settings, grid_coordinates())
        keep = ("epoch", "accuracy", "val_accuracy", "loss", "val_loss", "reg_loss")
        return [{k: row[k] for k in keep if k in row} for row in rows], None, info
    model = reference_model(strength, seed)
    x, y = maze(SETTINGS["train_trials"], seed=seed)
    validation = maze(SETTINGS["val_trials"], seed=10000 + seed)
    history = model.fit(x, y, batch_size=SETTINGS["batch_size"], epochs=SETTINGS["epochs"],
                        validation_data=validation, verbose=0).history
    rows = [{"epoch": e + 1, **{k: float(v[e]) for k, v in history.items()}}
            for e in range(SETTINGS["epochs"])]
    return rows, None, {}


def seed_list(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            low, high = part.split("-")
            seeds += list(range(int(low), int(high) + 1))
        elif part.strip():
            seeds.append(int(part))
    return seeds


def report(store, epoch=9):
    metrics = store.metrics()
    if metrics.empty:
        print("no finished runs yet")
        return
    outcomes = learning_outcomes(metrics, epoch=epoch, threshold=0.9, plateau=PLATEAU)
    table = learning_table(outcomes, by=["strength", "implementation"])
    print(f"Outcomes per strength and implementation (epoch {epoch}, threshold 0.9; Wilson 95 % CIs):")
    for row in table.itertuples():
        cells = [f"{o}={getattr(row, o)}/{row.n} ({getattr(row, o + '_rate'):.2f}, "
                 f"{getattr(row, o + '_low'):.2f}-{getattr(row, o + '_high'):.2f})" for o in OUTCOMES]
        print(f"  strength={row.strength:<5g} {row.implementation:9s} " + "  ".join(cells))
    print("\nsernn minus reference (Newcombe 95 % CI, Fisher's exact test):")
    for strength, part in table.groupby("strength"):
        rows = part.set_index("implementation")
        if not set(IMPLEMENTATIONS) <= set(rows.index):
            continue
        a, b = rows.loc["sernn"], rows.loc["reference"]
        for outcome in ("success", "reached", "collapse"):
            c = compare_proportions(int(a[outcome]), int(a["n"]), int(b[outcome]), int(b["n"]))
            print(f"  strength={strength:<5g} {outcome:8s} {c['rate_a']:.3f} - {c['rate_b']:.3f} = "
                  f"{c['difference']:+.3f} [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}], p = {c['fisher_p']:.3g}")
    store.write_table("outcomes.csv", outcomes)
    store.write_table("learning.csv", table)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/learning")
    parser.add_argument("--seeds", type=seed_list, default=seed_list("0-99"))
    parser.add_argument("--strengths", default="0.3,0.1")
    parser.add_argument("--implementations", default=",".join(IMPLEMENTATIONS))
    parser.add_argument("--shard", default="0/1")
    parser.add_argument("--report", action="store_true", help="print the tables of what is finished")
    args = parser.parse_args(argv)
    store = RunStore(args.out, "learning-study", SETTINGS, extendable=())
    if not args.report:
        index, count = (int(v) for v in args.shard.split("/"))
        strengths = [float(s) for s in args.strengths.split(",")]
        implementations = [i for i in args.implementations.split(",") if i]
        specs = [Spec(i, s, seed) for s in strengths for seed in args.seeds for i in implementations]
        specs = specs[index::count]
        started = time.perf_counter()
        train_pending(store, specs, lambda chunk: [train(chunk[0])], lambda spec, rows, info: (
            f"{spec.params['implementation']:9s} strength={spec.params['strength']:g} "
            f"seed={spec.params['seed']}: val_accuracy epoch 9 = {rows[8]['val_accuracy']:.3f}, "
            f"epoch 10 = {rows[9]['val_accuracy']:.3f}"), "study_learning")
        print(f"trained in {time.perf_counter() - started:.0f} s")
    report(store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
