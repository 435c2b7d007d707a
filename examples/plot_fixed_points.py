"""
Fixed points of a trained network
=================================

A 3-bit flip-flop network (Sussillo & Barak, Neural Computation 2013) stores 8 memories: its dynamics at zero
input have 8 stable fixed points, one per memory, with saddles between them. ``model_fixed_points`` finds them
from states on the network's own trajectories, with their Jacobians and stability.
"""

import matplotlib.pyplot as plt
import numpy as np

import sernn
from sernn.analysis.trajectories import project, trajectory_pca
from sernn.fixed_points import model_fixed_points, sample_states
from sernn.hidden_states import model_states

x, y = sernn.tasks.flip_flop(2048, seed=0)
model = sernn.models.build_sernn(
    units=24,
    input_size=3,
    output_size=3,
    activation="tanh",
    output_activation="linear",
    return_sequences=True,
    loss="mse",
    metrics=(),
    noise=0.0,
    learning_rate=1e-2,
    seed=0,
)
model.fit(x, y, batch_size=64, epochs=8, verbose=0)
states = model_states(
    model, sernn.tasks.flip_flop(64, seed=1)[0]
)  # (trials, steps, units)
found = model_fixed_points(model, sample_states(states, 512, noise=0.01, seed=0))
print(found)
readout, bias = model.get_layer("readout").get_weights()
print(
    "memories of the stable points:",
    np.sign(found.rates[found.stable] @ readout + bias).astype(int).tolist(),
)

# %%
# The trajectories and the fixed points on the states' first three principal axes:
pca = trajectory_pca(states, n_components=3)
points = project(found.points, pca)
ax = plt.figure(figsize=(6, 5)).add_subplot(projection="3d")
for trial in pca.projections[:12]:
    ax.plot(*trial.T, lw=0.6, color="grey", alpha=0.6)
ax.scatter(*points[found.stable].T, s=60, c="black", marker="X", label="stable")
ax.scatter(
    *points[~found.stable].T,
    s=40,
    facecolors="none",
    edgecolors="tab:red",
    label="unstable",
)
ax.set_xlabel("PC1")
ax.set_ylabel("PC2")
ax.set_zlabel("PC3")
ax.legend()
plt.show()
