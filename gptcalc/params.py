"""Exact parameter accounting.

Every count is the number of scalars the Hugging Face transformers model classes instantiate for the
same architecture (``sum(p.numel() for p in model.parameters())``, tied weights once); the golden
fixtures in ``tests/golden/hf`` hold transformers' own counts for each supported ``model_type``.

Notation (Kaplan et al. 2020, Sec. 2.1; Narayanan et al. 2021): L layers, h hidden size, a heads,
d head width, g key/value heads, f MLP width, V vocabulary, E routed experts, k experts per token.

Per block (biases and norms added where the architecture has them):

* standard attention: ``h*a*d`` (Q) + ``2*h*g*d`` (K, V) + ``a*d*h`` (O)
* latent attention (DeepSeek-V2, Sec. 2.1.2): ``h*r_q + r_q*a*(d_nope+d_rope)`` (or ``h*a*(d_nope+d_rope)``)
  + ``h*(r_kv+d_rope)`` + ``r_kv*a*(d_nope+d_v)`` + ``a*d_v*h`` + the two latent RMSNorms
* MLP: ``2*h*f`` plain or ``3*h*f`` gated; an MoE layer has ``E`` experts of ``3*h*f_e`` (or 2x),
  ``n_shared`` shared experts fused into one MLP of width ``n_shared*f_s``, a router ``h*E`` and an
  optional shared-expert gate ``h``
* norms: ``h`` (RMSNorm), ``2h`` (LayerNorm), 0 (non-parametric)
* Mamba-2 mixer (Dao & Gu 2024 Sec. 7.1; counted under ``attention``, the token mixer):
  ``h*(2*H*P + 2*G*N + H)`` in_proj + ``(H*P + 2*G*N)*(K + 1)`` conv1d weight and bias + ``3*H`` (dt_bias,
  A_log, D) + ``H*P`` gated norm + ``H*P*h`` out_proj

Whole model: token embedding ``V*h``, learned positions ``P*h``, output head ``V*h`` unless tied.
*Active* parameters are those one token touches: everything except the routed experts it is not
sent to, i.e. ``top_k`` routed experts per MoE layer (the embedding and head are counted whole, as
Mixtral's 12.9B and DeepSeek-V3's 37B are).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gptcalc.inventory import inventory
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result, trusted


class LayerCount(Result):
    """Blocks of one kind (dense or MoE) and what each holds."""

    kind: str = Field(description="'dense', 'moe', or a hybrid's 'mamba2', 'attention', 'mlp', 'experts'.")
    count: int = Field(description="How many blocks of this kind.")
    params_each: int = Field(description="Parameters of one block, including its norms.")
    active_each: int | None = Field(description="Parameters of one block a single token touches (None: k unknown).")


class Breakdown(Result):
    """Parameters by component; the fields sum to the total."""

    attention: int = Field(
        description="Token mixers, all layers: attention projections, biases and q/k (or latent) norms, and "
        "Mamba-2 mixers (in/out projections, conv1d, dt_bias, A_log, D, gated norm)."
    )
    dense_mlp: int = Field(description="Dense MLPs of the non-MoE layers.")
    routed_experts: int = Field(description="All routed experts of all MoE layers.")
    shared_experts: int = Field(
        description="Shared experts of all MoE layers (and Nemotron-H's latent MoE projections, h -> latent -> h)."
    )
    router: int = Field(description="Routers and shared-expert gates.")
    norms: int = Field(description="Block norms and the final norm.")
    embedding: int = Field(
        description="Token embedding and learned position table (and Gemma 4's per-layer input embeddings: the "
        "packed table, its projection and norm, each layer's gate, projection and norm)."
    )
    output_head: int = Field(description="Untied output projection and its bias (0 when tied).")

    def total(self) -> int:
        return sum(int(v) for v in self.model_dump().values())


class ParamCount(Result):
    """The parameter budget of one architecture."""

    model: str = Field(description="Architecture name.")
    total: int = Field(description="Unique parameters (tied weights once).")
    active: int | None = Field(description="Parameters one token touches (top-k routed experts); None if k unknown.")
    embedding: int = Field(description="Token and position embeddings plus an untied output head.")
    non_embedding: int = Field(description="total - embedding (Kaplan et al. 2020's N).")
    one_routed_expert: int = Field(description="One routed expert summed over all MoE layers (the leak's 111B).")
    breakdown: Breakdown = Field(description="Total by component.")
    active_breakdown: Breakdown | None = Field(description="Active parameters by component; None if k unknown.")
    layers: list[LayerCount] = Field(description="Blocks by kind.")


def count_params(arch: Architecture) -> ParamCount:
    """Count the parameters of ``arch`` exactly: the sum of every weight tensor in its operator inventory
    (:mod:`gptcalc.inventory`); see the module docstring for every term and its source."""
    inv = inventory(arch)
    moe_kinds = inv.moe_kinds
    top_k = arch.moe.top_k if moe_kinds and arch.moe is not None else 0
    known_k = top_k is not None
    totals = inv.totals
    routed_active = inv.component_params("routed_experts", experts=top_k or 0)
    total_n = sum(totals.values())
    active_n = total_n - totals["routed_experts"] + routed_active
    fields: dict[str, Any] = {**totals}  # exact ints from the inventory: nothing to validate
    total = Breakdown.model_construct(**fields)
    active = Breakdown.model_construct(**{**fields, "routed_experts": routed_active})
    # Exact whole numbers from the inventory, built unchecked as the breakdowns are (specs.base.trusted).
    layers = [
        trusted(
            LayerCount,
            {
                "kind": name,
                "count": inv.count(name),
                "params_each": kind.params(),
                "active_each": kind.params(experts=top_k or 0) if known_k else None,
            },
        )
        for name, kind in inv.kinds.items()
    ]
    layers.sort(key=lambda layer: layer.kind)
    emb = inv.embedding_params + (0 if inv.tied else inv.head_matrix)
    return trusted(
        ParamCount,
        {
            "model": arch.name,
            "total": total_n,
            "active": active_n if known_k else None,
            "embedding": emb,
            "non_embedding": total_n - emb,
            "one_routed_expert": inv.component_params("routed_experts", experts=1),
            "breakdown": total,
            "active_breakdown": active if known_k else None,
            "layers": layers,
        },
    )
