"""What the image datasets (MNIST, Fashion-MNIST, digits, CIFAR-10) share."""

from ..dataset import Dataset


class LabelledArrays(Dataset):
    """Samples in ``self.data`` and labels in ``self.targets``, set by the subclass.

    Optional per-sample ``transform`` / ``target_transform`` as in torchvision.
    Without them, ``arrays`` lets the DataLoader gather a whole batch with one
    fancy index per array instead of one ``__getitem__`` per sample.
    """

    transform = None
    target_transform = None

    @property
    def arrays(self):
        if self.transform is None and self.target_transform is None:
            return self.data, self.targets
        return None

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target
