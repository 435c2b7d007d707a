"""
The wiring-cost regulariser in your own Keras model
===================================================

``SpatialCommunicability`` penalises each weight by its length and by how much it is used for communication
(Achterberg et al., Nature Machine Intelligence 2023). Here a plain ``keras.layers.SimpleRNN`` of 64 units at
random positions (µm) learns the maze task with it and, for comparison, with an L1 penalty of similar initial
size; the seRNN keeps its strong weights short.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np

import sernn

positions = np.random.default_rng(0).uniform(0, 300, size=(64, 3))  # soma positions, µm
distance = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
x, y = sernn.tasks.maze(5120, seed=0)


def trained(regularizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None, 8)),
            keras.layers.SimpleRNN(
                64,
                activation="relu",
                recurrent_initializer="orthogonal",
                recurrent_regularizer=regularizer,
            ),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        x,
        y,
        batch_size=128,
        epochs=8,
        verbose=0,
        validation_data=sernn.tasks.maze(1024, seed=1),
    )
    return model.layers[0].get_weights()[1], history.history["val_accuracy"][-1]


sernn_w, sernn_accuracy = trained(
    sernn.regularizers.SpatialCommunicability(
        0.3, coordinates=positions, normalization="size"
    )
)
l1_w, l1_accuracy = trained(keras.regularizers.L1(0.002))

# %%
# Weight against the distance it spans (every non-zero off-diagonal weight):
fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), sharey=True)
off = ~np.eye(64, dtype=bool)
for ax, (name, w, accuracy) in zip(
    axes, [("seRNN", sernn_w, sernn_accuracy), ("L1", l1_w, l1_accuracy)]
):
    r = np.corrcoef(np.abs(w[off]), distance[off])[0, 1]
    ax.scatter(distance[off], np.abs(w[off]), s=2, alpha=0.3)
    ax.set_title(f"{name}: validation accuracy {accuracy:.2f}, r = {r:.2f}", fontsize=9)
    ax.set_xlabel("distance (µm)")
axes[0].set_ylabel("|W|")
plt.tight_layout()
plt.show()
