"""``keras.datasets``: Keras's loaders, with its arguments and return types, on glassnet's
checksummed, cached datasets (``GLASSNET_DATA`` says where they live)."""

from . import boston_housing, cifar10, fashion_mnist, imdb, mnist, reuters
