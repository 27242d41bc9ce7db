"""``glassnet.distributions``: the basics of ``torch.distributions``.

``Multinomial``, ``Categorical`` and ``Normal``, sampled with glassnet's generator.

``from glassnet.distributions.multinomial import Multinomial`` works as
d2l's ``from torch.distributions.multinomial import Multinomial`` does.
"""

from . import categorical, multinomial, normal
from .categorical import Categorical
from .distribution import Distribution
from .multinomial import Multinomial
from .normal import Normal

__all__ = ["Categorical", "Distribution", "Multinomial", "Normal", "categorical", "multinomial", "normal"]
