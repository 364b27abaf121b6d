"""Scaling laws: the Chinchilla parametric loss and the compute-optimal allocation it implies.

Loss (Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models', Eq. 2 and Sec. 3.3)::

    L(N, D) = E + A / N^alpha + B / D^beta

with N parameters and D training tokens. Minimising L under the compute constraint C = 6ND (Kaplan et al.
2020 Sec. 2.1) gives (Hoffmann et al. Eq. 4)::

    N_opt = G (C/6)^a,   D_opt = G^-1 (C/6)^b,   G = (alpha A / (beta B))^(1/(alpha+beta)),
    a = beta / (alpha + beta),   b = alpha / (alpha + beta)

Two fits are offered. ``hoffmann`` is the paper's published, rounded Approach 3 fit (E 1.69, A 406.4,
B 410.7, alpha 0.34, beta 0.28); at Chinchilla's own budget it puts the optimum near 32B parameters and
~93 tokens per parameter, far from the 70B / 1.4T (20 tokens per parameter) of the paper's Approaches 1-2
and of Chinchilla itself. ``besiroglu`` (the default) is the refit by Besiroglu et al. 2024, 'Chinchilla
Scaling: A replication attempt' (arXiv:2404.10102, Table 1: E 1.8172, A 482.01, B 2085.43, alpha 0.3478,
beta 0.3658) on data digitised from Hoffmann's Figure 4; its optimum agrees with Approaches 1-2 and with
Chinchilla. ``hoffmann-unrounded`` keeps the paper's unrounded exponents (their TeX source: E 1.6934,
alpha 0.3392, beta 0.2849), to show that the disagreement is not only rounding.

The loss is in nats per token on Hoffmann et al.'s MassiveText and tokenizer; it does not transfer to other
data. C = 6ND leaves out attention FLOPs and treats N as all parameters (Hoffmann et al.'s convention).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gptcalc.errors import InputError
from gptcalc.specs.base import Result, Spec

FitName = Literal["besiroglu", "hoffmann", "hoffmann-unrounded"]
DEFAULT_FIT: FitName = "besiroglu"


class LossFit(Spec):
    """Constants of L(N, D) = E + A/N^alpha + B/D^beta."""

    name: str
    source: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float


FITS: dict[str, LossFit] = {
    "besiroglu": LossFit(
        name="besiroglu",
        source="Besiroglu et al. 2024, 'Chinchilla Scaling: A replication attempt' (arXiv:2404.10102), Table 1",
        E=1.8172,
        A=482.01,
        B=2085.43,
        alpha=0.3478,
        beta=0.3658,
    ),
    "hoffmann": LossFit(
        name="hoffmann",
        source="Hoffmann et al. 2022 (arXiv:2203.15556), Sec. 3.3 and Eq. 2, published rounded constants",
        E=1.69,
        A=406.4,
        B=410.7,
        alpha=0.34,
        beta=0.28,
    ),
    "hoffmann-unrounded": LossFit(
        name="hoffmann-unrounded",
        source="Hoffmann et al. 2022 unrounded exponents from the paper's TeX source (Besiroglu et al. 2024, Table 1)",
        E=1.6934,
        A=406.4,
        B=410.7,
        alpha=0.3392,
        beta=0.2849,
    ),
}


def get_fit(name: str) -> LossFit:
    try:
        return FITS[name]
    except KeyError:
        raise InputError(f"fit: unknown {name!r}; allowed: {', '.join(FITS)}") from None


def _fit(fit: LossFit | str | None) -> LossFit:
    if fit is None:
        return FITS[DEFAULT_FIT]
    return get_fit(fit) if isinstance(fit, str) else fit


def loss(n_params: float, tokens: float, fit: LossFit | str | None = None) -> float:
    """L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, Eq. 2); ``fit`` is a fit or its name."""
    if n_params <= 0 or tokens <= 0:
        raise InputError(f"loss: parameters and tokens must be > 0, got {n_params} and {tokens}")
    f = _fit(fit)
    return float(f.E + f.A / n_params**f.alpha + f.B / tokens**f.beta)


class ComputeOptimal(Result):
    """The compute-optimal model for a FLOP budget under one fit."""

    fit: str
    flops: float
    params: float = Field(description="N_opt.")
    tokens: float = Field(description="D_opt.")
    tokens_per_param: float
    loss: float = Field(description="Predicted loss at the optimum (nats per token, MassiveText).")


def compute_optimal(flops: float, fit: LossFit | str | None = None) -> ComputeOptimal:
    """N_opt and D_opt minimising L(N, D) subject to 6 N D = C (Hoffmann et al. 2022, Eq. 4)."""
    if flops <= 0:
        raise InputError(f"flops: the compute budget must be > 0, got {flops}")
    f = _fit(fit)
    g = (f.alpha * f.A / (f.beta * f.B)) ** (1.0 / (f.alpha + f.beta))
    a = f.beta / (f.alpha + f.beta)
    b = f.alpha / (f.alpha + f.beta)
    n = g * (flops / 6.0) ** a
    d = (flops / 6.0) ** b / g
    return ComputeOptimal(fit=f.name, flops=flops, params=n, tokens=d, tokens_per_param=d / n, loss=loss(n, d, f))
