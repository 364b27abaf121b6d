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
from gptcalc.specs.arch import VISION_EXCLUDED, Architecture
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

    def flag(self, key: str, *aliases: str) -> bool:
        """A true/false setting; absent or null is false (transformers' default for every flag read here)."""
        value = self.get(key, *aliases)
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


def _llama(**changes: Any) -> dict[str, Any]:
    return {**_LLAMA_LIKE, **changes}


# transformers 5.24 configuration-class defaults of the keys each builder reads (llama-like keys inherited).
DEFAULTS.update(
    {
        "olmo2": _llama(vocab_size=50304),
        "olmo3": _llama(vocab_size=50304, sliding_window=4096),
        "olmoe": _llama(
            vocab_size=50304,
            hidden_size=2048,
            intermediate_size=2048,
            num_hidden_layers=16,
            num_attention_heads=16,
            num_experts=64,
            num_experts_per_tok=8,
            max_position_embeddings=4096,
        ),
        "dbrx": {
            "d_model": 2048,
            "n_heads": 16,
            "n_layers": 24,
            "max_seq_len": 2048,
            "vocab_size": 32000,
            "tie_word_embeddings": False,
            "attn_config": {},
            "ffn_config": {},
        },
        "falcon": {
            "vocab_size": 65024,
            "hidden_size": 4544,
            "num_hidden_layers": 32,
            "num_attention_heads": 71,
            "num_kv_heads": None,
            "num_ln_in_parallel_attn": None,
            "alibi": False,
            "new_decoder_architecture": False,
            "multi_query": True,
            "parallel_attn": True,
            "bias": False,
            "max_position_embeddings": 2048,
            "ffn_hidden_size": None,
            "activation": "gelu",
            "tie_word_embeddings": True,
        },
        "gpt_oss": _llama(
            num_hidden_layers=36,
            num_local_experts=128,
            vocab_size=201088,
            hidden_size=2880,
            intermediate_size=2880,
            head_dim=64,
            num_attention_heads=64,
            num_key_value_heads=8,
            sliding_window=128,
            max_position_embeddings=131072,
            num_experts_per_tok=4,
            attention_bias=True,
        ),
        "gpt_bigcode": {
            "vocab_size": 50257,
            "n_positions": 1024,
            "n_embd": 768,
            "n_layer": 12,
            "n_head": 12,
            "n_inner": None,
            "activation_function": "gelu_pytorch_tanh",
            "multi_query": True,
            "tie_word_embeddings": True,
        },
        "gptj": {
            "vocab_size": 50400,
            "n_positions": 2048,
            "n_embd": 4096,
            "n_layer": 28,
            "n_head": 16,
            "n_inner": None,
            "activation_function": "gelu_new",
            "tie_word_embeddings": False,
        },
        "bloom": {"vocab_size": 250880, "hidden_size": 64, "n_layer": 2, "n_head": 8, "tie_word_embeddings": True},
        "opt": {
            "vocab_size": 50272,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "ffn_dim": 3072,
            "max_position_embeddings": 2048,
            "do_layer_norm_before": True,
            "_remove_final_layer_norm": False,
            "word_embed_proj_dim": None,
            "num_attention_heads": 12,
            "activation_function": "relu",
            "enable_bias": True,
            "layer_norm_elementwise_affine": True,
            "tie_word_embeddings": True,
        },
        "mpt": {
            "d_model": 2048,
            "n_heads": 16,
            "n_layers": 24,
            "max_seq_len": 2048,
            "vocab_size": 50368,
            "tie_word_embeddings": True,
            "attn_config": {},
        },
        "stablelm": _llama(
            vocab_size=50304,
            intermediate_size=6912,
            hidden_size=2560,
            num_attention_heads=32,
            max_position_embeddings=4096,
            use_qkv_bias=False,
            qk_layernorm=False,
            use_parallel_residual=False,
        ),
        "phi": _llama(
            vocab_size=51200,
            hidden_size=2048,
            intermediate_size=8192,
            num_hidden_layers=24,
            hidden_act="gelu_new",
            qk_layernorm=False,
        ),
        "phimoe": _llama(
            vocab_size=32064,
            intermediate_size=6400,
            num_key_value_heads=8,
            max_position_embeddings=131072,
            num_experts_per_tok=2,
            num_local_experts=16,
            lm_head_bias=False,
        ),
        "starcoder2": _llama(
            vocab_size=49152,
            hidden_size=3072,
            intermediate_size=12288,
            num_hidden_layers=30,
            num_attention_heads=24,
            num_key_value_heads=2,
            hidden_act="gelu_pytorch_tanh",
            max_position_embeddings=4096,
            use_bias=True,
            tie_word_embeddings=True,
        ),
        "cohere": _llama(
            vocab_size=256000,
            hidden_size=8192,
            intermediate_size=22528,
            num_hidden_layers=40,
            num_attention_heads=64,
            max_position_embeddings=8192,
            tie_word_embeddings=True,
            use_qk_norm=False,
        ),
        "cohere2": _llama(
            vocab_size=256000,
            hidden_size=8192,
            intermediate_size=22528,
            num_hidden_layers=40,
            num_attention_heads=64,
            max_position_embeddings=8192,
            tie_word_embeddings=True,
            sliding_window=4096,
            head_dim=128,
        ),
        "glm4": _llama(
            vocab_size=151552,
            intermediate_size=13696,
            num_hidden_layers=40,
            num_key_value_heads=2,
            head_dim=128,
            max_position_embeddings=131072,
            attention_bias=True,
        ),
        "glm4_moe": _llama(
            vocab_size=151552,
            intermediate_size=10944,
            num_hidden_layers=46,
            num_attention_heads=96,
            num_key_value_heads=8,
            max_position_embeddings=131072,
            moe_intermediate_size=1408,
            num_experts_per_tok=8,
            n_shared_experts=1,
            n_routed_experts=128,
            first_k_dense_replace=1,
            use_qk_norm=False,
        ),
        "granite": _llama(),
        "granitemoe": _llama(num_local_experts=8, num_experts_per_tok=2),
        "granitemoeshared": _llama(num_local_experts=8, num_experts_per_tok=2, shared_intermediate_size=0),
        "ernie4_5": _llama(
            vocab_size=103424,
            hidden_size=1024,
            intermediate_size=3072,
            num_hidden_layers=18,
            num_attention_heads=16,
            num_key_value_heads=2,
            max_position_embeddings=131072,
            tie_word_embeddings=True,
            use_bias=False,
            head_dim=128,
        ),
        "ernie4_5_moe": _llama(
            vocab_size=103424,
            hidden_size=2560,
            intermediate_size=12288,
            num_hidden_layers=28,
            num_attention_heads=20,
            num_key_value_heads=4,
            max_position_embeddings=131072,
            tie_word_embeddings=True,
            use_bias=False,
            moe_intermediate_size=1536,
            moe_k=6,
            moe_num_experts=64,
            moe_num_shared_experts=2,
            moe_layer_start_index=1,
            moe_layer_end_index=27,
            moe_layer_interval=1,
        ),
        "exaone4": _llama(vocab_size=102400, intermediate_size=16384, sliding_window=4096, sliding_window_pattern=4),
        "smollm3": _llama(
            vocab_size=128256,
            hidden_size=2048,
            intermediate_size=11008,
            num_hidden_layers=36,
            num_attention_heads=16,
            num_key_value_heads=4,
            max_position_embeddings=32768,
            tie_word_embeddings=True,
            use_sliding_window=False,
        ),
        "seed_oss": _llama(
            vocab_size=155136,
            intermediate_size=27648,
            num_hidden_layers=64,
            num_attention_heads=80,
            num_key_value_heads=8,
            max_position_embeddings=524288,
            attention_bias=True,
            attention_out_bias=False,
            head_dim=128,
        ),
        "internlm3": _llama(
            vocab_size=128512,
            intermediate_size=10240,
            num_hidden_layers=48,
            num_key_value_heads=2,
            max_position_embeddings=32768,
            head_dim=128,
        ),
        "gemma3_text": _llama(
            vocab_size=262208,
            hidden_size=2304,
            intermediate_size=9216,
            num_hidden_layers=26,
            num_attention_heads=8,
            num_key_value_heads=4,
            head_dim=256,
            hidden_activation="gelu_pytorch_tanh",
            max_position_embeddings=131072,
            tie_word_embeddings=True,
            sliding_window=4096,
        ),
        "ministral3": _llama(
            vocab_size=131072,
            intermediate_size=14336,
            num_hidden_layers=34,
            num_key_value_heads=8,
            head_dim=128,
            max_position_embeddings=262144,
        ),
        "minimax_m2": _llama(
            vocab_size=200064,
            hidden_size=3072,
            intermediate_size=1536,
            num_hidden_layers=62,
            num_attention_heads=48,
            num_key_value_heads=8,
            head_dim=128,
            max_position_embeddings=196608,
            num_experts_per_tok=8,
            num_local_experts=256,
        ),
    }
)

# Families added for issue 13 (transformers 5.24 configuration classes).
_QWEN35_LINEAR = {
    "head_dim": 256,
    "max_position_embeddings": 32768,
    "linear_conv_kernel_dim": 4,
    "linear_key_head_dim": 128,
    "linear_value_head_dim": 128,
    "linear_num_key_heads": 16,
    "linear_num_value_heads": 32,
    "full_attention_interval": 4,  # popped from the kwargs by the 5.24 classes when layer_types is absent
}
DEFAULTS.update(
    {
        # No causal-LM class of their own: counted as their wrapper's language model and head, which the wrapper
        # ties by its own tie_word_embeddings (default false).
        "qwen3_vl_text": _llama(
            vocab_size=151936,
            intermediate_size=22016,
            num_key_value_heads=32,
            head_dim=128,
            max_position_embeddings=128000,
        ),
        "qwen3_vl_moe_text": _llama(
            vocab_size=151936,
            hidden_size=2048,
            intermediate_size=5632,
            num_hidden_layers=24,
            num_attention_heads=16,
            num_key_value_heads=16,
            max_position_embeddings=128000,
            decoder_sparse_step=1,
            moe_intermediate_size=1408,
            num_experts_per_tok=4,
            num_experts=60,
            mlp_only_layers=[],
        ),
        "hunyuan_v1_moe": _llama(vocab_size=290943, num_experts=1, moe_topk=1),
        "llama4_text": _llama(
            vocab_size=202048,
            hidden_size=5120,
            intermediate_size=8192,
            intermediate_size_mlp=16384,
            num_hidden_layers=48,
            num_attention_heads=40,
            num_key_value_heads=8,
            head_dim=128,
            max_position_embeddings=131072,
            num_experts_per_tok=1,
            num_local_experts=16,
            interleave_moe_layer_step=1,
            no_rope_layer_interval=4,
            attention_chunk_size=8192,
        ),
        "minimax": _llama(
            intermediate_size=14336,
            num_key_value_heads=8,
            max_position_embeddings=131072,
            num_experts_per_tok=2,
            num_local_experts=8,
            block_size=256,
        ),
        "gemma4_text": {
            "vocab_size": 262144,
            "hidden_size": 2304,
            "intermediate_size": 9216,
            "num_hidden_layers": 30,
            "num_attention_heads": 8,
            "num_key_value_heads": 4,
            "head_dim": 256,
            "global_head_dim": 512,
            "hidden_activation": "gelu_pytorch_tanh",
            "max_position_embeddings": 131072,
            "tie_word_embeddings": True,
            "attention_bias": False,
            "sliding_window": 512,
            "vocab_size_per_layer_input": 262144,
            "hidden_size_per_layer_input": 256,
            "num_kv_shared_layers": 0,
        },
        "longcat_flash": {
            "vocab_size": 131072,
            "hidden_size": 6144,
            "num_layers": 28,
            "num_attention_heads": 64,
            "hidden_act": "silu",
            "max_position_embeddings": 131072,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "ffn_hidden_size": 12288,
            "q_lora_rank": 1536,
            "kv_lora_rank": 512,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "moe_topk": 12,
            "n_routed_experts": 512,
            "zero_expert_num": 256,
            "expert_ffn_hidden_size": 2048,
        },
        "deepseek_v32": {
            **DEFAULTS["deepseek_v3"],
            "max_position_embeddings": 163840,
            "index_n_heads": 64,
            "index_head_dim": 128,
            "index_topk": 2048,
        },
        "qwen3_5_text": _llama(
            **_QWEN35_LINEAR,
            vocab_size=248320,
            intermediate_size=12288,
            num_attention_heads=16,
            num_key_value_heads=4,
        ),
        "qwen3_5_moe_text": _llama(
            **_QWEN35_LINEAR,
            vocab_size=248320,
            hidden_size=2048,
            num_hidden_layers=40,
            num_attention_heads=16,
            num_key_value_heads=2,
            moe_intermediate_size=512,
            shared_expert_intermediate_size=512,
            num_experts_per_tok=8,
            num_experts=256,
        ),
    }
)

