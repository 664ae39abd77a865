"""The judge: a small CNN with a name head and a style head, its augmentations, save and load.

Classes of the name head: the distinct names of the evaluation captions, sorted, then OTHER
(every other emoji of the dataset). A generated image that looks like no evaluation emoji can so
be called "other" and counts as wrong, instead of being forced onto the nearest evaluation name.
The file is a safetensors state_dict (stepwise_train.safetensors_io) whose __metadata__ holds
"judge" = JSON of the architecture, the class lists and the evaluation caption table.
"""

import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from stepwise_train import safetensors_io

OTHER = "<other>"
FORMAT = "stepwise-judge-1"


class JudgeNet(nn.Module):
    """[N, 3, S, S] in [0, 1] -> (name logits [N, n_names], style logits [N, n_styles])."""

    def __init__(self, n_names, n_styles=3, size=32, width=24, hidden=256):
        super().__init__()
        if size % 8:
            raise ValueError(f"judge input size {size} must be a multiple of 8")
        self.size = size
        w = width
        # A 5x5 stride-2 stem (S -> S/2), one conv at S/2, pool, two convs at S/4, pool to S/8:
        # about 4x cheaper than full-resolution first convs, which matters on 2 busy CPU cores.
        layers = [nn.Conv2d(3, w, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(w),
                  nn.ReLU(inplace=True),
                  nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w),
                  nn.ReLU(inplace=True), nn.MaxPool2d(2),
                  nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w),
                  nn.ReLU(inplace=True),
                  nn.Conv2d(4 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w),
                  nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        cin = 4 * w
        self.trunk = nn.Sequential(*layers)
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(cin * (size // 8) ** 2, hidden),
                                nn.ReLU(inplace=True), nn.Dropout(0.3))
        self.name_head = nn.Linear(hidden, n_names)
        self.style_head = nn.Linear(hidden, n_styles)

    def forward(self, x):
        h = self.fc(self.trunk(x * 2 - 1))  # [N, hidden]
        return self.name_head(h), self.style_head(h)  # [N, n_names], [N, n_styles]


def _blur(x):
    """Separable Gaussian blur, sigma 1 (5 taps), white beyond the border. x [N, 3, S, S]."""
    k = torch.exp(-torch.arange(-2.0, 3.0) ** 2 / 2)  # [5]
    k = (k / k.sum()).to(x)  # [5]
    c = x.shape[1]
    y = F.pad(x - 1, (2, 2, 2, 2)) + 1  # [N, 3, S+4, S+4], padded with white
    y = F.conv2d(y, k.view(1, 1, 1, 5).repeat(c, 1, 1, 1), groups=c)  # [N, 3, S+4, S]
    return F.conv2d(y, k.view(1, 1, 5, 1).repeat(c, 1, 1, 1), groups=c)  # [N, 3, S, S]


def augment(x, generator, strength=1.0):
    """Random scale 0.85-1.15, shift up to 12% of the half-width, rotation up to 6 degrees
    (white fill); brightness, contrast and saturation jitter; blend with a blurred copy; Gaussian
    noise. All draws come from `generator`. x [N, 3, S, S] in [0, 1] -> same shape."""
    n = x.shape[0]

    def u(lo, hi, *shape):
        return lo + (hi - lo) * torch.rand((n,) + shape, generator=generator)  # [N, *shape]

    s = strength
    scale = u(1 - 0.15 * s, 1 + 0.15 * s)  # [N]
    angle = u(-6 * s, 6 * s) * math.pi / 180  # [N]
    shift = u(-0.12 * s, 0.12 * s, 2)  # [N, 2]
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale  # [N]
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)  # [N, 2, 3]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # [N, S, S, 2]
    y = F.grid_sample(x - 1, grid, mode="bilinear", padding_mode="zeros",
                      align_corners=False) + 1  # [N, 3, S, S], white outside
    grey = y.mean(1, keepdim=True)  # [N, 1, S, S]
    y = grey + (y - grey) * u(1 - 0.3 * s, 1 + 0.3 * s, 1, 1, 1)  # saturation
    mean = y.mean((1, 2, 3), keepdim=True)  # [N, 1, 1, 1]
    y = mean + (y - mean) * u(1 - 0.2 * s, 1 + 0.2 * s, 1, 1, 1)  # contrast
    y = y * u(1 - 0.1 * s, 1 + 0.1 * s, 1, 1, 1)  # brightness
    a = u(0, min(1.0, s), 1, 1, 1)  # [N, 1, 1, 1]
    y = (1 - a) * y + a * _blur(y.clamp(0, 1))  # blur of random strength
    noise = torch.randn(y.shape, generator=generator) * u(0, 0.06 * s, 1, 1, 1)
    return (y + noise).clamp(0, 1)  # [N, 3, S, S]


def save(path, model, meta):
    """state_dict + meta (JSON-able dict: names, styles, size, width, ...) to one file."""
    state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()
             if v.is_floating_point()}
    info = dict(meta, format=FORMAT)
    safetensors_io.save_file(state, path, metadata={"judge": json.dumps(info)})


def load(path):
    """(JudgeNet in eval mode, meta dict) from a file written by save()."""
    with open(path, "rb") as f:
        state, meta = safetensors_io.deserialize(f.read())
    if not meta or "judge" not in meta:
        raise ValueError(f"{path} is not a judge file (no 'judge' metadata)")
    info = json.loads(meta["judge"])
    if info.get("format") != FORMAT:
        raise ValueError(f"{path} has judge format {info.get('format')!r}, expected {FORMAT}")
    model = JudgeNet(len(info["names"]), len(info["styles"]), info["size"], info["width"],
                     info["hidden"])
    own = model.state_dict()
    for k, v in own.items():  # BatchNorm's num_batches_tracked is not saved (not a float)
        if not v.is_floating_point():
            state.setdefault(k, v)
    model.load_state_dict(state, strict=True)
    return model.eval(), info


@torch.no_grad()
def predict(model, images, batch=256):
    """images [N, 3, S, S] in [0, 1] -> (name logits [N, K], style logits [N, 3])."""
    model.eval()
    names, styles = [], []
    for i in range(0, images.shape[0], batch):
        a, b = model(images[i:i + batch])  # [n, K], [n, 3]
        names.append(a)
        styles.append(b)
    return torch.cat(names), torch.cat(styles)
