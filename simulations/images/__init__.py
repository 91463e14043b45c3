"""Real image data for the paper's CIFAR-10/ImageNet claims (Figs 1-2, 7-12): offline loaders,
small and paper-width CNNs, and batched Adam/AdamW training. PyTorch and numpy only (scikit-learn
only for the digits data)."""

from .data import KNOWN_MD5, SOURCES, ImageSet, load, read_cifar_batch, read_idx, to_cifar_shape, write_cifar_fixture
from .models import BATCHABLE, MODELS, build, n_params
from .train import IMAGES_NUMERICS, OPTIMIZERS, ImageConfig, dataset, train

__all__ = [
    "BATCHABLE",
    "IMAGES_NUMERICS",
    "KNOWN_MD5",
    "MODELS",
    "OPTIMIZERS",
    "SOURCES",
    "ImageConfig",
    "ImageSet",
    "build",
    "dataset",
    "load",
    "n_params",
    "read_cifar_batch",
    "read_idx",
    "to_cifar_shape",
    "train",
    "write_cifar_fixture",
]
