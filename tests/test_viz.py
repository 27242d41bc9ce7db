"""glassnet.viz: the autograd graph and the layers of a model as Graphviz DOT, rendered when `dot` exists."""

import re
import shutil

import numpy as np
import pytest

import glassnet
import glassnet.nn.functional as F
from glassnet import keras, nn, viz

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _nodes(source):
    return dict(re.findall(r"^  (\w+) \[label=\"(.*?)\"", source, re.M))


def _edges(source):
    return re.findall(r"^  (\w+) -> (\w+);", source, re.M)


def _two_layer_loss():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x, y = glassnet.randn(5, 3), glassnet.tensor(np.array([0, 1, 0, 1, 1]))
    return model, F.cross_entropy(model(x), y)


def test_the_loss_graph_has_every_op_and_leaf_with_names_shapes_and_saved_arrays():
    model, loss = _two_layer_loss()
    graph = viz.draw_graph(loss, params=dict(model.named_parameters()))
    labels = list(_nodes(graph.source).values())
    ops = [label.split("\\n")[0] for label in labels if label.split("\\n")[0][0].isupper()]
    assert sorted(ops) == ["CrossEntropy", "Linear", "Linear", "Relu"]
    for name, p in model.named_parameters():
        shape = ", ".join(map(str, p.shape)) + ("," if p.ndim == 1 else "")
        assert f"{name}\\n({shape})\\nrequires grad" in labels
    assert "data\\n(5, 3)" in labels
    assert any("saved: probs (5, 2)" in label for label in labels)
    # into the ops: 3 from ops, 4 from parameters, 1 from the data; and one into the output
    assert len(_edges(graph.source)) == 9


def test_a_tensor_used_twice_is_one_node_with_two_edges():
    w = glassnet.randn(3, requires_grad=True)
    graph = viz.draw_graph((w * w).sum(), params={"w": w})
    leaf = [node for node, label in _nodes(graph.source).items() if label.startswith("w\\n")]
    assert len(leaf) == 1
    assert [a for a, _ in _edges(graph.source)].count(leaf[0]) == 2


def test_draw_graph_refuses_what_has_no_graph():
    with glassnet.no_grad():
        _, loss = _two_layer_loss()
    with pytest.raises(ValueError, match="no graph behind it"):
        viz.draw_graph(loss)
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.draw_graph(np.zeros(3))


def test_draw_model_chains_a_sequential_and_follows_a_functional_graph():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    source = viz.draw_model(model, (3,)).source
    assert "0: Linear | (None, 4) | 16 params" in source and "2: Linear | (None, 2) | 10 params" in source
    assert _edges(source) == [("input", "n0"), ("n0", "n1"), ("n1", "n2")]
    keras.backend.clear_session()
    inp = keras.Input((6,))
    a, b = keras.layers.Dense(3)(inp), keras.layers.Dense(3)(inp)
    functional = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Add()([a, b])))
    edges = _edges(viz.draw_model(functional, (6,)).source)
    assert sorted(edges) == [("input", "n0"), ("input", "n1"), ("n0", "n2"), ("n1", "n2"), ("n2", "n3")]


def test_dot_text_saves_without_graphviz(tmp_path):
    _, loss = _two_layer_loss()
    path = viz.draw_graph(loss).save(tmp_path / "loss.dot")
    assert path.read_text().startswith("digraph autograd {")


@needs_dot
def test_pictures_render_and_plot_model_writes_keras_style(tmp_path):
    _, loss = _two_layer_loss()
    viz.draw_graph(loss).save(tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert viz.draw_graph(loss)._repr_svg_().lstrip().startswith("<?xml")
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                              keras.layers.Dense(1)])
    keras.utils.plot_model(model, to_file=tmp_path / "model.svg", show_shapes=True)
    svg = (tmp_path / "model.svg").read_text()
    assert "<svg" in svg and "(None, 4)" in svg


def test_plot_model_needs_an_input_shape(tmp_path):
    with pytest.raises(ValueError, match="no known input shape"):
        keras.utils.plot_model(keras.Sequential([keras.layers.Dense(2)]), to_file=tmp_path / "m.dot")
