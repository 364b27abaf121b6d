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

Whole model: token embedding ``V*h``, learned positions ``P*h``, output head ``V*h`` unless tied.
*Active* parameters are those one token touches: everything except the routed experts it is not
sent to, i.e. ``top_k`` routed experts per MoE layer (the embedding and head are counted whole, as
Mixtral's 12.9B and DeepSeek-V3's 37B are).
"""

from __future__ import annotations

from pydantic import Field

from gptcalc.specs.arch import Architecture, LatentAttention, NormKind
from gptcalc.specs.base import Result


def norm_params(kind: NormKind, width: int) -> int:
    """Weights of one norm over ``width`` features: RMSNorm w, LayerNorm w+b, non-parametric none."""
    return {"rmsnorm": width, "layernorm": 2 * width, "nonparametric": 0}[kind]


def attention_params(arch: Architecture) -> int:
    """Parameters of one attention block (projections, their biases, q/k norms; not the block's pre-norm)."""
    h = arch.hidden_size
    att = arch.attention
    if isinstance(att, LatentAttention):
        a = att.n_heads
        bias = int(att.bias)
        if att.q_lora_rank is None:
            q = h * a * att.qk_head_dim
        else:
            r_q = att.q_lora_rank
            q = h * r_q + bias * r_q + norm_params(arch.norm, r_q) + r_q * a * att.qk_head_dim
        kv_a = h * (att.kv_lora_rank + att.qk_rope_head_dim) + bias * (att.kv_lora_rank + att.qk_rope_head_dim)
        kv_b = att.kv_lora_rank * a * (att.qk_nope_head_dim + att.v_head_dim)
        out = a * att.v_head_dim * h + bias * h
        return q + kv_a + norm_params(arch.norm, att.kv_lora_rank) + kv_b + out
    a, g, d = att.n_heads, att.kv_heads, arch.head_dim
    qkv = h * (a + 2 * g) * d + (a + 2 * g) * d * int(att.qkv_bias)
    out = a * d * h + h * int(att.out_bias)
    if att.qk_norm == "head":
        qk_norm = 2 * norm_params(arch.norm, d)
    elif att.qk_norm == "full":
        qk_norm = norm_params(arch.norm, a * d) + norm_params(arch.norm, g * d)
    else:
        qk_norm = 0
    return qkv + out + qk_norm


def mlp_params(arch: Architecture, d_ff: int, bias: bool | None = None) -> int:
    """One MLP of width ``d_ff``: ``3*h*f`` gated or ``2*h*f`` plain, plus biases (default: the model's)."""
    h = arch.hidden_size
    weights = arch.mlp.n_matrices * h * d_ff
    with_bias = arch.mlp.bias if bias is None else bias
    biases = ((arch.mlp.n_matrices - 1) * d_ff + h) if with_bias else 0
    return weights + biases


def router_params(arch: Architecture) -> int:
    """Router (gate) of one MoE layer, ``h*E`` (+E bias), plus the shared-expert gate ``h`` if present."""
    moe = arch.moe
    if moe is None:
        return 0
    gate = arch.hidden_size * moe.n_experts + moe.n_experts * int(moe.router_bias)
    shared_gate = arch.hidden_size if moe.shared_expert_gate and moe.n_shared_experts else 0
    return gate + shared_gate


def shared_expert_params(arch: Architecture) -> int:
    """Shared experts of one MoE layer, fused into one MLP of width n_shared*f_s (as transformers builds it)."""
    moe = arch.moe
    if moe is None or moe.n_shared_experts == 0:
        return 0
    return mlp_params(arch, moe.n_shared_experts * moe.shared_width)


def expert_params(arch: Architecture) -> int:
    """One routed expert in one layer."""
    if arch.moe is None:
        return 0
    return mlp_params(arch, arch.moe.expert_d_ff, arch.moe.expert_bias)


class LayerKind(Result):
    """Blocks of one kind (dense or MoE) and what each holds."""

    kind: str = Field(description="'dense' or 'moe'.")
    count: int = Field(description="How many blocks of this kind.")
    params_each: int = Field(description="Parameters of one block, including its norms.")
    active_each: int | None = Field(description="Parameters of one block a single token touches (None: k unknown).")


class Breakdown(Result):
    """Parameters by component; the fields sum to the total."""

    attention: int = Field(description="Attention projections, biases and q/k (or latent) norms, all layers.")
    dense_mlp: int = Field(description="Dense MLPs of the non-MoE layers.")
    routed_experts: int = Field(description="All routed experts of all MoE layers.")
    shared_experts: int = Field(description="Shared experts of all MoE layers.")
    router: int = Field(description="Routers and shared-expert gates.")
    norms: int = Field(description="Block norms and the final norm.")
    embedding: int = Field(description="Token embedding and learned position table.")
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
    layers: list[LayerKind] = Field(description="Blocks by kind.")


def count_params(arch: Architecture) -> ParamCount:
    """Count the parameters of ``arch`` exactly; see the module docstring for every term and its source."""
    h = arch.hidden_size
    n_moe = arch.n_moe_layers
    n_dense = arch.n_dense_layers
    attn = attention_params(arch)
    block_norms = arch.norms_per_layer * norm_params(arch.norm, h)
    dense_mlp = mlp_params(arch, arch.mlp.d_ff)
    expert = expert_params(arch)
    shared = shared_expert_params(arch)
    router = router_params(arch)
    moe = arch.moe
    n_experts = moe.n_experts if moe else 0
    top_k = (moe.top_k if moe else 0) or 0
    known_k = moe is None or moe.top_k is not None

    embedding = arch.vocab_size * h
    if arch.position_embedding == "learned":
        assert arch.max_position_embeddings is not None  # enforced by Architecture's validator
        embedding += arch.max_position_embeddings * h
    head = (0 if arch.tie_embeddings else arch.vocab_size * h) + arch.vocab_size * int(arch.output_bias)
    norms = arch.n_layers * block_norms + (norm_params(arch.norm, h) if arch.final_norm else 0)

    total = Breakdown(
        attention=arch.n_layers * attn,
        dense_mlp=n_dense * dense_mlp,
        routed_experts=n_moe * n_experts * expert,
        shared_experts=n_moe * shared,
        router=n_moe * router,
        norms=norms,
        embedding=embedding,
        output_head=head,
    )
    active = total.model_copy(update={"routed_experts": n_moe * top_k * expert})
    layers = []
    if n_dense:
        each = attn + block_norms + dense_mlp
        layers.append(LayerKind(kind="dense", count=n_dense, params_each=each, active_each=each))
    if n_moe:
        base = attn + block_norms + shared + router
        layers.append(
            LayerKind(
                kind="moe",
                count=n_moe,
                params_each=base + n_experts * expert,
                active_each=base + top_k * expert if known_k else None,
            )
        )
    total_n = total.total()
    emb = embedding + (arch.vocab_size * h if not arch.tie_embeddings else 0)
    return ParamCount(
        model=arch.name,
        total=total_n,
        active=active.total() if known_k else None,
        embedding=emb,
        non_embedding=total_n - emb,
        one_routed_expert=n_moe * expert,
        breakdown=total,
        active_breakdown=active if known_k else None,
        layers=layers,
    )
