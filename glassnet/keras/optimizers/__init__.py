"""Keras's optimizers: made without parameters, bound to the model's at ``compile``.

``optimizers.RMSprop(learning_rate=1e-4)`` records Keras's arguments and
defaults; ``compile`` calls ``bind(params)``, which builds the glassnet
optimizer that does the work (``rules.py``: Keras's update rules, which
differ from PyTorch's in small ways). ``lr=`` (Keras 2's name) is accepted
too, and ``learning_rate`` may be a schedule from ``optimizers.schedules``.

After ``compile``, ``learning_rate`` and ``iterations`` read (and
``learning_rate`` sets) the bound optimizer's, as Keras's own object would.
"""

import re

from ... import optim
from . import rules, schedules
from .schedules import LearningRateSchedule

# Keras arguments glassnet does not implement: refused when given, never silently ignored.
_NOT_SUPPORTED = ("use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                  "gradient_accumulation_steps")


class Optimizer:
    rule = None  # the class in rules.py that ``bind`` builds

    def __init__(self, learning_rate=0.001, lr=None, name=None, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, **unknown):
        cls = type(self).__name__
        unsupported = sorted(k for k in _NOT_SUPPORTED if unknown.pop(k, None))
        if unsupported:
            raise NotImplementedError(f"{cls}: {unsupported} not supported")
        if unknown:
            raise TypeError(f"{cls}: unexpected keyword argument(s) {sorted(unknown)}")
        rules.check_clipping(clipnorm, clipvalue, global_clipnorm)
        learning_rate = lr if lr is not None else learning_rate
        if not isinstance(learning_rate, LearningRateSchedule):
            learning_rate = float(learning_rate)
        self._learning_rate = learning_rate
        self._bound = None
        self.name = name or _snake_case(cls)
        self.weight_decay, self.clipnorm, self.clipvalue, self.global_clipnorm = (
            weight_decay, clipnorm, clipvalue, global_clipnorm)

    def options(self):  # pragma: no cover - abstract
        """The rule's own options, in the glassnet class's argument names."""
        raise NotImplementedError

    def bind(self, params):
        """The glassnet optimizer over ``params`` with these settings (what ``compile`` calls)."""
        # A schedule starts again from step 0; a number is the current one (a callback may have changed it).
        lr = self._learning_rate
        if not isinstance(lr, LearningRateSchedule):
            lr = self.learning_rate
        self._bound = self.rule(params, lr, weight_decay=self.weight_decay,
                                clipnorm=self.clipnorm, clipvalue=self.clipvalue,
                                global_clipnorm=self.global_clipnorm, **self.options())
        return self._bound

    @property
    def learning_rate(self):
        if self._bound is not None:
            return self._bound.learning_rate
        lr = self._learning_rate
        return float(lr(0)) if isinstance(lr, LearningRateSchedule) else lr

    @learning_rate.setter
    def learning_rate(self, value):
        if self._bound is not None:
            self._bound.learning_rate = value
        if not isinstance(value, LearningRateSchedule):
            rules.refuse_number_for_schedule(self._learning_rate, type(self).__name__)
            value = float(value)
        self._learning_rate = value

    @property
    def iterations(self):
        """How many updates the optimizer has made (0 until it is bound and steps)."""
        return 0 if self._bound is None else self._bound.iterations

    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = {"class_name": type(lr).__name__, "config": lr.get_config()}
        else:
            lr = self.learning_rate
        config = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        return dict(config, learning_rate=lr)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = getattr(schedules, lr["class_name"]).from_config(lr["config"])
        return cls(**config)


def _snake_case(name):
    """Keras's default names: 'SGD' -> 'sgd', 'RMSprop' -> 'rm_sprop', 'AdamW' -> 'adam_w'."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class SGD(Optimizer):
    rule = rules.SGD

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, lr=None, **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum!r}")
        self.momentum, self.nesterov = momentum, nesterov

    def options(self):
        # Keras allows nesterov without momentum (it is then plain SGD); PyTorch's class refuses it.
        return dict(momentum=self.momentum, nesterov=self.nesterov and self.momentum > 0)


class RMSprop(Optimizer):
    rule = rules.RMSprop

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, lr=None,
                 **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def options(self):
        return dict(alpha=self.rho, eps=self.epsilon, momentum=self.momentum, centered=self.centered)


class Adam(Optimizer):
    rule = rules.Adam

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, lr=None,
                 **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def options(self):
        return dict(betas=(self.beta_1, self.beta_2), eps=self.epsilon, amsgrad=self.amsgrad)


class AdamW(Adam):
    rule = rules.AdamW

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, lr=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, lr, weight_decay=weight_decay,
                         **kwargs)


class Adagrad(Optimizer):
    rule = rules.Adagrad

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, lr=None, **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def options(self):
        return dict(initial_accumulator_value=self.initial_accumulator_value, eps=self.epsilon)


class Adadelta(Optimizer):
    rule = rules.Adadelta

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, lr=None, **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def options(self):
        return dict(rho=self.rho, eps=self.epsilon)


class Nadam(Optimizer):
    rule = rules.Nadam

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, lr=None, **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def options(self):
        return dict(betas=(self.beta_1, self.beta_2), eps=self.epsilon)


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
            "adadelta": Adadelta, "nadam": Nadam}


def get(identifier):
    """A Keras optimizer from its name (any case), or the optimizer object itself."""
    if isinstance(identifier, (Optimizer, optim.Optimizer)):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"Unknown optimizer {identifier!r}; valid names: {sorted(_BY_NAME)}")
        return _BY_NAME[key]()
    raise TypeError(f"optimizer must be a name or an optimizer object, got {type(identifier).__name__}")


def resolve(identifier):
    """What ``nn.Module.compile`` takes: a Keras optimizer (bound there), a glassnet one, or a name."""
    return get(identifier)


__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Nadam", "Optimizer", "RMSprop", "get", "resolve",
           "schedules"]
