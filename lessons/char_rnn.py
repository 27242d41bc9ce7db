"""Lesson: a character-level language model on IMDB reviews, and why RNNs need gradient clipping (D2L ch. 9).

**Language model.**  Read a text one character at a time and, at every
position, predict the next character.  A recurrent network carries a hidden
state h_t that sums up everything read so far:

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)       x_t: one-hot vector of character t
    o_t = h_t W_hq + b_q                            logits of character t + 1

and is trained with the cross-entropy of softmax(o_t) against the character
that really comes next.  The same weights serve at every step, so the
network can read a text of any length.

**Perplexity** is exp(mean cross-entropy): the number of characters the
model is, on average, as unsure as if it had to pick uniformly among them.
A model that knows nothing scores the size of the alphabet (here 36: the
26 letters, space, newline for the end of a review, and . , ' ! ? - ( ) );
a perfect model scores 1.  The reviews are lower-cased, HTML line breaks
become spaces, every other character becomes a space, and runs of spaces
shrink to one.

**Truncated backpropagation through time.**  The text (1.3 million
characters by default) is cut into ``batch_size`` long streams read side by side,
``steps`` characters at a time.  The hidden state is carried from one chunk
to the next, so the model still sees far back, but it is *detached*: the
gradient flows back at most ``steps`` characters, which bounds the cost of
one update.

**Vanishing and exploding gradients.**  The gradient of the loss with
respect to an earlier state is a product of one Jacobian per step:

    dL/dh_{t-k} = dL/dh_t  J_t J_{t-1} ... J_{t-k+1},     J_s = dh_s/dh_{s-1} = diag(1 - h_s^2) W_hh^T

tanh' = 1 - h^2 is at most 1, so if the largest singular value of W_hh is
below 1 the norm shrinks at least geometrically with k: what happened k
characters ago barely moves the weights (*vanishing* gradients).  If W_hh
is large the product can grow geometrically instead (*exploding*
gradients).  The lesson measures |dL/dh_{t-k}| for the same RNN cell with
W_hh = g * N(0, 1/H) (spectral radius about g) for a small g and a large
g, reading the same real characters, with L = r . h_t for a fixed random
unit vector r.

**Gradient clipping.**  An exploding gradient makes one SGD step jump far
out of the region where the loss was small, and training can fall apart
(the loss shoots up, or turns into NaN).  ``clip_grad_norm_(parameters,
theta)`` rescales all gradients together by min(1, theta / |g|): the
direction is kept and the step never exceeds lr * theta.  The lesson
trains the same model from the same start with plain SGD at a high learning
rate, with and without clipping, and compares the loss.

**Sampling.**  To write text, feed a prompt, then repeatedly draw the next
character from softmax(o_t / temperature) and feed it back in.  Low
temperatures pick the likeliest characters (repetitive), high ones are
more adventurous (more typos).

**The default run** reads 1,000 random training reviews (1.3 million
characters; the last 5 % are held out), trains the RNN with 128 hidden
units on 64 streams, 48 steps per chunk, with Adam (lr 0.005) and clipping
at norm 1, for 4 epochs: held-out perplexity 6.96, 6.04, 5.68, 5.51
(uniform guessing: 36).  The samples spell common words and phrases
("this film as a little show of the master end") between invented ones; a character model needs
far more text and time to write real sentences.  For the gradients, 40
characters back through a cell with g = 0.5 the norm falls from 0.51 at
k = 1 to 8.6e-4 at k = 10 and 1.6e-9 at k = 30; with g = 3 it grows from
about 1 to 23 and 5.6e3.  (The g = 3 network is chaotic: it magnifies
rounding differences too, so its last digits can change with the NumPy
build.)  And SGD at lr 3 from the same start: unclipped, gradient norms
of about a hundred (2 is usual) throw the loss above 100 within a few
dozen batches and it stays there; clipped at norm 0.25, the loss falls
steadily to 2.38 in 150 batches.  At lr 1 the unclipped run trains
too (2.43): it is the few outsized steps at a high rate that do the damage.

Run:  python lessons/char_rnn.py [--reviews 1000] [--epochs 4] [--hidden 128]
"""

import argparse
import math
import re
import time

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data.datasets import imdb
from glassnet.nn import functional as F
from glassnet.nn.utils import clip_grad_norm_, get_total_norm

ALPHABET = "\n abcdefghijklmnopqrstuvwxyz.,'!?-()"
_BREAK = re.compile(r"<br\s*/?>")
_OTHER = re.compile("[^" + re.escape(ALPHABET[1:]) + "]")
_SPACES = re.compile(" +")


def clean(text):
    """Lower case, HTML breaks and characters outside the alphabet to spaces, single spaces."""
    text = _OTHER.sub(" ", _BREAK.sub(" ", text.lower()))
    return _SPACES.sub(" ", text).strip()


