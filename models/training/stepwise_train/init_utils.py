"""Parameter-free construction and the test-pack weight perturbation."""

import contextlib

import torch
from torch import nn


@contextlib.contextmanager
def empty_init():
    """Build modules with parameters on the meta device (no memory, no init cost).

    PyTorch 2.x uses the torch.device("meta") context. PyTorch 1.13 has none, so each
    parameter is re-registered on "meta" as it is attached (its CPU storage is allocated
    uninitialised, never touched, and freed).
    Use it to count parameters and check names/shapes of full-size models.
    """
    if hasattr(torch.device, "__enter__"):  # PyTorch 2.x: allocate nothing at all
        with torch.device("meta"):
            yield
        return
    original = nn.Module.register_parameter

    def register(module, name, param):
        original(module, name, param)
        if param is not None:
            module._parameters[name] = nn.Parameter(param.to("meta"),
                                                    requires_grad=param.requires_grad)

    nn.Module.register_parameter = register
    try:
        yield
    finally:
        nn.Module.register_parameter = original


def count_parameters(module):
    return sum(p.numel() for p in module.parameters())


_NORMS = (nn.GroupNorm, nn.LayerNorm)


@torch.no_grad()
def perturb_(model, generator):
    """Make every parameter matter: norm weights 1+0.1*N(0,1), every bias 0.1*N(0,1).

    Other weights keep torch's default initialisation (drawn from the global seed).
    Modules are visited in named_modules order so the result depends only on the seeds.
    """
    for _, module in model.named_modules():
        for pname, p in module.named_parameters(recurse=False):
            noise = torch.randn(p.shape, generator=generator, dtype=torch.float32)
            if isinstance(module, _NORMS) and pname == "weight":
                p.copy_(1.0 + 0.1 * noise)
            elif pname == "bias":
                p.copy_(0.1 * noise)
    return model
