"""glassnet.vision.transforms against the rules torchvision documents, computed with Pillow and NumPy.

When torchvision is importable, the deterministic transforms are also
compared with it directly (PIL inputs exactly, tensors to float rounding).
"""

import colorsys

import numpy as np
import pytest
from PIL import Image, ImageEnhance

import glassnet
from glassnet.vision import transforms as T
from glassnet.vision.transforms import functional as F


def _torchvision():
    try:
        import torchvision.transforms

        return torchvision.transforms
    except Exception:  # absent, or built for another torch
        return None


@pytest.fixture
def rgb():
    pixels = np.random.default_rng(1).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def _array(image):
    """HWC array of a PIL image, or CHW array of a Tensor."""
    return np.asarray(image) if isinstance(image, Image.Image) else image.array


def _to_tensor_reference(image):
    pixels = np.asarray(image)
    pixels = pixels[:, :, None] if pixels.ndim == 2 else pixels
    return pixels.transpose(2, 0, 1).astype(np.float32) / np.float32(255)


# ----------------------------------------------------------------- conversions
def test_to_tensor_is_chw_float_in_unit_range(rgb):
    out = T.ToTensor()(rgb)
    assert isinstance(out, glassnet.Tensor) and out.dtype == np.float32 and out.shape == (3, 37, 53)
    np.testing.assert_array_equal(out.array, _to_tensor_reference(rgb))
    gray = rgb.convert("L")
    np.testing.assert_array_equal(T.ToTensor()(gray).array, _to_tensor_reference(gray))
    floats = np.random.default_rng(0).random((4, 5, 2))  # not uint8: the values and dtype are kept
    assert T.ToTensor()(floats).dtype == np.float64
    np.testing.assert_array_equal(T.ToTensor()(floats).array, floats.transpose(2, 0, 1))
    with pytest.raises(TypeError, match="ToTensor: expected a PIL image or a NumPy array"):
        T.ToTensor()([1, 2, 3])


def test_pil_to_tensor_and_back(rgb):
    ints = T.PILToTensor()(rgb)
    assert ints.dtype == np.uint8
    np.testing.assert_array_equal(ints.array, np.asarray(rgb).transpose(2, 0, 1))
    assert np.array_equal(np.asarray(T.ToPILImage()(ints)), np.asarray(rgb))
    # Floats are scaled by 255 and truncated, not rounded: 0.999 * 255 = 254.7 -> 254.
    image = T.ToPILImage()(glassnet.tensor(np.full((1, 2, 2), 0.999, np.float32)))
    assert image.mode == "L" and np.asarray(image).max() == 254
    with pytest.raises(ValueError, match="at most 4 channels"):
        T.ToPILImage()(glassnet.zeros(5, 2, 2))


def test_normalize_per_channel_in_float32(rgb):
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]
    out = T.Normalize(mean, std)(T.ToTensor()(rgb))
    mean32, std32 = np.float32(mean).reshape(3, 1, 1), np.float32(std).reshape(3, 1, 1)
    expected = (_to_tensor_reference(rgb) - mean32) / std32
    np.testing.assert_array_equal(out.array, expected)
    with pytest.raises(TypeError, match="Normalize: expected a float Tensor image"):
        T.Normalize(mean, std)(rgb)
    with pytest.raises(TypeError, match="expected a float tensor, got uint8"):
        T.Normalize(mean, std)(T.PILToTensor()(rgb))
    with pytest.raises(ValueError, match="std must not contain zeros"):
        T.Normalize(mean, [1, 0, 1])(T.ToTensor()(rgb))


# ----------------------------------------------------------------- geometry
@pytest.mark.parametrize("size, expected", [(20, (20, 28)), ((30, 17), (30, 17)), ([64], (64, 91))])
def test_resize_smaller_edge_rule_and_pillow_bilinear(rgb, size, expected):
    # An int is the smaller edge (height 37 here); the longer edge is int(size * 53 / 37).
    out = T.Resize(size)(rgb)
    assert (out.height, out.width) == expected
    reference = rgb.resize(expected[::-1], Image.Resampling.BILINEAR)  # Pillow's antialiased bilinear
    np.testing.assert_array_equal(np.asarray(out), np.asarray(reference))
    # The tensor path: the same filter on float planes, so it agrees with the PIL path to the uint8 step.
    tensor = T.Resize(size)(T.ToTensor()(rgb))
    assert tensor.shape == (3, *expected) and tensor.dtype == np.float32
    # (Pillow computes uint8 images in fixed point, hence a little over half a step.)
    np.testing.assert_allclose(tensor.array, _to_tensor_reference(out), atol=1.5 / 255)


