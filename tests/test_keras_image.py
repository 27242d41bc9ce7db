"""glassnet.keras.preprocessing.image: files, ImageDataGenerator and its iterators, and
keras.utils.image_dataset_from_directory.

Oracles: Keras 3's own ``keras.preprocessing.image`` file helpers and its
legacy ``ImageDataGenerator`` (``keras.src.legacy``, Keras 2's code kept
in Keras 3), NumPy for statistics and exact pixel moves, and
``keras.ops.image.resize`` for image_dataset_from_directory's resizing.
"""

import numpy as np
import pytest
from PIL import Image

import glassnet
from glassnet.keras.preprocessing.image import (
    ImageDataGenerator,
    array_to_img,
    img_to_array,
    load_img,
    save_img,
    smart_resize,
)

# name -> (Pillow mode, (width, height)); a nested folder and a text file are part of the layout.
TREE = {
    "cats": {"c0.png": ("RGB", (30, 20)), "c1.jpg": ("RGB", (24, 24)), "deep/c2.png": ("RGB", (20, 30)),
             "c3.bmp": ("RGB", (18, 18))},
    "dogs": {"d0.jpg": ("RGB", (25, 25)), "d1.png": ("L", (18, 16)), "d2.png": ("RGBA", (20, 20))},
    "birds": {"b0.png": ("RGB", (22, 22)), "b1.png": ("RGB", (22, 26)), "b2.jpeg": ("RGB", (40, 30)),
              "b3.png": ("L", (12, 12))},
}


def write_tree(root, tree=TREE, seed=0):
    rng = np.random.default_rng(seed)
    for name, files in tree.items():
        for filename, (mode, size) in files.items():
            path = root / name / filename
            path.parent.mkdir(parents=True, exist_ok=True)
            channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
            pixels = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
            Image.fromarray(pixels[:, :, 0] if channels == 1 else pixels, mode).save(path)
    (root / "cats" / "notes.txt").write_text("not an image")
    return root


@pytest.fixture
def tree(tmp_path):
    return write_tree(tmp_path / "images")


@pytest.fixture(scope="module")
def legacy(real_keras):
    """Keras 2's ImageDataGenerator as Keras 3 keeps it (keras.src.legacy.preprocessing.image)."""
    from keras.src.legacy.preprocessing import image

    return image


def both_batches(ours, theirs):
    assert len(ours) == len(theirs)
    for i in range(len(ours)):
        a, b = ours[i], theirs[i]
        a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
        assert len(a) == len(b)
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)
            assert x.dtype == y.dtype


# ------------------------------------------------------------------ flow_from_directory against Keras
@pytest.mark.parametrize("color_mode, class_mode, interpolation", [
    ("rgb", "categorical", "nearest"), ("grayscale", "sparse", "bilinear"), ("rgba", "input", "bicubic"),
    ("rgb", None, "nearest")])
def test_flow_from_directory_reads_the_folder_as_keras_does(tree, legacy, capsys, color_mode, class_mode,
                                                            interpolation):
    args = dict(target_size=(10, 12), color_mode=color_mode, class_mode=class_mode, batch_size=4,
                shuffle=False, interpolation=interpolation)
    ours = ImageDataGenerator(rescale=1 / 255.).flow_from_directory(str(tree), **args)
    theirs = legacy.ImageDataGenerator(rescale=1 / 255.).flow_from_directory(str(tree), **args)
    assert ours.class_indices == theirs.class_indices == {"birds": 0, "cats": 1, "dogs": 2}
    assert ours.filenames == theirs.filenames and "cats/deep/c2.png" in ours.filenames
    np.testing.assert_array_equal(ours.classes, theirs.classes)
    assert (ours.samples, ours.num_classes, ours.image_shape) == (theirs.samples, theirs.num_classes,
                                                                 theirs.image_shape)
    assert capsys.readouterr().out.count("Found 11 images belonging to 3 classes.") == 2
    both_batches(ours, theirs)


def test_binary_batches_and_the_classes_argument(tree, legacy):
    args = dict(target_size=(8, 8), classes=["dogs", "cats"], class_mode="binary", batch_size=3,
                shuffle=False)
    ours = ImageDataGenerator().flow_from_directory(str(tree), **args)
    theirs = legacy.ImageDataGenerator().flow_from_directory(str(tree), **args)
    assert ours.class_indices == {"dogs": 0, "cats": 1} and ours.filenames == theirs.filenames
    both_batches(ours, theirs)
    assert ours[0][1].dtype == np.float32 and ours[0][1].shape == (3,)


