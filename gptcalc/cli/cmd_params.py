"""``gptcalc params``: the exact parameter budget of a model."""

from gptcalc.cli.app import app
from gptcalc.cli.options import JsonOpt, ModelArg, PresetsOpt, SetOpt, StrictOpt, approximate_note, dirs
from gptcalc.fmt import fmt_bytes, fmt_count
from gptcalc.render import assumptions, console, print_json, table

_LABELS = {
    "attention": "attention",
    "dense_mlp": "dense MLP",
    "routed_experts": "routed experts",
    "shared_experts": "shared experts",
    "router": "router",
    "norms": "norms",
    "embedding": "embedding (token + position)",
    "output_head": "output head",
}


@app.command("params", rich_help_panel="Models and presets")
def params_cmd(
    model: ModelArg,
    set_: SetOpt = None,
    presets: PresetsOpt = None,
    json_out: JsonOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Count parameters exactly: total, active per token, embedding, and by component and layer kind."""
    from gptcalc.adapters.load import hub_checkpoint, load_model
    from gptcalc.params import count_params

    arch = load_model(model, dirs(presets), set_ or [], strict=strict)
    result = count_params(arch)
    marks = approximate_note(arch)
    checkpoint = hub_checkpoint(model)
    if checkpoint is not None:
        from gptcalc.memory import weight_bytes_per_param

        size, dtype = checkpoint
        weights = round(result.total * weight_bytes_per_param(dtype))
        marks["checkpoint"] = {"index_total_size": size, "dtype": dtype, "weight_bytes": weights}
    if json_out:
        print_json({**result.model_dump(), **marks} if marks else result)
        return
    out = console()
    summary = [
        ["total", fmt_count(result.total), f"{result.total:,}"],
        [
            "active per token",
            *(
                (fmt_count(result.active), f"{result.active:,}")
                if result.active is not None
                else ("unknown", "set moe.top_k")
            ),
        ],
        ["embedding (incl. untied head)", fmt_count(result.embedding), f"{result.embedding:,}"],
        ["non-embedding", fmt_count(result.non_embedding), f"{result.non_embedding:,}"],
    ]
    if arch.moe is not None:
        summary.append(
            [
                "one routed expert, all layers",
                fmt_count(result.one_routed_expert),
                f"{result.one_routed_expert:,}",
            ]
        )
    if checkpoint is not None:
        summary += [
            [f"weights at {dtype} (computed)", fmt_bytes(weights), f"{weights:,} B"],
            ["checkpoint (safetensors index)", fmt_bytes(size), f"{size:,} B"],
        ]
    out.print(table(f"Parameters of {arch.name}", ["", "count", "exact"], summary))
    out.print()
    total = result.breakdown.model_dump()
    active = result.active_breakdown.model_dump() if result.active_breakdown else dict.fromkeys(total)
    rows = [
        [label, fmt_count(total[key]), _maybe(active[key]), f"{total[key] / result.total:.1%}"]
        for key, label in _LABELS.items()
        if total[key]
    ]
    out.print(table("By component", ["component", "total", "active", "share"], rows))
    out.print()
    layer_rows = [[k.kind, str(k.count), fmt_count(k.params_each), _maybe(k.active_each)] for k in result.layers]
    out.print(table("By layer kind", ["kind", "layers", "params each", "active each"], layer_rows))
    out.print()
    att = arch.attention
    ga = arch.global_attention
    blocks = set(arch.layer_pattern or ("dense",))
    has_attention = any(b in ("dense", "moe", "dense+moe") or "attention" in b for b in blocks)
    has_mlp = any(b in ("dense", "moe", "mlp", "dense+moe") or "mlp" in b for b in blocks)
    notes = [
        f"layers: {', '.join(f'{b} x {(arch.layer_pattern or ()).count(b)}' for b in sorted(blocks))}"
        if arch.layer_pattern
        else "",
        f"attention: {att.variant}, {att.n_heads} heads, head dim {arch.head_dim}" if has_attention else "",
        f"full-attention layers: {ga.variant}, {ga.kv_heads} kv heads, head dim {ga.head_dim}"
        + (", keys reused as values" if ga.k_eq_v else "")
        if ga is not None
        else "",
        f"last {arch.kv_sharing.layers} layers reuse earlier layers' keys and values (no k/v projections, no KV cache)"
        + (f", MLP d_ff {arch.kv_sharing.d_ff}" if arch.kv_sharing.d_ff else "")
        if arch.kv_sharing is not None
        else "",
        f"per-layer input embeddings: {arch.per_layer_embedding.vocab_size} x {arch.n_layers} x"
        f" {arch.per_layer_embedding.width} (counted as embedding)"
        if arch.per_layer_embedding is not None
        else "",
        f"state-space mixer: {arch.ssm.kind}" if arch.ssm is not None else "",
        f"linear attention: {arch.linear_attention.kind}" if arch.linear_attention is not None else "",
        f"MLP: {arch.mlp.activation}, d_ff {arch.mlp.d_ff}, {arch.mlp.n_matrices} matrices" if has_mlp else "",
        f"norm: {arch.norm}; embeddings {'tied' if arch.tie_embeddings else 'untied'};"
        f" positions: {arch.position_embedding}",
        "active = everything but the routed experts a token is not sent to (embedding and head counted whole)",
    ]
    from gptcalc.specs.arch import VISION_EXCLUDED

    if VISION_EXCLUDED in arch.description:
        notes.insert(0, arch.description.removeprefix("Imported from a Hugging Face ").replace(" config:", ":"))
    notes = [n for n in notes if n]
    if arch.moe is not None:
        m = arch.moe
        notes.insert(
            2,
            f"MoE: {m.n_experts} routed experts (top-{m.top_k}), {m.n_shared_experts} shared,"
            f" expert d_ff {m.expert_d_ff}, {arch.n_moe_layers} of {arch.n_layers} layers",
        )
    out.print(assumptions(notes))


def _maybe(value: int | None) -> str:
    return "unknown" if value is None else fmt_count(value)
