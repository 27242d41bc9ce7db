"""One epoch of a decoding-heavy image dataset with 0, 1 and 2 DataLoader workers, glassnet against PyTorch.

The dataset is a folder of JPEG files (written once into a temporary
folder); every sample is decoded by Pillow, resized, randomly flipped and
turned into a normalised float32 (3, H, W) array, by the same Python
function for both loaders, so the table compares the loaders' machinery and
what their worker processes gain. An epoch includes starting and stopping
the workers, as a plain ``for x, y in loader`` does each epoch.

All loaders run in this process, interleaved (A B C ... then rotated), with
an idle gap between blocks; the harness's own worker processes cannot be
used here because they are daemonic, and daemonic processes may not start
DataLoader workers. Run from the repository root:

    python benchmarks/dataloader_workers.py [--images 192] [--size 256] [--rounds 7]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import report  # noqa: E402

BATCH = 32
OUT = 128  # the side of the images a sample ends as
MEAN = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)


def write_images(folder, count, size):
    """``count`` JPEG photos-to-be of ``size`` x ``size``: smooth gradients plus noise, so they compress."""
    from PIL import Image

    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, size, dtype=np.float32)
    paths = []
    for i in range(count):
        base = (ramp[:, None, None] * rng.random(3) + ramp[None, :, None] * rng.random(3)) / 2
        pixels = np.clip(base + rng.normal(0, 20, (size, size, 3)), 0, 255).astype(np.uint8)
        path = Path(folder) / f"{i:05d}.jpg"
        Image.fromarray(pixels).save(path, quality=90)
        paths.append(path)
    return paths


def load_sample(path, flip):
    """Decode, resize, flip, scale and normalise one image: the per-sample work both loaders share."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB").resize((OUT, OUT), Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
    if flip:
        pixels = pixels[:, :, ::-1]
    return np.ascontiguousarray((pixels - MEAN) / STD)


class JpegFolder:
    """A map-style dataset over the files; each index has a fixed flip, so every loader does the same work."""

    def __init__(self, paths):
        self.paths = paths
        self.flips = np.random.default_rng(1).random(len(paths)) < 0.5

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        return load_sample(self.paths[index], self.flips[index]), index % 10


def loaders(paths, persistent):
    """name -> a zero-argument function that runs one epoch."""
    import torch
    import torch.utils.data as torch_data

    import glassnet.data as glassnet_data

    torch.set_num_threads(1)  # the epoch's work is in the samples, not in torch's kernels

    class TorchJpegFolder(JpegFolder, torch_data.Dataset):
        pass

    class GlassnetJpegFolder(JpegFolder, glassnet_data.Dataset):
        pass

    made = {}
    for workers in (0, 1, 2):
        extra = {"persistent_workers": True} if persistent and workers else {}
        made[f"glassnet, {workers} workers"] = glassnet_data.DataLoader(
            GlassnetJpegFolder(paths), batch_size=BATCH, shuffle=True, num_workers=workers, **extra)
        made[f"pytorch, {workers} workers"] = torch_data.DataLoader(
            TorchJpegFolder(paths), batch_size=BATCH, shuffle=True, num_workers=workers, **extra)

    def epoch(loader):
        def run():
            for _ in loader:
                pass
        return run

    return {name: epoch(loader) for name, loader in made.items()}


def interleave(steps, rounds, gap=0.3):
    """``{name: [seconds per epoch, ...]}``, the contenders taking turns, the first one rotating."""
    for step in steps.values():  # warm-up: imports, file cache, first forks
        step()
    samples = {name: [] for name in steps}
    order = list(steps)
    for _ in range(rounds):
        for name in order:
            time.sleep(gap)
            start = time.perf_counter()
            steps[name]()
            samples[name].append(time.perf_counter() - start)
        order = order[1:] + order[:1]
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=192)
    parser.add_argument("--size", type=int, default=256, help="side of the JPEG files, in pixels")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--persistent", action="store_true", help="persistent_workers=True for both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_images(folder, args.images, args.size)
        samples = interleave(loaders(paths, args.persistent), args.rounds)
    title = (f"One epoch: {args.images} JPEG {args.size}x{args.size} decoded + resized to {OUT}x{OUT}, "
             f"batch {BATCH}, shuffled{', persistent workers' if args.persistent else ''}")
    report(title, samples, baseline="pytorch, 0 workers", unit_scale=1e3, unit="ms")
    print("\nspeed-up from workers (0-worker median / median), each library against itself:")
    for library in ("glassnet", "pytorch"):
        base = statistics.median(samples[f"{library}, 0 workers"])
        gains = ", ".join(f"{w} workers {base / statistics.median(samples[f'{library}, {w} workers']):.2f}x"
                          for w in (1, 2))
        print(f"  {library}: {gains}")


if __name__ == "__main__":
    main()
