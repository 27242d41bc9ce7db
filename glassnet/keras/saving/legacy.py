"""Keras 2's HDF5 files (``model.h5``): the layout of the first edition of the book and of most
published weight files (Keras's own ImageNet weights among them).

The file lists its layers in ``attrs['layer_names']`` and, per layer group,
its arrays in ``attrs['weight_names']``. Keras loads them by *order*: the
k-th layer of the file that has weights goes to the k-th layer of the model
that has weights (or, with ``by_name=True``, to the layer of the same name).
A full model file keeps these under ``model_weights`` and its architecture
as JSON in ``attrs['model_config']``.
"""

import numpy as np

from .weights import set_all, variable_groups

KERAS_VERSION = "3.0.0"  # the file format written, as Keras records it


def _text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _weight_entries(layer):
    """``[(name, array)]`` of a layer in Keras's order, named by where they sit inside it."""
    return [(f"{layer.name}/{path}{name}", array)
            for path, part in variable_groups(layer)
            for (name, *_), array in zip(part.keras_weights(), part.get_weights())]


def write(model, group):
    """Write ``model``'s weights into the HDF5 group in Keras 2's layout."""
    group.attrs["layer_names"] = np.array([layer.name.encode("utf8") for layer in model.layers])
    group.attrs["backend"] = "glassnet"
    group.attrs["keras_version"] = KERAS_VERSION
    for layer in model.layers:
        entries = _weight_entries(layer)
        layer_group = group.create_group(layer.name)
        layer_group.attrs["weight_names"] = np.array([name.encode("utf8") for name, _ in entries])
        for name, array in entries:
            layer_group.create_dataset(name, data=array)


def file_layers(group):
    """``[(layer name, [arrays])]`` of a Keras 2 weights group, in the file's order."""
    found = []
    for name in (_text(n) for n in group.attrs["layer_names"]):
        layer_group = group[name]
        weight_names = [_text(w) for w in layer_group.attrs.get("weight_names", [])]
        found.append((name, [np.asarray(layer_group[w]) for w in weight_names]))
    return found


def read(model, group, who, by_name=False, skip_mismatch=False):
    """Set ``model``'s weights from a Keras 2 weights group: by layer order, or by name."""
    in_file = [(name, arrays) for name, arrays in file_layers(group) if arrays]
    with_weights = [layer for layer in model.layers if _weight_entries(layer)]
    if by_name:
        ours = {layer.name: layer for layer in with_weights}
        pairs = [(ours[name], arrays) for name, arrays in in_file if name in ours]
        if skip_mismatch:
            pairs = [(layer, arrays) for layer, arrays in pairs if _fits(layer, arrays)]
    else:
        if len(in_file) != len(with_weights):
            raise ValueError(
                f"{who}: the file has weights for {len(in_file)} layers ({[n for n, _ in in_file]}), "
                f"the model "
                f"has {len(with_weights)} layers with weights ({[layer.name for layer in with_weights]})")
        pairs = list(zip(with_weights, (arrays for _, arrays in in_file)))
    set_all([(layer, arrays) for layer, arrays in pairs], who)


def _fits(layer, arrays):
    ours = [a for _, a in _weight_entries(layer)]
    return len(ours) == len(arrays) and all(a.shape == b.shape for a, b in zip(ours, arrays))
