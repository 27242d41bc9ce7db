"""Reverse-mode automatic differentiation on a dynamic graph."""

from .function import Function
from .functional import grad, jacobian, vjp
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "Function", "GradcheckError", "enable_grad", "grad", "gradcheck", "gradgradcheck",
    "is_grad_enabled", "jacobian", "no_grad", "set_grad_enabled", "vjp",
]