def test_resize_nearest_tensor_and_max_size(rgb):
    tensor = T.PILToTensor()(rgb)
    out = T.Resize((10, 12), interpolation=T.InterpolationMode.NEAREST)(tensor)
    rows, cols = np.floor(np.arange(10) * 37 / 10).astype(int), np.floor(np.arange(12) * 53 / 12).astype(int)
    np.testing.assert_array_equal(out.array, tensor.array[:, rows][:, :, cols])  # torch's "nearest"
    # 30 x int(30 * 53 / 37) = 30 x 42 has a long edge over 40: it becomes 40, the short int(40 * 30 / 42).
    assert T.Resize(30, max_size=40)(rgb).size == (40, 28)
    with pytest.raises(ValueError, match="max_size=20 must be larger"):
        T.Resize(30, max_size=20)(rgb)
    with pytest.raises(TypeError, match="Resize: size must be an int or a sequence"):
        T.Resize("big")


@pytest.mark.parametrize("size", [20, (20, 30), (36, 52), (40, 60)])
def test_center_crop_offsets_round_half_to_even(rgb, size):
    height, width = (size, size) if isinstance(size, int) else size
    out = T.CenterCrop(size)(rgb)
    assert out.size == (width, height)
    padded = np.asarray(rgb)
    if height > 37 or width > 53:  # zero padding first, the odd pixel on the bottom/right
        pad_h, pad_w = max(height - 37, 0), max(width - 53, 0)
        padded = np.pad(padded, ((pad_h // 2, (pad_h + 1) // 2), (pad_w // 2, (pad_w + 1) // 2), (0, 0)))
    top, left = round((padded.shape[0] - height) / 2), round((padded.shape[1] - width) / 2)
    expected = padded[top:top + height, left:left + width]
    np.testing.assert_array_equal(np.asarray(out), expected)
    np.testing.assert_array_equal(T.CenterCrop(size)(T.PILToTensor()(rgb)).array, expected.transpose(2, 0, 1))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes_are_numpy_pads(rgb, mode):
    out = T.Pad((1, 2, 3, 4), fill=7, padding_mode=mode)(rgb)
    widths = ((2, 4), (1, 3), (0, 0))
    options = {"constant_values": 7} if mode == "constant" else {}
    expected = np.pad(np.asarray(rgb), widths, mode=mode, **options)
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_flips_and_their_probability(rgb):
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(p=1.0)(rgb)), np.asarray(rgb)[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomVerticalFlip(p=1.0)(rgb)), np.asarray(rgb)[::-1])
    assert T.RandomHorizontalFlip(p=0.0)(rgb) is rgb
    tensor = T.ToTensor()(rgb)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(tensor).array, tensor.array[:, :, ::-1])
    coin = T.RandomHorizontalFlip(generator=4)
    flips = [coin(tensor).array[0, 0, 0] != tensor.array[0, 0, 0] for _ in range(400)]
    assert 0.4 < np.mean(flips) < 0.6


def test_rotation_by_90_degrees_is_rot90(rgb):
    square = rgb.crop((0, 0, 37, 37))
    out = T.RandomRotation((90, 90))(square)  # counter-clockwise
    np.testing.assert_array_equal(np.asarray(out), np.rot90(np.asarray(square)))
    tensor = T.PILToTensor()(square)
    turned = T.RandomRotation((90, 90))(tensor).array
    np.testing.assert_array_equal(turned, np.rot90(tensor.array, axes=(1, 2)))
    with pytest.raises(ValueError, match="degrees must be non-negative"):
        T.RandomRotation(-5)


def test_random_crop_is_a_window_of_the_padded_image_and_reproducible(rgb):
    crop = T.RandomCrop(32, padding=4)
    glassnet.manual_seed(9)
    first = np.asarray(crop(rgb))
    glassnet.manual_seed(9)
    np.testing.assert_array_equal(np.asarray(crop(rgb)), first)
    padded = np.pad(np.asarray(rgb), ((4, 4), (4, 4), (0, 0)))
    windows = [padded[i:i + 32, j:j + 32]
               for i in range(padded.shape[0] - 31) for j in range(padded.shape[1] - 31)]
    assert any(np.array_equal(first, w) for w in windows)
    assert T.RandomCrop(60, pad_if_needed=True)(rgb).size == (60, 60)
    with pytest.raises(ValueError, match=r"crop size \(60, 60\) is larger than the image \(37, 53\)"):
        T.RandomCrop(60)(rgb)


def test_random_resized_crop_of_the_whole_image_is_a_resize(rgb):
    whole = T.RandomResizedCrop(24, scale=(1.0, 1.0), ratio=(53 / 37, 53 / 37))
    expected = rgb.resize((24, 24), Image.Resampling.BILINEAR)
    np.testing.assert_array_equal(np.asarray(whole(rgb)), np.asarray(expected))
    sizes = {T.RandomResizedCrop((16, 20))(rgb).size for _ in range(20)}
    assert sizes == {(20, 16)}


