"""Utilities outside the core, as in ``torch.utils``.

``glassnet.utils.tensorboard`` (``SummaryWriter``) needs the optional
tensorboardX, so it is not imported here: import it by its full name,
``from glassnet.utils.tensorboard import SummaryWriter``, as in PyTorch.
"""

from . import data  # torch.utils.data: from glassnet.utils import data