# State-space and hybrid families (transformers 5.24 Mamba2Config, NemotronHConfig).
DEFAULTS.update(
    {
        "mamba2": {
            "vocab_size": 32768,
            "hidden_size": 4096,
            "num_hidden_layers": 64,
            "num_heads": 128,
            "head_dim": 64,
            "state_size": 128,
            "expand": 2,
            "n_groups": 8,
            "conv_kernel": 4,
            "chunk_size": 256,
            "use_bias": False,
            "use_conv_bias": True,
            "tie_word_embeddings": False,
        },
        "qwen3_next": {
            **_LLAMA_LIKE,
            "vocab_size": 151936,
            "hidden_size": 2048,
            "intermediate_size": 5632,
            "num_hidden_layers": 48,
            "num_attention_heads": 16,
            "num_key_value_heads": 2,
            "head_dim": 256,
            "max_position_embeddings": 32768,
            "attention_bias": False,
            "tie_word_embeddings": False,
            "linear_conv_kernel_dim": 4,
            "linear_key_head_dim": 128,
            "linear_value_head_dim": 128,
            "linear_num_key_heads": 16,
            "linear_num_value_heads": 32,
            "decoder_sparse_step": 1,
            "moe_intermediate_size": 512,
            "shared_expert_intermediate_size": 512,
            "num_experts_per_tok": 10,
            "num_experts": 512,
            "mlp_only_layers": [],
            "full_attention_interval": 4,
        },
        "kimi_linear": {
            "vocab_size": 163840,
            "hidden_size": 2304,
            "intermediate_size": 9216,
            "moe_intermediate_size": 1024,
            "num_hidden_layers": 27,
            "num_attention_heads": 32,
            "n_shared_experts": 1,
            "kv_lora_rank": 512,
            "q_lora_rank": None,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "qk_nope_head_dim": 128,
            "num_experts_per_tok": 8,
            "hidden_act": "silu",
            "tie_word_embeddings": False,
            "attention_bias": False,
            "num_local_experts": 256,
            "linear_head_dim": 128,
            "linear_num_heads": 32,
            "linear_conv_kernel_dim": 4,
            "first_k_dense_replace": 1,
        },
        "jamba": {
            "vocab_size": 65536,
            "hidden_size": 4096,
            "intermediate_size": 14336,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "max_position_embeddings": 262144,
            "hidden_act": "silu",
            "tie_word_embeddings": False,
            "num_experts_per_tok": 2,
            "num_experts": 16,
            "expert_layer_period": 2,
            "expert_layer_offset": 1,
            "attn_layer_period": 8,
            "attn_layer_offset": 4,
            "mamba_d_state": 16,
            "mamba_d_conv": 4,
            "mamba_expand": 2,
            "mamba_dt_rank": "auto",
            "mamba_conv_bias": True,
            "mamba_proj_bias": False,
        },
        "falcon_h1": {
            "vocab_size": 128000,
            "hidden_size": 4096,
            "intermediate_size": 14336,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "max_position_embeddings": 8192,
            "hidden_act": "silu",
            "tie_word_embeddings": False,
            "attention_bias": False,
            "mlp_bias": False,
            "projectors_bias": False,
            "mamba_d_ssm": 1024,
            "mamba_n_heads": 128,
            "mamba_d_head": "auto",
            "mamba_n_groups": 1,
            "mamba_d_state": 256,
            "mamba_d_conv": 4,
            "mamba_expand": 2,
            "mamba_chunk_size": 256,
            "mamba_conv_bias": True,
            "mamba_proj_bias": False,
            "mamba_rms_norm": False,
        },
        "granitemoehybrid": {
            "vocab_size": 32000,
            "hidden_size": 4096,
            "intermediate_size": 11008,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "max_position_embeddings": 2048,
            "hidden_act": "silu",
            "tie_word_embeddings": False,
            "attention_bias": False,
            "num_local_experts": 8,
            "num_experts_per_tok": 2,
            "shared_intermediate_size": 1024,
            "mamba_n_heads": 128,
            "mamba_n_groups": 1,
            "mamba_d_state": 256,
            "mamba_d_head": "auto",
            "mamba_d_conv": 4,
            "mamba_expand": 2,
            "mamba_chunk_size": 256,
            "mamba_conv_bias": True,
            "mamba_proj_bias": False,
        },
        "nemotron_h": {
            "vocab_size": 131072,
            "hidden_size": 4096,
            "layers_block_type": ["linear_attention", "moe", "full_attention", "mlp"],
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "max_position_embeddings": 4096,
            "intermediate_size": 21504,
            "mlp_hidden_act": "relu2",
            "mlp_bias": False,
            "ssm_state_size": 128,
            "mamba_num_heads": 128,
            "mamba_head_dim": 64,
            "n_groups": 8,
            "conv_kernel": 4,
            "chunk_size": 128,
            "use_conv_bias": True,
            "use_bias": False,
            "n_routed_experts": 8,
            "moe_intermediate_size": 7688,
            "moe_shared_expert_intermediate_size": 7688,
            "moe_latent_size": None,
            "num_experts_per_tok": 2,
            "tie_word_embeddings": False,
        },
    }
)

# Multimodal wrappers: the config.json of a whole image-text checkpoint, whose language model sits under
# ``text_config`` (a dict without model_type is read as the wrapper's default text type, as transformers does).
WRAPPERS: dict[str, str] = {
    "gemma3": "gemma3_text",
    "gemma4": "gemma4_text",
    "mistral3": "mistral",
    "llama4": "llama4_text",
    "qwen3_5": "qwen3_5_text",
    "qwen3_5_moe": "qwen3_5_moe_text",
    "qwen3_vl": "qwen3_vl_text",
    "qwen3_vl_moe": "qwen3_vl_moe_text",
}
# Wrappers whose transformers 5.x class ties lm_head to the embedding by the *outer* tie_word_embeddings (the
# text model class reads its own): a text_config that does not state it takes the outer config's stated value.
# Llama4ForConditionalGeneration keeps a whole Llama4ForCausalLM, tied by its text config alone.
_OUTER_TIES = frozenset({"gemma3", "gemma4", "mistral3", "qwen3_5", "qwen3_5_moe"})
# Wrappers whose text type has no causal-LM class (transformers 5.24): the wrapper's lm_head is tied by the outer
# tie_word_embeddings alone (default false), whatever the text_config says.
_OUTER_TIE_ONLY = frozenset({"qwen3_vl", "qwen3_vl_moe"})

# Types counted exactly: those with a builder, and the wrappers whose default text type has one.
SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(sorted({*DEFAULTS, *(w for w, t in WRAPPERS.items() if t in DEFAULTS)}))

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


