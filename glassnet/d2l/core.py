"""The class-style d2l framework: HyperParameters, Module, DataModule, Trainer, Classifier.

The shape follows d2l's (chapter 3.2, "Object-Oriented Design"): a
``Module`` holds the network, its loss and its optimizer; a ``DataModule``
hands out loaders; ``Trainer.fit`` runs the epochs and calls
``training_step`` / ``validation_step``, which record the curves on a
``ProgressBoard``.
"""

import inspect

import glassnet

from .. import nn
from ..nn import functional as F
from .plotting import ProgressBoard


def add_to_class(Class):
    """Decorator: ``@add_to_class(A)`` on a function makes it a method of ``A``, even afterwards."""
    def register(function):
        setattr(Class, function.__name__, function)
        return function
    return register


class HyperParameters:
    """``save_hyperparameters()`` copies the caller's ``__init__`` arguments onto ``self``."""

    def save_hyperparameters(self, ignore=()):
        caller = inspect.currentframe().f_back
        arguments = inspect.getargvalues(caller).locals
        skipped = set(ignore) | {"self"}
        self.hparams = {name: value for name, value in arguments.items()
                        if name not in skipped and not name.startswith("_")
                        and name != "__class__"}
        for name, value in self.hparams.items():
            setattr(self, name, value)


# --- devices: glassnet computes on the CPU; these answer honestly -------------

def num_gpus():
    """GPUs glassnet can use: ``glassnet.cuda.device_count()`` (0 while glassnet has no ``cuda``)."""
    cuda = getattr(glassnet, "cuda", None)
    return cuda.device_count() if cuda is not None else 0


_gpu_count = num_gpus  # Trainer's argument of the same name hides the function


def cpu():
    return glassnet.device("cpu")


def gpu(i=0):
    return glassnet.device(f"cuda:{i}")


def try_gpu(i=0):
    """``gpu(i)`` when it exists, else ``cpu()``."""
    return gpu(i) if num_gpus() >= i + 1 else cpu()


def try_all_gpus():
    """Every GPU, or ``[cpu()]`` when there is none."""
    return [gpu(i) for i in range(num_gpus())] or [cpu()]


class Module(nn.Module, HyperParameters):
    """A model with its loss, its optimizer and the curves it draws while it trains."""

    def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
        super().__init__()
        self.save_hyperparameters()
        self.board = ProgressBoard()

    def loss(self, y_hat, y):
        raise NotImplementedError(f"{type(self).__name__}.loss is not defined")

    def forward(self, X):
        if not hasattr(self, "net"):
            raise AttributeError(f"{type(self).__name__}: define self.net or override forward")
        return self.net(X)

    def plot(self, key, value, train):
        """One point of the ``train_``/``val_`` curve ``key``, in epochs on the x axis."""
        trainer = getattr(self, "trainer", None)
        if trainer is None:
            raise RuntimeError(f"{type(self).__name__}.plot: the model is not attached to a Trainer")
        self.board.xlabel = "epoch"
        if train:
            x = trainer.train_batch_idx / trainer.num_train_batches
            n = trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = trainer.epoch + 1
            n = trainer.num_val_batches / self.plot_valid_per_epoch
        value = float(value.detach().array) if isinstance(value, glassnet.Tensor) else float(value)
        self.board.draw(x, value, ("train_" if train else "val_") + key, every_n=max(int(n), 1))

    def training_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=True)
        return loss

    def validation_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=False)

    def configure_optimizers(self):
        return glassnet.optim.SGD(self.parameters(), lr=self.lr)

    def apply_init(self, inputs, init=None):
        """Run ``inputs`` once (sizing lazy layers), then ``self.net.apply(init)``."""
        self.forward(*inputs)
        if init is not None:
            self.net.apply(init)


