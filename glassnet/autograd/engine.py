"""The reverse walk: topological order, then gradients accumulated per node.

Gradients of a node's outputs are summed in a dictionary keyed by the node,
so a tensor used several times receives the sum of every path's gradient
before its node's backward runs once.
"""

from .grad_mode import set_grad_enabled

Tensor = None  # bound by glassnet/tensor.py once the class exists (import cycle)


def _topological_order(roots):
    """Nodes reachable from ``roots``, each after every node that uses it."""
    order, visited = [], set()
    for root in roots:
        if root is None or id(root) in visited:
            continue
        visited.add(id(root))
        stack = [(root, iter(getattr(root, "inputs", None) or ()))]
        while stack:
            node, children = stack[-1]
            for child in children:
                fn = child.grad_fn
                if fn is not None and id(fn) not in visited:
                    visited.add(id(fn))
                    stack.append((fn, iter(getattr(fn, "inputs", None) or ())))  # freed: none
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _accumulate(store, key, grad):
    old = store.get(key)
    store[key] = grad if old is None else old + grad


def run_backward(outputs, grad_outputs, retain_graph=False, create_graph=False, inputs=None):
    """Propagate ``grad_outputs`` from ``outputs`` back through the graph.

    With ``inputs=None`` the gradients are accumulated into the leaves'
    ``.grad`` (``Tensor.backward``).  Otherwise the gradients of exactly those
    tensors are returned, and ``.grad`` is left alone (``autograd.grad``).
    """
    wanted = None if inputs is None else {id(t): i for i, t in enumerate(inputs)}
    found = [None] * (0 if inputs is None else len(inputs))
    node_grads = {}  # node -> list of output gradients
    # ids of arrays that a .grad must not share: those already placed in some
    # .grad, and the caller's own gradient arrays.
    stored = {id(g.data) for g in grad_outputs}

    def deliver(tensor, grad):
        if wanted is not None and id(tensor) in wanted:
            i = wanted[id(tensor)]
            found[i] = grad if found[i] is None else found[i] + grad
        fn = tensor.grad_fn
        if fn is not None:
            slots = node_grads.setdefault(fn, [None] * fn.n_outputs)
            idx = tensor._index
            slots[idx] = grad if slots[idx] is None else slots[idx] + grad
            retained = getattr(fn, "retained", None)
            if retained and wanted is None and idx in retained:
                _store_grad(retained[idx], grad, create_graph, stored)
        elif wanted is None:
            _store_grad(tensor, grad, create_graph, stored)

    roots = []
    with set_grad_enabled(create_graph):
        for out, g in zip(outputs, grad_outputs):
            if out.grad_fn is not None and out.grad_fn.freed:
                raise_freed()
            deliver(out, g)
            roots.append(out.grad_fn)
        for fn in _topological_order(roots):
            if fn.freed:
                raise_freed()
            grads = node_grads.pop(fn, None)
            if grads is None:
                continue
            inputs_of_fn = fn.inputs
            in_grads = fn.backward(*_fill_missing(fn, grads))
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if len(in_grads) != len(inputs_of_fn):
                raise RuntimeError(
                    f"{fn.name}.backward returned {len(in_grads)} gradients "
                    f"for {len(inputs_of_fn)} inputs"
                )
            if not retain_graph:
                fn.release()
            for tensor, grad, needed in zip(inputs_of_fn, in_grads, fn.needs_input_grad):
                if needed and grad is not None:
                    if grad.shape != tensor.shape:
                        raise RuntimeError(
                            f"{fn.name}.backward gave a gradient of shape {grad.shape} "
                            f"for an input of shape {tensor.shape}"
                        )
                    if grad.data.dtype != tensor.data.dtype:
                        # float32 mixed with float64: a gradient keeps its input's dtype.
                        grad = grad.to(tensor.data.dtype)
                    deliver(tensor, grad)
    return found


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
        data = grad.data
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
