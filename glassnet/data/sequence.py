"""``BatchSequence``: data that comes in whole batches, indexed (Keras's ``utils.Sequence``).

A Dataset is indexed by sample and batched by a DataLoader; a
BatchSequence is indexed by batch, ``seq[i] == (x_batch, y_batch)``, and
``len(seq)`` counts batches. ``fit`` takes either.
"""


class BatchSequence:
    def __len__(self):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (the number of batches)")

    def __getitem__(self, index):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) -> (x, y)")

    def on_epoch_end(self):
        """Called after each epoch (to reshuffle, say); does nothing by default."""