def load_text(reviews, seed):
    """``reviews`` training reviews picked at random, cleaned, one per line, as a string."""
    texts, _ = imdb.load_texts("train")
    picked = np.random.default_rng(seed).permutation(len(texts))[:reviews]
    return "\n".join(clean(texts[i]) for i in picked) + "\n"


def encode(text):
    table = np.full(128, -1, np.int64)
    table[[ord(c) for c in ALPHABET]] = np.arange(len(ALPHABET))
    return table[np.frombuffer(text.encode("ascii"), np.uint8)]


def decode(ids):
    return "".join(ALPHABET[i] for i in ids)


def streams(ids, batch_size):
    """The text cut into ``batch_size`` equal streams, one per row (what is left over is dropped)."""
    length = (len(ids) - 1) // batch_size
    x = ids[:length * batch_size].reshape(batch_size, length)
    y = ids[1:length * batch_size + 1].reshape(batch_size, length)
    return x, y


def one_hot(ids):
    """(steps, batch) character ids as (steps, batch, alphabet) one-hot float32 rows."""
    return glassnet.tensor(np.eye(len(ALPHABET), dtype=np.float32)[ids])


class CharRNN(nn.Module):
    """One-hot characters -> nn.RNN (tanh) -> Linear to one logit per character of the alphabet."""

    def __init__(self, hidden=128):
        super().__init__()
        self.rnn = nn.RNN(len(ALPHABET), hidden)
        self.out = nn.Linear(hidden, len(ALPHABET))

    def forward(self, ids, state=None):
        """Logits (steps * batch, alphabet) for time-major ``ids`` (steps, batch), and the last state."""
        outputs, state = self.rnn(one_hot(ids), state)
        return self.out(outputs.reshape(-1, outputs.shape[-1])), state


