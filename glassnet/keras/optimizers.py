"""Keras's optimizers: made without parameters, bound to the model's at ``compile``.

``optimizers.RMSprop(learning_rate=1e-4)`` records Keras's arguments and
defaults; ``compile`` calls ``bind(params)``, which builds the glassnet
optimizer that does the work. ``lr=`` (Keras 2's name) is accepted too.
"""

from .. import optim


class Optimizer:
    glassnet_class = None

    def __init__(self, learning_rate=0.001, lr=None, name=None, **unknown):
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(unknown)}")
        self.learning_rate = float(lr if lr is not None else learning_rate)
        self.name = name or type(self).__name__.lower()

    def options(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def bind(self, params):
        """The glassnet optimizer over ``params`` with these settings."""
        return self.glassnet_class(params, **self.options())

    def get_config(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


class SGD(Optimizer):
    glassnet_class = optim.SGD

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, lr=None, **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.momentum, self.nesterov = momentum, nesterov

    def options(self):
        return dict(lr=self.learning_rate, momentum=self.momentum, nesterov=self.nesterov)


class RMSprop(Optimizer):
    glassnet_class = optim.RMSprop

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, lr=None,
                 **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def options(self):
        return dict(lr=self.learning_rate, alpha=self.rho, eps=self.epsilon, momentum=self.momentum,
                    centered=self.centered)


class Adam(Optimizer):
    glassnet_class = optim.Adam

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, lr=None,
                 **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def options(self):
        return dict(lr=self.learning_rate, betas=(self.beta_1, self.beta_2), eps=self.epsilon,
                    amsgrad=self.amsgrad)


class AdamW(Adam):
    glassnet_class = optim.AdamW

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, lr=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, lr, **kwargs)
        self.weight_decay = weight_decay

    def options(self):
        return dict(super().options(), weight_decay=self.weight_decay)


class Adagrad(Optimizer):
    glassnet_class = optim.Adagrad

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, lr=None, **kwargs):
        super().__init__(learning_rate, lr, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def options(self):
        return dict(lr=self.learning_rate, initial_accumulator_value=self.initial_accumulator_value,
                    eps=self.epsilon)


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad}


def get(identifier):
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
