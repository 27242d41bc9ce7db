"""Lesson: see the graph that backward walks - a two-layer network's loss, drawn.

micrograd's notebook draws the expression graph of a tiny neuron; here the
same picture for a real (if small) network: 4 samples of 3 features, a
Linear(3, 4) - ReLU - Linear(4, 2) classifier and its cross-entropy loss.

* Each box is an operation recorded while the forward pass ran, with the
  shape it made and what it saved for backward (cross-entropy keeps the
  softmax probabilities: its gradient is probs - one_hot(y), divided by
  the batch size).
* Each oval is a leaf: blue ones require a gradient (the weights and biases,
  named as ``model.named_parameters()`` names them), white ones are data.
* ``loss.backward()`` starts at the top and walks every arrow backwards,
  applying the chain rule at each box, until every blue oval has a ``.grad``
  of its own shape.

The lesson writes loss_graph.dot and model.dot (and .svg pictures of both
when Graphviz's ``dot`` is installed) into the output folder, then checks
the gradients against finite differences.

Run:  python lessons/draw_graph.py [--out graphs]
"""

import argparse
import os
import shutil

import numpy as np

import glassnet
import glassnet.nn.functional as F
from glassnet import nn, viz


def run(out="graphs", seed=0):
    glassnet.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()  # float64: exact checks
    x = glassnet.randn(4, 3, dtype=glassnet.float64)
    y = glassnet.tensor(np.array([0, 1, 1, 0]))
    loss = F.cross_entropy(model(x), y)

    os.makedirs(out, exist_ok=True)
    graph = viz.draw_graph(loss, params=dict(model.named_parameters()))
    layers = viz.draw_model(model, input_shape=(3,))
    written = [graph.save(os.path.join(out, "loss_graph.dot")), layers.save(os.path.join(out, "model.dot"))]
    if shutil.which("dot"):
        written += [graph.save(os.path.join(out, "loss_graph.svg")),
                    layers.save(os.path.join(out, "model.svg"))]
    print(f"loss = {loss.item():.4f}; the graph has {graph.source.count('shape=box')} operations")
    print("written:", ", ".join(str(p) for p in written))

    loss.backward()
    w = model[0].weight
    numeric = np.zeros_like(w.array)
    for index in np.ndindex(w.shape):  # central differences, one weight at a time
        saved = w.array[index]
        values = []
        for step in (1e-6, -1e-6):
            w.array[index] = saved + step
            with glassnet.no_grad():
                values.append(F.cross_entropy(model(x), y).item())
        w.array[index] = saved
        numeric[index] = (values[0] - values[1]) / 2e-6
    error = float(np.abs(numeric - w.grad.array).max())
    print(f"0.weight: backward's gradient and finite differences differ by at most {error:.1e}")
    return {"loss": loss.item(), "operations": graph.source.count("shape=box"), "grad_error": error,
            "files": [str(p) for p in written]}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Draw a two-layer network's loss graph")
    parser.add_argument("--out", default="graphs")
    args = parser.parse_args(argv)
    return run(args.out)


if __name__ == "__main__":
    main()
