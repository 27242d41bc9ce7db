"""``glassnet.linalg``: the norms of ``torch.linalg`` that d2l and its readers use.

``norm`` is the 2-norm of a vector and the Frobenius norm of a matrix;
``vector_norm`` takes any ``ord``; ``matrix_norm`` only ``'fro'``. They are
the differentiable norms of ``ops/linalg_more.py``.
"""

from .ops.linalg_more import linalg_norm as norm
from .ops.linalg_more import matrix_norm, vector_norm

__all__ = ["matrix_norm", "norm", "vector_norm"]