# Default sliding/global patterns when a config has no layer_types: every n-th layer (1-based) is global.
# (transformers 5.24 configuration classes; sliding_window_pattern overrides n where the class reads it.)
_GLOBAL_EVERY = {"gemma2": 2, "gemma3_text": 6, "cohere2": 4, "olmo3": 4, "gpt_oss": 2, "exaone4": 4}
_USE_SLIDING_FLAG = ("qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "smollm3")


def _window(cfg: _Config, model_type: str, n_layers: int) -> dict[str, Any]:
    """Sliding-window settings from ``sliding_window`` and ``layer_types`` (or the type's default pattern).

    Holds no parameters; only FLOPs and KV-cache sizes use it. transformers' defaults when ``layer_types``
    is absent: Mistral, Mixtral, Phi-3, Starcoder2 slide on every layer; Gemma 2 and gpt-oss on every other
    one, OLMo 3, Cohere 2 and EXAONE 4 on three of four, Gemma 3 on five of six (``sliding_window_pattern``
    changes n); Qwen2/Qwen3 and SmolLM3 (only with ``use_sliding_window``) on layers from ``max_window_layers``
    on. Any other pattern is kept as the explicit list of sliding layers.
    """
    if model_type in _USE_SLIDING_FLAG and not cfg.flag("use_sliding_window"):
        return {}
    if cfg.get("sliding_window") in (None, 0):
        return {}
    window = cfg.int("sliding_window")
    types = cfg.get("layer_types")
    if types:
        sliding = [t == "sliding_attention" for t in list(types)[:n_layers]]
        sliding += [False] * (n_layers - len(sliding))
    elif model_type in _GLOBAL_EVERY:
        pattern = cfg.get("sliding_window_pattern") or _GLOBAL_EVERY[model_type]
        every = len(pattern) if isinstance(pattern, str) else int(pattern)
        sliding = [(i + 1) % every != 0 for i in range(n_layers)]
    elif model_type == "smollm3":  # the layers without rotary positions slide
        no_rope = list(cfg.get("no_rope_layers") or [])
        sliding = [i < len(no_rope) and not no_rope[i] for i in range(n_layers)]
    elif model_type in _USE_SLIDING_FLAG:
        first = cfg.get("max_window_layers") or 0
        sliding = [i >= first for i in range(n_layers)]
    else:
        sliding = [True] * n_layers
    return _local_layers(window, sliding)


def _local_layers(window: int, sliding: list[bool]) -> dict[str, Any]:
    """The attention settings that make the layers marked in ``sliding`` local with ``window``: all of them, every
    layer but each n-th (global_every), or the explicit list."""
    if all(sliding):
        return {"sliding_window": window}
    if not any(sliding):
        return {}
    period = sliding.index(False) + 1
    if all(s == ((i + 1) % period != 0) for i, s in enumerate(sliding)):
        return {"sliding_window": window, "global_every": period}
    return {"sliding_window": window, "sliding_layers": tuple(i for i, s in enumerate(sliding) if s)}


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
ATTENTION_BIAS_TYPES = frozenset(
    {
        "llama",
        "qwen3",
        "qwen3_moe",
        "gemma",
        "gemma2",
        "olmo",
        "olmo2",
        "olmo3",
        "olmoe",
        "phimoe",
        "granite",
        "granitemoe",
        "granitemoeshared",
        "smollm3",
        "gemma3_text",
        "cohere",
        "cohere2",
        "gpt_oss",
        "internlm3",
        "qwen3_vl_text",
        "qwen3_vl_moe_text",
        "hunyuan_v1_moe",
        "llama4_text",
    }
)
# q/k/v biased by attention_bias, the output projection by its own key (None: never).
QKV_ONLY_BIAS_TYPES = {"glm4": None, "glm4_moe": None, "seed_oss": "attention_out_bias"}
MLP_BIAS_TYPES = frozenset({"llama", "granite", "smollm3", "internlm3", "seed_oss"})
# Every block has four norms (pre/post attention and pre/post feed-forward).
FOUR_NORM_TYPES = frozenset({"gemma2", "gemma3_text", "glm4"})


def _llama_like(cfg: _Config, model_type: str) -> dict[str, Any]:
    """llama, mistral, qwen2, qwen3, gemma, gemma2, olmo, phi3 and the attention of their MoE cousins."""
    spec = _common(cfg, model_type)
    bias = cfg.flag("attention_bias", "qkv_bias") if model_type in ATTENTION_BIAS_TYPES else False
    spec["attention"].update(qkv_bias=bias, out_bias=bias)
    if model_type in QKV_ONLY_BIAS_TYPES:
        out_key = QKV_ONLY_BIAS_TYPES[model_type]
        spec["attention"].update(qkv_bias=cfg.flag("attention_bias"), out_bias=cfg.flag(out_key) if out_key else False)
    if model_type in ("ernie4_5", "ernie4_5_moe", "starcoder2"):
        bias = cfg.flag("use_bias")
        spec["attention"].update(qkv_bias=bias, out_bias=bias)
    act_key = "hidden_activation" if model_type == "gemma3_text" else "hidden_act"
    spec["mlp"] = {
        "activation": _activation(cfg, act_key, gated=model_type != "starcoder2"),
        "d_ff": cfg.int("intermediate_size"),
        "bias": cfg.flag("mlp_bias", "bias") if model_type in MLP_BIAS_TYPES else False,
    }
    if model_type in ("ernie4_5", "ernie4_5_moe", "starcoder2"):
        spec["mlp"]["bias"] = cfg.flag("use_bias")
    if model_type in ("qwen2", "qwen2_moe"):
        # Qwen2 biases q/k/v but not o (hard-coded; qwen2_moe reads qkv_bias in 5.x).
        qkv = cfg.get("qkv_bias") is not False if model_type == "qwen2_moe" else True
        spec["attention"].update(qkv_bias=qkv, out_bias=False)
    if model_type in ("qwen3", "qwen3_moe", "qwen3_vl_text", "qwen3_vl_moe_text", "hunyuan_v1_moe"):
        spec["attention"]["qk_norm"] = "head"  # Hunyuan's query_layernorm/key_layernorm, whatever use_qk_norm says
    if model_type in FOUR_NORM_TYPES:
        spec["norms_per_layer"] = 4  # pre/post attention and pre/post feed-forward
    if model_type == "olmo":
        spec["norm"] = "nonparametric"
    if model_type in ("olmo2", "olmo3", "olmoe", "minimax_m2"):
        spec["attention"]["qk_norm"] = "full"  # RMSNorm over the whole q and k projections
    if model_type in ("gemma3_text", "exaone4") or (model_type == "glm4_moe" and cfg.flag("use_qk_norm")):
        spec["attention"]["qk_norm"] = "head"
    if model_type in ("stablelm", "phimoe", "starcoder2", "phi"):
        spec["norm"] = "layernorm"
    if model_type in ("cohere", "cohere2"):
        spec["norm"] = "layernorm_nobias"  # CohereLayerNorm: a weight, no bias
        spec["norms_per_layer"] = 1  # attention and MLP read the same normed input (parallel block)
        if cfg.flag("use_qk_norm"):
            spec["attention"]["qk_norm"] = "full"  # a (heads, head_dim) weight each
    if model_type == "stablelm":
        spec["attention"]["qkv_bias"] = cfg.flag("use_qkv_bias")
        if cfg.flag("qk_layernorm"):  # one bias-free LayerNorm(head_dim) per head
            spec["attention"].update(qk_norm="full", qk_norm_kind="layernorm_nobias")
        if cfg.flag("use_parallel_residual"):
            spec["norms_per_layer"] = 1
    if model_type == "phi":  # Phi-1/1.5/2: parallel block, biased plain MLP, biased head
        spec["attention"].update(qkv_bias=True, out_bias=True)
        spec["mlp"].update(activation=_activation(cfg, "hidden_act", gated=False), bias=True)
        spec["norms_per_layer"] = 1
        spec["output_bias"] = True
        if cfg.flag("qk_layernorm"):  # LayerNorm(head_dim) with bias, shared by the heads
            spec["attention"]["qk_norm"] = "head"
    if model_type == "phimoe":
        spec["output_bias"] = cfg.flag("lm_head_bias")
    if model_type == "ernie4_5_moe":
        spec["output_bias"] = cfg.flag("use_bias")
    if model_type == "gpt_oss":
        spec["attention"]["sinks"] = True
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
    aliases = ("num_local_experts",) if model_type in ("qwen3_moe", "qwen3_vl_moe_text") else ()
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
    """DeepSeek-V2/V3/V3.2: MLA attention; layer i is MoE iff i >= first_k_dense_replace.

    transformers ignores ``moe_layer_freq`` (the hub configs set it to 1) and keeps V3's
    ``e_score_correction_bias`` as a buffer, not a parameter; the multi-token-prediction layer
    (``num_nextn_predict_layers``) is not instantiated. DeepSeek-V3.2 (transformers' DeepseekV32ForCausalLM,
    modeling_deepseek_v32.py) adds to every layer's attention the DeepSeek Sparse Attention indexer
    (``DeepseekV32Indexer``: wq_b from the query latent to index_n_heads x index_head_dim, wk from h to one
    index_head_dim key, its LayerNorm with bias, weights_proj from h to index_n_heads; no biases), after which
    each query attends to its index_topk keys; it reads ``mlp_layer_types`` (dense/sparse per layer) before
    first_k_dense_replace, and ``num_experts`` before ``n_routed_experts``.
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
    n = spec["n_layers"]
    dense: list[int] = []
    if model_type == "deepseek_v32":
        if not q_rank:
            raise ConfigImportError("config.json: deepseek_v32 needs q_lora_rank (its indexer reads the query latent)")
        spec["attention"].update(
            index_heads=cfg.int("index_n_heads"),
            index_head_dim=cfg.int("index_head_dim"),
            index_topk=cfg.int("index_topk"),
        )
        types = cfg.data.get("layer_types")
        if types is not None and (not isinstance(types, list) or any(t != "indexed_attention" for t in types)):
            raise ConfigImportError(
                f"config.json: deepseek_v32 layer_types must all be indexed_attention (every layer has the sparse"
                f" indexer), got {types!r}"
            )
        mlp_types = cfg.data.get("mlp_layer_types")
        if mlp_types is not None:
            if (
                not isinstance(mlp_types, list)
                or len(mlp_types) != n
                or any(t not in ("dense", "sparse") for t in mlp_types)
            ):
                raise ConfigImportError(f"config.json: mlp_layer_types must list {n} entries of dense and sparse")
            dense = [i for i, t in enumerate(mlp_types) if t == "dense"]
    first_dense = 0 if dense or cfg.data.get("mlp_layer_types") else cfg.int("first_k_dense_replace", minimum=0)
    if first_dense >= n or len(dense) == n:
        return spec
    top_k = cfg.get("num_experts_per_tok")  # transformers' deepseek_v2 default is null: counted, k unknown
    shared = cfg.int("n_shared_experts", minimum=0) if cfg.get("n_shared_experts") is not None else 0
    experts = {"deepseek_v2": ("n_routed_experts", "num_experts"), "deepseek_v32": ("num_experts", "n_routed_experts")}
    spec["moe"] = {
        "n_experts": cfg.int(*experts.get(model_type, ("n_routed_experts", "num_local_experts"))),
        "top_k": None if top_k is None else cfg.int("num_experts_per_tok"),
        "expert_d_ff": cfg.int("moe_intermediate_size"),
        "n_shared_experts": int(shared),
        "first_dense_layers": first_dense,
        "dense_layers": tuple(dense),
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


def _experts_everywhere(cfg: _Config, model_type: str) -> dict[str, Any]:
    """OLMoE, gpt-oss, PhiMoE, Granite MoE (shared), MiniMax-M2: every layer routes among ``num_local_experts``
    experts of ``intermediate_size`` (Mixtral-style; Jiang et al. 2024), no dense layer."""
    spec = _llama_like(cfg, model_type)
    spec["moe"] = {
        "n_experts": cfg.int("num_experts", "num_local_experts"),
        "top_k": cfg.int("num_experts_per_tok"),
        "expert_d_ff": spec["mlp"]["d_ff"],
    }
    if model_type == "gpt_oss":  # biased router and experts (OpenAI 2025, gpt-oss model card Sec. 2.1)
        spec["moe"].update(router_bias=True, expert_bias=True)
    if model_type == "granitemoeshared" and cfg.int("shared_intermediate_size", minimum=0):
        spec["moe"].update(n_shared_experts=1, shared_d_ff=cfg.int("shared_intermediate_size"))
    return spec


def _glm4_moe(cfg: _Config, model_type: str) -> dict[str, Any]:
    """GLM-4.5 (glm4_moe): DeepSeek-V3-style MoE on layers >= first_k_dense_replace with shared experts; the
    score-correction bias is a buffer and the MTP layers (num_nextn_predict_layers) are not instantiated."""
    spec = _llama_like(cfg, model_type)
    first_dense = cfg.int("first_k_dense_replace", minimum=0)
    if first_dense >= spec["n_layers"]:
        return spec
    spec["moe"] = {
        "n_experts": cfg.int("n_routed_experts", "num_local_experts"),
        "top_k": cfg.int("num_experts_per_tok"),
        "expert_d_ff": cfg.int("moe_intermediate_size"),
        "n_shared_experts": cfg.int("n_shared_experts", minimum=0),
        "first_dense_layers": first_dense,
    }
    return spec


def _ernie_moe(cfg: _Config, model_type: str) -> dict[str, Any]:
    """ERNIE 4.5 MoE: layer i is MoE iff (i+1) % moe_layer_interval == 0 and start <= i <= end; shared
    experts fused into one MLP of moe_num_shared_experts x moe_intermediate_size; the score-correction
    bias (moe_statics) is a parameter."""
    spec = _llama_like(cfg, model_type)
    n = spec["n_layers"]
    step = cfg.int("moe_layer_interval")
    start = cfg.int("moe_layer_start_index", minimum=0)
    end_raw = cfg.get("moe_layer_end_index")
    end = n - 1 if end_raw in (None, -1) else int(end_raw)
    sparse = [(i + 1) % step == 0 and start <= i <= end for i in range(n)]
    if not any(sparse):
        return spec
    spec["moe"] = {
        "n_experts": cfg.int("moe_num_experts"),
        "top_k": cfg.int("moe_k"),
        "expert_d_ff": cfg.int("moe_intermediate_size"),
        "n_shared_experts": cfg.int("moe_num_shared_experts", minimum=0),
        "dense_layers": tuple(i for i in range(n) if not sparse[i]),
        "router_score_bias": True,
        "expert_bias": False,
    }
    return spec


def _dbrx(cfg: _Config, model_type: str) -> dict[str, Any]:
    """DBRX: fused Wqkv (GQA with attn_config.kv_n_heads), bias-free LayerNorms, 16 GLU experts of
    ffn_config.ffn_hidden_size (w1, v1, w2) in every layer, no biases (Databricks 2024)."""
    attn = _Config(cfg.get("attn_config") or {}, {"kv_n_heads": 1})
    ffn = _Config(
        cfg.get("ffn_config") or {},
        {"ffn_hidden_size": 3584, "moe_num_experts": 4, "moe_top_k": 1, "ffn_act_fn": {"name": "silu"}},
    )
    h = cfg.int("d_model", "hidden_size")
    heads = cfg.int("n_heads", "num_attention_heads")
    d_ff = ffn.int("ffn_hidden_size")
    act = ffn.get("ffn_act_fn") or {}
    return {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": cfg.int("n_layers", "num_hidden_layers"),
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "attention": {"n_heads": heads, "n_kv_heads": attn.int("kv_n_heads"), "head_dim": h // heads},
        "mlp": {"activation": _activation(_Config(act, {}), "name", gated=True), "d_ff": d_ff},
        "moe": {"n_experts": ffn.int("moe_num_experts"), "top_k": ffn.int("moe_top_k"), "expert_d_ff": d_ff},
        "norm": "layernorm_nobias",
        "context_length": cfg.get("max_seq_len"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
    }


def _falcon(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Falcon (TII 2023): fused query_key_value of (a + 2g) d with g = num_kv_heads (new decoder), 1 (multi-query)
    or a; parallel attention and MLP read one LayerNorm (two with the new decoder's ln_attn/ln_mlp), one
    ``bias`` flag for every linear, a plain MLP of ffn_hidden_size (4h), rotary or ALiBi, tied head."""
    h = cfg.int("hidden_size", "n_embed")
    heads = cfg.int("num_attention_heads", "n_head")
    new = cfg.flag("new_decoder_architecture")
    if new:
        kv = cfg.int("num_kv_heads", "n_head_kv") if cfg.get("num_kv_heads", "n_head_kv") is not None else heads
    else:
        kv = 1 if cfg.flag("multi_query") else heads
    if not cfg.flag("parallel_attn") and not new:
        norms = 2
    else:
        n_ln = cfg.get("num_ln_in_parallel_attn")
        norms = 2 if (n_ln == 2 or (n_ln is None and new)) else 1
    bias = cfg.flag("bias")
    ffn = cfg.get("ffn_hidden_size")
    return {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": cfg.int("num_hidden_layers", "n_layer"),
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "attention": {"n_heads": heads, "n_kv_heads": kv, "head_dim": h // heads, "qkv_bias": bias, "out_bias": bias},
        "mlp": {
            "activation": _activation(cfg, "activation", gated=False),
            "d_ff": cfg.int("ffn_hidden_size") if ffn is not None else 4 * h,
            "bias": bias,
        },
        "norm": "layernorm",
        "norms_per_layer": norms,
        "position_embedding": "alibi" if cfg.flag("alibi") else "rotary",
        "context_length": cfg.get("max_position_embeddings"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
    }


def _gpt2_family(cfg: _Config, model_type: str) -> dict[str, Any]:
    """GPT-BigCode (SantaCoder/StarCoder: GPT-2 with multi-query attention when multi_query), GPT-J (parallel
    block with one LayerNorm, bias-free q/k/v/out, biased MLP and head, rotary) and BLOOM (ALiBi, a LayerNorm
    after the embedding, biased everything, MLP of 4h)."""
    h = cfg.int("n_embd", "hidden_size", "n_embed")
    heads = cfg.int("n_head", "num_attention_heads")
    inner = cfg.get("n_inner")
    spec: dict[str, Any] = {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": cfg.int("n_layer", "num_hidden_layers"),
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "attention": {"n_heads": heads, "head_dim": h // heads, "qkv_bias": True, "out_bias": True},
        "mlp": {
            "activation": _activation(cfg, "activation_function", gated=False),
            "d_ff": cfg.int("n_inner") if inner is not None else 4 * h,
            "bias": True,
        },
        "norm": "layernorm",
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
    }
    if model_type == "gpt_bigcode":
        spec["attention"]["n_kv_heads"] = 1 if cfg.flag("multi_query") else heads
        spec.update(position_embedding="learned", max_position_embeddings=cfg.int("n_positions"))
        spec["context_length"] = spec["max_position_embeddings"]
    elif model_type == "gptj":
        spec["attention"].update(qkv_bias=False, out_bias=False)
        spec.update(norms_per_layer=1, output_bias=True, context_length=cfg.get("n_positions"))
    else:  # bloom
        spec["mlp"]["activation"] = "gelu"
        spec.update(position_embedding="alibi", embedding_norm=True)
    return spec


def _opt(cfg: _Config, model_type: str) -> dict[str, Any]:
    """OPT (Zhang et al. 2022): learned positions with 2 extra rows, biased projections (enable_bias), LayerNorms
    (non-parametric without layer_norm_elementwise_affine), a final LayerNorm only with do_layer_norm_before,
    a word_embed_proj_dim embedding with project_in/out when it differs from hidden_size, tied head."""
    h = cfg.int("hidden_size")
    bias = cfg.flag("enable_bias")
    proj = cfg.get("word_embed_proj_dim")
    pos = cfg.int("max_position_embeddings")
    spec: dict[str, Any] = {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": cfg.int("num_hidden_layers"),
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "attention": {"n_heads": cfg.int("num_attention_heads"), "qkv_bias": bias, "out_bias": bias},
        "mlp": {
            "activation": _activation(cfg, "activation_function", gated=False),
            "d_ff": cfg.int("ffn_dim"),
            "bias": bias,
        },
        "norm": "layernorm" if cfg.flag("layer_norm_elementwise_affine") else "nonparametric",
        "final_norm": cfg.flag("do_layer_norm_before") and not cfg.flag("_remove_final_layer_norm"),
        "position_embedding": "learned",
        "max_position_embeddings": pos + 2,  # OPTLearnedPositionalEmbedding's offset of 2
        "context_length": pos,
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
    }
    if proj is not None and int(proj) != h:
        spec["embedding_dim"] = cfg.int("word_embed_proj_dim")
    return spec


def _mpt(cfg: _Config, model_type: str) -> dict[str, Any]:
    """MPT (MosaicML 2023): fused Wqkv of 3h, bias-free linears and LayerNorms (transformers drops the norm
    biases), an MLP of 4h whatever expansion_ratio says, ALiBi, tied head."""
    h = cfg.int("d_model", "hidden_size")
    heads = cfg.int("n_heads", "num_attention_heads")
    return {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": cfg.int("n_layers", "num_hidden_layers"),
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "attention": {"n_heads": heads, "head_dim": h // heads},
        "mlp": {"activation": "gelu", "d_ff": 4 * h},
        "norm": "layernorm_nobias",
        "position_embedding": "alibi",
        "context_length": cfg.get("max_seq_len"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
    }


def _mamba2_mixer(cfg: _Config, heads: str, head_dim: str, *, legacy: bool = False) -> dict[str, Any]:
    """The Mamba-2 mixer's keys (Mamba2Config names; with ``legacy``, NemotronHConfig's mamba_* spellings win
    when present, as its __post_init__ lets them)."""

    def keys(new: str, old: str) -> tuple[str, str]:
        return (old, new) if legacy else (new, old)

    return {
        "n_heads": cfg.int(heads),
        "head_dim": cfg.int(head_dim),
        "state_size": cfg.int("state_size", "ssm_state_size"),
        "n_groups": cfg.int(*keys("n_groups", "mamba_n_groups")),
        "conv_kernel": cfg.int(*keys("conv_kernel", "mamba_d_conv")),
        "chunk_size": cfg.int(*keys("chunk_size", "mamba_chunk_size")),
        "bias": cfg.flag("use_bias"),
        "conv_bias": cfg.flag(*keys("use_conv_bias", "mamba_conv_bias")),
    }


def _mamba2(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Mamba-2 (Dao & Gu 2024; transformers' Mamba2ForCausalLM): embedding, L blocks of one RMSNorm and a
    Mamba-2 mixer of H P = expand * h channels, a final RMSNorm, the head (untied unless tie_word_embeddings).
    No attention and no MLP: ``attention`` and ``mlp`` below are placeholders no layer uses."""
    h = cfg.int("hidden_size")
    n_layers = cfg.int("num_hidden_layers")
    ssm = _mamba2_mixer(cfg, "num_heads", "head_dim")
    expand = cfg.get("expand")
    if not isinstance(expand, (int, float)) or int(expand * h) != ssm["n_heads"] * ssm["head_dim"]:
        raise ConfigImportError(
            f"config.json: hidden_size * expand ({h} * {expand!r}) must equal num_heads * head_dim"
            f" ({ssm['n_heads']} * {ssm['head_dim']}), as Mamba2Config requires"
        )
    return {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": n_layers,
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
        "norm": "rmsnorm",
        "norms_per_layer": 1,
        "position_embedding": "none",
        "attention": {"n_heads": ssm["n_heads"], "head_dim": ssm["head_dim"]},
        "mlp": {"activation": "silu", "d_ff": ssm["n_heads"] * ssm["head_dim"]},
        "ssm": ssm,
        "layer_pattern": ["mamba2"] * n_layers,
    }


# Nemotron-H block letters and layer-type names (NemotronHConfig._pattern_to_list, legacy names remapped as
# transformers' remap_legacy_layer_types does) -> gptcalc block types.
_NEMOTRON_BLOCKS = {
    "M": "mamba2",
    "*": "attention",
    "-": "mlp",
    "E": "experts",
    "linear_attention": "mamba2",
    "mamba": "mamba2",
    "full_attention": "attention",
    "attention": "attention",
    "mlp": "mlp",
    "moe": "experts",
}
_PLAIN_ACTIVATIONS = {"relu2": "relu", "relu": "relu", "silu": "silu", "gelu": "gelu"}


def _nemotron_h(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Nemotron-H (NVIDIA 2025, arXiv:2504.03624; transformers' NemotronHForCausalLM): each block is one
    RMSNorm and one mixer, a Mamba-2 mixer (M), attention without rotary or biases (*), a plain up/down MLP
    (-) or an MoE of plain experts with one shared MLP and a bias-free router (E), as
    ``layers_block_type`` (or the older ``hybrid_override_pattern``) lists them; num_hidden_layers is ignored.
    With moe_latent_size the experts work at that width between bias-free (unless mlp_bias) fc1/fc2 latent
    projections. The Mamba mixer's width is mamba_num_heads * mamba_head_dim. MTP layers are not instantiated, and the
    head is never tied (the class declares no tied weights, whatever tie_word_embeddings says)."""
    raw = cfg.data.get("layers_block_type") or cfg.data.get("layer_types")
    if raw is None and isinstance(cfg.data.get("hybrid_override_pattern"), str):
        raw = list(cfg.data["hybrid_override_pattern"])
    if raw is None:
        raw = cfg.defaults["layers_block_type"]
    if not isinstance(raw, list) or not raw or any(b not in _NEMOTRON_BLOCKS for b in raw):
        raise ConfigImportError(
            f"config.json: layers_block_type must list mamba/linear_attention, attention/full_attention, mlp and"
            f" moe layers (or hybrid_override_pattern of M, *, - and E), got {raw!r}"
        )
    pattern = [_NEMOTRON_BLOCKS[b] for b in raw]
    h = cfg.int("hidden_size")
    heads = cfg.int("num_attention_heads")
    act = cfg.get("mlp_hidden_act")
    spec: dict[str, Any] = {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": len(pattern),
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        # NemotronHForCausalLM declares no tied weights: its head is its own even with tie_word_embeddings.
        "tie_embeddings": False,
        "context_length": cfg.get("max_position_embeddings"),
        "norm": "rmsnorm",
        "norms_per_layer": 1,
        "position_embedding": "none",
        "attention": {
            "n_heads": heads,
            "n_kv_heads": cfg.get("num_key_value_heads") or heads,
            "head_dim": cfg.get("head_dim") or h // heads,
        },
        "mlp": {
            "activation": _PLAIN_ACTIVATIONS.get(str(act), "relu"),
            "d_ff": cfg.int("intermediate_size"),
            "bias": cfg.flag("mlp_bias"),
        },
        "ssm": _mamba2_mixer(cfg, "mamba_num_heads", "mamba_head_dim", legacy=True),
        "layer_pattern": pattern,
    }
    if "experts" in pattern:
        spec["moe"] = {
            "n_experts": cfg.int("n_routed_experts", "num_local_experts"),
            "top_k": cfg.int("num_experts_per_tok"),
            "expert_d_ff": cfg.int("moe_intermediate_size"),
            "n_shared_experts": 1,
            "shared_d_ff": cfg.int("moe_shared_expert_intermediate_size"),
            "expert_bias": False,
            "latent_size": None if cfg.get("moe_latent_size") is None else cfg.int("moe_latent_size"),
        }
    return spec


def _granitemoehybrid(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Granite 4.0 hybrids (IBM 2025; transformers' GraniteMoeHybridForCausalLM): every layer has two RMSNorms,
    a Mamba-2 mixer or attention (``layer_types``: mamba/linear_attention or attention/full_attention; default
    all Mamba) of mamba_n_heads x mamba_d_head = mamba_expand * h channels, then ``num_local_experts`` gated
    experts of intermediate_size behind a bias-free router plus an always-on gated shared MLP of
    shared_intermediate_size, or, with no experts, that shared MLP alone."""
    h = cfg.int("hidden_size")
    n_layers = cfg.int("num_hidden_layers")
    heads = cfg.int("num_attention_heads")
    raw = cfg.data.get("layer_types") or cfg.data.get("layers_block_type") or ["mamba"] * n_layers
    names = {"mamba": "mamba2", "linear_attention": "mamba2", "attention": "attn", "full_attention": "attn"}
    if not isinstance(raw, list) or len(raw) != n_layers or any(t not in names for t in raw):
        raise ConfigImportError(
            f"config.json: layer_types must list {n_layers} entries of mamba/linear_attention and"
            f" attention/full_attention, got {raw!r}"
        )
    inner = int(cfg.get("mamba_expand") * h)
    m_heads = cfg.int("mamba_n_heads")
    d_head = cfg.get("mamba_d_head")
    if d_head == "auto":
        d_head = inner // m_heads
    if not isinstance(d_head, int) or d_head * m_heads != inner:
        raise ConfigImportError(
            f"config.json: mamba_n_heads * mamba_d_head ({m_heads} * {d_head!r}) must equal mamba_expand *"
            f" hidden_size ({inner}), as GraniteMoeHybridConfig requires"
        )
    experts = cfg.int("num_local_experts", minimum=0)
    shared = cfg.int("shared_intermediate_size", minimum=0)
    ffn = "moe" if experts else "mlp"
    pattern = [("mamba2+" + ffn) if names[t] == "mamba2" else ("moe" if experts else "dense") for t in raw]
    bias = cfg.flag("attention_bias")
    spec: dict[str, Any] = {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": n_layers,
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
        "context_length": cfg.get("max_position_embeddings"),
        "norm": "rmsnorm",
        "position_embedding": "rotary" if cfg.get("position_embedding_type") == "rope" else "none",
        "attention": {
            "n_heads": heads,
            "n_kv_heads": cfg.get("num_key_value_heads") or heads,
            "head_dim": h // heads,
            "qkv_bias": bias,
            "out_bias": bias,
        },
        # Without experts the shared MLP is the layer's dense MLP.
        "mlp": {
            "activation": _activation(cfg, "hidden_act", gated=True),
            "d_ff": cfg.int("intermediate_size") if experts else cfg.int("shared_intermediate_size"),
        },
        "ssm": {
            "n_heads": m_heads,
            "head_dim": d_head,
            "state_size": cfg.int("mamba_d_state"),
            "n_groups": cfg.int("mamba_n_groups"),
            "conv_kernel": cfg.int("mamba_d_conv"),
            "chunk_size": cfg.int("mamba_chunk_size"),
            "bias": cfg.flag("mamba_proj_bias"),
            "conv_bias": cfg.flag("mamba_conv_bias"),
        },
        "layer_pattern": pattern,
    }
    if not any(t.startswith("mamba2") for t in pattern):
        spec.pop("ssm")
    if experts:
        spec["moe"] = {
            "n_experts": experts,
            "top_k": cfg.int("num_experts_per_tok"),
            "expert_d_ff": spec["mlp"]["d_ff"],
        }
        if shared:
            spec["moe"].update(n_shared_experts=1, shared_d_ff=shared)
    return spec


def _falcon_h1(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Falcon-H1 (TII 2025, arXiv:2507.22448; transformers' FalconH1ForCausalLM): every layer runs attention and
    a Mamba-2 mixer side by side on the same normed input, then a gated MLP (two RMSNorms). The mixer has
    mamba_d_ssm (or mamba_expand * h) = mamba_n_heads x mamba_d_head channels, in_proj biased by
    mamba_proj_bias and out_proj by projectors_bias, and a gated RMSNorm only with mamba_rms_norm. The
    mu-P multipliers are scalars (and the mup_vector a buffer): no parameters."""
    h = cfg.int("hidden_size")
    n_layers = cfg.int("num_hidden_layers")
    heads = cfg.int("num_attention_heads")
    d_ssm = cfg.get("mamba_d_ssm")
    inner = int(cfg.get("mamba_expand") * h) if d_ssm is None else cfg.int("mamba_d_ssm")
    m_heads = cfg.int("mamba_n_heads")
    d_head = cfg.get("mamba_d_head")
    if d_head == "auto":
        d_head = inner // m_heads
    if not isinstance(d_head, int) or d_head * m_heads != inner:
        raise ConfigImportError(
            f"config.json: mamba_n_heads * mamba_d_head ({m_heads} * {d_head!r}) must equal the Mamba width"
            f" ({inner}: mamba_d_ssm, or mamba_expand * hidden_size), as FalconH1Config requires"
        )
    bias = cfg.flag("attention_bias")
    return {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": n_layers,
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
        "context_length": cfg.get("max_position_embeddings"),
        "norm": "rmsnorm",
        "attention": {
            "n_heads": heads,
            "n_kv_heads": cfg.get("num_key_value_heads") or heads,
            "head_dim": cfg.get("head_dim") or h // heads,
            "qkv_bias": bias,
            "out_bias": bias,
        },
        "mlp": {
            "activation": _activation(cfg, "hidden_act", gated=True),
            "d_ff": cfg.int("intermediate_size"),
            "bias": cfg.flag("mlp_bias"),
        },
        "ssm": {
            "n_heads": m_heads,
            "head_dim": d_head,
            "state_size": cfg.int("mamba_d_state"),
            "n_groups": cfg.int("mamba_n_groups"),
            "conv_kernel": cfg.int("mamba_d_conv"),
            "chunk_size": cfg.int("mamba_chunk_size"),
            "bias": cfg.flag("mamba_proj_bias"),
            "out_bias": cfg.flag("projectors_bias"),
            "conv_bias": cfg.flag("mamba_conv_bias"),
            "gated_norm": cfg.flag("mamba_rms_norm"),
        },
        "layer_pattern": ["attention+mamba2+mlp"] * n_layers,
    }


def _jamba(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Jamba (Lieber et al. 2024, arXiv:2403.19887; transformers' JambaForCausalLM): layer i attends when
    i % attn_layer_period == attn_layer_offset and is a Mamba(-1) layer otherwise; its feed-forward is an MoE
    of num_experts gated experts behind a bias-free router when i % expert_layer_period ==
    expert_layer_offset (and num_experts > 1), else a gated MLP; two RMSNorms per layer; no rotary, no biases."""
    h = cfg.int("hidden_size")
    n_layers = cfg.int("num_hidden_layers")
    heads = cfg.int("num_attention_heads")
    attn_period, attn_offset = cfg.int("attn_layer_period"), cfg.int("attn_layer_offset", minimum=0)
    exp_period, exp_offset = cfg.int("expert_layer_period"), cfg.int("expert_layer_offset", minimum=0)
    experts = cfg.int("num_experts", "num_local_experts")
    pattern = []
    for i in range(n_layers):
        moe = experts > 1 and i % exp_period == exp_offset
        if i % attn_period == attn_offset:
            pattern.append("moe" if moe else "dense")
        else:
            pattern.append("mamba+moe" if moe else "mamba+mlp")
    dt_rank = cfg.get("mamba_dt_rank")
    spec: dict[str, Any] = {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": n_layers,
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
        "context_length": cfg.get("max_position_embeddings"),
        "norm": "rmsnorm",
        "position_embedding": "none",
        "attention": {
            "n_heads": heads,
            "n_kv_heads": cfg.get("num_key_value_heads") or heads,
            "head_dim": h // heads,
        },
        "mlp": {"activation": _activation(cfg, "hidden_act", gated=True), "d_ff": cfg.int("intermediate_size")},
        "ssm": {
            "kind": "mamba1",
            "d_inner": cfg.int("mamba_expand") * h,
            "state_size": cfg.int("mamba_d_state"),
            "dt_rank": math.ceil(h / 16) if dt_rank == "auto" else cfg.int("mamba_dt_rank"),
            "conv_kernel": cfg.int("mamba_d_conv"),
            "bias": cfg.flag("mamba_proj_bias"),
            "conv_bias": cfg.flag("mamba_conv_bias"),
        },
        "layer_pattern": pattern,
    }
    if not any(b.startswith("mamba") for b in pattern):
        spec.pop("ssm")
    if any(b in ("moe", "mamba+moe") for b in pattern):
        spec["moe"] = {
            "n_experts": experts,
            "top_k": cfg.int("num_experts_per_tok"),
            "expert_d_ff": spec["mlp"]["d_ff"],
        }
    return spec


def _linear_layer_types(cfg: _Config, n_layers: int) -> list[str]:
    """``layer_types`` of linear_attention and full_attention entries, or the default of Qwen3-Next and Qwen3.5:
    every full_attention_interval-th layer full attention, the rest linear attention."""
    raw = cfg.data.get("layer_types")
    if raw is None:
        interval = cfg.int("full_attention_interval")
        raw = ["linear_attention" if (i + 1) % interval else "full_attention" for i in range(n_layers)]
    if (
        not isinstance(raw, list)
        or len(raw) != n_layers
        or any(t not in ("linear_attention", "full_attention") for t in raw)
    ):
        raise ConfigImportError(
            f"config.json: layer_types must list {n_layers} entries of linear_attention and full_attention, got {raw!r}"
        )
    return raw


def _gated_deltanet(cfg: _Config) -> dict[str, Any]:
    return {
        "key_heads": cfg.int("linear_num_key_heads"),
        "value_heads": cfg.int("linear_num_value_heads"),
        "key_head_dim": cfg.int("linear_key_head_dim"),
        "value_head_dim": cfg.int("linear_value_head_dim"),
        "conv_kernel": cfg.int("linear_conv_kernel_dim"),
    }


def _qwen3_next(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Qwen3-Next (Qwen team 2025; transformers' Qwen3NextForCausalLM): ``layer_types`` (default: every
    full_attention_interval-th layer full attention, the rest linear attention) picks per layer a gated
    attention (q_proj also emits an output gate; per-head q/k RMSNorms) or a gated DeltaNet mixer; the
    feed-forward is Qwen2-MoE's (routed experts, one gated shared expert) where decoder_sparse_step and
    mlp_only_layers say, else a gated MLP of intermediate_size; two RMSNorms per layer. MTP layers are not
    instantiated."""
    spec = _qwen_moe(cfg, "qwen2_moe")  # the same expert placement and shared expert as Qwen2-MoE
    spec["name"] = str(cfg.data.get("_name_or_path") or model_type)
    moe = spec.get("moe")
    return _deltanet_hybrid(cfg, spec, lambda i: moe is not None and _qwen_sparse(i, moe))


def _deltanet_hybrid(cfg: _Config, spec: dict[str, Any], sparse: Callable[[int], bool]) -> dict[str, Any]:
    """Qwen3-Next's and Qwen3.5's layer pattern on ``spec``: per ``layer_types`` a gated attention (q_proj also
    emits an output gate, per-head q/k RMSNorms, biases by attention_bias) or a gated DeltaNet mixer, with
    routed experts where ``sparse(i)`` else the dense MLP."""
    pattern = []
    for i, t in enumerate(_linear_layer_types(cfg, spec["n_layers"])):
        ffn = "moe" if sparse(i) else "mlp"
        pattern.append(("moe" if ffn == "moe" else "dense") if t == "full_attention" else f"deltanet+{ffn}")
    bias = cfg.flag("attention_bias")
    spec["attention"].update(qkv_bias=bias, out_bias=bias, qk_norm="head", output_gate=True)
    spec["linear_attention"] = _gated_deltanet(cfg)
    spec["layer_pattern"] = pattern
    if not any(t.startswith("deltanet") for t in pattern):
        spec.pop("linear_attention")
    return spec


def _qwen3_5(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Qwen3.5 text models (transformers' Qwen3_5ForCausalLM, modeling_qwen3_5.py; Qwen3_5MoeForCausalLM,
    modeling_qwen3_5_moe.py): Qwen3-Next's layers (``layer_types`` or every full_attention_interval-th layer a
    gated attention with per-head q/k RMSNorms, the rest gated DeltaNet, whose in_proj_qkv, in_proj_z, in_proj_b
    and in_proj_a hold the same weights as Qwen3-Next's fused in_proj_qkvz and in_proj_ba); the dense model has a
    gated MLP of intermediate_size in every layer, the MoE model in every layer routed experts of
    moe_intermediate_size behind a bias-free router plus one shared expert of shared_expert_intermediate_size
    with its sigmoid gate (no decoder_sparse_step or mlp_only_layers: the 5.24 classes read neither). Two RMSNorms
    per layer. The MTP layers (mtp_num_hidden_layers) are not instantiated."""
    spec = _llama_like(cfg, "qwen3_5_text")
    if "decoder_sparse_step" in cfg.data or cfg.data.get("mlp_only_layers"):
        raise ConfigImportError(
            f"config.json: {model_type} puts experts in every layer (transformers' class reads no decoder_sparse_step"
            " or mlp_only_layers); remove those keys or use model_type qwen3_next"
        )
    spec["name"] = str(cfg.data.get("_name_or_path") or model_type)
    moe = model_type == "qwen3_5_moe_text"
    if moe:
        shared = cfg.int("shared_expert_intermediate_size")
        spec["mlp"]["d_ff"] = shared  # no dense MLP in any layer; the shared expert's width stands in
        spec["moe"] = {
            "n_experts": cfg.int("num_experts", "num_local_experts"),
            "top_k": cfg.int("num_experts_per_tok"),
            "expert_d_ff": cfg.int("moe_intermediate_size"),
            "n_shared_experts": 1,
            "shared_d_ff": shared,
            "shared_expert_gate": True,
        }
    return _deltanet_hybrid(cfg, spec, lambda i: moe)


def _llama4(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Llama 4 text model (Meta 2025; transformers' Llama4ForCausalLM, modeling_llama4.py): Llama attention
    (biases by attention_bias; the L2 q/k norm of use_qk_norm holds no weights); the layers in ``moe_layers``
    (default every interleave_moe_layer_step-th, from step - 1) route among num_local_experts fused gated experts
    of intermediate_size (``Llama4TextExperts``, no biases) behind a bias-free router, plus one always-on shared
    expert of intermediate_size; the others have a gated MLP of intermediate_size_mlp. ``layer_types`` (default:
    chunked_attention on the RoPE layers of ``no_rope_layers``, full attention on the NoPE ones, every
    no_rope_layer_interval-th) makes the RoPE layers attend within chunks of attention_chunk_size tokens. Two
    RMSNorms per layer; the head is tied only by the text config's tie_word_embeddings."""
    spec = _llama_like(cfg, model_type)
    n = spec["n_layers"]
    spec["mlp"]["d_ff"] = cfg.int("intermediate_size_mlp")
    raw = cfg.data.get("moe_layers")
    if raw is None:
        step = cfg.int("interleave_moe_layer_step")
        moe_layers = set(range(step - 1, n, step))
    elif isinstance(raw, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
        moe_layers = {i for i in raw if 0 <= i < n}  # other indices never match a layer in transformers either
    else:
        raise ConfigImportError(f"config.json: moe_layers must list layer indices, got {raw!r}")
    if moe_layers:
        f = cfg.int("intermediate_size")
        spec["moe"] = {
            "n_experts": cfg.int("num_local_experts"),
            "top_k": cfg.int("num_experts_per_tok"),
            "expert_d_ff": f,
            "n_shared_experts": 1,
            "shared_d_ff": f,
            "dense_layers": tuple(i for i in range(n) if i not in moe_layers),
            "expert_bias": False,
        }
    types = cfg.data.get("layer_types")
    chunk = cfg.get("attention_chunk_size")
    if types is None:
        rope = cfg.data.get("no_rope_layers") or [
            int((i + 1) % cfg.int("no_rope_layer_interval") != 0) for i in range(n)
        ]
        if not isinstance(rope, list) or len(rope) < n:
            raise ConfigImportError(
                f"config.json: no_rope_layers must give 1 (RoPE) or 0 (NoPE) for each of {n} layers"
            )
        types = ["chunked_attention" if r and chunk is not None else "full_attention" for r in rope[:n]]
    if (
        not isinstance(types, list)
        or len(types) != n
        or any(t not in ("chunked_attention", "full_attention") for t in types)
    ):
        raise ConfigImportError(
            f"config.json: layer_types must list {n} entries of chunked_attention and full_attention, got {types!r}"
        )
    if "chunked_attention" in types:
        local = _local_layers(cfg.int("attention_chunk_size"), [t == "chunked_attention" for t in types])
        spec["attention"].update(local, chunked=True)
    return spec


def _minimax(cfg: _Config, model_type: str) -> dict[str, Any]:
    """MiniMax-01 / MiniMax-M1 (MiniMax 2025, arXiv:2501.08313; transformers' MiniMaxForCausalLM,
    modeling_minimax.py): ``layer_types`` (default: even layers full attention, odd ones linear) picks per
    layer Mixtral's bias-free softmax attention or lightning attention (``MiniMaxLightningAttention``: fused
    qkv, output gate, RMSNorm over the heads, out_proj; :class:`LightningAttention`); every layer's
    feed-forward routes among num_local_experts gated experts of intermediate_size behind a bias-free router;
    two RMSNorms per layer. The alpha/beta residual factors are scalars. The remote-code spelling of the pattern,
    ``attn_type_list``, is refused: transformers ignores it (and would build its default pattern)."""
    spec = _mixtral(cfg, model_type)
    n = spec["n_layers"]
    if "attn_type_list" in cfg.data and "layer_types" not in cfg.data:
        raise ConfigImportError(
            "config.json: attn_type_list is the remote-code MiniMax spelling, which transformers' MiniMaxConfig"
            " ignores; give layer_types (linear_attention for 0, full_attention for 1) instead"
        )
    raw = cfg.data.get("layer_types")
    if raw is None:
        raw = ["full_attention" if (i + 1) % 2 else "linear_attention" for i in range(n)]
    if not isinstance(raw, list) or len(raw) != n or any(t not in ("linear_attention", "full_attention") for t in raw):
        raise ConfigImportError(
            f"config.json: layer_types must list {n} entries of linear_attention and full_attention, got {raw!r}"
        )
    spec["layer_pattern"] = ["moe" if t == "full_attention" else "deltanet+moe" for t in raw]
    if "linear_attention" in raw:
        spec["linear_attention"] = {
            "kind": "lightning",
            "heads": spec["attention"]["n_heads"],
            "head_dim": spec["attention"]["head_dim"],
            "block_size": cfg.int("block_size"),
        }
    return spec


def _longcat_flash(cfg: _Config, model_type: str) -> dict[str, Any]:
    """LongCat-Flash (Meituan 2025, arXiv:2509.01322; transformers' LongcatFlashForCausalLM,
    modeling_longcat_flash.py): each of num_layers layers holds two sublayers, each MLA attention (DeepSeek-V3's,
    with a query latent) and a gated MLP of ffn_hidden_size, with two RMSNorms; the first sublayer's normed input
    also feeds the shortcut-connected MoE (ScMoE), whose output joins after the second. Here the 2 num_layers
    sublayers are the blocks, ``dense+moe`` then ``dense``. The MoE routes top-moe_topk among n_routed_experts
    gated experts of expert_ffn_hidden_size and zero_expert_num identity experts (the router scores both;
    ``LongcatFlashExperts`` allocates gate_up_proj for both); the score-correction bias is a buffer.
    ``qk_head_dim`` other than qk_nope_head_dim + qk_rope_head_dim is refused (the spec ties them)."""
    layers = cfg.int("num_layers")
    if "num_hidden_layers" in cfg.data and cfg.get("num_hidden_layers") != 2 * layers:
        raise ConfigImportError(
            f"config.json: num_hidden_layers ({cfg.get('num_hidden_layers')!r}) must be 2 x num_layers ({layers}):"
            " LongcatFlashConfig counts two sublayers per layer"
        )
    nope, rope = cfg.int("qk_nope_head_dim"), cfg.int("qk_rope_head_dim")
    if cfg.get("qk_head_dim") not in (None, nope + rope):
        raise ConfigImportError(
            f"config.json: qk_head_dim {cfg.get('qk_head_dim')!r} differs from qk_nope_head_dim + qk_rope_head_dim"
            f" ({nope + rope}); gptcalc's MLA has no separate query/key width"
        )
    zero = cfg.get("zero_expert_num")
    return {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": 2 * layers,
        "hidden_size": cfg.int("hidden_size"),
        "vocab_size": cfg.int("vocab_size"),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
        "context_length": cfg.get("max_position_embeddings"),
        "norm": "rmsnorm",
        "attention": {
            "kind": "mla",
            "n_heads": cfg.int("num_attention_heads"),
            "q_lora_rank": cfg.int("q_lora_rank"),
            "kv_lora_rank": cfg.int("kv_lora_rank"),
            "qk_rope_head_dim": rope,
            "qk_nope_head_dim": nope,
            "v_head_dim": cfg.int("v_head_dim"),
            "bias": cfg.flag("attention_bias"),
        },
        "mlp": {"activation": _activation(cfg, "hidden_act", gated=True), "d_ff": cfg.int("ffn_hidden_size")},
        "moe": {
            "n_experts": cfg.int("n_routed_experts", "num_local_experts"),
            "top_k": cfg.int("moe_topk", "num_experts_per_tok"),
            "expert_d_ff": cfg.int("expert_ffn_hidden_size", "moe_intermediate_size"),
            "zero_experts": 0 if zero is None else cfg.int("zero_expert_num", minimum=0),
            "router_bias": cfg.flag("router_bias"),
            "expert_bias": False,
        },
        "layer_pattern": ["dense+moe", "dense"] * layers,
    }


def _gemma4(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Gemma 4's text model (transformers' Gemma4ForCausalLM, modeling_gemma4.py; Gemma4TextConfig in
    configuration_gemma4.py). ``layer_types`` (default: five sliding layers of sliding_window, then one full, the
    last always full) picks per layer the attention shape: sliding layers use head_dim and num_key_value_heads,
    full layers global_head_dim (default 512) and, only with attention_k_eq_v, num_global_key_value_heads, and with
    attention_k_eq_v no v_proj (``Gemma4TextAttention.use_alternative_attention``); a saved config states those as
    ``per_layer_config`` overrides of the full layers instead. q/k/v/o biased by attention_bias; an RMSNorm of
    head_dim on q and k (v's holds no weight). The last num_kv_shared_layers layers reuse the K/V of the last
    earlier layer of their type: no k/v projections or k norm, no cache (``kv_sharing_modes``), and with
    use_double_wide_mlp an MLP of 2 x intermediate_size. Every layer: a gated (GeGLU) MLP, four RMSNorms of h;
    with enable_moe_block an MoE beside the MLP (``dense+moe``; Gemma4TextRouter: a weightless norm, proj h -> E,
    scale h, per_expert_scale E; Gemma4TextExperts: E gated experts of moe_intermediate_size, top_k_experts per
    token; three more RMSNorms of h); with hidden_size_per_layer_input > 0, per-layer input embeddings
    (:class:`PerLayerEmbedding`). Tied by tie_word_embeddings (default true). ``layer_scalar`` is a buffer.
    Refused, one line each: use_bidirectional_attention 'all' (a bidirectional encoder), per_layer_config
    overrides other than head_dim and num_key_value_heads on the full layers, sharing layers whose type no
    earlier layer produces (transformers refuses them too) and an MoE block without its sizes."""
    spec = _common(cfg, model_type)
    n = spec["n_layers"]
    heads = spec["attention"]["n_heads"]
    if cfg.get("use_bidirectional_attention") == "all":
        raise ConfigImportError(
            "config.json: use_bidirectional_attention 'all' makes every layer attend both ways (an encoder);"
            " gptcalc models causal decoders (null and 'vision' are supported)"
        )
    raw = cfg.get("layer_types")
    if raw is None:
        raw = ["sliding_attention" if (i + 1) % 6 else "full_attention" for i in range(n)]
    if not isinstance(raw, list) or len(raw) != n or any(t not in ("sliding_attention", "full_attention") for t in raw):
        raise ConfigImportError(
            f"config.json: layer_types must list {n} entries of sliding_attention and full_attention, got {raw!r}"
        )
    types = [*raw[:-1], "full_attention"]  # Gemma4TextConfig forces the last layer to full attention
    bias = cfg.flag("attention_bias")
    k_eq_v = cfg.flag("attention_k_eq_v")
    spec["attention"].update(qkv_bias=bias, out_bias=bias, qk_norm="head")
    full_layers = [i for i, t in enumerate(types) if t == "full_attention"]
    overrides = cfg.get("per_layer_config")
    if overrides is not None:
        if not isinstance(overrides, dict):
            raise ConfigImportError(
                f"config.json: per_layer_config must map layer indices to overrides, got {overrides!r}"
            )
        given = {int(k): v for k, v in overrides.items()}
        per_full = [given.get(i) or {} for i in full_layers]
        keys = {key for v in per_full if isinstance(v, dict) for key in v}
        if not set(given) <= set(full_layers) or not all(isinstance(v, dict) for v in per_full):
            raise ConfigImportError(
                "config.json: per_layer_config may only override the full-attention layers"
                f" {full_layers}; got {overrides!r}"
            )
        if not keys <= {"head_dim", "num_key_value_heads"} or any(v != per_full[0] for v in per_full):
            raise ConfigImportError(
                "config.json: per_layer_config must give every full-attention layer the same head_dim and"
                f" num_key_value_heads (gptcalc has one full-attention shape per model); got {overrides!r}"
            )
        global_override = per_full[0] if per_full else {}
    else:
        global_override = {"head_dim": cfg.int("global_head_dim")}
        if k_eq_v and cfg.get("num_global_key_value_heads") is not None:
            global_override["num_key_value_heads"] = cfg.int("num_global_key_value_heads")
    global_head_dim = int(global_override.get("head_dim") or spec["attention"]["head_dim"])
    global_kv = int(global_override.get("num_key_value_heads") or spec["attention"]["n_kv_heads"])
    if global_head_dim < 1 or global_kv < 1:
        raise ConfigImportError("config.json: the full-attention layers' head_dim and key/value heads must be >= 1")
    spec["attention"].update(_local_layers(cfg.int("sliding_window"), [t == "sliding_attention" for t in types]))
    spec["global_attention"] = {
        "n_heads": heads,
        "n_kv_heads": global_kv,
        "head_dim": global_head_dim,
        "qkv_bias": bias,
        "out_bias": bias,
        "qk_norm": "head",
        "k_eq_v": k_eq_v,
    }
    if (global_head_dim, global_kv, k_eq_v) == (spec["attention"]["head_dim"], spec["attention"]["n_kv_heads"], False):
        del spec["global_attention"]  # the same shape everywhere
    shared = cfg.get("num_kv_shared_layers") or 0
    shared = cfg.int("num_kv_shared_layers", minimum=0) if shared else 0
    d_ff = cfg.int("intermediate_size")
    if shared:
        first = n - shared
        if first < 1 or set(types[first:]) - set(types[:first]):
            raise ConfigImportError(
                f"config.json: num_kv_shared_layers {shared} leaves no earlier layer of each attention type its"
                f" {n - max(first, 0)} sharing layers read (layer_types {types!r}); transformers refuses it too"
            )
        spec["kv_sharing"] = {"layers": shared, "d_ff": 2 * d_ff if cfg.flag("use_double_wide_mlp") else None}
    spec["mlp"] = {"activation": _activation(cfg, "hidden_activation", gated=True), "d_ff": d_ff}
    spec["norms_per_layer"] = 4  # input, post-attention, pre- and post-feed-forward
    if cfg.flag("enable_moe_block"):
        missing = [k for k in ("num_experts", "top_k_experts", "moe_intermediate_size") if cfg.get(k) is None]
        if missing:
            raise ConfigImportError(f"config.json: enable_moe_block needs {', '.join(missing)}")
        spec["moe"] = {
            "n_experts": cfg.int("num_experts"),
            "top_k": cfg.int("top_k_experts"),
            "expert_d_ff": cfg.int("moe_intermediate_size"),
            "expert_bias": False,
            "router_scales": True,
        }
        spec["norms_per_layer"] = 7  # + post_feedforward_layernorm_1/_2 and pre_feedforward_layernorm_2
        spec["layer_pattern"] = ["dense+moe"] * n
    ple = cfg.get("hidden_size_per_layer_input")
    if ple:
        spec["per_layer_embedding"] = {
            "vocab_size": cfg.int("vocab_size_per_layer_input"),
            "width": cfg.int("hidden_size_per_layer_input"),
        }
    return spec


def _hunyuan_moe(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Hunyuan MoE (Tencent 2025, Hunyuan-A13B; transformers' HunYuanMoEV1ForCausalLM,
    modeling_hunyuan_v1_moe.py): Llama attention with per-head query/key RMSNorms (query_layernorm,
    key_layernorm: built whatever use_qk_norm says) and biases by attention_bias; every layer's feed-forward is
    a bias-free router over num_experts fused gated experts plus one always-on gated shared MLP, all of
    intermediate_size (the 5.24 class reads neither moe_intermediate_size nor num_shared_expert). moe_topk may be
    one number or a per-layer list (one value throughout: gptcalc has one top-k); a per-layer num_experts list
    is refused, as transformers cannot build it."""
    spec = _llama_like(cfg, model_type)
    experts = cfg.get("num_experts", "num_local_experts")
    if isinstance(experts, list):
        raise ConfigImportError(
            f"config.json: num_experts must be one number for hunyuan_v1_moe (transformers builds every layer's"
            f" experts from it), got a list {experts!r}"
        )
    top_k = cfg.get("moe_topk", "num_experts_per_tok")
    if isinstance(top_k, list):
        if not top_k or len(set(top_k)) != 1:
            raise ConfigImportError(
                f"config.json: moe_topk as a list must hold one value for every layer (gptcalc has one top-k per"
                f" model), got {top_k!r}"
            )
        top_k = top_k[0]
    d_ff = spec["mlp"]["d_ff"]
    spec["moe"] = {
        "n_experts": cfg.int("num_experts", "num_local_experts"),
        "top_k": _Config({"moe_topk": top_k}, {}).int("moe_topk"),
        "expert_d_ff": d_ff,
        "n_shared_experts": 1,
        "shared_d_ff": d_ff,
        "expert_bias": False,
    }
    return spec


def _kimi_linear(cfg: _Config, model_type: str) -> dict[str, Any]:
    """Kimi Linear (Kimi Team 2025, arXiv:2510.26692; transformers' KimiLinearForCausalLM): ``layer_types``
    (or linear_attn_config's 1-based full_attn_layers / kda_layers; default: layers i > 0 with i % 4 == 0
    attend fully) picks per layer multi-head latent attention (DeepSeek-V2's MLA, no rotary) or Kimi Delta
    Attention; ``mlp_layer_types`` (default: the first first_k_dense_replace layers dense) picks a gated MLP
    or a DeepSeek-V3-style MoE (bias-free router, score-correction bias a buffer, shared experts of
    n_shared x moe_intermediate_size); two RMSNorms per layer; the head is never tied (the class declares no
    tied weights). Keys are read under both spellings KimiLinearConfig maps (num_experts/num_local_experts,
    num_experts_per_token/num_experts_per_tok, num_shared_experts/n_shared_experts)."""
    h = cfg.int("hidden_size")
    n_layers = cfg.int("num_hidden_layers")
    lin = cfg.data.get("linear_attn_config") or {}
    if not isinstance(lin, dict):
        raise ConfigImportError(f"config.json: linear_attn_config must be an object, got {lin!r}")
    raw = cfg.data.get("layer_types")
    if raw is None and "full_attn_layers" in lin and "kda_layers" in lin:
        raw = [None] * n_layers
        for key, name in (("full_attn_layers", "full_attention"), ("kda_layers", "linear_attention")):
            for layer in lin[key]:
                if not isinstance(layer, int) or not 1 <= layer <= n_layers:
                    raise ConfigImportError(
                        f"config.json: linear_attn_config.{key} has {layer!r}, not a layer 1..{n_layers}"
                    )
                raw[layer - 1] = name
    if raw is None:
        raw = ["full_attention" if i and i % 4 == 0 else "linear_attention" for i in range(n_layers)]
    if (
        not isinstance(raw, list)
        or len(raw) != n_layers
        or any(t not in ("linear_attention", "full_attention") for t in raw)
    ):
        raise ConfigImportError(
            f"config.json: layer_types must list {n_layers} entries of linear_attention and full_attention, got {raw!r}"
        )
    mlp_types = cfg.data.get("mlp_layer_types")
    if mlp_types is None:
        first_dense = cfg.int("first_k_dense_replace", minimum=0)
        mlp_types = ["dense" if i < first_dense else "sparse" for i in range(n_layers)]
    if (
        not isinstance(mlp_types, list)
        or len(mlp_types) != n_layers
        or any(t not in ("dense", "sparse") for t in mlp_types)
    ):
        raise ConfigImportError(f"config.json: mlp_layer_types must list {n_layers} entries of dense and sparse")
    pattern = []
    for t, m in zip(raw, mlp_types, strict=True):
        if t == "full_attention":
            pattern.append("moe" if m == "sparse" else "dense")
        else:
            pattern.append("deltanet+moe" if m == "sparse" else "deltanet+mlp")
    q_lora = cfg.get("q_lora_rank")
    spec: dict[str, Any] = {
        "name": str(cfg.data.get("_name_or_path") or model_type),
        "n_layers": n_layers,
        "hidden_size": h,
        "vocab_size": cfg.int("vocab_size"),
        "tie_embeddings": False,
        "context_length": cfg.get("model_max_length", "max_position_embeddings"),
        "norm": "rmsnorm",
        "position_embedding": "none",
        "attention": {
            "kind": "mla",
            "n_heads": cfg.int("num_attention_heads"),
            "q_lora_rank": None if q_lora is None else cfg.int("q_lora_rank"),
            "kv_lora_rank": cfg.int("kv_lora_rank"),
            "qk_rope_head_dim": cfg.int("qk_rope_head_dim"),
            "qk_nope_head_dim": cfg.int("qk_nope_head_dim"),
            "v_head_dim": cfg.int("v_head_dim"),
            "bias": cfg.flag("attention_bias"),
        },
        "mlp": {"activation": _activation(cfg, "hidden_act", gated=True), "d_ff": cfg.int("intermediate_size")},
        "linear_attention": {
            "kind": "kda",
            "heads": int(lin.get("num_heads") or cfg.int("linear_num_heads")),
            "head_dim": int(lin.get("head_dim") or cfg.int("linear_head_dim")),
            "conv_kernel": int(lin.get("short_conv_kernel_size") or cfg.int("linear_conv_kernel_dim")),
        },
        "layer_pattern": pattern,
    }
    if not any(t.startswith("deltanet") for t in pattern):
        spec.pop("linear_attention")
    if "sparse" in mlp_types:
        shared = cfg.int("num_shared_experts", "n_shared_experts", minimum=0)
        spec["moe"] = {
            "n_experts": cfg.int("num_experts", "num_local_experts"),
            "top_k": cfg.int("num_experts_per_token", "num_experts_per_tok"),
            "expert_d_ff": cfg.int("moe_intermediate_size"),
            "n_shared_experts": shared,
            "expert_bias": False,
        }
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
    "deepseek_v32": _deepseek,
    **dict.fromkeys(
        (
            "olmo2",
            "olmo3",
            "stablelm",
            "phi",
            "starcoder2",
            "cohere",
            "cohere2",
            "glm4",
            "granite",
            "ernie4_5",
            "exaone4",
            "smollm3",
            "seed_oss",
            "internlm3",
            "gemma3_text",
            "ministral3",
        ),
        _llama_like,
    ),
    **dict.fromkeys(
        ("olmoe", "gpt_oss", "phimoe", "granitemoe", "granitemoeshared", "minimax_m2"), _experts_everywhere
    ),
    "glm4_moe": _glm4_moe,
    "ernie4_5_moe": _ernie_moe,
    "dbrx": _dbrx,
    "falcon": _falcon,
    **dict.fromkeys(("gpt_bigcode", "gptj", "bloom"), _gpt2_family),
    "opt": _opt,
    "mpt": _mpt,
    "mamba2": _mamba2,
    "nemotron_h": _nemotron_h,
    "granitemoehybrid": _granitemoehybrid,
    "falcon_h1": _falcon_h1,
    "jamba": _jamba,
    "qwen3_next": _qwen3_next,
    "kimi_linear": _kimi_linear,
    "qwen3_vl_text": _llama_like,
    "qwen3_vl_moe_text": _qwen_moe,
    "hunyuan_v1_moe": _hunyuan_moe,
    "llama4_text": _llama4,
    "minimax": _minimax,
    "longcat_flash": _longcat_flash,
    "gemma4_text": _gemma4,
    "qwen3_5_text": _qwen3_5,
    "qwen3_5_moe_text": _qwen3_5,
}


# Keys an approximate (Llama-style) reading needs, each with the spellings families use.
_COMMON_KEYS: dict[str, tuple[str, ...]] = {
    "hidden_size": ("hidden_size", "n_embd", "d_model", "dim"),
    "num_hidden_layers": ("num_hidden_layers", "n_layer", "n_layers", "num_layers"),
    "num_attention_heads": ("num_attention_heads", "n_head", "n_heads", "num_heads"),
    "intermediate_size": ("intermediate_size", "ffn_dim", "n_inner", "ffn_hidden_size"),
    "vocab_size": ("vocab_size", "padded_vocab_size"),
}


def _approximate(cfg: _Config, model_type: str) -> dict[str, Any]:
    """A config of a model_type without an exact builder, read as a Llama-style decoder (Touvron et al. 2023:
    RMSNorm, gated SiLU MLP, q/k/v/o projections) from its common keys; experts (num_local_experts /
    num_experts / n_routed_experts with num_experts_per_tok) make every layer after first_k_dense_replace an
    MoE layer of moe_intermediate_size (or intermediate_size) with n_shared_experts. Layer patterns, extra
    norms, biases and non-attention blocks the family may have are not seen, so totals are approximate."""
    missing = [key for key, names in _COMMON_KEYS.items() if cfg.get(*names) is None]
    if missing:
        raise ConfigImportError(
            f"config.json: model_type {model_type!r} is not supported exactly and the config lacks "
            f"{', '.join(missing)} for an approximate count; supported exactly: {', '.join(SUPPORTED_MODEL_TYPES)}"
        )
    h = cfg.int(*_COMMON_KEYS["hidden_size"])
    heads = cfg.int(*_COMMON_KEYS["num_attention_heads"])
    n_layers = cfg.int(*_COMMON_KEYS["num_hidden_layers"])
    kv = cfg.get("num_key_value_heads", "num_kv_heads", "n_head_kv")
    bias = cfg.flag("attention_bias")
    act = cfg.get("hidden_act", "hidden_activation", "activation_function")
    spec: dict[str, Any] = {
        "name": str(cfg.data.get("_name_or_path") or model_type) or model_type,
        "n_layers": n_layers,
        "hidden_size": h,
        "vocab_size": cfg.int(*_COMMON_KEYS["vocab_size"]),
        "tie_embeddings": cfg.flag("tie_word_embeddings"),
        "context_length": cfg.get("max_position_embeddings"),
        "attention": {
            "n_heads": heads,
            "n_kv_heads": int(kv) if kv else heads,
            "head_dim": cfg.get("head_dim") or h // heads,
            "qkv_bias": bias,
            "out_bias": bias,
        },
        "mlp": {
            "activation": _GATED.get(_ACTIVATIONS.get(str(act), "silu"), "swiglu"),
            "d_ff": cfg.int(*_COMMON_KEYS["intermediate_size"]),
        },
    }
    experts = cfg.get("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts")
    first_dense = cfg.get("first_k_dense_replace") or 0
    if isinstance(experts, int) and experts > 0 and first_dense < n_layers:
        top_k = cfg.get("num_experts_per_tok", "moe_k", "moe_topk")
        spec["moe"] = {
            "n_experts": experts,
            "top_k": top_k if isinstance(top_k, int) and 0 < top_k <= experts else None,
            "expert_d_ff": cfg.int("moe_intermediate_size")
            if cfg.get("moe_intermediate_size")
            else spec["mlp"]["d_ff"],
            "n_shared_experts": cfg.get("n_shared_experts", "num_shared_experts") or 0,
            "first_dense_layers": int(first_dense),
        }
    spec["approximate"] = (
        f"model_type {model_type!r} is not one gptcalc counts exactly; read as a Llama-style decoder from its"
        " common keys (layer patterns, extra norms, biases and non-attention blocks not seen)"
    )
    return spec


def architecture_from_hf(
    config: dict[str, Any], name: str | None = None, origin: str = "config.json", *, strict: bool = False
) -> Architecture:
    """Build an :class:`Architecture` from a Hugging Face config dict (see the module docstring).

    A ``model_type`` without an exact builder is read approximately from its common keys
    (:func:`_approximate`; the result's ``approximate`` says why) unless ``strict``, which refuses it.
    """
    model_type = config.get("model_type")
    if isinstance(model_type, str) and model_type not in _BUILDERS and isinstance(config.get("text_config"), dict):
        return _text_model(config, model_type, name, origin, strict=strict)
    if model_type is None:
        raise ConfigImportError(
            f'{origin}: no model_type; a Hugging Face config.json names its family there (e.g. "model_type":'
            f' "llama"); supported exactly: {", ".join(SUPPORTED_MODEL_TYPES)}'
        )
    if not isinstance(model_type, str) or (strict and model_type not in _BUILDERS):
        raise ConfigImportError(
            f"{origin}: model_type {model_type!r} is not supported"
            f"{' exactly (--strict)' if strict else ''}; supported: {', '.join(SUPPORTED_MODEL_TYPES)}"
        )
    builder = _BUILDERS.get(model_type, _approximate)
    cfg = _Config(config, DEFAULTS.get(model_type, {}))
    try:
        spec = builder(cfg, model_type)
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


def _text_model(
    config: dict[str, Any], model_type: str, name: str | None, origin: str, *, strict: bool
) -> Architecture:
    """The language model of a multimodal wrapper config: its ``text_config`` read as a config of its own type
    (``model_type`` there, else the wrapper's default text type), as transformers' text-only class
    (``AutoModelForCausalLM`` on ``config.get_text_config()``) builds it. Nothing else is taken from the outer
    config except ``tie_word_embeddings`` where the wrapper class ties by the outer flag (``_OUTER_TIES``) and
    the text_config does not state its own. Vision tower and projector are not counted."""
    text = dict(config["text_config"])
    text_type = text.setdefault("model_type", WRAPPERS.get(model_type))
    if text_type is None:
        raise ConfigImportError(f"{origin}: the text_config of model_type {model_type!r} names no model_type")
    if text_type not in _BUILDERS and isinstance(text.get("text_config"), dict):
        # transformers unwraps one level (get_text_config); a wrapper inside a wrapper is no model it builds.
        raise ConfigImportError(
            f"{origin}: the text_config of model_type {model_type!r} is itself a wrapper ({text_type!r} with a"
            " text_config); expected a language model's config there"
        )
    if "tie_word_embeddings" not in text and "tie_word_embeddings" in config and model_type in _OUTER_TIES:
        text["tie_word_embeddings"] = config["tie_word_embeddings"]
    if model_type in _OUTER_TIE_ONLY and text_type == WRAPPERS[model_type]:
        text["tie_word_embeddings"] = config.get("tie_word_embeddings", False)
    outer_name = config.get("_name_or_path")
    arch = architecture_from_hf(text, name or (str(outer_name) if outer_name else None), origin, strict=strict)
    description = (
        f"Imported from a Hugging Face {model_type} config: its text model ({text_type}) only; {VISION_EXCLUDED}"
    )
    if config.get("audio_config") is not None:  # Gemma 4: an audio tower and its embedder beside the vision tower
        description += "; audio tower and its projector not counted"
    return arch.model_copy(update={"description": description})
