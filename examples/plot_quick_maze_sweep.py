"""
A quick maze sweep and its learning curves
==========================================

Six seRNNs and six L1 networks, trained together as one population on the maze task (Achterberg et al.,
Nature Machine Intelligence 2023): each network is what ``build_sernn`` + ``fit`` would train alone. The
folder resumes: run the script again and nothing is trained twice.
"""

import matplotlib.pyplot as plt
import numpy as np

from sernn.experiments.maze import maze_sweep
from sernn.plotting import figure_accuracy
from sernn.runfolder import RunStore

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
result = maze_sweep(out=OUT, figures=False, log=lambda line: None, **SETTINGS)
print(
    f"trained {result.trained} networks now; "
    f"the folder holds {len(RunStore.open(OUT).done_runs())}"
)

# %%
# Validation accuracy per epoch, one line per network, coloured by condition (the figure
# ``sernn maze`` writes as ``figures/accuracy.png``):
figure_accuracy(RunStore.open(OUT).metrics(), f"{OUT}/accuracy.png", "maze")
plt.imshow(plt.imread(f"{OUT}/accuracy.png"))
plt.axis("off")
plt.show()
