"""Does Keras 2 (tf_keras) add an RNN's recurrent regulariser to the loss with the same scale as Keras 3?

The seRNN paper's networks were trained with TensorFlow 2.3 and its Keras 2. This builds the same SimpleRNN
(100 ReLU units, an L1 recurrent regulariser) with the same weights in both Keras versions, fits one batch
with a learning rate of 0 and prints the penalty as each adds it to the loss. Needs ``pip install tf_keras``
(the Keras 2 of the installed TensorFlow); sernn itself does not use it.

    python scripts/check_regularizer_scaling.py
"""
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tf_keras as k2
import keras as k3

rng = np.random.default_rng(0)
x = rng.normal(size=(128, 50, 8)).astype("float32")
y = np.eye(4, dtype="float32")[rng.integers(0, 4, 128)]
R = np.linalg.qr(rng.normal(size=(100, 100)))[0].astype("float32")
K = rng.normal(size=(8, 100)).astype("float32") * 0.1
D = rng.normal(size=(100, 4)).astype("float32") * 0.1

def build(keras, reg):
    m = keras.Sequential([keras.layers.SimpleRNN(100, activation="relu", recurrent_regularizer=reg),
                          keras.layers.Dense(4, activation="softmax")])
    m.build((None, 50, 8))
    m.layers[0].set_weights([K, R, np.zeros(100, "float32")])
    m.layers[1].set_weights([D, np.zeros(4, "float32")])
    return m

for name, keras in (("Keras 2 (tf_keras)", k2), ("Keras 3", k3)):
    m = build(keras, keras.regularizers.L1(0.01))
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="categorical_crossentropy")
    task = float(keras.losses.categorical_crossentropy(y, m(x)).numpy().mean())
    penalty = 0.01 * np.abs(R).sum()
    logged = m.fit(x, y, batch_size=128, epochs=1, verbose=0, shuffle=False).history["loss"][0]
    print(f"{name}: len(model.losses) = {len(m.losses)}, sum(model.losses) = {float(sum(np.asarray(l) for l in m.losses)):.4f}, "
          f"penalty = {penalty:.4f}, task = {task:.4f}, fit loss = {logged:.4f}, fit - task = {logged - task:.4f}")
