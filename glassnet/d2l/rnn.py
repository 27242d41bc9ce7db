"""d2l's recurrent models: the scratch RNN and language model, and their nn.RNN/GRU/LSTM forms."""

import math

import glassnet

from .. import nn
from .core import Classifier, Module


def check_len(a, n):
    if len(a) != n:
        raise AssertionError(f"list's length {len(a)} != expected length {n}")


def check_shape(a, shape):
    if tuple(a.shape) != tuple(shape):
        raise AssertionError(f"tensor's shape {tuple(a.shape)} != expected shape {tuple(shape)}")


class RNNScratch(Module):
    """``H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)`` over inputs of shape (steps, batch, inputs)."""

    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.W_xh = nn.Parameter(glassnet.randn(num_inputs, num_hiddens) * sigma)
        self.W_hh = nn.Parameter(glassnet.randn(num_hiddens, num_hiddens) * sigma)
        self.b_h = nn.Parameter(glassnet.zeros(num_hiddens))

    def forward(self, inputs, state=None):
        if state is None:
            state = glassnet.zeros((inputs.shape[1], self.num_hiddens))
        else:
            state, = state
        outputs = []
        for X in inputs:
            state = glassnet.tanh(
                glassnet.matmul(X, self.W_xh) + glassnet.matmul(state, self.W_hh) + self.b_h)
            outputs.append(state)
        return outputs, state


class RNNLMScratch(Classifier):
    """A character language model on top of ``rnn``: one-hot inputs, a linear output layer."""

    def __init__(self, rnn, vocab_size, lr=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.init_params()

    def init_params(self):
        self.W_hq = nn.Parameter(glassnet.randn(self.rnn.num_hiddens, self.vocab_size) * self.rnn.sigma)
        self.b_q = nn.Parameter(glassnet.zeros(self.vocab_size))

    def training_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("ppl", math.exp(float(loss.detach().array)), train=True)
        return loss

    def validation_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("ppl", math.exp(float(loss.detach().array)), train=False)

    def one_hot(self, X):
        """(batch, steps) indices -> (steps, batch, vocab) float32 one-hot vectors."""
        eye = glassnet.eye(self.vocab_size)
        return eye[X.T.array.astype("int64")]

    def output_layer(self, rnn_outputs):
        outputs = [glassnet.matmul(H, self.W_hq) + self.b_q for H in rnn_outputs]
        return glassnet.stack(outputs, 1)

    def forward(self, X, state=None):
        rnn_outputs, _ = self.rnn(self.one_hot(X), state)
        return self.output_layer(rnn_outputs)

    def predict(self, prefix, num_preds, vocab, device=None):
        """``prefix`` warms the state up; then ``num_preds`` greedy characters follow."""
        state, outputs = None, [vocab[prefix[0]]]
        for i in range(len(prefix) + num_preds - 1):
            X = glassnet.tensor([[outputs[-1]]])
            rnn_outputs, state = self.rnn(self.one_hot(X), state)
            if i < len(prefix) - 1:
                outputs.append(vocab[prefix[i + 1]])
            else:
                Y = self.output_layer(rnn_outputs)
                outputs.append(int(Y.array.argmax(axis=2).reshape(-1)[0]))
        return "".join(vocab.idx_to_token[i] for i in outputs)


class RNN(Module):
    """``nn.RNN(num_inputs, num_hiddens)`` as a d2l Module."""

    def __init__(self, num_inputs, num_hiddens):
        super().__init__()
        self.save_hyperparameters()
        self.rnn = nn.RNN(num_inputs, num_hiddens)

    def forward(self, inputs, H=None):
        return self.rnn(inputs, H)


class RNNLM(RNNLMScratch):
    """The language model with a ``LazyLinear`` output layer, for ``nn.RNN``-style ``rnn`` modules."""

    def init_params(self):
        self.linear = nn.LazyLinear(self.vocab_size)

    def output_layer(self, hiddens):
        return self.linear(hiddens).transpose(0, 1)


class GRU(RNN):
    """A multilayer ``nn.GRU``."""

    def __init__(self, num_inputs, num_hiddens, num_layers=1, dropout=0):
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens, num_layers, dropout=dropout)


class LSTM(RNN):
    """A multilayer ``nn.LSTM``; its state is the pair ``(H, C)``."""

    def __init__(self, num_inputs, num_hiddens, num_layers=1, dropout=0):
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.LSTM(num_inputs, num_hiddens, num_layers, dropout=dropout)

    def forward(self, inputs, H_C=None):
        return self.rnn(inputs, H_C)


def grad_clipping(net, theta):
    """Scale the gradients of ``net`` (a Module or a list of parameters) to joint norm <= ``theta``."""
    params = net.parameters() if isinstance(net, nn.Module) else net
    grads = [p.grad for p in params if p.requires_grad and p.grad is not None]
    norm = sum(float((g.array.astype("float64") ** 2).sum()) for g in grads) ** 0.5
    if norm > theta:
        for g in grads:
            g.array[...] *= theta / norm


def predict_ch8(prefix, num_preds, net, vocab, device=None):
    """Greedy continuation of ``prefix`` with a function-style RNN language model ``net``."""
    state = net.begin_state(batch_size=1) if hasattr(net, "begin_state") else None
    outputs = [vocab[prefix[0]]]
    for i in range(len(prefix) + num_preds - 1):
        X = glassnet.tensor([[outputs[-1]]])
        Y, state = net(X, state)
        if i < len(prefix) - 1:
            outputs.append(vocab[prefix[i + 1]])
        else:
            outputs.append(int(Y.array.reshape(-1, Y.shape[-1]).argmax(axis=1)[-1]))
    return "".join(vocab.idx_to_token[i] for i in outputs)


class RNNModel(nn.Module):
    """Function-style language model: ``rnn_layer`` (batch-second) then a Linear to ``vocab_size``."""

    def __init__(self, rnn_layer, vocab_size):
        super().__init__()
        self.rnn, self.vocab_size = rnn_layer, vocab_size
        self.linear = nn.Linear(rnn_layer.hidden_size, vocab_size)

    def forward(self, inputs, state=None):
        X = glassnet.eye(self.vocab_size)[inputs.T.array.astype("int64")]
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state


def train_ch8(net, train_iter, vocab, lr, num_epochs, device=None, use_random_iter=False):
    """Train a function-style language model; returns the perplexity of each epoch."""
    loss = nn.CrossEntropyLoss()
    updater = glassnet.optim.SGD(net.parameters(), lr)
    perplexities = []
    for _ in range(num_epochs):
        total, count = 0.0, 0
        for X, Y in train_iter:
            y_hat, _ = net(X, None)
            batch_loss = loss(y_hat, Y.T.reshape(-1))
            updater.zero_grad()
            batch_loss.backward()
            grad_clipping(net, 1)
            updater.step()
            total += float(batch_loss.detach().array) * Y.numel()
            count += Y.numel()
        perplexities.append(math.exp(total / count))
    print(f"perplexity {perplexities[-1]:.1f}")
    print(predict_ch8("time traveller", 50, net, vocab))
    return perplexities