def train_epoch(model, opt, x, y, steps, clip=None, max_batches=None):
    """One pass of truncated BPTT over the streams: the loss and the gradient norm of every batch.

    ``clip``: rescale the gradients to that joint norm at most (clip_grad_norm_); None leaves them.
    """
    state, losses, norms = None, [], []
    for t in range(0, x.shape[1] - steps + 1, steps):
        if max_batches is not None and len(losses) == max_batches:
            break
        xs, ys = x[:, t:t + steps].T, y[:, t:t + steps].T   # time-major (steps, batch)
        if state is not None:
            state = state.detach()  # keep the value, cut the gradient: truncated BPTT
        logits, state = model(xs, state)
        loss = F.cross_entropy(logits, glassnet.tensor(ys.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        if clip is None:
            norm = get_total_norm([p.grad for p in model.parameters()])
        else:
            norm = clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
        norms.append(float(norm))
    return losses, norms


def evaluate(model, x, y, steps):
    """Mean cross-entropy per character on held-out streams."""
    state, total, count = None, 0.0, 0
    with glassnet.no_grad():
        for t in range(0, x.shape[1] - steps + 1, steps):
            logits, state = model(x[:, t:t + steps].T, state)
            total += F.cross_entropy(logits, glassnet.tensor(y[:, t:t + steps].T.reshape(-1))).item()
            count += 1
    return total / max(count, 1)


def generate(model, prompt, length, temperature, rng):
    """The prompt followed by ``length`` characters drawn one by one from the model."""
    ids = list(encode(clean(prompt)))
    with glassnet.no_grad():
        logits, state = model(np.array(ids)[:, None])
        for _ in range(length):
            z = logits.numpy()[-1].astype(np.float64) / temperature
            p = np.exp(z - z.max())
            ids.append(int(rng.choice(len(ALPHABET), p=p / p.sum())))
            logits, state = model(np.array([[ids[-1]]]), state)
    return decode(ids)


def gradient_norms(ids, hidden, gain, seed):
    """|dL/dh_{t-k}| for k = 0 .. len(ids) - 1, L = r . h_t, W_hh = gain * N(0, 1/hidden)."""
    glassnet.manual_seed(seed)
    rng = np.random.default_rng(seed)
    cell = nn.RNNCell(len(ALPHABET), hidden)
    cell.weight_hh.data[...] = gain * rng.standard_normal((hidden, hidden)) / math.sqrt(hidden)
    x = one_hot(ids)
    h, states = None, []
    for t in range(len(ids)):
        h = cell(x[t].unsqueeze(0), h)
        h.retain_grad()
        states.append(h)
    r = rng.standard_normal(hidden)
    r /= np.linalg.norm(r)
    (h * glassnet.tensor(r.astype(np.float32))).sum().backward()
    return [float(np.linalg.norm(s.grad.numpy())) for s in reversed(states)]


def finite_mean(values):
    """The mean, or infinity once training has produced a NaN or an infinite loss."""
    mean = float(np.mean(values))
    return mean if math.isfinite(mean) else math.inf


def clipping_experiment(x, y, hidden, steps, lr, clip, batches, seed):
    """SGD at a high learning rate from one start, without and with clip_grad_norm_: losses and norms."""
    results = {}
    for name, theta in (("no_clip", None), ("clip", clip)):
        glassnet.manual_seed(seed)
        model = CharRNN(hidden)
        with np.errstate(all="ignore"):  # the unclipped run may overflow; that is the point
            losses, norms = train_epoch(model, optim.SGD(model.parameters(), lr=lr), x, y, steps, theta,
                                        batches)
        results[name] = {"losses": losses, "grad_norms": norms,
                         "final_loss": finite_mean(losses[-max(1, batches // 10):]),
                         "largest_grad_norm": float(np.max(norms))}
    return results


def run(reviews=1000, epochs=4, hidden=128, batch_size=64, steps=48, lr=0.005, clip=1.0, grad_steps=40,
        small_gain=0.5, large_gain=3.0, clip_lr=3.0, clip_norm=0.25, clip_batches=150, prompt="this movie is",
        sample_length=200, temperature=0.6, seed=0):
    glassnet.manual_seed(seed)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    text = load_text(reviews, seed)
    ids = encode(text)
    cut = int(len(ids) * 0.95)
    x_train, y_train = streams(ids[:cut], batch_size)
    x_val, y_val = streams(ids[cut:], batch_size)
    print(f"IMDB: {reviews} training reviews, {len(ids):,} characters, alphabet of {len(ALPHABET)}; "
          f"{x_train.size:,} characters for training in {batch_size} streams, {x_val.size:,} held out")
    print("start of the text: " + repr(text[:120]))

    # (a) Vanishing and exploding gradients, on the first characters of the text.
    distances = [k for k in (1, 5, 10, 20, 30, 39) if k < grad_steps]
    norms = {}
    for name, gain in (("vanishing", small_gain), ("exploding", large_gain)):
        norms[name] = gradient_norms(ids[:grad_steps], hidden, gain, seed)
        print(f"|dL/dh_(t-k)| with W_hh gain {gain}: " + ", ".join(
            f"k={k} {norms[name][k]:.2e}" for k in distances))

    # (b) Clipping at a high learning rate.
    clipping = clipping_experiment(x_train, y_train, hidden, steps, clip_lr, clip_norm, clip_batches, seed)
    for name, r in clipping.items():
        print(f"SGD lr {clip_lr}, {name.replace('_', ' ')}: mean loss of the last batches "
              f"{r['final_loss']:.3f}, largest gradient norm {r['largest_grad_norm']:.3g}")

    # The language model itself: Adam, clipping at norm ``clip``, perplexity after every epoch.
    glassnet.manual_seed(seed)
    model = CharRNN(hidden)
    opt = optim.Adam(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        losses, _ = train_epoch(model, opt, x_train, y_train, steps, clip)
        val = evaluate(model, x_val, y_val, steps)
        history.append({"train_perplexity": math.exp(np.mean(losses)), "val_perplexity": math.exp(val)})
        sample = generate(model, prompt, 60, temperature, rng)
        print(f"epoch {epoch + 1}: perplexity train {history[-1]['train_perplexity']:.2f}, held-out "
              f"{history[-1]['val_perplexity']:.2f} ({time.perf_counter() - start:.0f} s)  {sample!r}")
    sample = generate(model, prompt, sample_length, temperature, rng)
    seconds = time.perf_counter() - start
    print(f"sample (temperature {temperature}): {sample!r}")
    print(f"{seconds:.0f} s in all")
    return {"characters": len(ids), "alphabet": len(ALPHABET), "distances": distances,
            "vanishing_norms": norms["vanishing"], "exploding_norms": norms["exploding"],
            "clipping": clipping, "epochs": history, "val_perplexity": history[-1]["val_perplexity"],
            "sample": sample, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Character-level RNN language model on IMDB reviews")
    parser.add_argument("--reviews", type=int, default=1000, help="training reviews to read")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=64, help="streams read side by side")
    parser.add_argument("--steps", type=int, default=48, help="characters per truncated BPTT chunk")
    parser.add_argument("--lr", type=float, default=0.005, help="Adam's learning rate")
    parser.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    parser.add_argument("--clip-lr", type=float, default=3.0, help="SGD learning rate of the clipping test")
    parser.add_argument("--clip-norm", type=float, default=0.25, help="max norm in the clipping test")
    parser.add_argument("--clip-batches", type=int, default=150)
    parser.add_argument("--prompt", default="this movie is")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.reviews, args.epochs, args.hidden, args.batch_size, args.steps, args.lr, args.clip,
               clip_lr=args.clip_lr, clip_norm=args.clip_norm, clip_batches=args.clip_batches,
               prompt=args.prompt, seed=args.seed)


if __name__ == "__main__":
    main()