def test_validation_split_subsets_are_disjoint_complete_and_keras_s(tree, legacy):
    ours, theirs = {}, {}
    for subset in ("training", "validation"):
        args = dict(target_size=(6, 6), batch_size=2, shuffle=False, subset=subset)
        ours[subset] = ImageDataGenerator(validation_split=0.34).flow_from_directory(str(tree), **args)
        keras_generator = legacy.ImageDataGenerator(validation_split=0.34)
        theirs[subset] = keras_generator.flow_from_directory(str(tree), **args)
        assert ours[subset].filenames == theirs[subset].filenames
    train, val = set(ours["training"].filenames), set(ours["validation"].filenames)
    assert not train & val
    assert train | val == set(ImageDataGenerator().flow_from_directory(str(tree)).filenames)


def test_flow_splits_arrays_as_keras_does(legacy):
    rng = np.random.default_rng(1)
    x, y = rng.random((10, 4, 4, 3)).astype("float32"), np.array([0, 1] * 5)
    for subset in ("training", "validation"):
        ours = ImageDataGenerator(validation_split=0.3).flow(x, y, batch_size=4, shuffle=False, subset=subset)
        theirs = legacy.ImageDataGenerator(validation_split=0.3).flow(x, y, batch_size=4, shuffle=False,
                                                                      subset=subset)
        both_batches(ours, theirs)
    with pytest.raises(ValueError, match="different classes"):
        ImageDataGenerator(validation_split=0.3).flow(x, np.sort(y), subset="training")


def test_iterators_are_endless_indexable_and_reset(tree):
    it = ImageDataGenerator().flow_from_directory(str(tree), target_size=(5, 5), batch_size=4, shuffle=False)
    assert len(it) == 3
    sizes = [len(next(it)[0]) for _ in range(7)]  # 11 images: 4, 4, 3, then the next epoch
    assert sizes == [4, 4, 3, 4, 4, 3, 4]
    it.reset()
    np.testing.assert_array_equal(next(it)[0], it[0][0])
    np.testing.assert_array_equal(it[-1][0], it[2][0])
    with pytest.raises(IndexError, match="batch 3 of 3"):
        it[3]


# ------------------------------------------------------------------ augmentation
def square(size=9, channels=3, seed=0):
    return (np.random.default_rng(seed).random((size, size, channels)) * 255).astype("float32")


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect"])
@pytest.mark.parametrize("params", [
    {"theta": 17.0}, {"shear": 13.0}, {"zx": 0.8, "zy": 1.3},
    {"theta": -23, "shear": 5, "zx": 1.1, "zy": 0.9, "channel_shift_intensity": 9.0}])
def test_rotation_shear_zoom_are_keras_s(legacy, fill_mode, params):
    """Square images: Keras 3's generator centres non-square ones on the wrong axis (docs/keras_images.md)."""
    x = square(13)
    want = legacy.ImageDataGenerator(fill_mode=fill_mode).apply_transform(x, params)
    np.testing.assert_allclose(ImageDataGenerator(fill_mode=fill_mode).apply_transform(x, params), want,
                               atol=2e-3)


@pytest.mark.parametrize("fill_mode, pad", [("nearest", "edge"), ("constant", "constant"),
                                            ("reflect", "symmetric"), ("wrap", "wrap")])
def test_integer_shifts_move_the_content_and_fill_as_documented(fill_mode, pad):
    x = np.random.default_rng(2).random((6, 7, 2)).astype("float32")
    gen = ImageDataGenerator(fill_mode=fill_mode, cval=0.0)
    # tx > 0 reads 2 rows further down: the content moves up, rows appear at the bottom.
    np.testing.assert_allclose(gen.apply_transform(x, {"tx": 2}),
                               np.pad(x, ((0, 2), (0, 0), (0, 0)), pad)[2:], atol=1e-6)
    np.testing.assert_allclose(gen.apply_transform(x, {"ty": -3}),
                               np.pad(x, ((0, 0), (3, 0), (0, 0)), pad)[:, :7], atol=1e-6)


