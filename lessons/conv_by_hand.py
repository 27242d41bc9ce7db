"""Lesson: convolution and pooling written by hand, then checked against the library (D2L ch. 7).

What a "convolutional" layer computes is, strictly, a *cross-correlation*:
a small kernel K (kh x kw) slides over the input X (nh x nw), and each
output entry is the sum of the products of the kernel with the window of X
under it:

    Y[i, j] = sum over a < kh, b < kw of X[i + a, j + b] * K[a, b]

(A true convolution flips K first; since K is learned, the flip makes no
difference, and every framework computes the unflipped sum.)  ``corr2d``
below is that formula as two Python loops.  The rest of the lesson adds the
pieces of ``nn.functional.conv2d`` one at a time, each on a tiny array and
each checked against the library:

* **Padding** p adds p rows of zeros above and below and p columns left and
  right, so the kernel can be centred on border pixels too.
* **Stride** s moves the window s pixels at a time.  With both, a side of
  length n and a kernel side k give

      output side = floor((n + 2p - k) / s) + 1

  (the window's first position plus one per step of s that still fits).
  With k odd, p = (k - 1) / 2 and s = 1 the output keeps the input's size.
* **Several input channels** (an RGB image has 3): the kernel has one slice
  per channel, each channel is cross-correlated with its slice, and the
  results are *summed* into one output channel.
* **Several output channels**: one such kernel per output channel, and the
  results *stacked*.  The weight is (c_out, c_in, kh, kw), as in PyTorch.
* **The 1x1 convolution** sees one pixel at a time, so it mixes only the
  channels: it is a fully connected layer (c_in -> c_out) applied to every
  pixel, i.e. a matrix product W (c_out x c_in) @ X (c_in x h*w).
* **Pooling** has no weights: each window gives its maximum (max pooling)
  or its mean (average pooling), channel by channel.  PyTorch pads max
  pooling with -inf (padding never wins) and, by default, average pooling
  with zeros that *count* in the mean (``count_include_pad=True``).

Finally D2L's edge detector: a 6x8 image of ones with a band of zeros in
columns 2-5.  The kernel [1, -1] outputs X[i, j] - X[i, j + 1]: 1 where
white turns black, -1 where black turns white, 0 elsewhere - it finds
vertical edges, and nothing in the transposed image.  Then the kernel is
forgotten and learned back from (X, Y) alone: a Conv2d(1, 1, (1, 2),
bias=False), the squared error summed over the pixels, and plain SGD.

Every array here is small and made up on the spot (no dataset).

Run:  python lessons/conv_by_hand.py
"""

import argparse

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.nn import functional as F


# ------------------------------------------------------------------ by hand
def corr2d(X, K):
    """2-D cross-correlation of one channel, the formula above as two loops."""
    kh, kw = K.shape
    Y = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + kh, j:j + kw] * K).sum()
    return Y


def pad(X, p, value=0.0):
    """X with p rows/columns of ``value`` added on every side."""
    out = np.full((X.shape[0] + 2 * p, X.shape[1] + 2 * p), value, dtype=np.float64)
    out[p:p + X.shape[0], p:p + X.shape[1]] = X
    return out


def output_side(n, k, p=0, s=1):
    """floor((n + 2p - k) / s) + 1."""
    return (n + 2 * p - k) // s + 1


def corr2d_padded_strided(X, K, padding=0, stride=1):
    """corr2d on the padded input, keeping only every stride-th window."""
    Xp = pad(X, padding)
    kh, kw = K.shape
    Y = np.zeros((output_side(X.shape[0], kh, padding, stride), output_side(X.shape[1], kw, padding, stride)))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            r, c = i * stride, j * stride
            Y[i, j] = (Xp[r:r + kh, c:c + kw] * K).sum()
    return Y


def corr2d_multi_in(X, K):
    """X (c_in, h, w), K (c_in, kh, kw): one corr2d per channel, summed."""
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    """K (c_out, c_in, kh, kw): one multi-input cross-correlation per output channel, stacked."""
    return np.stack([corr2d_multi_in(X, k) for k in K])


def corr2d_multi_in_out_1x1(X, K):
    """A 1x1 convolution as a matrix product: every pixel is a c_in vector mapped to c_out."""
    c_in, h, w = X.shape
    W = K.reshape(K.shape[0], c_in)
    return (W @ X.reshape(c_in, h * w)).reshape(K.shape[0], h, w)


def pool2d(X, size, mode="max", stride=None, padding=0):
    """Max or average pooling of one channel; padding as PyTorch does it (see the docstring)."""
    stride = size if stride is None else stride  # PyTorch's default: windows that do not overlap
    Xp = pad(X, padding, value=-np.inf if mode == "max" else 0.0)
    h, w = X.shape
    Y = np.zeros((output_side(h, size, padding, stride), output_side(w, size, padding, stride)))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = Xp[i * stride:i * stride + size, j * stride:j * stride + size]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y


# ------------------------------------------------------------------ the library, for comparison
def as_batch(X):
    """(h, w) or (c, h, w) -> a float64 (1, c, h, w) tensor, the layout the library expects."""
    X = np.asarray(X, dtype=np.float64)
    return glassnet.tensor(X.reshape((1,) * (4 - X.ndim) + X.shape), dtype=glassnet.float64)


def library_conv(X, K, **kwargs):
    K = np.asarray(K, dtype=np.float64)
    weight = glassnet.tensor(K.reshape((1,) * (4 - K.ndim) + K.shape), dtype=glassnet.float64)
    return F.conv2d(as_batch(X), weight, **kwargs).numpy()[0]


