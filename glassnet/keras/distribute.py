"""``keras.distribute``: data-parallel ``fit`` over the ranks of an MPI job, under TensorFlow's name.

The Keras code of a multi-worker tutorial runs as it is, started with
``mpirun -np N python train.py`` instead of a TF_CONFIG per worker::

    from glassnet import keras

    strategy = keras.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = keras.Sequential([...])
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=5)     # 128 is the global batch: 64 per rank on 2 ranks

Once made, the strategy makes every ``fit`` and ``evaluate`` in the process
data-parallel (glassnet/distributed/strategy.py has what changes); the scope
is kept so that the code reads as Keras's. On one process it changes nothing.
"""

from ..distributed.strategy import DataParallelStrategy, fit_strategy


class MultiWorkerMirroredStrategy(DataParallelStrategy):
    """Synchronous data parallelism over every rank of the MPI job (``tf.distribute``'s name).

    ``cluster_resolver`` and ``communication_options`` are TensorFlow's ways to find
    the workers; here ``mpirun`` starts and finds them, so both must stay None.
    """

    def __init__(self, cluster_resolver=None, communication_options=None):
        if cluster_resolver is not None or communication_options is not None:
            raise ValueError("MultiWorkerMirroredStrategy: the workers are the ranks mpirun starts; "
                             "cluster_resolver and communication_options must be None")
        super().__init__()


def get_strategy():
    """The strategy ``fit`` follows in this job, or None on a single process."""
    return fit_strategy()


__all__ = ["MultiWorkerMirroredStrategy", "get_strategy"]