def test_random_shifts_in_pixels_and_flips_are_exact():
    x = square(8)
    gen = ImageDataGenerator(width_shift_range=[3], fill_mode="constant", horizontal_flip=True)
    left, right = np.pad(x, ((0, 0), (0, 3), (0, 0)))[:, 3:], np.pad(x, ((0, 0), (3, 0), (0, 0)))[:, :8]
    seen = set()
    for seed in range(12):
        out = gen.random_transform(x, seed)
        options = (left, right, left[:, ::-1], right[:, ::-1])
        matches = [k for k, want in enumerate(options) if np.allclose(out, want)]
        assert len(matches) == 1
        seen |= set(matches)
    assert seen == {0, 1, 2, 3}
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_vertical": True}), x[::-1])


def test_rescale_and_brightness(legacy):
    x = square(6)
    batch = next(ImageDataGenerator(rescale=1 / 255.).flow(x[None], shuffle=False))
    np.testing.assert_allclose(batch[0], x / 255, rtol=1e-6)
    ours = ImageDataGenerator().apply_transform(x, {"brightness": 0.7})
    theirs = legacy.ImageDataGenerator().apply_transform(x, {"brightness": 0.7})
    np.testing.assert_allclose(ours, theirs, atol=2.0)  # Keras truncates to uint8 and rounds; not here
    np.testing.assert_allclose(ImageDataGenerator().apply_transform(x, {"brightness": 2.0}),
                               np.clip(2 * x, 0, 255), rtol=1e-6)


def test_featurewise_statistics_are_numpy_s(legacy):
    x = (np.random.default_rng(3).random((20, 5, 6, 3)) * 255).astype("float32")
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255.)
    gen.fit(x)
    scaled = x / 255
    np.testing.assert_allclose(gen.mean, scaled.mean(axis=(0, 1, 2)).reshape(1, 1, 3), rtol=1e-5)
    np.testing.assert_allclose(gen.std, scaled.std(axis=(0, 1, 2)).reshape(1, 1, 3), rtol=1e-5)
    batch = next(gen.flow(x, batch_size=20, shuffle=False))
    np.testing.assert_allclose(batch, (scaled - gen.mean) / (gen.std + 1e-6), rtol=1e-4, atol=1e-5)
    with pytest.warns(UserWarning, match="featurewise_center"):
        theirs = legacy.ImageDataGenerator(zca_whitening=True)
    with pytest.warns(UserWarning, match="turn on featurewise_center"):
        ours = ImageDataGenerator(zca_whitening=True)
    theirs.fit(x[:, :3, :3]), ours.fit(x[:, :3, :3])
    np.testing.assert_allclose(ours.zca_whitening_matrix, theirs.zca_whitening_matrix, rtol=1e-3, atol=1e-4)


def test_samplewise_normalisation_and_preprocessing_function_order():
    x = square(5)
    gen = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True,
                             preprocessing_function=lambda image: image + 100, rescale=0.5)
    out = gen.standardize(x.copy())
    want = (x + 100) * 0.5
    np.testing.assert_allclose(out, (want - want.mean()) / (want.std() + 1e-6), rtol=1e-4, atol=1e-5)


def test_seeded_iterators_repeat_whatever_the_threads(tree):
    gen = ImageDataGenerator(rotation_range=30, zoom_range=0.2, horizontal_flip=True)

    def two_epochs(threads=None, **kwargs):
        it = gen.flow_from_directory(str(tree), target_size=(9, 9), batch_size=4, seed=7, **kwargs)
        if threads:
            it.prefetch(workers=threads, max_queue_size=1)  # what Keras 2's fit(workers=...) would set
        first = [it[i][0] for i in range(len(it))]
        it.on_epoch_end()
        return first, [it[i][0] for i in range(len(it))]

    (a0, a1), (b0, b1) = two_epochs(workers=0), two_epochs(workers=3, max_queue_size=2)
    (c0, c1) = two_epochs(threads=2)
    for x, y, z in zip(a0 + a1, b0 + b1, c0 + c1):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
    assert not np.array_equal(a0[0], a1[0])  # a new epoch: new order and transforms
    other = gen.flow_from_directory(str(tree), target_size=(9, 9), batch_size=4, seed=8, workers=0)
    assert not np.array_equal(other[0][0], a0[0])
    np.random.seed(5)
    c = gen.flow(square(6)[None].repeat(4, 0), batch_size=4)[0]
    np.random.seed(5)
    np.testing.assert_array_equal(gen.flow(square(6)[None].repeat(4, 0), batch_size=4)[0], c)


