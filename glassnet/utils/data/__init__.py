"""``torch.utils.data`` under glassnet's name: ``from glassnet.utils import data``.

The objects are glassnet.data's own (this module only gives them PyTorch's
path), so ``data.DataLoader is glassnet.data.DataLoader``. The submodules
``sampler``, ``dataset`` and ``dataloader`` are there for imports that name
them, such as ``from torch.utils.data.sampler import SubsetRandomSampler``.
"""

from ...data.collate import default_collate
from ...data.collate import to_tensors as default_convert
from ...data.dataloader import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from ...data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from ...data.workers import WorkerInfo, get_worker_info
from ...distributed.sampler import DistributedSampler
from . import dataloader, dataset, sampler

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler",
    "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler",
    "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "dataloader", "dataset", "default_collate",
    "default_convert", "get_worker_info", "random_split", "sampler",
]
