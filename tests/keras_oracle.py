"""Real Keras 3 (torch backend) as the oracle of glassnet.keras's file formats; run in a subprocess.

``python keras_oracle.py save DIR``: build the models below in Keras, save
each as DIR/k_NAME.keras and DIR/k_NAME.h5 with inputs and predictions in
DIR/k_NAME.npz. ``python keras_oracle.py load DIR``: load every
DIR/g_NAME.keras and .h5 (written by glassnet.keras) with Keras and write
its predictions on DIR/g_NAME.npz's inputs to DIR/g_NAME.EXT.npz.
The same models are built with glassnet.keras in test_keras_saving.py.
"""

import glob
import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402


def models():
    inp = keras.Input((6,))
    a, b = layers.Dense(3, name="a")(inp), layers.Dense(3)(inp)
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    return {
        "dense": keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"),
                                   layers.Dropout(0.5),
                                   layers.Dense(3, activation="softmax")]),
        "conv": keras.Sequential([keras.Input((12, 12, 3)),
                                  layers.Conv2D(4, 3, activation="relu", padding="same"),
                                  layers.MaxPooling2D(), layers.Conv2D(5, 3, strides=2),
                                  layers.BatchNormalization(), layers.Flatten(), layers.Dense(2)]),
        "rnn": keras.Sequential([keras.Input((7, 5)), layers.Conv1D(4, 3, padding="same"),
                                 layers.LSTM(6, return_sequences=True), layers.GRU(4, return_sequences=True),
                                 layers.SimpleRNN(3, return_sequences=True),
                                 layers.Bidirectional(layers.LSTM(2, return_sequences=True)),
                                 layers.TimeDistributed(layers.Dense(3)), layers.LayerNormalization(),
                                 layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")]),
        "embedding": keras.Sequential([keras.Input((6,), dtype="int32"), layers.Embedding(20, 4),
                                       layers.Flatten(),
                                       layers.Dense(1)]),
        "functional": keras.Model(inp, [layers.Dense(1)(layers.Add()([a, b])), layers.concatenate([a, b])]),
        "nested": keras.Sequential([inner, layers.Dense(1)]),
    }


def save(folder):
    rng = np.random.default_rng(0)
    for name, model in models().items():
        for layer in model.layers:  # statistics away from their initial 0 and 1
            if isinstance(layer, layers.BatchNormalization):
                layer.moving_mean.assign(rng.normal(size=layer.moving_mean.shape))
                layer.moving_variance.assign(rng.uniform(0.5, 2, size=layer.moving_variance.shape))
        shape = (4,) + tuple(model.inputs[0].shape[1:])
        x = rng.integers(0, 20, shape).astype("int32") if name == "embedding" else rng.normal(size=shape)
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        model.save(f"{folder}/k_{name}.keras")
        model.save(f"{folder}/k_{name}.h5")
        y = model.predict(x.astype(x.dtype if name == "embedding" else "float32"), verbose=0)
        np.savez(f"{folder}/k_{name}.npz", x, *(y if isinstance(y, list) else [y]))


def load(folder):
    for path in sorted(glob.glob(f"{folder}/g_*.keras") + glob.glob(f"{folder}/g_*.h5")):
        # Keras 3 cannot compile its own Keras 2 files with loss='mse' (it looks in keras.metrics)
        model = keras.models.load_model(path, compile=path.endswith(".keras"))
        x = np.load(path.rsplit(".", 1)[0] + ".npz")["arr_0"]
        y = model.predict(x, verbose=0)
        np.savez(f"{path}.npz", *(y if isinstance(y, list) else [y]))


if __name__ == "__main__":
    {"save": save, "load": load}[sys.argv[1]](sys.argv[2])