class DataModule(HyperParameters):
    """Training and validation loaders. ``root=None`` is glassnet's data root ($GLASSNET_DATA)."""

    def __init__(self, root=None, num_workers=4):
        self.save_hyperparameters()

    def get_dataloader(self, train):
        raise NotImplementedError(f"{type(self).__name__}.get_dataloader is not defined")

    def train_dataloader(self):
        return self.get_dataloader(train=True)

    def val_dataloader(self):
        return self.get_dataloader(train=False)

    def get_tensorloader(self, tensors, train, indices=slice(0, None)):
        """A loader over ``tensor[indices]`` for each tensor, shuffled when ``train``."""
        from ..data import DataLoader, TensorDataset
        dataset = TensorDataset(*(t[indices] for t in tensors))
        return DataLoader(dataset, self.batch_size, shuffle=train)


class Trainer(HyperParameters):
    """Runs ``max_epochs`` epochs of a ``Module`` on a ``DataModule``."""

    def __init__(self, max_epochs, num_gpus=0, gradient_clip_val=0):
        self.save_hyperparameters()
        self.gpus = [gpu(i) for i in range(min(num_gpus, _gpu_count()))]

    def prepare_data(self, data):
        self.train_dataloader = data.train_dataloader()
        self.val_dataloader = data.val_dataloader()
        self.num_train_batches = len(self.train_dataloader)
        self.num_val_batches = len(self.val_dataloader) if self.val_dataloader is not None else 0

    def prepare_model(self, model):
        model.trainer = self
        model.board.xlim = [0, self.max_epochs]
        if self.gpus:
            model.to(self.gpus[0])
        self.model = model

    def prepare_batch(self, batch):
        if self.gpus:
            batch = [a.to(self.gpus[0]) for a in batch]
        return batch

    def fit(self, model, data):
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.epoch = self.train_batch_idx = self.val_batch_idx = 0
        for epoch in range(self.max_epochs):
            self.epoch = epoch
            self.fit_epoch()

    def fit_epoch(self):
        self.model.train()
        for batch in self.train_dataloader:
            loss = self.model.training_step(self.prepare_batch(batch))
            self.optim.zero_grad()
            with glassnet.no_grad():
                loss.backward()
                if self.gradient_clip_val > 0:
                    self.clip_gradients(self.gradient_clip_val, self.model)
                self.optim.step()
            self.train_batch_idx += 1
        if self.val_dataloader is None:
            return
        self.model.eval()
        for batch in self.val_dataloader:
            with glassnet.no_grad():
                self.model.validation_step(self.prepare_batch(batch))
            self.val_batch_idx += 1

    def clip_gradients(self, grad_clip_val, model):
        """Scale all gradients together so that their joint L2 norm is at most ``grad_clip_val``."""
        grads = [p.grad for p in model.parameters() if p.requires_grad and p.grad is not None]
        norm = sum(float((g.array.astype("float64") ** 2).sum()) for g in grads) ** 0.5
        if norm > grad_clip_val:
            for g in grads:
                g.array[...] *= grad_clip_val / norm


class SGD(HyperParameters):
    """Minibatch SGD written out, as in "Linear Regression Implementation from Scratch"."""

    def __init__(self, params, lr):
        self.save_hyperparameters()

    def step(self):
        for param in self.params:
            param.array[...] -= self.lr * param.grad.array

    def zero_grad(self):
        for param in self.params:
            param.grad = None


class Classifier(Module):
    """A Module whose validation also records accuracy; cross-entropy loss on logits."""

    def validation_step(self, batch):
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)
        self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=False)

    def accuracy(self, Y_hat, Y, averaged=True):
        """Fraction (or 0/1 per example) of argmax predictions equal to ``Y``."""
        Y_hat = Y_hat.reshape(-1, Y_hat.shape[-1])
        correct = (Y_hat.array.argmax(axis=1) == Y.array.reshape(-1)).astype("float32")
        correct = glassnet.tensor(correct)
        return correct.mean() if averaged else correct

    def loss(self, Y_hat, Y, averaged=True):
        Y_hat = Y_hat.reshape(-1, Y_hat.shape[-1])
        return F.cross_entropy(Y_hat, Y.reshape(-1), reduction="mean" if averaged else "none")

    def layer_summary(self, X_shape):
        """Print each layer of ``self.net`` with its output shape for a random input."""
        X = glassnet.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(layer.__class__.__name__, "output shape:\t", X.shape)
