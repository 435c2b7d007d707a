"""
The report's verdicts on the seRNN paper's claims
==================================================

``maze_report`` (``sernn report``) keeps the networks that learned (validation accuracy ≥ 0.9 at epoch 9),
checks whether the groups' total weights differ, and judges each structural claim at matched total weight
when they do, else at matched accuracy, with bootstrap CIs. Twelve networks are too few: the seRNNs are several
times heavier than the L1 networks and too few of them share a weight, so every verdict is "cannot test" and the
report says why, rather than compare networks of different weight. The whole paper grid (2,103 networks), where
the verdicts hold, is in the user guide.
"""

import matplotlib.pyplot as plt
import numpy as np

from sernn.analysis.folder import analyze_folder
from sernn.experiments.maze import maze_sweep
from sernn.experiments.maze_report import maze_report

OUT = "sernn-runs/gallery"
SETTINGS = dict(
    conditions=["l1", "sernn"],
    seeds=[0],
    epochs=10,
    val_trials=512,
    test_trials=512,
    strengths={
        "l1": np.linspace(0.002, 0.02, 6).tolist(),
        "sernn": np.linspace(0.05, 0.3, 6).tolist(),
    },
)
maze_sweep(out=OUT, figures=False, log=lambda line: None, **SETTINGS)
analyze_folder(OUT, n_nulls=200, log=lambda line: None)
report = maze_report(OUT, epoch=9, min_networks=3, n_boot=2000)
for claim in report["claims"]:
    print(f"{claim['claim']}: {claim['verdict']} ({claim['basis']}: {claim['why']})")

# %%
# Each measure against total weight, every kept network a dot (``report/measures_weight.png``): the two
# groups barely share a weight range.
plt.figure(figsize=(9, 3.5))
plt.imshow(plt.imread(f"{OUT}/report/measures_weight.png"))
plt.axis("off")
plt.show()

# %%
# Validation accuracy over training, mean and 95 % CI per condition (``report/accuracy_epochs.png``):
plt.imshow(plt.imread(f"{OUT}/report/accuracy_epochs.png"))
plt.axis("off")
plt.show()
