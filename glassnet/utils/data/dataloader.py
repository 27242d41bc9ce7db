"""``torch.utils.data.dataloader``'s names."""

from ...data.collate import default_collate  # noqa: F401
from ...data.collate import to_tensors as default_convert  # noqa: F401
from ...data.dataloader import DataLoader  # noqa: F401
from ...data.workers import get_worker_info  # noqa: F401
