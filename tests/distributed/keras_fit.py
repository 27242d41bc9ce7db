"""Worker: Keras's idiom, ``fit`` and ``evaluate`` under ``MultiWorkerMirroredStrategy``.

Run on one process (``python keras_fit.py OUT``) it is the reference; under
``mpirun -np 2`` each rank trains on half of every global batch. Both print
the history, the evaluation and the weights (rank 0 only), in float64; the
test compares them. Rank 0 and rank 1 start from different seeds, and the
model has no input shape (its layers get their sizes in fit), so the copy of
rank 0's first weights is part of what is tested. The file-writing callbacks
are given one path per rank: only rank 0's may appear.
"""

import importlib.util
import os

import numpy as np
from _common import flat_parameters, out_dir, report

import glassnet
from glassnet import distributed as dist
from glassnet import keras

glassnet.set_default_dtype(glassnet.float64)
strategy = keras.distribute.MultiWorkerMirroredStrategy()
rank, size = dist.rank(), dist.size()
glassnet.manual_seed(0 if rank == 0 else 1234)

rng = np.random.default_rng(5)
x, x_val = rng.normal(size=(40, 6)), rng.normal(size=(11, 6))  # 11: the ranks' validation shares differ
y, y_val = (x[:, 0] > 0) + (x[:, 1] > 0.5), (x_val[:, 0] > 0) + (x_val[:, 1] > 0.5)

with strategy.scope():
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy", "f1_score"])

out = out_dir()
callbacks = [keras.callbacks.ModelCheckpoint(os.path.join(out, f"rank{rank}.safetensors")),
             keras.callbacks.CSVLogger(os.path.join(out, f"rank{rank}.csv")),
             keras.callbacks.EarlyStopping(monitor="val_loss", patience=50)]
if size > 1 and importlib.util.find_spec("tensorboardX"):  # its import takes seconds: not in the reference
    callbacks.append(keras.callbacks.TensorBoard(log_dir=os.path.join(out, f"tensorboard_rank{rank}")))
history = model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=2, callbacks=callbacks,
                    validation_data=(x_val, y_val))
evaluation = model.evaluate(x_val, y_val, return_dict=True, verbose=0)
weights = dist.comm.gather_arrays(flat_parameters(model))
try:
    model.fit(x, y, batch_size=9, epochs=1, verbose=0)
    refused = None
except ValueError as error:
    refused = str(error)

report({"size": size, "history": history.history, "evaluate": evaluation, "weights": weights[0].tolist(),
        "between_ranks": float(np.abs(weights - weights[0]).max()), "refused": refused})