# ----------------------------------------------------------------- colour
def _hsv_reference(floats, shift):
    """The hue turn of float RGB pixels, one pixel at a time with Python's colorsys, in float64."""
    out = np.empty_like(floats, dtype=np.float64)
    for y, x in np.ndindex(floats.shape[1:]):
        h, s, v = colorsys.rgb_to_hsv(*floats[:, y, x])
        out[:, y, x] = colorsys.hsv_to_rgb((h + shift) % 1.0, s, v)
    return out


def test_color_jitter_single_factors_match_pillow_and_formulas(rgb):
    np.testing.assert_array_equal(np.asarray(T.ColorJitter(brightness=(1.4, 1.4))(rgb)),
                                  np.asarray(ImageEnhance.Brightness(rgb).enhance(1.4)))
    np.testing.assert_array_equal(np.asarray(T.ColorJitter(saturation=(0.3, 0.3))(rgb)),
                                  np.asarray(ImageEnhance.Color(rgb).enhance(0.3)))
    floats = T.ToTensor()(rgb)
    x = floats.array.astype(np.float64)
    np.testing.assert_allclose(T.ColorJitter(brightness=(1.4, 1.4))(floats).array, np.clip(1.4 * x, 0, 1),
                               atol=1e-6)
    gray_mean = (0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]).mean()
    np.testing.assert_allclose(T.ColorJitter(contrast=(0.5, 0.5))(floats).array,
                               np.clip(0.5 * x + 0.5 * gray_mean, 0, 1), atol=1e-6)
    np.testing.assert_allclose(T.ColorJitter(hue=(0.2, 0.2))(floats).array, _hsv_reference(x, 0.2), atol=1e-5)
    with pytest.raises(ValueError, match=r"hue must be a range inside \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.7)


def test_color_jitter_is_reproducible_and_draws_inside_its_ranges(rgb):
    jitter = T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.1)
    glassnet.manual_seed(2)
    a = np.asarray(jitter(rgb))
    glassnet.manual_seed(2)
    assert np.array_equal(np.asarray(jitter(rgb)), a)
    order, b, c, s, h = jitter.get_params()
    assert sorted(order) == [0, 1, 2, 3] and 0.5 <= b <= 1.5 and 0.5 <= c <= 1.5 and -0.1 <= h <= 0.1
    assert T.ColorJitter(brightness=0).brightness is None  # a no-op is skipped


def test_grayscale_pil_and_tensor(rgb):
    np.testing.assert_array_equal(np.asarray(T.Grayscale()(rgb)), np.asarray(rgb.convert("L")))
    three = T.Grayscale(num_output_channels=3)(rgb)
    assert three.mode == "RGB" and np.array_equal(np.asarray(three)[:, :, 1], np.asarray(rgb.convert("L")))
    x = T.ToTensor()(rgb).array
    expected = (np.float32(0.2989) * x[0] + np.float32(0.587) * x[1] + np.float32(0.114) * x[2])[None]
    np.testing.assert_allclose(T.Grayscale()(T.ToTensor()(rgb)).array, expected, rtol=1e-6)


def test_compose_and_lambda(rgb):
    pipeline = T.Compose([T.Resize(16), T.ToTensor(), T.Lambda(lambda t: t * 2)])
    expected = 2 * _to_tensor_reference(rgb.resize((22, 16), Image.Resampling.BILINEAR))
    np.testing.assert_allclose(pipeline(rgb).array, expected)
    with pytest.raises(TypeError, match="Lambda: expected a callable"):
        T.Lambda(3)
    with pytest.raises(TypeError, match="crop: expected a PIL image or a glassnet Tensor"):
        F.crop(np.zeros((3, 4, 4)), 0, 0, 2, 2)


# ----------------------------------------------------------------- torchvision itself, when present
DETERMINISTIC = [
    ("Resize", (20,)), ("Resize", ((30, 17),)), ("CenterCrop", (20,)), ("CenterCrop", ((40, 60),)),
    ("Grayscale", (3,)), ("Pad", ((1, 2, 3, 4), 5, "reflect")), ("RandomRotation", ((33, 33),)),
]


@pytest.mark.parametrize("name, args", DETERMINISTIC)
def test_against_torchvision(rgb, name, args):
    tv = _torchvision()
    if tv is None:
        pytest.skip("torchvision is not importable; the Pillow/NumPy references above stand in for it")
    ours, theirs = getattr(T, name)(*args)(rgb), getattr(tv, name)(*args)(rgb)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    ours = getattr(T, name)(*args)(T.ToTensor()(rgb)).array
    theirs = getattr(tv, name)(*args)(tv.ToTensor()(rgb)).numpy()
    differ = np.mean(np.abs(ours - theirs) > 1e-5)
    assert differ < 0.05  # rotation's nearest neighbour breaks ties differently on a few pixels
