"""Hugging Face ``config.json`` import.

Each supported ``model_type`` maps to an :class:`Architecture` the way the transformers model class
builds its modules, so that :func:`gptcalc.params.count_params` equals
``sum(p.numel() for p in AutoModelForCausalLM.from_config(cfg).parameters())``. Absent keys take the
defaults of transformers' own config class for that type (5.x; the few 4.x differences are noted inline).
Configs written by transformers 4.x (``rope_theta``/``rope_scaling``, ``num_experts``) and 5.x
(``rope_parameters``, ``num_local_experts``) both import: rotary settings hold no parameters and are
ignored, and renamed keys are read under either name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from gptcalc.errors import ConfigImportError, SpecError
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import validate_spec


class _Config:
    """Read keys from a config dict with per-type defaults; a key present with ``null`` stays ``None``."""

    def __init__(self, data: dict[str, Any], defaults: dict[str, Any]) -> None:
        self.data = data
        self.defaults = defaults

    def get(self, key: str, *aliases: str) -> Any:
        for source in (self.data, self.defaults):
            for name in (key, *aliases):
                if name in source:
                    return source[name]
        return None

    def int(self, key: str, *aliases: str, minimum: int = 1) -> int:
        """A whole number >= ``minimum`` (sizes and counts are never zero)."""
        value = self.get(key, *aliases)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value != int(value) or value < minimum:
            raise ConfigImportError(f"config.json: {key} must be a whole number >= {minimum}, got {value!r}")
        return int(value)

    def flag(self, key: str) -> bool:
        """A true/false setting; absent or null is false (transformers' default for every flag read here)."""
        value = self.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise ConfigImportError(f"config.json: {key} must be true or false, got {value!r}")
        return value


_LLAMA_LIKE = {
    "vocab_size": 32000,
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": None,
    "head_dim": None,
    "hidden_act": "silu",
    "attention_bias": False,
    "mlp_bias": False,
    "tie_word_embeddings": False,
    "max_position_embeddings": 2048,
    "sliding_window": None,
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "gpt2": {
        "vocab_size": 50257,
        "n_embd": 768,
        "n_layer": 12,
        "n_head": 12,
        "n_inner": None,
        "n_positions": 1024,
        "tie_word_embeddings": True,
    },
    "gpt_neox": {
        "vocab_size": 50432,
        "hidden_size": 6144,
        "intermediate_size": 24576,
        "num_hidden_layers": 44,
        "num_attention_heads": 64,
        "attention_bias": True,
        "tie_word_embeddings": False,
        "max_position_embeddings": 2048,
    },
    "llama": dict(_LLAMA_LIKE),
    "mistral": {
        **_LLAMA_LIKE,
        "intermediate_size": 14336,
        "num_key_value_heads": 8,
        "sliding_window": 4096,
        "max_position_embeddings": 131072,
    },
    "mixtral": {
        **_LLAMA_LIKE,
        "intermediate_size": 14336,
        "num_key_value_heads": 8,
        "max_position_embeddings": 131072,
        "num_local_experts": 8,
        "num_experts_per_tok": 2,
    },
    "qwen2": {
        **_LLAMA_LIKE,
        "num_key_value_heads": 32,  # the class default when the key is absent
        "vocab_size": 151936,
        "intermediate_size": 22016,
        "use_sliding_window": False,
        "sliding_window": 4096,
        "max_window_layers": 28,
        "max_position_embeddings": 32768,
    },
    "qwen2_moe": {
        **_LLAMA_LIKE,
        "num_key_value_heads": 16,  # the class default when the key is absent
        "vocab_size": 151936,
        "hidden_size": 2048,
        "intermediate_size": 5632,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "qkv_bias": True,
        "moe_intermediate_size": 1408,
        "shared_expert_intermediate_size": 5632,
        "num_experts": 60,
        "num_experts_per_tok": 4,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "max_position_embeddings": 32768,
    },
    "qwen3": {
        **_LLAMA_LIKE,
        "num_key_value_heads": 32,  # the class default when the key is absent
        "vocab_size": 151936,
        "intermediate_size": 22016,
        "head_dim": 128,
        "max_position_embeddings": 32768,
    },
    "qwen3_moe": {
        **_LLAMA_LIKE,
        "vocab_size": 151936,
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "num_hidden_layers": 24,
        "num_attention_heads": 32,
        "num_key_value_heads": 4,
        "moe_intermediate_size": 768,
        "num_experts": 128,
        "num_experts_per_tok": 8,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "max_position_embeddings": 32768,
    },
    "gemma": {
        **_LLAMA_LIKE,
        "num_key_value_heads": 16,  # the class default when the key is absent
        "vocab_size": 256000,
        "hidden_size": 3072,
        "intermediate_size": 24576,
        "num_hidden_layers": 28,
        "num_attention_heads": 16,
        "head_dim": 256,
        "hidden_act": "gelu_pytorch_tanh",
        "tie_word_embeddings": True,
        "max_position_embeddings": 8192,
    },
    "gemma2": {
        **_LLAMA_LIKE,
        "vocab_size": 256000,
        "hidden_size": 2304,
        "intermediate_size": 9216,
        "num_hidden_layers": 26,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "hidden_act": "gelu_pytorch_tanh",
        "tie_word_embeddings": True,
        "sliding_window": 4096,
        "max_position_embeddings": 8192,
    },
    "phi3": {
        **_LLAMA_LIKE,
        "vocab_size": 32064,
        "hidden_size": 3072,
        "intermediate_size": 8192,
        "max_position_embeddings": 4096,
    },
    "olmo": {**_LLAMA_LIKE, "vocab_size": 50304},
    "deepseek_v2": {
        **_LLAMA_LIKE,
        "vocab_size": 102400,
        "moe_intermediate_size": 1407,
        "n_routed_experts": 64,
        "n_shared_experts": 2,
        "num_experts_per_tok": None,
        "first_k_dense_replace": 0,
        "q_lora_rank": 1536,
        "kv_lora_rank": 512,
        "qk_rope_head_dim": 64,
        "qk_nope_head_dim": 128,
        "v_head_dim": 128,
    },
    "deepseek_v3": {
        **_LLAMA_LIKE,
        "vocab_size": 129280,
        "hidden_size": 7168,
        "intermediate_size": 18432,
        "num_hidden_layers": 61,
        "num_attention_heads": 128,
        "moe_intermediate_size": 2048,
        "n_routed_experts": 256,
        "n_shared_experts": 1,
        "num_experts_per_tok": 8,
        "first_k_dense_replace": 3,
        "q_lora_rank": 1536,
        "kv_lora_rank": 512,
        "qk_rope_head_dim": 64,
        "qk_nope_head_dim": 128,
        "v_head_dim": 128,
        "max_position_embeddings": 4096,
    },
}

SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(sorted(DEFAULTS))

# transformers activation names -> (plain activation, gated activation)
_ACTIVATIONS = {
    "gelu": "gelu",
    "gelu_new": "gelu",
    "gelu_fast": "gelu",
    "gelu_pytorch_tanh": "gelu",
    "gelu_python": "gelu",
    "quick_gelu": "gelu",
    "relu": "relu",
    "silu": "silu",
    "swish": "silu",
}
_GATED = {"gelu": "geglu", "relu": "reglu", "silu": "swiglu"}


def _activation(cfg: _Config, key: str, gated: bool) -> str:
    name = cfg.get(key) or ("silu" if gated else "gelu")
    base = _ACTIVATIONS.get(str(name))
    if base is None:
        raise ConfigImportError(f"config.json: {key} {name!r} is not a known activation ({', '.join(_ACTIVATIONS)})")
    return _GATED[base] if gated else base


def _window(cfg: _Config, model_type: str, n_layers: int) -> dict[str, Any]:
    """Sliding-window settings from ``sliding_window`` and ``layer_types`` (or the type's default pattern).

    Holds no parameters; only FLOPs and KV-cache sizes use it. transformers' defaults when ``layer_types``
    is absent: Mistral, Mixtral and Phi-3 slide on every layer, Gemma 2 on every other one (even layers),
    Qwen2/Qwen3 (only with ``use_sliding_window``) on layers from ``max_window_layers`` on. Patterns other
    than "all layers" and "every n-th layer global" keep every layer global (conservative, stated).
    """
    if model_type.startswith("qwen") and not cfg.flag("use_sliding_window"):
        return {}
    if cfg.get("sliding_window") in (None, 0):
        return {}
    window = cfg.int("sliding_window")
    types = cfg.get("layer_types")
    if types:
        sliding = [t == "sliding_attention" for t in list(types)[:n_layers]]
    elif model_type == "gemma2":
        sliding = [i % 2 == 0 for i in range(n_layers)]
    elif model_type.startswith("qwen"):
        first = cfg.get("max_window_layers") or 0
        sliding = [i >= first for i in range(n_layers)]
    else:
        sliding = [True] * n_layers
    if all(sliding):
        return {"sliding_window": window}
    if not any(sliding):
        return {}
    period = sliding.index(False) + 1
    if all(s == ((i + 1) % period != 0) for i, s in enumerate(sliding)):
        return {"sliding_window": window, "global_every": period}
    return {}


def _common(cfg: _Config, model_type: str) -> dict[str, Any]:
    h = cfg.int("hidden_size")
    heads = cfg.int("num_attention_heads")
    return {
        "name": str(cfg.data.get("_name_or_path") or model_type) or model_type,
        "n_layers": cfg.int("num_hidden_layers"),
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
        "context_length": cfg.get("max_position_embeddings"),
        "norm": "rmsnorm",
        "attention": {
            "n_heads": heads,
            "n_kv_heads": cfg.get("num_key_value_heads") or heads,
            "head_dim": cfg.get("head_dim") or h // heads,
        },
    }


# Which llama-like model classes read the bias flags (transformers 5.24 modeling code); the others hard-code them.
ATTENTION_BIAS_TYPES = frozenset({"llama", "qwen3", "qwen3_moe", "gemma", "gemma2", "olmo"})
MLP_BIAS_TYPES = frozenset({"llama"})


def _llama_like(cfg: _Config, model_type: str) -> dict[str, Any]:
    """llama, mistral, qwen2, qwen3, gemma, gemma2, olmo, phi3 and the attention of their MoE cousins."""
    spec = _common(cfg, model_type)
    bias = cfg.flag("attention_bias") if model_type in ATTENTION_BIAS_TYPES else False
    spec["attention"].update(qkv_bias=bias, out_bias=bias)
    spec["mlp"] = {
        "activation": _activation(cfg, "hidden_act", gated=True),
        "d_ff": cfg.int("intermediate_size"),
        "bias": cfg.flag("mlp_bias") if model_type in MLP_BIAS_TYPES else False,
    }
    if model_type in ("qwen2", "qwen2_moe"):
        # Qwen2 biases q/k/v but not o (hard-coded; qwen2_moe reads qkv_bias in 5.x).
        qkv = cfg.get("qkv_bias") is not False if model_type == "qwen2_moe" else True
        spec["attention"].update(qkv_bias=qkv, out_bias=False)
    if model_type in ("qwen3", "qwen3_moe"):
        spec["attention"]["qk_norm"] = "head"
    if model_type == "gemma2":
        spec["norms_per_layer"] = 4  # pre/post attention and pre/post feed-forward
    if model_type == "olmo":
        spec["norm"] = "nonparametric"
    spec["attention"].update(_window(cfg, model_type, spec["n_layers"]))
    return spec


def _mixtral(cfg: _Config, model_type: str) -> dict[str, Any]:
    spec = _llama_like(cfg, model_type)
    spec["moe"] = {
        # 5.x maps num_experts onto num_local_experts, so num_experts wins when both are present.
        "n_experts": cfg.int("num_experts", "num_local_experts"),
        "top_k": cfg.int("num_experts_per_tok"),
        "expert_d_ff": spec["mlp"]["d_ff"],
    }
    return spec


def _qwen_moe(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Qwen MoE: layer i is sparse iff i not in mlp_only_layers and (i+1) % decoder_sparse_step == 0."""
    spec = _llama_like(cfg, model_type)
    # qwen2_moe knows only num_experts; qwen3_moe 5.x maps num_experts onto num_local_experts.
    aliases = ("num_local_experts",) if model_type == "qwen3_moe" else ()
    experts = cfg.int("num_experts", *aliases, minimum=0)
    step = cfg.int("decoder_sparse_step", minimum=0)
    if experts <= 0 or step <= 0:
        return spec  # transformers builds a dense model
    moe: dict[str, Any] = {
        "n_experts": experts,
        "top_k": cfg.int("num_experts_per_tok"),
        "expert_d_ff": cfg.int("moe_intermediate_size"),
        "first_dense_layers": step - 1,
        "layer_freq": step,
        # Indices outside the model (negative or too large) never match a layer in transformers either.
        "dense_layers": sorted({int(i) for i in (cfg.get("mlp_only_layers") or []) if 0 <= int(i) < spec["n_layers"]}),
    }
    if model_type == "qwen2_moe":
        moe.update(
            n_shared_experts=1,
            shared_d_ff=cfg.int("shared_expert_intermediate_size"),
            shared_expert_gate=True,
        )
    spec["moe"] = moe
    if not any(_qwen_sparse(i, moe) for i in range(spec["n_layers"])):
        del spec["moe"]
    return spec


def _qwen_sparse(i: int, moe: dict[str, Any]) -> bool:
    return i not in moe["dense_layers"] and (i + 1) % moe["layer_freq"] == 0


def _deepseek(cfg: _Config, model_type: str) -> dict[str, Any]:
    """DeepSeek-V2/V3: MLA attention; layer i is MoE iff i >= first_k_dense_replace.

    transformers ignores ``moe_layer_freq`` (the hub configs set it to 1) and keeps V3's
    ``e_score_correction_bias`` as a buffer, not a parameter; the multi-token-prediction layer
    (``num_nextn_predict_layers``) is not instantiated.
    """
    spec = _common(cfg, model_type)
    del spec["attention"]["n_kv_heads"], spec["attention"]["head_dim"]
    q_rank = cfg.get("q_lora_rank")
    spec["attention"].update(
        kind="mla",
        q_lora_rank=int(q_rank) if q_rank else None,
        kv_lora_rank=cfg.int("kv_lora_rank"),
        qk_rope_head_dim=cfg.int("qk_rope_head_dim"),
        qk_nope_head_dim=cfg.int("qk_nope_head_dim"),
        v_head_dim=cfg.int("v_head_dim"),
        bias=cfg.flag("attention_bias"),
    )
    spec["mlp"] = {
        "activation": _activation(cfg, "hidden_act", gated=True),
        "d_ff": cfg.int("intermediate_size"),
        "bias": cfg.flag("mlp_bias") if model_type == "deepseek_v2" else False,
    }
    first_dense = cfg.int("first_k_dense_replace", minimum=0)
    if first_dense >= spec["n_layers"]:
        return spec
    top_k = cfg.get("num_experts_per_tok")  # transformers' deepseek_v2 default is null: counted, k unknown
    shared = cfg.int("n_shared_experts", minimum=0) if cfg.get("n_shared_experts") is not None else 0
    spec["moe"] = {
        "n_experts": cfg.int("n_routed_experts", "num_experts" if model_type == "deepseek_v2" else "num_local_experts"),
        "top_k": None if top_k is None else cfg.int("num_experts_per_tok"),
        "expert_d_ff": cfg.int("moe_intermediate_size"),
        "n_shared_experts": int(shared),
        "first_dense_layers": first_dense,
        "expert_bias": False,  # 5.x fuses experts into bias-free tensors even when mlp_bias is set
    }
    return spec


def _gpt2(cfg: _Config, model_type: str) -> dict[str, Any]:
    """GPT-2: Conv1D projections with biases, LayerNorm, learned positions, tied head by default."""
    if cfg.flag("add_cross_attention"):
        raise ConfigImportError(
            "config.json: gpt2 with add_cross_attention=true (an encoder-decoder block) is not supported"
        )
    h = cfg.int("n_embd", "hidden_size")
    heads = cfg.int("n_head", "num_attention_heads")
    inner = cfg.int("n_inner") if cfg.get("n_inner") is not None else None
    return {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": cfg.int("n_layer", "num_hidden_layers"),
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "attention": {"n_heads": heads, "head_dim": h // heads, "qkv_bias": True, "out_bias": True},
        "mlp": {
            "activation": _activation(cfg, "activation_function", gated=False),
            "d_ff": inner or 4 * h,
            "bias": True,
        },
        "norm": "layernorm",
        "position_embedding": "learned",
        "max_position_embeddings": cfg.int("n_positions", "max_position_embeddings"),
        "context_length": cfg.int("n_positions", "max_position_embeddings"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
    }


def _gpt_neox(cfg: _Config, model_type: str) -> dict[str, Any]:
    """GPT-NeoX/Pythia: fused QKV of 3h (always MHA), LayerNorms with bias, biased MLP, untied head."""
    spec = _common(cfg, model_type)
    h = spec["hidden_size"]
    heads = spec["attention"]["n_heads"]
    bias = cfg.flag("attention_bias") if cfg.get("attention_bias") is not None else True
    spec["attention"] = {"n_heads": heads, "head_dim": h // heads, "qkv_bias": bias, "out_bias": bias}
    spec["mlp"] = {
        "activation": _activation(cfg, "hidden_act", gated=False),
        "d_ff": cfg.int("intermediate_size"),
        "bias": True,
    }
    spec["norm"] = "layernorm"
    return spec


_BUILDERS: dict[str, Callable[[_Config, str], dict[str, Any]]] = {
    "gpt2": _gpt2,
    "gpt_neox": _gpt_neox,
    "llama": _llama_like,
    "mistral": _llama_like,
    "qwen2": _llama_like,
    "qwen3": _llama_like,
    "gemma": _llama_like,
    "gemma2": _llama_like,
    "phi3": _llama_like,
    "olmo": _llama_like,
    "mixtral": _mixtral,
    "qwen2_moe": _qwen_moe,
    "qwen3_moe": _qwen_moe,
    "deepseek_v2": _deepseek,
    "deepseek_v3": _deepseek,
}


def architecture_from_hf(config: dict[str, Any], name: str | None = None, origin: str = "config.json") -> Architecture:
    """Build an :class:`Architecture` from a Hugging Face config dict (see the module docstring)."""
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or model_type not in _BUILDERS:
        shown = "missing" if model_type is None else repr(model_type)
        raise ConfigImportError(
            f"{origin}: model_type {shown} is not supported; supported: {', '.join(SUPPORTED_MODEL_TYPES)}"
        )
    cfg = _Config(config, DEFAULTS[model_type])
    try:
        spec = _BUILDERS[model_type](cfg, model_type)
    except ConfigImportError as err:
        raise ConfigImportError(f"{origin}: {str(err).removeprefix('config.json: ')}") from None
    except (TypeError, ValueError, KeyError, ArithmeticError) as err:
        raise ConfigImportError(f"{origin}: cannot read {model_type} config ({err})") from None
    if name:
        spec["name"] = name
    ctx = spec.get("context_length")
    if not (isinstance(ctx, int) and not isinstance(ctx, bool) and ctx > 0):
        spec.pop("context_length", None)
    spec["description"] = f"Imported from a Hugging Face {model_type} config"
    spec["source"] = origin
    try:
        return validate_spec(Architecture, spec, origin)
    except SpecError as err:
        raise ConfigImportError(str(err)) from None
