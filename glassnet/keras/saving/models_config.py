"""Sequential and functional models as Keras 3's configs, and back.

A Sequential's config is its list of layers (an InputLayer first when the
input shape is known). A functional model's adds, for every layer, the
calls that fed it ("inbound nodes"): which layer made each input, at which
of its calls, and which of that call's outputs, as
``keras_history = [layer_name, node_index, tensor_index]``.
"""

from ..layers.core import InputLayer
from .config import input_layer_entry, layer_entry, layer_from_entry


def model_entry(model):
    from ..models import Sequential

    if isinstance(model, Sequential):
        return _sequential_entry(model)
    if getattr(model, "_graph", None) is None:
        raise NotImplementedError(
            f"{model.name}: a subclassed Model has no config to save (its call() is Python code); save its "
            "weights with model.save_weights('name.weights.h5') and rebuild the class to load them")
    return _functional_entry(model)


def _sequential_entry(model):
    entries = [layer_entry(layer) for layer in model.layers]
    shape = model.input_shape
    if shape is not None:
        first = next(iter(model._modules.values()))
        name = first.name if isinstance(first, InputLayer) else f"{model.name}_input"
        entries.insert(0, input_layer_entry(name, shape[1:]))
    config = {"name": model.name, "trainable": model.trainable, "dtype": "float32", "layers": entries}
    entry = {"module": "keras", "class_name": "Sequential", "config": config, "registered_name": None}
    if shape is not None:
        config["build_input_shape"] = list(shape)
        entry["build_config"] = {"input_shape": list(shape)}
    return entry


def _functional_entry(model):
    ins, outs, tensors, many_in, many_out = model._graph
    history, nodes = {}, {}  # id(KerasTensor) -> [name, node, index]; id(layer) -> [node args]
    for x in ins:
        history[id(x)] = [x.layer.name, 0, 0]
    calls = {}
    for t in tensors:
        key = (id(t.layer), tuple(id(i) for i in t.inputs))
        if key not in calls:
            calls[key] = len(nodes.setdefault(id(t.layer), []))
            args = [_tensor_spec(i, history) for i in t.inputs]
            one = len(args) == 1 and not t.layer.takes_list
            nodes[id(t.layer)].append({"args": [args[0] if one else args], "kwargs": {}})
        history[id(t)] = [t.layer.name, calls[key], t.index]
    entries = []
    for layer in model.layers:
        entry = layer_entry(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = nodes.get(id(layer), [])
        entries.append(entry)
    config = {"name": model.name, "trainable": model.trainable, "layers": entries,
              "input_layers": _ends(ins, history, many_in), "output_layers": _ends(outs, history, many_out)}
    return {"module": "keras.src.models.functional", "class_name": "Functional", "config": config,
            "registered_name": "Functional"}


def _tensor_spec(tensor, history):
    shape = list(tensor.shape)
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": tensor.dtype.name, "keras_history": history[id(tensor)]}}


def _ends(tensors, history, several):
    found = [history[id(t)] for t in tensors]
    return found if several else found[0]


# ----------------------------------------------------------------- loading
def model_from_entry(entry, custom_objects=None):
    if entry.get("class_name") == "Sequential":
        return _sequential_from(entry, custom_objects)
    return _functional_from(entry, custom_objects)


def _sequential_from(entry, custom_objects):
    from ..models import Sequential

    config = entry["config"]
    model = Sequential(name=config.get("name"))
    for layer_config in config["layers"]:
        model.add(layer_from_entry(layer_config, custom_objects))
    shape = config.get("build_input_shape") or (entry.get("build_config") or {}).get("input_shape")
    if not model.built and shape is not None:
        model.build(tuple(shape))
    if config.get("trainable") is False:
        model.trainable = False
    return model


def _functional_from(entry, custom_objects):
    from ..models import Model

    config = entry["config"]
    layers, pending = {}, []
    made = {}  # (layer name, node index) -> the KerasTensors that call made
    for layer_config in config["layers"]:
        layer = layer_from_entry(layer_config, custom_objects)
        name = layer_config.get("name") or layer.name
        layers[name] = layer
        if isinstance(layer, InputLayer):
            made[(name, 0)] = [layer.output]
        pending += [(name, i, node) for i, node in enumerate(layer_config.get("inbound_nodes") or [])]
    while pending:  # Keras lists layers in a valid order; a shared layer may need a later one first
        ready = [p for p in pending if _inputs_known(p[2], made) and (p[1] == 0 or (p[0], p[1] - 1) in made)]
        if not ready:
            raise ValueError(f"load_model: the layers {sorted({p[0] for p in pending})} of "
                             f"{config.get('name')!r} wait for inputs that no layer makes")
        name, index, node = ready[0]
        pending.remove(ready[0])
        out = layers[name](_resolve(node["args"][0], made))
        made[(name, index)] = list(out) if isinstance(out, (list, tuple)) else [out]
    model = Model(_resolve_ends(config["input_layers"], made), _resolve_ends(config["output_layers"], made),
                  name=config.get("name"))
    if config.get("trainable") is False:
        model.trainable = False
    return model


def _histories(arg):
    if isinstance(arg, list):
        return [h for a in arg for h in _histories(a)]
    return [arg["config"]["keras_history"]]


def _inputs_known(node, made):
    return all((h[0], h[1]) in made for h in _histories(node["args"][0]))


def _resolve(arg, made):
    if isinstance(arg, list):
        return [_resolve(a, made) for a in arg]
    name, node, index = arg["config"]["keras_history"]
    return made[(name, node)][index]


def _resolve_ends(ends, made):
    if ends and isinstance(ends[0], str):  # one tensor: [name, node, index]
        return made[(ends[0], ends[1])][ends[2]]
    return [made[(name, node)][index] for name, node, index in ends]

