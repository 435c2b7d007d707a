"""
Topology of trained networks against strength and total weight
===============================================================

Modularity Q, small-worldness σ and the weight–distance correlation of the gallery sweep's networks, with
``sernn.analysis`` (the seRNN paper's recipes). A stronger regulariser also leaves a lighter network, so the
report compares seRNN and L1 networks at matched total weight; the second figure shows why.
"""

import matplotlib.pyplot as plt
import numpy as np

from sernn.analysis.folder import analyze_folder
from sernn.experiments.maze import maze_sweep
from sernn.plotting import figure_against_strength, figure_measures_vs_weight

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
maze_sweep(
    out=OUT, figures=False, log=lambda line: None, **SETTINGS
)  # trains only what is missing
table, store = analyze_folder(OUT, n_nulls=200, log=lambda line: None)
table = table[table["epoch"] == 9]
print(
    table[
        [
            "condition",
            "strength",
            "modularity",
            "small_worldness",
            "weight_distance_corr",
            "total_weight",
        ]
    ]
    .round(3)
    .to_string(index=False)
)

# %%
# Each measure against the regularisation strength:
figure_against_strength(table, 9, f"{OUT}/topology_strength.png")
plt.imshow(plt.imread(f"{OUT}/topology_strength.png"))
plt.axis("off")
plt.show()

# %%
# And against total weight Σ|W| (log scale): at equal weight the conditions can be compared.
labels = {
    "modularity": "modularity Q",
    "small_worldness": "small-worldness σ",
    "weight_distance_corr": "weight–distance correlation r",
}
figure_measures_vs_weight(table, labels, f"{OUT}/topology_weight.png", bins=3)
plt.figure(figsize=(9, 3.5))
plt.imshow(plt.imread(f"{OUT}/topology_weight.png"))
plt.axis("off")
plt.show()
