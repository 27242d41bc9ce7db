"""The reverse walk: topological order, then gradients accumulated per node.

Gradients of a node's outputs are summed in a dictionary keyed by the node,
so a tensor used several times receives the sum of every path's gradient
before its node's backward runs once.
"""

from ..tensor import Tensor
from .anomaly import _Anomaly, check_gradients
from .grad_mode import set_grad_enabled


def _topological_order(roots):
    """Nodes reachable from ``roots``, each after every node that uses it."""
    order, visited = [], set()
    for root in roots:
        if root is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.inputs or ()))]
        while stack:
            node, children = stack[-1]
            for child in children:
                fn = child.grad_fn
                if fn is not None and fn not in visited:
                    visited.add(fn)
                    stack.append((fn, iter(fn.inputs or ())))  # a freed node has none
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def run_backward(outputs, grad_outputs, retain_graph=False, create_graph=False, inputs=None):
    """Propagate ``grad_outputs`` from ``outputs`` back through the graph.

    With ``inputs=None`` the gradients are accumulated into the leaves'
    ``.grad`` (``Tensor.backward``).  Otherwise the gradients of exactly those
    tensors are returned, and ``.grad`` is left alone (``autograd.grad``).
    """
    walk = _Walk(inputs, create_graph, grad_outputs)
    with set_grad_enabled(create_graph):
        roots = []
        for out, g in zip(outputs, grad_outputs):
            if out.grad_fn is not None and out.grad_fn.freed:
                raise_freed()
            walk.deliver(out, g)
            roots.append(out.grad_fn)
        for fn in _topological_order(roots):
            grads = walk.node_grads.pop(fn, None)
            if grads is None:
                continue
            if fn.freed:
                raise_freed()
            if fn.n_outputs > 1:
                grads = _fill_missing(fn, grads)
            in_grads = fn.backward(*grads)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if _Anomaly.enabled:
                check_gradients(fn, in_grads)
            inputs_of_fn = fn.inputs
            if len(in_grads) != len(inputs_of_fn):
                raise RuntimeError(
                    f"{fn.name}.backward returned {len(in_grads)} gradients "
                    f"for {len(inputs_of_fn)} inputs"
                )
            if not retain_graph:
                fn.release()
            for tensor, grad, needed in zip(inputs_of_fn, in_grads, fn.needs_input_grad):
                if needed and grad is not None:
                    walk.deliver(tensor, _checked(fn, tensor, grad))
    return walk.found


def _checked(fn, tensor, grad):
    """The gradient, if it fits its input; a gradient keeps its input's dtype."""
    if grad.array.shape != tensor.array.shape:
        raise RuntimeError(
            f"{fn.name}.backward gave a gradient of shape {grad.shape} "
            f"for an input of shape {tensor.shape}"
        )
    if grad.array.dtype != tensor.array.dtype:  # float32 mixed with float64
        grad = grad.to(tensor.array.dtype)
    return grad


class _Walk:
    """Where gradients go during one backward: node slots, leaves, or results."""

    def __init__(self, inputs, create_graph, grad_outputs):
        self.create_graph = create_graph
        self.wanted = None if inputs is None else {id(t): i for i, t in enumerate(inputs)}
        self.found = [None] * (0 if inputs is None else len(inputs))
        self.node_grads = {}  # node -> list of its output gradients, summed
        # ids of arrays that a .grad must not share: those already placed in
        # some .grad, and the caller's own gradient arrays.
        self.stored = {id(g.array) for g in grad_outputs}

    def deliver(self, tensor, grad):
        if self.wanted is not None and id(tensor) in self.wanted:
            i = self.wanted[id(tensor)]
            self.found[i] = grad if self.found[i] is None else self.found[i] + grad
        fn = tensor.grad_fn
        if fn is None:
            if self.wanted is None:
                _store_grad(tensor, grad, self.create_graph, self.stored)
            return
        slots = self.node_grads.get(fn)
        if slots is None:
            slots = self.node_grads[fn] = [None] * fn.n_outputs
        idx = tensor._index
        slots[idx] = grad if slots[idx] is None else slots[idx] + grad
        if fn.retained is not None and self.wanted is None and idx in fn.retained:
            _store_grad(fn.retained[idx], grad, self.create_graph, self.stored)


def _fill_missing(fn, grads):
    """Outputs that received no gradient get zeros (multi-output nodes)."""
    if all(g is not None for g in grads):
        return grads
    return [
        g if g is not None else Tensor._make(fn.zero_output(i), None, 0)
        for i, g in enumerate(grads)
    ]


def _store_grad(tensor, grad, create_graph, stored):
    """Accumulate into ``tensor.grad`` so that no two ``.grad`` share memory.

    Users modify ``.grad`` in place (``w.grad.zero_()``), so an array that is
    a view, read-only, or already handed to another leaf is copied first;
    fresh arrays (most matmul and sum results) are kept as they are.
    """
    if not create_graph:
        data = grad.array
        if not (data.flags.owndata and data.flags.writeable) or id(data) in stored:
            data = data.copy()
        stored.add(id(data))
        grad = Tensor._make(data, None, 0)
    tensor.grad = grad if tensor.grad is None else tensor.grad + grad


def raise_freed():
    raise RuntimeError(
        "Trying to backward through the graph a second time: its saved values "
        "were freed by the first backward. Pass retain_graph=True to the first "
        "backward() (or autograd.grad) if you need to go through it again."
    )
