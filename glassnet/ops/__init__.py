"""Differentiable operations, grouped by family."""