def gap(mine, library):
    mine, library = np.asarray(mine), np.asarray(library).reshape(np.shape(mine))
    return float(np.max(np.abs(mine - library)))


def compare_by_hand(rng):
    """Each hand-written piece against nn.functional; returns {name: largest difference}."""
    gaps = {}
    X = np.arange(9.0).reshape(3, 3)
    K = np.array([[0.0, 1.0], [2.0, 3.0]])
    Y = corr2d(X, K)
    print("corr2d(0..8 as 3x3, [[0, 1], [2, 3]]) =", Y.tolist(), "(D2L: [[19, 25], [37, 43]])")
    gaps["corr2d"] = gap(Y, library_conv(X, K))

    X = rng.normal(size=(7, 8))
    K = rng.normal(size=(3, 2))
    for p, s in [(1, 1), (1, 2), (2, 3)]:
        gaps[f"padding {p}, stride {s}"] = gap(corr2d_padded_strided(X, K, p, s),
                                               library_conv(X, K, padding=p, stride=s))

    X = rng.normal(size=(3, 5, 5))
    K = rng.normal(size=(3, 2, 2))
    gaps["3 input channels"] = gap(corr2d_multi_in(X, K), library_conv(X, K))
    K = rng.normal(size=(4, 3, 2, 2))
    gaps["3 in, 4 out channels"] = gap(corr2d_multi_in_out(X, K), library_conv(X, K))
    K = rng.normal(size=(2, 3, 1, 1))
    by_matmul = corr2d_multi_in_out_1x1(X, K)
    gaps["1x1 as matmul vs loops"] = gap(by_matmul, corr2d_multi_in_out(X, K))
    gaps["1x1 as matmul vs library"] = gap(by_matmul, library_conv(X, K))

    X = rng.normal(size=(5, 6))
    for size, stride, p in [(2, 2, 0), (3, 1, 1), (3, 2, 1)]:
        gaps[f"max pool {size}, stride {stride}, padding {p}"] = gap(
            pool2d(X, size, "max", stride, p), F.max_pool2d(as_batch(X), size, stride, p).numpy())
        gaps[f"avg pool {size}, stride {stride}, padding {p}"] = gap(
            pool2d(X, size, "avg", stride, p), F.avg_pool2d(as_batch(X), size, stride, p).numpy())

    print("largest |by hand - library| for each piece:")
    for name, value in gaps.items():
        print(f"  {name:<36} {value:.1e}")
    return gaps


def check_shape_formula():
    """floor((n + 2p - k)/s) + 1 against the shapes conv2d returns; returns the number of mismatches."""
    mismatches, cases = 0, 0
    for n in (5, 6, 7, 8):
        for k in (1, 2, 3, 5):
            for p in (0, 1, 2):
                for s in (1, 2, 3):
                    if k > n + 2 * p:
                        continue
                    got = library_conv(np.zeros((n, n)), np.zeros((k, k)), padding=p, stride=s).shape[-2:]
                    cases += 1
                    mismatches += got != (output_side(n, k, p, s),) * 2
    print(f"output side = floor((n + 2p - k)/s) + 1: {cases - mismatches} of {cases} (n, k, p, s) "
          f"combinations match conv2d's shapes")
    return mismatches, cases


# ------------------------------------------------------------------ edge detection
def edge_image():
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    return X


def learn_kernel(X, Y, steps, lr):
    """Fit Conv2d(1, 1, (1, 2), bias=False) to (X, Y) by SGD on the summed squared error."""
    conv = nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
    opt = optim.SGD(conv.parameters(), lr=lr)
    x = glassnet.tensor(X.reshape(1, 1, *X.shape).astype(np.float32))
    y = glassnet.tensor(Y.reshape(1, 1, *Y.shape).astype(np.float32))
    losses = []
    for step in range(steps):
        opt.zero_grad()
        loss = ((conv(x) - y) ** 2).sum()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 5 == 0:
            print(f"  step {step + 1:>2}: loss {loss.item():.4f}")
    return conv.weight.detach().numpy().reshape(1, 2), losses


def run(steps=20, lr=0.03, seed=0):
    glassnet.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gaps = compare_by_hand(rng)
    mismatches, cases = check_shape_formula()

    X = edge_image()
    K = np.array([[1.0, -1.0]])
    Y = corr2d(X, K)
    print("\nedge detection: a 6x8 image of ones with zeros in columns 2-5, kernel [1, -1]")
    print("first row of the image:  ", X[0].astype(int).tolist())
    print("first row of the output: ", Y[0].astype(int).tolist(), "(1: white->black, -1: black->white)")
    transposed = corr2d(X.T, K)
    print(f"on the transposed image (horizontal edges) the output is all zeros: {not transposed.any()}")

    print(f"\nlearning the kernel back from X and Y ({steps} SGD steps, lr {lr}):")
    learned, losses = learn_kernel(X, Y, steps, lr)
    error = float(np.max(np.abs(learned - K)))
    shown = np.round(learned.astype(np.float64), 4).tolist()
    print(f"learned kernel {shown}, true [[1, -1]]; largest error {error:.4f}")
    return {
        "gaps": gaps,
        "largest_gap": max(gaps.values()),
        "shape_mismatches": mismatches,
        "shape_cases": cases,
        "edge_output": Y,
        "transposed_output": transposed,
        "learned_kernel": learned,
        "kernel_error": error,
        "losses": losses,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="Cross-correlation, padding, stride, channels and pooling "
                                                 "by hand (D2L ch. 7)")
    parser.add_argument("--steps", type=int, default=20, help="SGD steps for learning the edge kernel")
    parser.add_argument("--lr", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.steps, args.lr, args.seed)


if __name__ == "__main__":
    main()
