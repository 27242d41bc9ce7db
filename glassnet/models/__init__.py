"""The model zoo: the classic convolutional networks of the textbooks, named as in torchvision.

Each constructor takes ``num_classes`` and the input's ``in_channels``;
those whose classifier depends on the image size take ``image_size`` too.
With default arguments the big models have torchvision's layout, parameter
names and parameter counts (AlexNet 61,100,840; VGG-16 138,357,544;
ResNet-18 11,689,512), so a ``state_dict`` maps one to one, and
``weights='IMAGENET1K_V1'`` loads torchvision's published ImageNet weights
into them (``weights.py``: downloaded, checked, cached; read without pickle's
code execution).
"""

from .alexnet import AlexNet, alexnet, alexnet_small
from .lenet import lenet
from .nin import nin, nin_block
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, vgg_block
from .weights import TORCHVISION_FILES
