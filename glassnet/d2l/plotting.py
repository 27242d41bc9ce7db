"""Figures for the d2l helpers: matplotlib, saved to files when there is no display.

Jupyter shows figures inline; a script or a test has no display, so the
Agg backend is chosen when no ``DISPLAY`` is set and figures are written
with ``savefig`` (``save_figures`` writes every open one).
"""

import collections
import os

import matplotlib

if not os.environ.get("DISPLAY") and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402  (the backend is chosen first)

from .. import Tensor  # noqa: E402


def _plain(values):
    """A Tensor (or list of them) as something matplotlib can draw."""
    if isinstance(values, Tensor):
        return values.detach().array
    if isinstance(values, (list, tuple)):
        return [float(v.array) if isinstance(v, Tensor) else v for v in values]
    return values


def use_svg_display():
    """Vector output for figures that are saved (Jupyter's inline SVG has no meaning here)."""
    plt.rcParams["savefig.format"] = "svg"


def set_figsize(figsize=(3.5, 2.5)):
    use_svg_display()
    plt.rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Label, scale and limit one matplotlib ``Axes``."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _is_one_series(X):
    if hasattr(X, "ndim"):
        return X.ndim == 1
    return isinstance(X, list) and not hasattr(X[0], "__len__")


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None, xscale="linear",
         yscale="linear", fmts=("-", "m--", "g-.", "r:"), figsize=(3.5, 2.5), axes=None):
    """Draw one or several curves: ``plot(x, [f(x), g(x)], legend=['f', 'g'])``.

    ``X`` alone draws each series against its index; one ``X`` with several
    ``Y`` series shares that ``X``.
    """
    if _is_one_series(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif _is_one_series(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    set_figsize(figsize)
    axes = axes if axes is not None else plt.gca()
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        x, y = _plain(x), _plain(y)
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend or [])
    return axes


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """A grid of images (Tensors, arrays or PIL images) with optional titles; returns the axes."""
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        ax.imshow(_plain(img))
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    return axes


def save_figures(folder, prefix="figure"):
    """Write every open figure to ``folder/prefix-N.png`` and close it; returns the paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for number in plt.get_fignums():
        path = os.path.join(folder, f"{prefix}-{number}.png")
        plt.figure(number).savefig(path, format="png", dpi=80)
        paths.append(path)
    plt.close("all")
    return paths


class Animator:
    """Curves that grow point by point (the function-style book's training plots)."""

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None, xscale="linear",
                 yscale="linear", fmts=("-", "m--", "g-.", "r:"), nrows=1, ncols=1, figsize=(3.5, 2.5)):
        use_svg_display()
        self.fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
        self.axes = axes.flatten()
        self.legend = legend or []
        self._style = (xlabel, ylabel, xlim, ylim, xscale, yscale)
        self.fmts = fmts
        self.X, self.Y = None, None

    def add(self, x, y):
        """Append one point to each curve; ``y`` is one value or one per curve (None skips)."""
        ys = list(y) if hasattr(y, "__len__") else [y]
        xs = list(x) if hasattr(x, "__len__") else [x] * len(ys)
        if self.X is None:
            self.X = [[] for _ in ys]
            self.Y = [[] for _ in ys]
        for i, (a, b) in enumerate(zip(xs, ys)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(float(_plain(b)))
        ax = self.axes[0]
        ax.cla()
        for xs_i, ys_i, fmt in zip(self.X, self.Y, self.fmts):
            ax.plot(xs_i, ys_i, fmt)
        set_axes(ax, *self._style[:2], *self._style[2:4], *self._style[4:], self.legend)


Point = collections.namedtuple("Point", ["x", "y"])


class ProgressBoard:
    """Points of named curves, averaged ``every_n`` at a time and drawn (class-style book).

    ``board.data[label]`` keeps the averaged points, so a script can read the
    curve it would have watched; the figure is drawn when ``display`` is true.
    """

    def __init__(self, xlabel=None, ylabel=None, xlim=None, ylim=None, xscale="linear", yscale="linear",
                 ls=("-", "--", "-.", ":"), colors=("C0", "C1", "C2", "C3"), fig=None, axes=None,
                 figsize=(3.5, 2.5), display=True):
        self.xlabel, self.ylabel, self.xlim, self.ylim = xlabel, ylabel, xlim, ylim
        self.xscale, self.yscale, self.ls, self.colors = xscale, yscale, ls, colors
        self.fig, self.axes, self.figsize, self.display = fig, axes, figsize, display
        self.raw_points = collections.OrderedDict()
        self.data = collections.OrderedDict()

    def draw(self, x, y, label, every_n=1):
        points = self.raw_points.setdefault(label, [])
        line = self.data.setdefault(label, [])
        points.append(Point(x, float(_plain(y))))
        if len(points) != every_n:
            return
        line.append(Point(sum(p.x for p in points) / every_n, sum(p.y for p in points) / every_n))
        points.clear()
        if self.display:
            self._redraw()

    def _redraw(self):
        if self.fig is None:
            self.fig = plt.figure(figsize=self.figsize)
        axes = self.axes if self.axes is not None else self.fig.gca()
        axes.cla()
        for (label, line), ls, color in zip(self.data.items(), self.ls, self.colors):
            axes.plot([p.x for p in line], [p.y for p in line], linestyle=ls, color=color, label=label)
        if self.xlim:
            axes.set_xlim(self.xlim)
        if self.ylim:
            axes.set_ylim(self.ylim)
        axes.set_xlabel(self.xlabel or "x")
        axes.set_ylabel(self.ylabel)
        axes.set_xscale(self.xscale)
        axes.set_yscale(self.yscale)
        axes.legend()
