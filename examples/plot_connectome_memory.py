"""
A memory network wired by a real connectome
===========================================

The bio-instantiated RNN (Goulas et al., Neural Networks 2021): the macaque area connectome of Markov et al.
(Cerebral Cortex 2014) is expanded to neurons, and the recurrent kernel may only use the connections that
exist (``MaskConstraint``: the others stay exactly 0). It learns to recall a sequence of 3 values.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import sernn
from sernn.connectomes import load, strategy_network

DATA = Path(os.environ.get("SERNN_DATA", "../shared/data"))
macaque = load(DATA / "connectomes" / "macaque_markov2014.csv")
network = strategy_network(
    macaque, "b_w_div", neurons_per_region=4, seed=0
)  # 29 areas x 4 neurons
model = sernn.models.build_sernn(
    connectome=network,
    input_size=2,
    output_size=1,
    output_activation="linear",
    return_sequences=True,
    loss="mse",
    metrics=(),
    weighted_metrics=[],
    seed=0,
)
train, test = (
    sernn.tasks.sequence_memory(2000, length=3, seed=0),
    sernn.tasks.sequence_memory(500, seed=1),
)
history = model.fit(
    train.x,
    train.y,
    sample_weight=train.sample_weight,
    batch_size=64,
    epochs=30,
    verbose=0,
    validation_data=(test.x, test.y, test.sample_weight),
)
W = model.get_layer("rnn").get_weights()[1]
absent = network.mask == 0
print(
    f"{network.n_connections} of {network.mask.size} possible connections exist; "
    "the largest weight outside "
    f"them: {np.abs(W[absent]).max()}"
)

# %%
# The trained recurrent kernel (ordered by area) and the recall loss over training:
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
image = left.imshow(W, cmap="RdBu_r", vmin=-np.abs(W).max(), vmax=np.abs(W).max())
left.set_title("recurrent kernel (116 neurons, masked)", fontsize=9)
fig.colorbar(image, ax=left, shrink=0.8)
right.plot(history.history["task_loss"], label="training")
right.plot(history.history["val_task_loss"], label="test")
right.set_xlabel("epoch")
right.set_ylabel("recall loss (MSE)")
right.legend()
plt.tight_layout()
plt.show()
