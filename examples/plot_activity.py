"""
What the units compute: explained variance and spatial clustering
==================================================================

The seRNN paper's functional analyses (Achterberg et al., Nature Machine Intelligence 2023): each unit's
activity on 640 probe trials is regressed (cross-validated lasso) on the goal, the offered options and the
choice, in windows of 5 steps; coding units' positions are tested for spatial clustering against random unit
sets (P_perm). ``activity_folder`` (``sernn analyze --activity``) runs it for every network of a folder.
"""

import matplotlib.pyplot as plt
import numpy as np

from sernn.experiments.maze import maze_sweep
from sernn.experiments.maze_activity import activity_folder
from sernn.plotting import figure_clustering_p, figure_ev_by_window

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
table, store = activity_folder(OUT, n_perm=200, min_accuracy=0.9, log=lambda line: None)
print(
    table[["condition", "strength", "mixed_selectivity_w9", "p_goal_w6", "energy"]]
    .round(3)
    .to_string(index=False)
)

# %%
# Explained variance of goal, options and choice per window (mean over units, per condition):
figure_ev_by_window(table, f"{OUT}/ev_windows.png")
plt.imshow(plt.imread(f"{OUT}/ev_windows.png"))
plt.axis("off")
plt.show()

# %%
# Spatial clustering of goal-coding units (P_perm; near 0: clustered), windows 3, 6 and 9:
figure_clustering_p(table, f"{OUT}/clustering.png", windows=(3, 6, 9))
plt.imshow(plt.imread(f"{OUT}/clustering.png"))
plt.axis("off")
plt.show()
