"""sernn maze with Dale's law, leaky units and neurogym tasks, on both trainers.

(That a population member equals the network trained alone in the same data order is tested in
tests/test_population_dale_leaky.py; the ``fit`` trainer shuffles with Keras, so here each trainer's
folder is checked on its own.)
"""
import numpy as np
import pytest

from sernn.dale import dale_signs
from sernn.experiments.maze import maze_sweep
from sernn.readers import load_npz
from sernn.runfolder import RunStore

SMALL = dict(conditions=["sernn", "l1"], seeds=[3], epochs=2, train_trials=256, val_trials=128, test_trials=128,
             figures=False, log=lambda *_: None, noise=0.0)


def _kernels(folder):
    store = RunStore.open(folder)
    return {r["condition"]: load_npz(store.run_dir(r["run_id"]) / "history.npz", "history")
            for r in store.done_runs()}


def _metrics(folder):
    return RunStore.open(folder).metrics().sort_values(["condition", "epoch"]).reset_index(drop=True)


@pytest.mark.slow
def test_a_dale_leaky_maze_sweep_keeps_the_signs_on_both_trainers(tmp_path):
    options = dict(**SMALL, dale=0.8, tau=100.0, dt=20.0)
    maze_sweep(out=tmp_path / "population", **options)
    maze_sweep(out=tmp_path / "fit", trainer="fit", **options)
    signs = dale_signs(100, e_fraction=0.8, seed=3)
    together, alone = _kernels(tmp_path / "population"), _kernels(tmp_path / "fit")
    for condition in ("sernn", "l1"):
        for history in (together[condition], alone[condition]):
            kernels = history["recurrent_kernel"]
            assert kernels.shape == (3, 100, 100)
            assert (kernels * signs[None, :, None]).min() >= 0.0      # every snapshot keeps every row's sign
            assert np.abs(kernels[-1] - kernels[0]).max() > 1e-3        # and training moved the weights
        # both trainers start from the same balanced E/I kernel
        np.testing.assert_array_equal(together[condition]["recurrent_kernel"][0],
                                      alone[condition]["recurrent_kernel"][0])
        assert abs(together[condition]["recurrent_kernel"][0].sum(axis=0)).max() < 1e-5   # columns balanced
    # the folder resumes with the same options and refuses other ones, naming them
    assert maze_sweep(out=tmp_path / "population", **options).trained == 0
    with pytest.raises(ValueError, match=r"other settings \(dale: 0.8 -> 0.5\)"):
        maze_sweep(out=tmp_path / "population", **{**options, "dale": 0.5})
    with pytest.raises(ValueError, match=r"other settings \(dt: 20.0 -> None, tau: 100.0 -> None\)"):
        maze_sweep(out=tmp_path / "population", **{**options, "tau": None, "dt": None})


@pytest.mark.slow
def test_a_neurogym_task_trains_on_the_decision_period_on_both_trainers(tmp_path):
    pytest.importorskip("neurogym")
    from sernn.tasks.neurogym_tasks import from_neurogym

    options = dict(**SMALL, task="neurogym:PerceptualDecisionMaking-v0", dt=100.0)
    maze_sweep(out=tmp_path / "population", **options)
    maze_sweep(out=tmp_path / "fit", trainer="fit", **options)
    from sernn.hidden_states import forward_states

    # the validation accuracy is that of the decision step on the run's validation trials (seed 10000 + 3):
    # recompute it from the saved weights
    x, y, weights = from_neurogym("PerceptualDecisionMaking-v0", 128, 10003, dt=100.0)
    assert weights.sum() == 128                                    # one decision step per trial
    for trainer in ("population", "fit"):
        history, metrics = _kernels(tmp_path / trainer)["sernn"], _metrics(tmp_path / trainer)
        states = forward_states({k: history[k][-1] for k in ("kernel", "recurrent_kernel", "bias")}, x)
        logits = states @ history["readout_kernel"][-1] + history["readout_bias"][-1]
        accuracy = ((logits.argmax(-1) == y.argmax(-1)) * weights).sum() / weights.sum()
        last = metrics[(metrics["condition"] == "sernn") & (metrics["epoch"] == 2)]
        assert float(last["val_accuracy"].iloc[0]) == pytest.approx(accuracy, abs=1e-6), trainer
