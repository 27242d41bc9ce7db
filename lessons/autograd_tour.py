"""Lesson: a tour of automatic differentiation.

1. The graph is built as the code runs (define-by-run), so Python control
   flow - loops and ifs that depend on the data - is differentiated too.
   f(a) below doubles a until its norm passes 1000 and then maybe flips its
   sign; whatever path is taken, f(a) = k * a for some k, so df/da = k =
   f(a) / a, which we check.
2. A Jacobian: for y = x^2 (element-wise) the Jacobian is diag(2x).
3. A vector-Jacobian product v^T J, which is what backward() computes
   without ever forming J: for y = x^2 it is 2 x v.
4. A second derivative by differentiating the gradient (create_graph=True):
   for y = x^3, dy/dx = 3x^2 and d2y/dx2 = 6x; for y = sin(x), -sin(x).
5. Gradients accumulate in .grad across backward calls until zeroed.

Run:  python lessons/autograd_tour.py
"""

import numpy as np

import glassnet
from glassnet.autograd import grad, jacobian, vjp


def f(a):
    b = a * 2
    while b.abs().sum().item() < 1000:
        b = b * 2
    if b.sum().item() > 0:
        return b
    return b * -100


def run(seed=0):
    glassnet.manual_seed(seed)
    results = {}

    print("1. Control flow is differentiated along the path actually taken")
    a = glassnet.randn(3, requires_grad=True)
    d = f(a)
    d.sum().backward()
    k = (d / a).detach().numpy()
    results["control_flow_error"] = float(np.max(np.abs(a.grad.numpy() - k)))
    print(f"   df/da = {a.grad.numpy()}, f(a)/a = {k}")

    print("2. Jacobian of y = x^2 is diag(2x)")
    x = glassnet.tensor([1.0, 2.0, 3.0])
    jac = jacobian(lambda t: t * t, x)
    results["jacobian_error"] = float(np.max(np.abs(jac.numpy() - np.diag(2 * x.numpy()))))
    print(f"   {jac.numpy().tolist()}")

    print("3. Vector-Jacobian product v^T J without forming J")
    v = glassnet.tensor([1.0, 0.1, 0.01])
    _, vj = vjp(lambda t: t * t, x, v)
    results["vjp_error"] = float(np.max(np.abs(vj.numpy() - 2 * x.numpy() * v.numpy())))
    print(f"   v^T J = {vj.numpy()}, 2 x v = {2 * x.numpy() * v.numpy()}")

    print("4. Second derivatives by differentiating the gradient")
    x = glassnet.tensor(2.0, requires_grad=True)
    (dy,) = grad(x**3, x, create_graph=True)
    (d2y,) = grad(dy, x)
    print(f"   y = x^3 at x = 2: dy/dx = {dy.item():.1f} (3x^2 = 12), d2y/dx2 = {d2y.item():.1f} (6x = 12)")
    xs = glassnet.linspace(-3, 3, 7, requires_grad=True)
    (d_sin,) = grad(xs.sin().sum(), xs, create_graph=True)
    (d2_sin,) = grad(d_sin.sum(), xs)
    results["second_derivative_error"] = max(
        abs(dy.item() - 12.0), abs(d2y.item() - 12.0),
        float(np.max(np.abs(d2_sin.numpy() + np.sin(xs.detach().numpy())))),
    )
    print(f"   y = sin(x): d2y/dx2 + sin(x) = {d2_sin.numpy() + np.sin(xs.detach().numpy())}")

    print("5. .grad accumulates across backward calls")
    w = glassnet.tensor(1.0, requires_grad=True)
    for _ in range(3):
        (w * 5).backward()
    results["accumulated"] = w.grad.item()
    print(f"   three backward() calls of d(5w)/dw give w.grad = {w.grad.item()}")

    worst = max(v for k, v in results.items() if k.endswith("error"))
    print(f"largest deviation from the analytic answers: {worst:.2e}")
    return results


if __name__ == "__main__":
    run()
