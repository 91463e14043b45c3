"""Convolutional networks for the image runs.

Small models (no normalization layers, so that `torch.func.vmap` can advance several runs at
once) sized for two CPU cores at digits/Fashion-MNIST scale, and the widths the paper trains on
CIFAR-10 (VGG16 and ResNet18, with batch norm; one run per batch).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

MODELS = ("vgg_small", "resnet_small", "vgg16", "resnet18")
BATCHABLE = ("vgg_small", "resnet_small")  # no batch norm: several runs advance together under vmap
VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


class VGG(nn.Module):
    """conv3x3-ReLU blocks with max-pooling ('M'), global average pooling, one linear layer."""

    def __init__(self, in_ch: int, n_classes: int, plan: tuple, bn: bool = False):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_ch
        for v in plan:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
                continue
            layers.append(nn.Conv2d(c, int(v), 3, padding=1, bias=not bn))
            if bn:
                layers.append(nn.BatchNorm2d(int(v)))
            layers.append(nn.ReLU())
            c = int(v)
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


class Block(nn.Module):
    """ResNet basic block: two conv3x3 with an identity (or 1x1, strided) shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int, bn: bool):
        super().__init__()
        self.c1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=not bn)
        self.c2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=not bn)
        self.n1: nn.Module = nn.BatchNorm2d(c_out) if bn else nn.Identity()
        self.n2: nn.Module = nn.BatchNorm2d(c_out) if bn else nn.Identity()
        self.short: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.short = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=not bn), nn.BatchNorm2d(c_out) if bn else nn.Identity()
            )

    def forward(self, x: Tensor) -> Tensor:
        h = torch.relu(self.n1(self.c1(x)))
        return torch.relu(self.n2(self.c2(h)) + self.short(x))


class ResNet(nn.Module):
    def __init__(self, in_ch: int, n_classes: int, widths: tuple[int, ...], blocks: tuple[int, ...], bn: bool):
        super().__init__()
        self.stem = nn.Conv2d(in_ch, widths[0], 3, 1, 1, bias=not bn)
        self.stem_norm: nn.Module = nn.BatchNorm2d(widths[0]) if bn else nn.Identity()
        layers: list[nn.Module] = []
        c = widths[0]
        for i, (w, nb) in enumerate(zip(widths, blocks, strict=True)):
            for j in range(nb):
                layers.append(Block(c, w, 2 if (i > 0 and j == 0) else 1, bn))
                c = w
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(c, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        h = torch.relu(self.stem_norm(self.stem(x)))
        return self.head(self.layers(h).mean(dim=(2, 3)))


def build(name: str, in_ch: int, n_classes: int, width: int = 16) -> nn.Module:
    """A model by name; `width` is the first layer's channels for the small models (doubling once)."""
    w = int(width)
    if name == "vgg_small":
        return VGG(in_ch, n_classes, (w, w, "M", 2 * w, "M"))
    if name == "resnet_small":
        return ResNet(in_ch, n_classes, (w, 2 * w), (1, 1), bn=False)
    if name == "vgg16":  # the CIFAR-10 VGG16 (13 conv layers, batch norm, 512 -> classes)
        return VGG(in_ch, n_classes, VGG16, bn=True)
    if name == "resnet18":  # the CIFAR-10 ResNet18 (3x3 stem, [2, 2, 2, 2] basic blocks, 64..512)
        return ResNet(in_ch, n_classes, (64, 128, 256, 512), (2, 2, 2, 2), bn=True)
    raise ValueError(f"unknown model {name!r}; known: {MODELS}")


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
