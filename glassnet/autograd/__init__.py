"""Reverse-mode automatic differentiation on a dynamic graph.

The modules here import ``glassnet.tensor``, never the other way round at
load time: a Tensor only needs the engine when ``backward()`` is called.
"""

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, sum_to_array
from .functional import grad, jacobian, vjp
from .grad_mode import (
    enable_grad,
    first_order,
    is_grad_enabled,
    is_recording,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "Function", "GradcheckError", "detect_anomaly", "enable_grad", "first_order", "grad", "gradcheck",
    "gradgradcheck", "is_anomaly_enabled", "is_grad_enabled", "is_recording", "jacobian", "no_grad",
    "set_detect_anomaly", "set_grad_enabled", "sum_to_array", "vjp",
]
