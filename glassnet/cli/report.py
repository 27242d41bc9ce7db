"""What ``glassnet train --out DIR`` leaves behind: weights, numbers and pictures."""

import json
from pathlib import Path

WEIGHTS = "weights.safetensors"
METRICS = "metrics.json"
HISTORY = "history.csv"
CURVES = "learning_curves.png"
CONFUSION = "confusion_matrix.png"


def have_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_metrics(out, record):
    path = Path(out) / METRICS
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def read_metrics(path):
    """The record ``write_metrics`` wrote, checked for what ``evaluate`` needs."""
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {path}: {error}") from error
    missing = [key for key in ("model", "model_config", "dataset") if key not in record]
    if missing:
        raise ValueError(f"{path} lacks {missing}; it was not written by `glassnet train --out`")
    return record


def plot_confusion(matrix, classes, path, title):
    """The confusion matrix as a heat map with the count in each cell."""
    from matplotlib.figure import Figure  # a bare Figure needs no display

    n = len(classes)
    fig = Figure(figsize=(1.0 + 0.55 * n, 0.8 + 0.5 * n))
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n), classes, rotation=45 if max(len(c) for c in classes) > 2 else 0, ha="right")
    ax.set_yticks(range(n), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    # Light text on dark cells, dark text on light ones.
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > threshold else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
