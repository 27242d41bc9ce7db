"""Saving and loading models in Keras's own file formats, so they move between glassnet.keras and Keras.

* ``model.save('m.keras')``: Keras 3's format, a zip of ``config.json`` (the
  architecture), ``metadata.json`` and ``model.weights.h5`` (the weights,
  laid out as in ``weights.py``);
* ``model.save('m.h5')``: Keras 2's HDF5 file (``legacy.py``), the first
  edition's format;
* ``model.save_weights('m.weights.h5')`` (Keras 3) or ``'m.h5'`` (Keras 2),
  and ``load_weights`` of either.

Every file is written to a temporary name and renamed when complete. Loading
builds only classes glassnet.keras knows from plain JSON and numbers:
nothing in a file is ever executed. HDF5 is read and written with h5py, an
optional dependency (``pip install glassnet[keras]``).
"""

import datetime
import io
import json
import os
import zipfile

from ...io.atomic import atomic_path
from . import compile_config, legacy, weights
from .config import layer_from_entry
from .models_config import model_entry, model_from_entry

KERAS_VERSION = legacy.KERAS_VERSION


def _h5py(who):
    try:
        import h5py
    except ImportError:
        raise ImportError(f"{who}: Keras's file formats are HDF5, read with h5py; "
                          "install it with `pip install glassnet[keras]` (or `pip install h5py`)") from None
    return h5py


def _kind(path, who):
    name = os.fspath(path)
    if name.endswith(".keras"):
        return "keras"
    if name.endswith(".weights.h5"):
        return "weights"
    if name.endswith((".h5", ".hdf5")):
        return "h5"
    raise ValueError(f"{who}: unknown file type {name!r}; use a name ending in .keras (Keras 3's format) "
                     "or .h5 (Keras 2's HDF5); TensorFlow's SavedModel folders are not supported")


# ------------------------------------------------------------------- save
def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """``model.save(filepath)``: the whole model, in the format its extension names."""
    who = f"{model.name}.save"
    kind = _kind(filepath, who)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{who}: {os.fspath(filepath)!r} exists and overwrite=False")
    entry = model_entry(model)
    compiled = compile_config.of(model)
    if kind == "keras":
        if compiled is not None:
            entry["compile_config"] = compiled
        metadata = {"keras_version": KERAS_VERSION, "producer": "glassnet.keras",
                    "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
        buffer = io.BytesIO()
        with _h5py(who).File(buffer, "w") as h5:
            weights.write(model, h5)
        with atomic_path(filepath, who) as temp, zipfile.ZipFile(temp, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(entry))
            archive.writestr("model.weights.h5", buffer.getvalue())
        return
    if kind == "weights":
        raise ValueError(f"{who}: {os.fspath(filepath)!r} names a weights file; use save_weights, "
                         "or a name ending in .keras for the whole model")
    with atomic_path(filepath, who) as temp, _h5py(who).File(temp, "w") as h5:
        h5.attrs["backend"] = "glassnet"
        h5.attrs["keras_version"] = KERAS_VERSION
        h5.attrs["model_config"] = json.dumps(entry)
        if compiled is not None:
            h5.attrs["training_config"] = json.dumps(compile_config.as_legacy(compiled))
        legacy.write(model, h5.create_group("model_weights"))


def save_weights(model, filepath, overwrite=True):
    who = f"{model.name}.save_weights"
    kind = _kind(filepath, who)
    if kind == "keras":
        raise ValueError(f"{who}: a weights file ends in .weights.h5 (Keras 3) or .h5 (Keras 2), "
                         f"not .keras (use model.save for that)")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{who}: {os.fspath(filepath)!r} exists and overwrite=False")
    with atomic_path(filepath, who) as temp, _h5py(who).File(temp, "w") as h5:
        (weights.write if kind == "weights" else legacy.write)(model, h5)


# ------------------------------------------------------------------- load
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002 - Keras's name
    """A model from a ``.keras`` or ``.h5`` file, written by glassnet.keras or by Keras."""
    who = "load_model"
    kind = _kind(filepath, who)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"{who}: no file {os.fspath(filepath)!r}")
    if kind == "keras":
        with zipfile.ZipFile(filepath) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise ValueError(f"{who}: {os.fspath(filepath)!r} is not a Keras 3 file (no config.json)")
            entry = json.loads(archive.read("config.json"))
            model = _model_from(entry, custom_objects)
            if "model.weights.h5" in names:
                with _h5py(who).File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
                    weights.read(model, h5, who)
        compiled = entry.get("compile_config")
    else:
        with _h5py(who).File(filepath, "r") as h5:
            if "model_config" not in h5.attrs:
                raise ValueError(f"{who}: {os.fspath(filepath)!r} holds weights only; build the model in "
                                 "code"
                                 "and call model.load_weights")
            entry = json.loads(h5.attrs["model_config"])
            model = _model_from(entry, custom_objects)
            legacy.read(model, h5["model_weights"] if "model_weights" in h5 else h5, who)
            training = h5.attrs.get("training_config")
        compiled = compile_config.from_legacy(json.loads(training)) if training else None
    if compile and compiled:
        compile_config.apply(model, compiled)
    return model


def _model_from(entry, custom_objects):
    model = layer_from_entry(entry, custom_objects)
    if not getattr(model, "built", True):
        raise ValueError("load_model: the saved model was never built (no input shape); nothing to load into")
    return model


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    who = f"{model.name}.load_weights"
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"{who}: no file {os.fspath(filepath)!r}")
    if not getattr(model, "built", True):
        raise ValueError(f"{who}: build the model first (give the first layer an input_shape, call "
                         "model.build(input_shape), or run it on data) so its weights have shapes")
    if os.fspath(filepath).endswith(".keras"):
        with zipfile.ZipFile(filepath) as archive, \
                _h5py(who).File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
            weights.read(model, h5, who)
        return
    with _h5py(who).File(filepath, "r") as h5:
        group = h5["model_weights"] if "model_weights" in h5 else h5
        if "layer_names" in group.attrs:
            legacy.read(model, group, who, by_name, skip_mismatch)
        else:
            weights.read(model, h5, who)


def model_to_json(model, **kwargs):
    return json.dumps(model_entry(model), **kwargs)


def model_from_json(json_string, custom_objects=None):
    return model_from_entry(json.loads(json_string), custom_objects)


__all__ = ["load_model", "load_weights", "model_from_json", "save_model", "save_weights"]
