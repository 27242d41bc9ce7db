"""``glassnet.cuda``: the questions PyTorch code asks about GPUs, answered truthfully (there are none).

``is_available()`` is False and ``device_count()`` is 0, so code that picks
its device from them (d2l's ``try_gpu()``, ``'cuda' if is_available() else
'cpu'``) runs on the CPU. Anything that needs a GPU to exist raises.
"""

from .device import check


def is_available():
    return False


def device_count():
    return 0


def _no_gpu(name):
    def refuse(*args, **kwargs):  # noqa: ARG001 - any of PyTorch's signatures
        check("cuda", f"glassnet.cuda.{name}")

    refuse.__name__ = name
    refuse.__doc__ = f"``torch.cuda.{name}``: raises, glassnet has no GPU."
    return refuse


current_device = _no_gpu("current_device")
get_device_name = _no_gpu("get_device_name")
get_device_properties = _no_gpu("get_device_properties")
set_device = _no_gpu("set_device")
synchronize = _no_gpu("synchronize")
memory_allocated = _no_gpu("memory_allocated")
max_memory_allocated = _no_gpu("max_memory_allocated")


def is_initialized():
    return False


def manual_seed(seed):  # noqa: ARG001 - PyTorch ignores it without a GPU, so does glassnet
    """Seeding GPUs that do not exist does nothing, as in PyTorch without CUDA."""


def manual_seed_all(seed):  # noqa: ARG001
    """As ``manual_seed``: nothing to seed."""


def empty_cache():
    """Nothing is cached on a GPU that does not exist."""
