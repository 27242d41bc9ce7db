"""Feeding data to models: datasets, mini-batches, splits and preprocessing."""

from . import datasets, transforms
from .collate import default_collate
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, fetch_batch, random_split
from .image_folder import ImageFolder
from .preprocessing import MinMaxScaler, StandardScaler, one_hot, to_categorical
from .sequence import BatchSequence
from .split import kfold_indices, train_test_split
from .text import TextVectorizer, Vocabulary, pad_sequences, tokenize, vectorize_sequences
