"""Feeding data to models: datasets, mini-batches, splits and preprocessing."""

from . import datasets, transforms
from .collate import default_collate
from .dataloader import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    fetch_batch,
    random_split,
)
from .image_folder import ImageFolder
from .preprocessing import MinMaxScaler, StandardScaler, one_hot, to_categorical
from .sequence import BatchSequence
from .split import kfold_indices, train_test_split
from .text import TextVectorizer, Vocabulary, pad_sequences, tokenize, vectorize_sequences
from .workers import WorkerInfo, get_worker_info
