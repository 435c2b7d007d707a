"""
Dale's law and leaky units on a NeuroGym task
=============================================

The models of task-trained RNN studies (Song et al., PLoS Computational Biology 2016): 80 % excitatory units
whose weights keep their signs, leaky continuous-time units (τ = 100 ms, dt = 100 ms, the task's step),
trained with the seRNN regulariser on NeuroGym's perceptual decision-making task (Molano-Mazón et al.,
PsyArXiv 2022), the loss and accuracy on the decision step. Needs ``pip install "sernn[neurogym]"``.
"""

import matplotlib.pyplot as plt
import numpy as np

import sernn

x, y, weights = sernn.tasks.from_neurogym("PerceptualDecisionMaking-v0", 2048, seed=0)
model = sernn.models.build_sernn(
    input_size=x.shape[2],
    output_size=y.shape[2],
    return_sequences=True,
    metrics=(),
    weighted_metrics=["accuracy"],
    dale=0.8,
    cell="leaky",
    tau=100,
    dt=100,
    recurrent_regularizer=sernn.regularizers.SpatialCommunicability(0.01),
    seed=0,
)
history = model.fit(x, y, sample_weight=weights, batch_size=128, epochs=5, verbose=0)
rnn = model.get_layer("rnn")
W, signs = rnn.get_weights()[1], rnn.recurrent_constraint.signs
print(
    f"decision accuracy {history.history['accuracy'][-1]:.2f}; "
    "every weight keeps its unit's sign: "
    f"{bool(np.all(W * signs[:, None] >= 0))}"
)

# %%
# The trained kernel, excitatory units first (rows: presynaptic units):
order = np.argsort(-signs, kind="stable")
limit = np.abs(W).max()
plt.figure(figsize=(5, 4.2))
plt.imshow(W[order][:, order], cmap="RdBu_r", vmin=-limit, vmax=limit)
plt.axhline(int((signs > 0).sum()) - 0.5, color="black", lw=0.8)
plt.title("80 excitatory rows (red), 20 inhibitory (blue)", fontsize=9)
plt.colorbar(shrink=0.8)
plt.show()