# ------------------------------------------------------------------ training on iterators
def small_model(size, outputs=1):
    from glassnet.keras import layers, models

    model = models.Sequential([layers.Conv2D(4, (3, 3), activation="relu", input_shape=(size, size, 3)),
                               layers.MaxPooling2D((2, 2)), layers.Flatten(),
                               layers.Dense(outputs, activation="sigmoid" if outputs == 1 else "softmax")])
    loss = "binary_crossentropy" if outputs == 1 else "categorical_crossentropy"
    model.compile(optimizer="rmsprop", loss=loss, metrics=["acc"])
    return model


def test_fit_evaluate_predict_take_the_iterators(tree):
    gen = ImageDataGenerator(rescale=1 / 255., horizontal_flip=True, validation_split=0.3)
    train = gen.flow_from_directory(str(tree), target_size=(10, 10), batch_size=4, subset="training")
    val = gen.flow_from_directory(str(tree), target_size=(10, 10), batch_size=4, subset="validation")
    model = small_model(10, outputs=3)
    history = model.fit(train, steps_per_epoch=2, epochs=2, validation_data=val, validation_steps=1,
                        verbose=0)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert len(history.history["loss"]) == 2
    history = model.fit_generator(train, epochs=1, verbose=0)  # Keras 2's name; an epoch: len(train) batches
    assert len(model.evaluate(val, verbose=0)) == 2 and len(model.evaluate_generator(val, steps=1)) == 2
    plain = ImageDataGenerator(rescale=1 / 255.)
    images = plain.flow_from_directory(str(tree), target_size=(10, 10), class_mode=None, shuffle=False,
                                       batch_size=5)
    assert model.predict(images).shape == (11, 3) and model.predict_generator(images, steps=1).shape == (5, 3)
    arrays = plain.flow(np.zeros((6, 10, 10, 3)), np.eye(3)[[0, 1, 2] * 2], batch_size=3)
    assert np.isfinite(model.fit(arrays, epochs=1, verbose=0).history["loss"][0])


def test_more_steps_than_batches_start_a_new_shuffled_pass():
    """Keras 2's rule for a Sequence asked for more steps than it has: each pass is a new epoch of it."""
    x = np.arange(6 * 4 * 4 * 3, dtype="float32").reshape(6, 4, 4, 3)
    it = ImageDataGenerator().flow(x, np.zeros(6), batch_size=2, seed=3)
    seen = []
    model = small_model(4)
    model.predict_step = lambda batch: seen.append(batch[0].array.copy()) or batch[0][:, :1, 0, 0]
    model.predict(it, steps=6)
    assert it.epoch == 2
    first, second = np.concatenate(seen[:3]), np.concatenate(seen[3:])
    assert sorted(first[:, 0, 0, 0]) == sorted(second[:, 0, 0, 0]) and not np.array_equal(first, second)


# ------------------------------------------------------------------ errors
def test_bad_arguments_are_refused_clearly(tree, tmp_path):
    gen = ImageDataGenerator()
    with pytest.raises(FileNotFoundError, match="missing"):
        gen.flow_from_directory(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="class_mode must be one of"):
        gen.flow_from_directory(str(tree), class_mode="onehot")
    for size in ((0, 10), 150, (1.5, 2), (10, 10, 3)):
        with pytest.raises(ValueError, match=r"target_size must be \(height, width\)"):
            gen.flow_from_directory(str(tree), target_size=size)
    with pytest.raises(ValueError, match="color_mode"):
        gen.flow_from_directory(str(tree), color_mode="cmyk")
    with pytest.raises(ValueError, match="validation_split"):
        gen.flow_from_directory(str(tree), subset="validation")
    with pytest.raises(ValueError, match="at most two classes"):
        gen.flow_from_directory(str(tree), class_mode="binary")
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="call .fit"):
        next(ImageDataGenerator(featurewise_center=True).flow(np.zeros((2, 4, 4, 3))))
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="use_multiprocessing"):
        gen.flow(np.zeros((2, 4, 4, 3)), use_multiprocessing=True)
    with pytest.raises(ValueError, match="channels_last"):
        ImageDataGenerator(data_format="channels_first")


