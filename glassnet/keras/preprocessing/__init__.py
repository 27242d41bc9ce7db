"""``keras.preprocessing``: ``sequence.pad_sequences``, ``text.Tokenizer``, ``image.ImageDataGenerator``."""

from . import image, sequence, text
