"""The model zoo: the classic convolutional networks of the textbooks, named as in torchvision.

Each constructor takes ``num_classes`` and the input's ``in_channels``;
those whose classifier depends on the image size take ``image_size`` too.
With default arguments the big models have torchvision's layout, parameter
names and parameter counts (AlexNet 61,100,840; VGG-16 138,357,544;
ResNet-18 11,689,512), so a ``state_dict`` maps one to one.
"""

from .alexnet import AlexNet, alexnet, alexnet_small
from .lenet import lenet
from .nin import nin, nin_block
from .resnet import BasicBlock, ResNet, resnet18, resnet34
from .vgg import VGG, vgg11, vgg16, vgg_block