# ------------------------------------------------------------------ files, against keras.preprocessing.image
def test_file_helpers_match_keras_s(tree, real_keras, tmp_path):
    kimage = real_keras.preprocessing.image
    for path, kwargs in ((tree / "cats" / "c0.png", {}),
                         (tree / "dogs" / "d1.png", {"color_mode": "grayscale"}),
                         (tree / "dogs" / "d2.png", {"color_mode": "rgba", "target_size": (7, 9)}),
                         (tree / "birds" / "b2.jpeg", {"target_size": (11, 5), "interpolation": "bilinear",
                                                      "keep_aspect_ratio": True})):
        ours = img_to_array(load_img(path, **kwargs))
        theirs = kimage.img_to_array(kimage.load_img(path, **kwargs))
        np.testing.assert_array_equal(ours, theirs)
        assert ours.dtype == theirs.dtype
    x = np.random.default_rng(4).normal(size=(5, 6, 3)).astype("float32")
    np.testing.assert_array_equal(np.asarray(array_to_img(x)), np.asarray(kimage.array_to_img(x)))
    np.testing.assert_allclose(smart_resize(x, (3, 4)), kimage.smart_resize(x, (3, 4)), atol=1e-5)
    pixels = np.random.default_rng(5).integers(0, 256, (4, 5, 3)).astype("float32")
    save_img(tmp_path / "round.png", pixels, scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(tmp_path / "round.png")), pixels)
    assert glassnet.keras.utils.load_img is load_img and glassnet.keras.utils.save_img is save_img


# ------------------------------------------------------------------ image_dataset_from_directory
def test_image_dataset_from_directory(tree, real_keras, capsys):
    from glassnet.keras.utils import image_dataset_from_directory

    ds = image_dataset_from_directory(str(tree), image_size=(8, 10), batch_size=4, shuffle=False)
    assert ds.class_names == ["birds", "cats", "dogs"] and len(ds) == 3
    assert "Found 11 files belonging to 3 classes." in capsys.readouterr().out
    batches = list(ds)  # one epoch, then the loop ends, as over a tf.data.Dataset
    assert len(batches) == 3 and batches[0][1].dtype == np.int32
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), [0] * 4 + [1] * 4 + [2] * 3)
    first = Image.open(tree / "birds" / "b0.png").convert("RGB")
    want = real_keras.ops.image.resize(np.asarray(first, dtype="float32"), (8, 10), interpolation="bilinear")
    np.testing.assert_allclose(batches[0][0][0], np.asarray(want), atol=1e-3)
    cats = image_dataset_from_directory(str(tree), label_mode="categorical", class_names=["dogs", "cats"],
                                        image_size=(4, 4), shuffle=False, color_mode="grayscale",
                                        batch_size=4)
    images, labels = cats[0]
    assert images.shape == (4, 4, 4, 1) and labels.shape == (4, 2) and labels[0].tolist() == [1, 0]
    with pytest.raises(ValueError, match="exactly 2 classes"):
        image_dataset_from_directory(str(tree), label_mode="binary")


def test_image_dataset_splits_and_trains(tree):
    from glassnet.keras.utils import image_dataset_from_directory

    with pytest.raises(ValueError, match="seed"):
        image_dataset_from_directory(str(tree), validation_split=0.25, subset="training")
    train, val = image_dataset_from_directory(str(tree), validation_split=0.25, subset="both", seed=1,
                                              image_size=(10, 10), batch_size=4, label_mode="categorical")
    assert not set(train.file_paths) & set(val.file_paths)
    assert len(train.file_paths) + len(val.file_paths) == 11
    model = small_model(10, outputs=3)
    history = model.fit(train, epochs=2, validation_data=val, verbose=0)
    assert len(history.history["val_loss"]) == 2 and len(train.take(1)) == 1


def test_fit_hands_keras_2s_worker_arguments_to_the_iterator():
    from glassnet.keras import layers, models

    x = np.random.default_rng(0).random((40, 8, 8, 3)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    model = models.Sequential([layers.Flatten(input_shape=(8, 8, 3)), layers.Dense(1, activation="sigmoid")])
    model.compile("rmsprop", "binary_crossentropy", ["accuracy"])
    batches = ImageDataGenerator().flow(x, y, batch_size=8, seed=0)
    history = model.fit(batches, steps_per_epoch=5, epochs=2, workers=2, max_queue_size=4, verbose=0)
    assert (batches.workers, batches.max_queue_size) == (2, 4) and len(history.history["loss"]) == 2
    model.fit(x, y, epochs=1, workers=4, verbose=0)  # arrays ignore them, as in Keras

    def plain():
        while True:
            yield x[:8], y[:8]

    refused = r"sequential(_\d+)?\.fit: \['workers'\] apply to the iterators"
    with pytest.raises(NotImplementedError, match=refused):
        model.fit(plain(), steps_per_epoch=2, workers=2, verbose=0)
