"""What every ``nn.Module`` can do Keras's way: compile, fit, evaluate, predict, summary, export.

These are doors into ``glassnet.training``, imported when called (training
builds on nn, so nn does not import it as it loads). ``compile`` sets
``self.trainer`` (a ``training.Trainer``: optimizer, loss, metrics) and
Keras's ``optimizer`` and ``stop_training``; ``fit`` sets ``history``.
``fit``, ``evaluate`` and ``predict`` call ``train_step``, ``test_step`` and
``predict_step`` for each batch, which a subclass may override. A layer
states its FLOPs here for ``summary()``.
"""

import math


class KerasStyleTraining:
    trainer = None

    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer, loss and metrics for ``fit``; names get Keras' defaults."""
        from ..training import compile_model
        return compile_model(self, optimizer, loss, metrics)

    def fit(self, x=None, y=None, batch_size=32, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0, steps_per_epoch=None,
            validation_steps=None, class_weight=None, sample_weight=None):
        """Train on arrays, a Dataset/DataLoader or a generator/Sequence of batches; returns a History."""
        from ..training import fit
        return fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                   shuffle, initial_epoch, steps_per_epoch, validation_steps, class_weight, sample_weight)

    def evaluate(self, x=None, y=None, batch_size=32, verbose="auto", return_dict=False, steps=None,
                 sample_weight=None):
        """Loss, ``[loss, metrics...]``, or a dict with ``return_dict=True``."""
        from ..training import evaluate
        return evaluate(self, x, y, batch_size, verbose, return_dict, steps, sample_weight)

    def predict(self, x, batch_size=32, verbose=0, steps=None):
        """The model's outputs as a NumPy array, computed batch by batch in eval mode."""
        from ..training import predict
        return predict(self, x, batch_size, verbose, steps)

    def train_step(self, batch):
        """One optimisation step on one batch, for ``fit``; returns the logs (running means).

        Override it for custom training (see training/trainer.py for an example).
        """
        from ..training.trainer import trainer_of
        return trainer_of(self, "fit").train_step(self, batch)

    def test_step(self, batch):
        """Loss and metrics of one batch, for ``evaluate`` and validation; returns the logs."""
        from ..training.trainer import trainer_of
        return trainer_of(self, "evaluate").test_step(self, batch)

    def predict_step(self, batch):
        """The output for one batch of ``predict``: ``self(x)``."""
        from ..training.trainer import Trainer
        return Trainer.predict_step(self, batch)

    # For summary(): what one call costs. An element-wise layer only sets the class attribute;
    # a layer whose cost depends on its sizes overrides flops().
    flops_per_output_element = None
    flops_exact = True  # False: flops() is an estimate, marked ~ in the table
    summary_as_one_row = False  # True: one row holding its children's parameters (a Keras layer)

    def export(self, filepath, example_input, format="onnx", **kwargs):  # noqa: A002 - Keras's name
        """Keras 3's ``model.export(path, format='onnx')``: ``glassnet.onnx.export`` traced on
        ``example_input`` (one batch); ``kwargs`` as torch.onnx.export's (``dynamic_axes``...)."""
        if format != "onnx":
            raise ValueError(f"export: format must be 'onnx' (the one format glassnet writes), "
                             f"got {format!r}")
        from ..onnx import export
        return export(self, example_input, filepath, **kwargs)

    def flops(self, in_shape, out_shape):
        """FLOPs of one call with these input and output shapes (batch included; a multiply-add
        counts 2), or None when the layer does not know and summary() should estimate."""
        if self.flops_per_output_element is None or out_shape is None:
            return None
        return self.flops_per_output_element * math.prod(out_shape)

    def summary(self, input_shape=None, batch_size=-1, **kwargs):
        """Print and return Keras' layer table: output shapes, parameters, FLOPs (see training.summary)."""
        from ..training.summary import summary
        return summary(self, input_shape, batch_size, **kwargs)
