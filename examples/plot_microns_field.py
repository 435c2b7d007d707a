"""
A MICrONS functional connectomics field in 3-D
==============================================

One of the co-registered MICrONS fields: the recorded neurons at their soma positions, with the synapses the
electron microscopy found between them (MICrONS Consortium, Nature 2025). These positions and wiring are what
``sernn microns`` trains its RNNs on (distance D, wiring mask M, initial weights from recorded function W*).
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sernn.experiments.microns_data import field_data

DATA = Path(os.environ.get("SERNN_DATA", "../shared/data"))
# the positions file is a pickled array: read it only from a source you trust
data = field_data(
    DATA / "microns" / "fields" / "5_3_8", trust_pickles=True, log=lambda line: None
)
xyz, wiring = data.coordinates, data.wiring
print(
    f"{len(xyz)} neurons, {int((wiring > 0).sum())} connected pairs, "
    f"extent {np.ptp(xyz, axis=0).round(0)} µm"
)

# %%
ax = plt.figure(figsize=(6.5, 5.5)).add_subplot(projection="3d")
pre, post = np.nonzero(wiring)
for i, j in zip(pre, post):
    ax.plot(*xyz[[i, j]].T, color="tab:blue", lw=0.5, alpha=0.5)
ax.scatter(*xyz.T, s=18, c=xyz[:, 1], cmap="viridis")
ax.set_xlabel("x (µm)")
ax.set_ylabel("y (µm, depth)")
ax.set_zlabel("z (µm)")
ax.set_title("neurons and their EM synapses", fontsize=9)
plt.show()
