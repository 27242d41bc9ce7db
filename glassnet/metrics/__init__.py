"""Metrics: how good are the predictions?

One-shot functions take the whole ``y_true`` and ``y_pred`` (NumPy arrays,
lists or Tensors) and return a number, scikit-learn style. Streaming classes
accumulate over batches during training, Keras style::

    acc = metrics.Accuracy()
    for x, y in loader:
        acc.update(y, model(x))      # class scores are argmax-ed for you
    print(acc.name, acc.result())

How predictions become labels (argmax, thresholds, ``from_logits``) is
described in ``metrics._inputs``.
"""

from .classification import (
    accuracy,
    classification_report,
    confusion_matrix,
    f1_score,
    precision,
    precision_recall_f1,
    recall,
)
from .regression import mean_absolute_error, mean_squared_error, r2_score
from .streaming import (
    AUC,
    Accuracy,
    BinaryAccuracy,
    ConfusionMatrix,
    F1Score,
    Mean,
    MeanAbsoluteError,
    MeanSquaredError,
    Metric,
    Precision,
    Recall,
    get,
)

mae = mean_absolute_error
mse = mean_squared_error
