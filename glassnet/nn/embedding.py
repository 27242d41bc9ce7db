"""``Embedding``: a trainable lookup table from token ids to vectors."""

import numpy as np

from .. import backend
from ..ops import embedding as E
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """Row ``i`` of ``weight`` (num_embeddings x embedding_dim) is the vector of token ``i``.

    Initialised N(0, 1) as in PyTorch, with row ``padding_idx`` (if given)
    set to zeros; that row also never receives a gradient, so padding stays
    a zero vector through training.  ``Embedding(V, d)(ids)`` is the same as
    multiplying one-hot rows by ``weight``, without building the one-hots.
    """

    flops_per_output_element = 0  # a table lookup

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, dtype=None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError(
                "Embedding: max_norm, scale_grad_by_freq and sparse are not supported by glassnet"
            )
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = E.normalize_padding_idx(padding_idx, num_embeddings, "Embedding")
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        if _weight is None:
            table = np.empty((num_embeddings, embedding_dim), dtype)
            self.weight = Parameter(table, requires_grad=not _freeze)
            self.reset_parameters()
        else:
            data = np.asarray(getattr(_weight, "data", _weight))
            if data.shape != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight has shape {data.shape}, expected {(num_embeddings, embedding_dim)}"
                )
            self.weight = Parameter(data.astype(dtype), requires_grad=not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding a copy of ``embeddings`` (e.g. GloVe vectors), frozen unless told."""
        data = np.asarray(getattr(embeddings, "data", embeddings))
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {data.shape}")
        dtype = data.dtype if data.dtype.kind == "f" else None
        return cls(data.shape[0], data.shape[1], padding_idx=padding_idx, _weight=data, _freeze=freeze,
                   dtype=dtype)

    def forward(self, input):  # noqa: A002 - PyTorch's name
        indices = E.check_indices(input, self.num_embeddings, self._describe())
        return E.GatherRows.apply(self.weight, indices=indices, padding_idx=self.padding_idx)

    def _describe(self):
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"
