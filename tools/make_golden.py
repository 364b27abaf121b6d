#!/usr/bin/env python
"""Generate golden parameter-count fixtures from Hugging Face ``transformers``.

Every fixture ``tests/golden/hf/<case>.json`` holds one config.json-style dict
and the number of parameters that ``transformers`` really instantiates for it:

    {
      "case": ..., "model_type": ..., "style": "hub" | "minimal" | "saved-4.x" | "saved-5.x",
      "description": ...,
      "config": {...config.json as a user would feed it to the calculator...},
      "totals": {"4.57.6": int, "5.24.0": int},      # per transformers version that loads it
      "params_by_name": {"model.layers.*.self_attn.q_proj.weight": int, ...},
      "params_by_name_version": "5.24.0",             # which version params_by_name came from
      "load_errors": {"<version>": "..."},            # only present if some version failed
      "forward_flops": {"seq_len": 8, "batch": 1, "total": int, "rotary": int, "version": "5.24.0"}
    }                                                 # small models only, see forward_flops()

``totals[v]`` is ``sum(p.numel() for p in model.parameters())`` of
``AutoModelForCausalLM.from_config(CONFIG_MAPPING[model_type].from_dict(config))``
built under ``with torch.device("meta")`` (no memory is allocated), with
``trust_remote_code=False``.  ``params_by_name`` comes from
``model.named_parameters()`` (unique parameters, so tied weights are counted
once), with purely numeric path components (layer / expert indices) replaced by
``*`` and numels summed.  It is taken from transformers 5.x when 5.x can load the
config, otherwise from 4.x.

A config holding a ``text_config`` (a multimodal wrapper) is counted as its text model (``text_config_of``).

``forward_flops`` (transformers 5.x runs, models of at most 60M parameters, no recurrent-scan types) is what
``torch.utils.flop_counter.FlopCounterMode`` counts for one forward pass over 8 tokens with real tensors on CPU,
eager attention and eager experts; tests/test_flops_golden.py compares it with gptcalc's ``palm`` FLOPs.

Cases of the families added later live as data in ``tools/golden_configs/<family>.json`` (see
``data_cases``); only the first 15 families are still written out below.

Nothing is downloaded: "hub" configs are written out below from memory of the
published config.json files; "minimal" configs are ``{"model_type": ...}`` plus
at most two keys; "saved-4.x"/"saved-5.x" configs are produced by
``AutoConfig.for_model(model_type, **kwargs)`` serialized with
``to_json_string(use_diff=False)`` (== ``to_dict()``) under that major version.

Each run computes the totals of the *running* transformers version and merges
them into the existing fixture files (other versions' totals are kept as long as
the config is unchanged).  A "saved-N.x" config is (re)generated only when
running under transformers N.x; under the other version it is read back from
the fixture file, so the order matters.

How to regenerate everything (from the repository root):

    /tmp/hf4/bin/python tools/make_golden.py   # transformers 4.57.6: writes saved-4.x configs, 4.x totals
    /tmp/hf5/bin/python tools/make_golden.py   # transformers 5.24.0: writes saved-5.x configs, 5.x totals, params_by_name
    /tmp/hf4/bin/python tools/make_golden.py   # 4.x again, to count the saved-5.x configs under 4.57.6

(/tmp/hf5: torch 2.13.0 + transformers 5.24.0; /tmp/hf4: torch 2.13.0 +
transformers 4.57.6.)  Options: ``--only SUBSTR`` restricts to cases whose name
contains SUBSTR; ``--out DIR`` changes the output directory.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import traceback

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM
from transformers.models.auto.configuration_auto import CONFIG_MAPPING

VERSION = transformers.__version__
MAJOR = VERSION.split(".")[0]
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "golden", "hf")

null, true, false = None, True, False  # so hub configs below read like JSON

# --------------------------------------------------------------------------------------
# "hub" and "minimal" cases: config dicts written out literally.
# --------------------------------------------------------------------------------------

_GPT2_COMMON = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.1,
    "bos_token_id": 50256,
    "embd_pdrop": 0.1,
    "eos_token_id": 50256,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_ctx": 1024,
    "n_positions": 1024,
    "resid_pdrop": 0.1,
    "summary_activation": null,
    "summary_first_dropout": 0.1,
    "summary_proj_to_labels": true,
    "summary_type": "cls_index",
    "summary_use_proj": true,
    "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
    "vocab_size": 50257,
}

_LLAMA31_ROPE = {
    "factor": 8.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3",
}

_DS_AUTO_MAP_V2 = {
    "AutoConfig": "configuration_deepseek.DeepseekV2Config",
    "AutoModel": "modeling_deepseek.DeepseekV2Model",
    "AutoModelForCausalLM": "modeling_deepseek.DeepseekV2ForCausalLM",
}
_DS_AUTO_MAP_V3 = {
    "AutoConfig": "configuration_deepseek.DeepseekV3Config",
    "AutoModel": "modeling_deepseek.DeepseekV3Model",
    "AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM",
}

HUB = "Dimensions from the published config.json on the Hugging Face hub (written from memory, not downloaded)."

CASES = [
    # ------------------------------------------------------------------ gpt2
    dict(
        case="gpt2",
        model_type="gpt2",
        style="hub",
        description="openai-community/gpt2 (GPT-2 small, 124M; lm_head tied to wte). " + HUB,
        config=dict(_GPT2_COMMON, n_embd=768, n_head=12, n_layer=12),
    ),
    dict(
        case="gpt2-medium",
        model_type="gpt2",
        style="hub",
        description="openai-community/gpt2-medium (355M; n_embd 1024, 24 layers, 16 heads). " + HUB,
        config=dict(_GPT2_COMMON, n_embd=1024, n_head=16, n_layer=24, n_special=0, predict_special_tokens=true),
    ),
    dict(
        case="gpt2-xl",
        model_type="gpt2",
        style="hub",
        description="openai-community/gpt2-xl (1.5B; n_embd 1600, 48 layers, 25 heads). " + HUB,
        config=dict(_GPT2_COMMON, n_embd=1600, n_head=25, n_layer=48, output_past=true),
    ),
    dict(
        case="gpt2-minimal",
        model_type="gpt2",
        style="minimal",
        description="Only model_type: every dimension comes from GPT2Config defaults (== gpt2 small).",
        config={"model_type": "gpt2"},
    ),
    # ------------------------------------------------------------------ gpt_neox
    dict(
        case="pythia-160m",
        model_type="gpt_neox",
        style="hub",
        description="EleutherAI/pythia-160m (untied embed_in / embed_out, parallel residual, rotary_pct 0.25). " + HUB,
        config={
            "architectures": ["GPTNeoXForCausalLM"],
            "bos_token_id": 0,
            "eos_token_id": 0,
            "hidden_act": "gelu",
            "hidden_size": 768,
            "initializer_range": 0.02,
            "intermediate_size": 3072,
            "layer_norm_eps": 1e-05,
            "max_position_embeddings": 2048,
            "model_type": "gpt_neox",
            "num_attention_heads": 12,
            "num_hidden_layers": 12,
            "rotary_emb_base": 10000,
            "rotary_pct": 0.25,
            "tie_word_embeddings": false,
            "torch_dtype": "float16",
            "transformers_version": "4.24.0",
            "use_cache": true,
            "use_parallel_residual": true,
            "vocab_size": 50304,
        },
    ),
    dict(
        case="gpt-neox-20b",
        model_type="gpt_neox",
        style="hub",
        description="EleutherAI/gpt-neox-20b (hidden 6144, 44 layers, 64 heads, vocab 50432). " + HUB,
        config={
            "architectures": ["GPTNeoXForCausalLM"],
            "attention_probs_dropout_prob": 0,
            "bos_token_id": 0,
            "eos_token_id": 0,
            "hidden_act": "gelu_fast",
            "hidden_dropout_prob": 0,
            "hidden_size": 6144,
            "initializer_range": 0.02,
            "intermediate_size": 24576,
            "layer_norm_eps": 1e-05,
            "max_position_embeddings": 2048,
            "model_type": "gpt_neox",
            "num_attention_heads": 64,
            "num_hidden_layers": 44,
            "rotary_emb_base": 10000,
            "rotary_pct": 0.25,
            "tie_word_embeddings": false,
            "torch_dtype": "float16",
            "transformers_version": "4.21.0.dev0",
            "use_cache": true,
            "use_parallel_residual": true,
            "vocab_size": 50432,
        },
    ),
    dict(
        case="gpt_neox-minimal",
        model_type="gpt_neox",
        style="minimal",
        description="model_type + num_hidden_layers only; the rest are GPTNeoXConfig defaults (gpt-neox-20b-like, attention_bias default true).",
        config={"model_type": "gpt_neox", "num_hidden_layers": 2},
    ),
    # ------------------------------------------------------------------ llama
    dict(
        case="llama-2-7b",
        model_type="llama",
        style="hub",
        description="meta-llama/Llama-2-7b-hf (MHA, 32 layers, vocab 32000). " + HUB,
        config={
            "_name_or_path": "meta-llama/Llama-2-7b-hf",
            "architectures": ["LlamaForCausalLM"],
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 4096,
            "initializer_range": 0.02,
            "intermediate_size": 11008,
            "max_position_embeddings": 4096,
            "model_type": "llama",
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "num_key_value_heads": 32,
            "pretraining_tp": 1,
            "rms_norm_eps": 1e-05,
            "rope_scaling": null,
            "tie_word_embeddings": false,
            "torch_dtype": "float16",
            "transformers_version": "4.31.0.dev0",
            "use_cache": true,
            "vocab_size": 32000,
        },
    ),
    dict(
        case="llama-2-70b",
        model_type="llama",
        style="hub",
        description="meta-llama/Llama-2-70b-hf (GQA 64 heads / 8 kv heads, 80 layers). " + HUB,
        config={
            "_name_or_path": "meta-llama/Llama-2-70b-hf",
            "architectures": ["LlamaForCausalLM"],
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 8192,
            "initializer_range": 0.02,
            "intermediate_size": 28672,
            "max_position_embeddings": 4096,
            "model_type": "llama",
            "num_attention_heads": 64,
            "num_hidden_layers": 80,
            "num_key_value_heads": 8,
            "pretraining_tp": 1,
            "rms_norm_eps": 1e-05,
            "rope_scaling": null,
            "tie_word_embeddings": false,
            "torch_dtype": "float16",
            "transformers_version": "4.32.0.dev0",
            "use_cache": true,
            "vocab_size": 32000,
        },
    ),
    dict(
        case="llama-3.1-8b",
        model_type="llama",
        style="hub",
        description="meta-llama/Llama-3.1-8B (rope_scaling llama3, vocab 128256, eos list in the Instruct variant). "
        + HUB,
        config={
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 128000,
            "eos_token_id": 128001,
            "hidden_act": "silu",
            "hidden_size": 4096,
            "initializer_range": 0.02,
            "intermediate_size": 14336,
            "max_position_embeddings": 131072,
            "mlp_bias": false,
            "model_type": "llama",
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "num_key_value_heads": 8,
            "pretraining_tp": 1,
            "rms_norm_eps": 1e-05,
            "rope_scaling": dict(_LLAMA31_ROPE),
            "rope_theta": 500000.0,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.43.0.dev0",
            "use_cache": true,
            "vocab_size": 128256,
        },
    ),
    dict(
        case="llama-3.1-405b",
        model_type="llama",
        style="hub",
        description="meta-llama/Llama-3.1-405B (hidden 16384, 126 layers, 128 heads / 8 kv heads). " + HUB,
        config={
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 128000,
            "eos_token_id": 128001,
            "hidden_act": "silu",
            "hidden_size": 16384,
            "initializer_range": 0.02,
            "intermediate_size": 53248,
            "max_position_embeddings": 131072,
            "mlp_bias": false,
            "model_type": "llama",
            "num_attention_heads": 128,
            "num_hidden_layers": 126,
            "num_key_value_heads": 8,
            "pretraining_tp": 1,
            "rms_norm_eps": 1e-05,
            "rope_scaling": dict(_LLAMA31_ROPE),
            "rope_theta": 500000.0,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.43.0.dev0",
            "use_cache": true,
            "vocab_size": 128256,
        },
    ),
    dict(
        case="llama-3.2-1b",
        model_type="llama",
        style="hub",
        description="meta-llama/Llama-3.2-1B (tied embeddings, explicit head_dim 64, rope_scaling llama3 factor 32). "
        + HUB,
        config={
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 128000,
            "eos_token_id": 128001,
            "head_dim": 64,
            "hidden_act": "silu",
            "hidden_size": 2048,
            "initializer_range": 0.02,
            "intermediate_size": 8192,
            "max_position_embeddings": 131072,
            "mlp_bias": false,
            "model_type": "llama",
            "num_attention_heads": 32,
            "num_hidden_layers": 16,
            "num_key_value_heads": 8,
            "pretraining_tp": 1,
            "rms_norm_eps": 1e-05,
            "rope_scaling": {
                "factor": 32.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3",
            },
            "rope_theta": 500000.0,
            "tie_word_embeddings": true,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.45.0.dev0",
            "use_cache": true,
            "vocab_size": 128256,
        },
    ),
    dict(
        case="llama-minimal",
        model_type="llama",
        style="minimal",
        description="model_type + num_key_value_heads only; LlamaConfig defaults otherwise (Llama-2-7B shape with GQA 8 kv heads).",
        config={"model_type": "llama", "num_key_value_heads": 8},
    ),
    # ------------------------------------------------------------------ mistral
    dict(
        case="mistral-7b-v0.1",
        model_type="mistral",
        style="hub",
        description="mistralai/Mistral-7B-v0.1 (sliding_window 4096, vocab 32000). " + HUB,
        config={
            "architectures": ["MistralForCausalLM"],
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 4096,
            "initializer_range": 0.02,
            "intermediate_size": 14336,
            "max_position_embeddings": 32768,
            "model_type": "mistral",
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "num_key_value_heads": 8,
            "rms_norm_eps": 1e-05,
            "rope_theta": 10000.0,
            "sliding_window": 4096,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.34.0.dev0",
            "use_cache": true,
            "vocab_size": 32000,
        },
    ),
    dict(
        case="mistral-7b-v0.3",
        model_type="mistral",
        style="hub",
        description="mistralai/Mistral-7B-v0.3 (vocab 32768, sliding_window null, rope_theta 1e6). " + HUB,
        config={
            "architectures": ["MistralForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 4096,
            "initializer_range": 0.02,
            "intermediate_size": 14336,
            "max_position_embeddings": 32768,
            "model_type": "mistral",
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "num_key_value_heads": 8,
            "rms_norm_eps": 1e-05,
            "rope_theta": 1000000.0,
            "sliding_window": null,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.42.0.dev0",
            "use_cache": true,
            "vocab_size": 32768,
        },
    ),
    dict(
        case="mistral-nemo-12b",
        model_type="mistral",
        style="hub",
        description="mistralai/Mistral-Nemo-Base-2407 (explicit head_dim 128 while hidden_size/heads = 160; vocab 131072). "
        + HUB,
        config={
            "architectures": ["MistralForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "head_dim": 128,
            "hidden_act": "silu",
            "hidden_size": 5120,
            "initializer_range": 0.02,
            "intermediate_size": 14336,
            "max_position_embeddings": 1024000,
            "model_type": "mistral",
            "num_attention_heads": 32,
            "num_hidden_layers": 40,
            "num_key_value_heads": 8,
            "rms_norm_eps": 1e-05,
            "rope_theta": 1000000.0,
            "sliding_window": null,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.43.0.dev0",
            "use_cache": true,
            "vocab_size": 131072,
        },
    ),
    dict(
        case="mistral-minimal",
        model_type="mistral",
        style="minimal",
        description="Only model_type: MistralConfig defaults (== Mistral-7B-v0.1 shape).",
        config={"model_type": "mistral"},
    ),
    # ------------------------------------------------------------------ mixtral
    dict(
        case="mixtral-8x7b",
        model_type="mixtral",
        style="hub",
        description="mistralai/Mixtral-8x7B-v0.1 (8 experts, top-2, no shared expert). " + HUB,
        config={
            "architectures": ["MixtralForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 4096,
            "initializer_range": 0.02,
            "intermediate_size": 14336,
            "max_position_embeddings": 32768,
            "model_type": "mixtral",
            "num_attention_heads": 32,
            "num_experts_per_tok": 2,
            "num_hidden_layers": 32,
            "num_key_value_heads": 8,
            "num_local_experts": 8,
            "output_router_logits": false,
            "rms_norm_eps": 1e-05,
            "rope_theta": 1000000.0,
            "router_aux_loss_coef": 0.02,
            "sliding_window": null,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.36.0.dev0",
            "use_cache": true,
            "vocab_size": 32000,
        },
    ),
    dict(
        case="mixtral-8x22b",
        model_type="mixtral",
        style="hub",
        description="mistralai/Mixtral-8x22B-v0.1 (hidden 6144, 56 layers, 48 heads / 8 kv, expert ffn 16384, vocab 32000). "
        + HUB,
        config={
            "architectures": ["MixtralForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 6144,
            "initializer_range": 0.02,
            "intermediate_size": 16384,
            "max_position_embeddings": 65536,
            "model_type": "mixtral",
            "num_attention_heads": 48,
            "num_experts_per_tok": 2,
            "num_hidden_layers": 56,
            "num_key_value_heads": 8,
            "num_local_experts": 8,
            "output_router_logits": false,
            "rms_norm_eps": 1e-05,
            "rope_theta": 1000000.0,
            "router_aux_loss_coef": 0.001,
            "sliding_window": null,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.38.0",
            "use_cache": true,
            "vocab_size": 32000,
        },
    ),
    dict(
        case="mixtral-minimal",
        model_type="mixtral",
        style="minimal",
        description="model_type + num_local_experts=4; MixtralConfig defaults otherwise (Mixtral-8x7B shape).",
        config={"model_type": "mixtral", "num_local_experts": 4},
    ),
    # ------------------------------------------------------------------ qwen2
    dict(
        case="qwen2-0.5b",
        model_type="qwen2",
        style="hub",
        description="Qwen/Qwen2-0.5B (tied embeddings, q/k/v biases, 14 heads / 2 kv heads). " + HUB,
        config={
            "architectures": ["Qwen2ForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "eos_token_id": 151643,
            "hidden_act": "silu",
            "hidden_size": 896,
            "initializer_range": 0.02,
            "intermediate_size": 4864,
            "max_position_embeddings": 131072,
            "max_window_layers": 24,
            "model_type": "qwen2",
            "num_attention_heads": 14,
            "num_hidden_layers": 24,
            "num_key_value_heads": 2,
            "rms_norm_eps": 1e-06,
            "rope_theta": 1000000.0,
            "sliding_window": 131072,
            "tie_word_embeddings": true,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.40.1",
            "use_cache": true,
            "use_sliding_window": false,
            "vocab_size": 151936,
        },
    ),
    dict(
        case="qwen2-7b",
        model_type="qwen2",
        style="hub",
        description="Qwen/Qwen2-7B (untied, vocab 152064, 28 heads / 4 kv heads). " + HUB,
        config={
            "architectures": ["Qwen2ForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "eos_token_id": 151643,
            "hidden_act": "silu",
            "hidden_size": 3584,
            "initializer_range": 0.02,
            "intermediate_size": 18944,
            "max_position_embeddings": 131072,
            "max_window_layers": 28,
            "model_type": "qwen2",
            "num_attention_heads": 28,
            "num_hidden_layers": 28,
            "num_key_value_heads": 4,
            "rms_norm_eps": 1e-06,
            "rope_theta": 1000000.0,
            "sliding_window": 131072,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.41.2",
            "use_cache": true,
            "use_sliding_window": false,
            "vocab_size": 152064,
        },
    ),
    dict(
        case="qwen2-minimal",
        model_type="qwen2",
        style="minimal",
        description="Only model_type: Qwen2Config defaults (hidden 4096, 32 layers, 32 kv heads, intermediate 22016, vocab 151936, untied).",
        config={"model_type": "qwen2"},
    ),
    # ------------------------------------------------------------------ qwen2_moe
    dict(
        case="qwen1.5-moe-a2.7b",
        model_type="qwen2_moe",
        style="hub",
        description="Qwen/Qwen1.5-MoE-A2.7B (60 experts of 1408, top-4, shared expert 5632 with sigmoid shared_expert_gate, every layer MoE). "
        + HUB,
        config={
            "architectures": ["Qwen2MoeForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "decoder_sparse_step": 1,
            "eos_token_id": 151643,
            "hidden_act": "silu",
            "hidden_size": 2048,
            "initializer_range": 0.02,
            "intermediate_size": 5632,
            "max_position_embeddings": 8192,
            "max_window_layers": 21,
            "model_type": "qwen2_moe",
            "moe_intermediate_size": 1408,
            "norm_topk_prob": false,
            "num_attention_heads": 16,
            "num_experts": 60,
            "num_experts_per_tok": 4,
            "num_hidden_layers": 24,
            "num_key_value_heads": 16,
            "output_router_logits": false,
            "rms_norm_eps": 1e-06,
            "rope_theta": 1000000.0,
            "router_aux_loss_coef": 0.001,
            "shared_expert_intermediate_size": 5632,
            "sliding_window": 32768,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.39.0.dev0",
            "use_cache": true,
            "use_sliding_window": false,
            "vocab_size": 151936,
        },
    ),
    dict(
        case="qwen2-57b-a14b",
        model_type="qwen2_moe",
        style="hub",
        description="Qwen/Qwen2-57B-A14B (64 experts of 2560, top-8, shared expert 20480, 28 heads / 4 kv). " + HUB,
        config={
            "architectures": ["Qwen2MoeForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "decoder_sparse_step": 1,
            "eos_token_id": 151643,
            "hidden_act": "silu",
            "hidden_size": 3584,
            "initializer_range": 0.02,
            "intermediate_size": 18944,
            "max_position_embeddings": 131072,
            "max_window_layers": 28,
            "model_type": "qwen2_moe",
            "moe_intermediate_size": 2560,
            "norm_topk_prob": false,
            "num_attention_heads": 28,
            "num_experts": 64,
            "num_experts_per_tok": 8,
            "num_hidden_layers": 28,
            "num_key_value_heads": 4,
            "output_router_logits": false,
            "rms_norm_eps": 1e-06,
            "rope_theta": 1000000.0,
            "router_aux_loss_coef": 0.001,
            "shared_expert_intermediate_size": 20480,
            "sliding_window": 65536,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.40.1",
            "use_cache": true,
            "use_sliding_window": false,
            "vocab_size": 151936,
        },
    ),
    dict(
        case="qwen2_moe-minimal",
        model_type="qwen2_moe",
        style="minimal",
        description="model_type + decoder_sparse_step=2 (odd-indexed layers MoE, even-indexed layers dense MLP of intermediate_size); Qwen2MoeConfig defaults otherwise.",
        config={"model_type": "qwen2_moe", "decoder_sparse_step": 2},
    ),
    # ------------------------------------------------------------------ qwen3
    dict(
        case="qwen3-0.6b",
        model_type="qwen3",
        style="hub",
        description="Qwen/Qwen3-0.6B (tied; head_dim 128 so heads*head_dim=2048 != hidden 1024; q_norm/k_norm). " + HUB,
        config={
            "architectures": ["Qwen3ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "eos_token_id": 151645,
            "head_dim": 128,
            "hidden_act": "silu",
            "hidden_size": 1024,
            "initializer_range": 0.02,
            "intermediate_size": 3072,
            "max_position_embeddings": 40960,
            "max_window_layers": 28,
            "model_type": "qwen3",
            "num_attention_heads": 16,
            "num_hidden_layers": 28,
            "num_key_value_heads": 8,
            "rms_norm_eps": 1e-06,
            "rope_scaling": null,
            "rope_theta": 1000000,
            "sliding_window": null,
            "tie_word_embeddings": true,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.51.0",
            "use_cache": true,
            "use_sliding_window": false,
            "vocab_size": 151936,
        },
    ),
    dict(
        case="qwen3-8b",
        model_type="qwen3",
        style="hub",
        description="Qwen/Qwen3-8B (untied, 36 layers, 32 heads / 8 kv, head_dim 128). " + HUB,
        config={
            "architectures": ["Qwen3ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "eos_token_id": 151645,
            "head_dim": 128,
            "hidden_act": "silu",
            "hidden_size": 4096,
            "initializer_range": 0.02,
            "intermediate_size": 12288,
            "max_position_embeddings": 40960,
            "max_window_layers": 36,
            "model_type": "qwen3",
            "num_attention_heads": 32,
            "num_hidden_layers": 36,
            "num_key_value_heads": 8,
            "rms_norm_eps": 1e-06,
            "rope_scaling": null,
            "rope_theta": 1000000,
            "sliding_window": null,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.51.0",
            "use_cache": true,
            "use_sliding_window": false,
            "vocab_size": 151936,
        },
    ),
    dict(
        case="qwen3-minimal",
        model_type="qwen3",
        style="minimal",
        description="model_type + hidden_size=1024: head_dim keeps its class default 128 (NOT hidden_size/heads = 32); everything else Qwen3Config defaults.",
        config={"model_type": "qwen3", "hidden_size": 1024},
    ),
    # ------------------------------------------------------------------ qwen3_moe
    dict(
        case="qwen3-30b-a3b",
        model_type="qwen3_moe",
        style="hub",
        description="Qwen/Qwen3-30B-A3B (128 experts of 768, top-8, no shared expert; head_dim 128 given explicitly although Qwen3MoeConfig has no head_dim field). "
        + HUB,
        config={
            "architectures": ["Qwen3MoeForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "decoder_sparse_step": 1,
            "eos_token_id": 151645,
            "head_dim": 128,
            "hidden_act": "silu",
            "hidden_size": 2048,
            "initializer_range": 0.02,
            "intermediate_size": 6144,
            "max_position_embeddings": 40960,
            "max_window_layers": 48,
            "mlp_only_layers": [],
            "model_type": "qwen3_moe",
            "moe_intermediate_size": 768,
            "norm_topk_prob": true,
            "num_attention_heads": 32,
            "num_experts": 128,
            "num_experts_per_tok": 8,
            "num_hidden_layers": 48,
            "num_key_value_heads": 4,
            "output_router_logits": false,
            "rms_norm_eps": 1e-06,
            "rope_scaling": null,
            "rope_theta": 1000000.0,
            "router_aux_loss_coef": 0.001,
            "sliding_window": null,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.51.0",
            "use_cache": true,
            "use_sliding_window": false,
            "vocab_size": 151936,
        },
    ),
    dict(
        case="qwen3-235b-a22b",
        model_type="qwen3_moe",
        style="hub",
        description="Qwen/Qwen3-235B-A22B (94 layers, 64 heads / 4 kv, head_dim 128, 128 experts of 1536, top-8). "
        + HUB,
        config={
            "architectures": ["Qwen3MoeForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 151643,
            "decoder_sparse_step": 1,
            "eos_token_id": 151645,
            "head_dim": 128,
            "hidden_act": "silu",
            "hidden_size": 4096,
            "initializer_range": 0.02,
            "intermediate_size": 12288,
            "max_position_embeddings": 40960,
            "max_window_layers": 94,
            "mlp_only_layers": [],
            "model_type": "qwen3_moe",
            "moe_intermediate_size": 1536,
            "norm_topk_prob": true,
            "num_attention_heads": 64,
            "num_experts": 128,
            "num_experts_per_tok": 8,
            "num_hidden_layers": 94,
            "num_key_value_heads": 4,
            "output_router_logits": false,
            "rms_norm_eps": 1e-06,
            "rope_scaling": null,
            "rope_theta": 1000000.0,
            "router_aux_loss_coef": 0.001,
            "sliding_window": null,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.51.0",
            "use_cache": true,
            "use_sliding_window": false,
            "vocab_size": 151936,
        },
    ),
    dict(
        case="qwen3_moe-minimal",
        model_type="qwen3_moe",
        style="minimal",
        description="Only model_type: Qwen3MoeConfig defaults (hidden 2048, 24 layers, 32 heads / 4 kv, 128 experts of 768). No head_dim field -> hidden_size/heads = 64 (unlike the real Qwen3-30B-A3B which says 128).",
        config={"model_type": "qwen3_moe"},
    ),
    # ------------------------------------------------------------------ gemma
    dict(
        case="gemma-2b",
        model_type="gemma",
        style="hub",
        description="google/gemma-2b (MQA 8 heads / 1 kv, head_dim 256, tied embeddings by class default, vocab 256000). "
        + HUB,
        config={
            "architectures": ["GemmaForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 2,
            "eos_token_id": 1,
            "head_dim": 256,
            "hidden_act": "gelu",
            "hidden_size": 2048,
            "initializer_range": 0.02,
            "intermediate_size": 16384,
            "max_position_embeddings": 8192,
            "model_type": "gemma",
            "num_attention_heads": 8,
            "num_hidden_layers": 18,
            "num_key_value_heads": 1,
            "pad_token_id": 0,
            "rms_norm_eps": 1e-06,
            "rope_scaling": null,
            "rope_theta": 10000.0,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.38.0.dev0",
            "use_cache": true,
            "vocab_size": 256000,
        },
    ),
    dict(
        case="gemma-7b",
        model_type="gemma",
        style="hub",
        description="google/gemma-7b (16 heads x head_dim 256 = 4096 != hidden 3072; tied by class default). " + HUB,
        config={
            "architectures": ["GemmaForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 2,
            "eos_token_id": 1,
            "head_dim": 256,
            "hidden_act": "gelu",
            "hidden_size": 3072,
            "initializer_range": 0.02,
            "intermediate_size": 24576,
            "max_position_embeddings": 8192,
            "model_type": "gemma",
            "num_attention_heads": 16,
            "num_hidden_layers": 28,
            "num_key_value_heads": 16,
            "pad_token_id": 0,
            "rms_norm_eps": 1e-06,
            "rope_scaling": null,
            "rope_theta": 10000.0,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.38.0.dev0",
            "use_cache": true,
            "vocab_size": 256000,
        },
    ),
    dict(
        case="gemma-minimal",
        model_type="gemma",
        style="minimal",
        description="model_type + num_hidden_layers=2; GemmaConfig defaults otherwise (gemma-7b shape, head_dim 256, tied).",
        config={"model_type": "gemma", "num_hidden_layers": 2},
    ),
    # ------------------------------------------------------------------ gemma2
    dict(
        case="gemma-2-2b",
        model_type="gemma2",
        style="hub",
        description="google/gemma-2-2b (4 norms per layer, tied, head_dim 256). " + HUB,
        config={
            "architectures": ["Gemma2ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "attn_logit_softcapping": 50.0,
            "bos_token_id": 2,
            "cache_implementation": "hybrid",
            "eos_token_id": 1,
            "final_logit_softcapping": 30.0,
            "head_dim": 256,
            "hidden_act": "gelu_pytorch_tanh",
            "hidden_activation": "gelu_pytorch_tanh",
            "hidden_size": 2304,
            "initializer_range": 0.02,
            "intermediate_size": 9216,
            "max_position_embeddings": 8192,
            "model_type": "gemma2",
            "num_attention_heads": 8,
            "num_hidden_layers": 26,
            "num_key_value_heads": 4,
            "pad_token_id": 0,
            "query_pre_attn_scalar": 256,
            "rms_norm_eps": 1e-06,
            "rope_theta": 10000.0,
            "sliding_window": 4096,
            "torch_dtype": "float32",
            "transformers_version": "4.42.4",
            "use_cache": true,
            "vocab_size": 256000,
        },
    ),
    dict(
        case="gemma-2-9b",
        model_type="gemma2",
        style="hub",
        description="google/gemma-2-9b (hidden 3584, 42 layers, 16 heads / 8 kv, head_dim 256). " + HUB,
        config={
            "architectures": ["Gemma2ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "attn_logit_softcapping": 50.0,
            "bos_token_id": 2,
            "cache_implementation": "hybrid",
            "eos_token_id": 1,
            "final_logit_softcapping": 30.0,
            "head_dim": 256,
            "hidden_act": "gelu_pytorch_tanh",
            "hidden_activation": "gelu_pytorch_tanh",
            "hidden_size": 3584,
            "initializer_range": 0.02,
            "intermediate_size": 14336,
            "max_position_embeddings": 8192,
            "model_type": "gemma2",
            "num_attention_heads": 16,
            "num_hidden_layers": 42,
            "num_key_value_heads": 8,
            "pad_token_id": 0,
            "query_pre_attn_scalar": 256,
            "rms_norm_eps": 1e-06,
            "rope_theta": 10000.0,
            "sliding_window": 4096,
            "sliding_window_size": 4096,
            "torch_dtype": "float32",
            "transformers_version": "4.42.0.dev0",
            "use_cache": true,
            "vocab_size": 256000,
        },
    ),
    dict(
        case="gemma-2-27b",
        model_type="gemma2",
        style="hub",
        description="google/gemma-2-27b (hidden 4608, 46 layers, 32 heads / 16 kv, head_dim 128, query_pre_attn_scalar 144). "
        + HUB,
        config={
            "architectures": ["Gemma2ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "attn_logit_softcapping": 50.0,
            "bos_token_id": 2,
            "cache_implementation": "hybrid",
            "eos_token_id": 1,
            "final_logit_softcapping": 30.0,
            "head_dim": 128,
            "hidden_act": "gelu_pytorch_tanh",
            "hidden_activation": "gelu_pytorch_tanh",
            "hidden_size": 4608,
            "initializer_range": 0.02,
            "intermediate_size": 36864,
            "max_position_embeddings": 8192,
            "model_type": "gemma2",
            "num_attention_heads": 32,
            "num_hidden_layers": 46,
            "num_key_value_heads": 16,
            "pad_token_id": 0,
            "query_pre_attn_scalar": 144,
            "rms_norm_eps": 1e-06,
            "rope_theta": 10000.0,
            "sliding_window": 4096,
            "sliding_window_size": 4096,
            "torch_dtype": "float32",
            "transformers_version": "4.42.0.dev0",
            "use_cache": true,
            "vocab_size": 256000,
        },
    ),
    dict(
        case="gemma2-minimal",
        model_type="gemma2",
        style="minimal",
        description="Only model_type: Gemma2Config defaults (== gemma-2-2b shape).",
        config={"model_type": "gemma2"},
    ),
    # ------------------------------------------------------------------ phi3
    dict(
        case="phi-3-mini-4k",
        model_type="phi3",
        style="hub",
        description="microsoft/Phi-3-mini-4k-instruct (fused qkv_proj and gate_up_proj, vocab 32064). Carries auto_map for remote code, but trust_remote_code=False uses the native phi3 classes. "
        + HUB,
        config={
            "_name_or_path": "Phi-3-mini-4k-instruct",
            "architectures": ["Phi3ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "auto_map": {
                "AutoConfig": "configuration_phi3.Phi3Config",
                "AutoModelForCausalLM": "modeling_phi3.Phi3ForCausalLM",
            },
            "bos_token_id": 1,
            "embd_pdrop": 0.0,
            "eos_token_id": 32000,
            "hidden_act": "silu",
            "hidden_size": 3072,
            "initializer_range": 0.02,
            "intermediate_size": 8192,
            "max_position_embeddings": 4096,
            "model_type": "phi3",
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "num_key_value_heads": 32,
            "original_max_position_embeddings": 4096,
            "pad_token_id": 32000,
            "resid_pdrop": 0.0,
            "rms_norm_eps": 1e-05,
            "rope_scaling": null,
            "rope_theta": 10000.0,
            "sliding_window": 2047,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.40.2",
            "use_cache": true,
            "vocab_size": 32064,
        },
    ),
    dict(
        case="phi-3-medium-4k",
        model_type="phi3",
        style="hub",
        description="microsoft/Phi-3-medium-4k-instruct (hidden 5120, 40 layers, 40 heads / 10 kv, intermediate 17920). "
        + HUB,
        config={
            "architectures": ["Phi3ForCausalLM"],
            "attention_dropout": 0.0,
            "auto_map": {
                "AutoConfig": "configuration_phi3.Phi3Config",
                "AutoModelForCausalLM": "modeling_phi3.Phi3ForCausalLM",
            },
            "bos_token_id": 1,
            "embd_pdrop": 0.0,
            "eos_token_id": 32000,
            "hidden_act": "silu",
            "hidden_size": 5120,
            "initializer_range": 0.02,
            "intermediate_size": 17920,
            "max_position_embeddings": 4096,
            "model_type": "phi3",
            "num_attention_heads": 40,
            "num_hidden_layers": 40,
            "num_key_value_heads": 10,
            "original_max_position_embeddings": 4096,
            "pad_token_id": 32000,
            "resid_pdrop": 0.0,
            "rms_norm_eps": 1e-05,
            "rope_scaling": null,
            "rope_theta": 10000.0,
            "sliding_window": 2047,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.39.3",
            "use_cache": true,
            "vocab_size": 32064,
        },
    ),
    dict(
        case="phi-3-mini-128k",
        model_type="phi3",
        style="hub",
        description="microsoft/Phi-3-mini-128k-instruct shape (same dims as mini-4k, rope_scaling longrope with 48-entry short/long factor lists). "
        "The factor VALUES are placeholders (all 1.0), only their count (head_dim/2 = 48) is as on the hub; they do not affect parameter count.",
        config={
            "architectures": ["Phi3ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "embd_pdrop": 0.0,
            "eos_token_id": 32000,
            "hidden_act": "silu",
            "hidden_size": 3072,
            "initializer_range": 0.02,
            "intermediate_size": 8192,
            "max_position_embeddings": 131072,
            "model_type": "phi3",
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "num_key_value_heads": 32,
            "original_max_position_embeddings": 4096,
            "pad_token_id": 32000,
            "resid_pdrop": 0.0,
            "rms_norm_eps": 1e-05,
            "rope_scaling": {"long_factor": [1.0] * 48, "short_factor": [1.0] * 48, "type": "longrope"},
            "rope_theta": 10000.0,
            "sliding_window": 262144,
            "tie_word_embeddings": false,
            "torch_dtype": "bfloat16",
            "transformers_version": "4.40.2",
            "use_cache": true,
            "vocab_size": 32064,
        },
    ),
    dict(
        case="phi3-minimal",
        model_type="phi3",
        style="minimal",
        description="model_type + num_key_value_heads=8; Phi3Config defaults otherwise (phi-3-mini shape).",
        config={"model_type": "phi3", "num_key_value_heads": 8},
    ),
    # ------------------------------------------------------------------ olmo
    dict(
        case="olmo-1b",
        model_type="olmo",
        style="hub",
        description="allenai/OLMo-1B-hf (HF-native OLMo; tied embeddings; non-parametric LayerNorm). " + HUB,
        config={
            "architectures": ["OlmoForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": null,
            "clip_qkv": null,
            "eos_token_id": 50279,
            "hidden_act": "silu",
            "hidden_size": 2048,
            "initializer_range": 0.02,
            "intermediate_size": 8192,
            "max_position_embeddings": 2048,
            "model_type": "olmo",
            "num_attention_heads": 16,
            "num_hidden_layers": 16,
            "num_key_value_heads": 16,
            "pad_token_id": 1,
            "rope_scaling": null,
            "rope_theta": 10000.0,
            "tie_word_embeddings": true,
            "torch_dtype": "float32",
            "transformers_version": "4.40.0.dev0",
            "use_cache": true,
            "vocab_size": 50304,
        },
    ),
    dict(
        case="olmo-7b",
        model_type="olmo",
        style="hub",
        description="allenai/OLMo-7B-hf (untied; non-parametric LayerNorm). " + HUB,
        config={
            "architectures": ["OlmoForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": null,
            "clip_qkv": null,
            "eos_token_id": 50279,
            "hidden_act": "silu",
            "hidden_size": 4096,
            "initializer_range": 0.02,
            "intermediate_size": 11008,
            "max_position_embeddings": 2048,
            "model_type": "olmo",
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "num_key_value_heads": 32,
            "pad_token_id": 1,
            "rope_scaling": null,
            "rope_theta": 10000.0,
            "tie_word_embeddings": false,
            "torch_dtype": "float32",
            "transformers_version": "4.40.0.dev0",
            "use_cache": true,
            "vocab_size": 50304,
        },
    ),
    dict(
        case="olmo-minimal",
        model_type="olmo",
        style="minimal",
        description="model_type + tie_word_embeddings=true; OlmoConfig defaults otherwise (OLMo-7B shape).",
        config={"model_type": "olmo", "tie_word_embeddings": true},
    ),
    # ------------------------------------------------------------------ deepseek_v2
    dict(
        case="deepseek-v2-lite",
        model_type="deepseek_v2",
        style="hub",
        description="deepseek-ai/DeepSeek-V2-Lite (q_lora_rank null -> plain q_proj; first_k_dense_replace 1; 64 routed experts of 1408 + 2 shared; moe_layer_freq is ignored by HF). "
        + HUB,
        config={
            "architectures": ["DeepseekV2ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "auto_map": dict(_DS_AUTO_MAP_V2),
            "aux_loss_alpha": 0.001,
            "bos_token_id": 100000,
            "eos_token_id": 100001,
            "first_k_dense_replace": 1,
            "hidden_act": "silu",
            "hidden_size": 2048,
            "initializer_range": 0.02,
            "intermediate_size": 10944,
            "kv_lora_rank": 512,
            "max_position_embeddings": 163840,
            "model_type": "deepseek_v2",
            "moe_intermediate_size": 1408,
            "moe_layer_freq": 1,
            "n_group": 1,
            "n_routed_experts": 64,
            "n_shared_experts": 2,
            "norm_topk_prob": false,
            "num_attention_heads": 16,
            "num_experts_per_tok": 6,
            "num_hidden_layers": 27,
            "num_key_value_heads": 16,
            "pretraining_tp": 1,
            "q_lora_rank": null,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "rms_norm_eps": 1e-06,
            "rope_scaling": {
                "beta_fast": 32,
                "beta_slow": 1,
                "factor": 40,
                "mscale": 0.707,
                "mscale_all_dim": 0.707,
                "original_max_position_embeddings": 4096,
                "type": "yarn",
            },
            "rope_theta": 10000,
            "routed_scaling_factor": 1.0,
            "scoring_func": "softmax",
            "seq_aux": true,
            "tie_word_embeddings": false,
            "topk_group": 1,
            "topk_method": "greedy",
            "torch_dtype": "bfloat16",
            "transformers_version": "4.33.1",
            "use_cache": true,
            "v_head_dim": 128,
            "vocab_size": 102400,
        },
    ),
    dict(
        case="deepseek-v2",
        model_type="deepseek_v2",
        style="hub",
        description="deepseek-ai/DeepSeek-V2 (236B; q_lora_rank 1536, 160 routed experts of 1536 + 2 shared, top-6, group_limited_greedy n_group 8 / topk_group 3). "
        + HUB,
        config={
            "architectures": ["DeepseekV2ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "auto_map": dict(_DS_AUTO_MAP_V2),
            "aux_loss_alpha": 0.003,
            "bos_token_id": 100000,
            "eos_token_id": 100001,
            "first_k_dense_replace": 1,
            "hidden_act": "silu",
            "hidden_size": 5120,
            "initializer_range": 0.02,
            "intermediate_size": 12288,
            "kv_lora_rank": 512,
            "max_position_embeddings": 163840,
            "model_type": "deepseek_v2",
            "moe_intermediate_size": 1536,
            "moe_layer_freq": 1,
            "n_group": 8,
            "n_routed_experts": 160,
            "n_shared_experts": 2,
            "norm_topk_prob": false,
            "num_attention_heads": 128,
            "num_experts_per_tok": 6,
            "num_hidden_layers": 60,
            "num_key_value_heads": 128,
            "pretraining_tp": 1,
            "q_lora_rank": 1536,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "rms_norm_eps": 1e-06,
            "rope_scaling": {
                "beta_fast": 32,
                "beta_slow": 1,
                "factor": 40,
                "mscale": 0.707,
                "mscale_all_dim": 0.707,
                "original_max_position_embeddings": 4096,
                "type": "yarn",
            },
            "rope_theta": 10000,
            "routed_scaling_factor": 16.0,
            "scoring_func": "softmax",
            "seq_aux": true,
            "tie_word_embeddings": false,
            "topk_group": 3,
            "topk_method": "group_limited_greedy",
            "torch_dtype": "bfloat16",
            "transformers_version": "4.39.3",
            "use_cache": true,
            "v_head_dim": 128,
            "vocab_size": 102400,
        },
    ),
    dict(
        case="deepseek_v2-minimal",
        model_type="deepseek_v2",
        style="minimal",
        description="Only model_type: DeepseekV2Config defaults. NOTE the default vocab_size differs: 32000 in 4.57.6 vs 102400 in 5.24.0, so the two totals differ.",
        config={"model_type": "deepseek_v2"},
    ),
    # ------------------------------------------------------------------ deepseek_v3
    dict(
        case="deepseek-v3",
        model_type="deepseek_v3",
        style="hub",
        description="deepseek-ai/DeepSeek-V3 (671B; 61 layers, first 3 dense, 256 routed experts of 2048 + 1 shared, top-8, noaux_tc with e_score_correction_bias). "
        "HF does not instantiate the MTP layer (num_nextn_predict_layers=1, would be layer 61, ~14B more), so the total excludes it. "
        "quantization_config (fp8) is ignored by from_config. " + HUB,
        config={
            "architectures": ["DeepseekV3ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "auto_map": dict(_DS_AUTO_MAP_V3),
            "aux_loss_alpha": 0.001,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "ep_size": 1,
            "first_k_dense_replace": 3,
            "hidden_act": "silu",
            "hidden_size": 7168,
            "initializer_range": 0.02,
            "intermediate_size": 18432,
            "kv_lora_rank": 512,
            "max_position_embeddings": 163840,
            "model_type": "deepseek_v3",
            "moe_intermediate_size": 2048,
            "moe_layer_freq": 1,
            "n_group": 8,
            "n_routed_experts": 256,
            "n_shared_experts": 1,
            "norm_topk_prob": true,
            "num_attention_heads": 128,
            "num_experts_per_tok": 8,
            "num_hidden_layers": 61,
            "num_key_value_heads": 128,
            "num_nextn_predict_layers": 1,
            "pretraining_tp": 1,
            "q_lora_rank": 1536,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "quantization_config": {
                "activation_scheme": "dynamic",
                "fmt": "e4m3",
                "quant_method": "fp8",
                "weight_block_size": [128, 128],
            },
            "rms_norm_eps": 1e-06,
            "rope_scaling": {
                "beta_fast": 32,
                "beta_slow": 1,
                "factor": 40,
                "mscale": 1.0,
                "mscale_all_dim": 1.0,
                "original_max_position_embeddings": 4096,
                "type": "yarn",
            },
            "rope_theta": 10000,
            "routed_scaling_factor": 2.5,
            "scoring_func": "sigmoid",
            "seq_aux": true,
            "tie_word_embeddings": false,
            "topk_group": 4,
            "topk_method": "noaux_tc",
            "torch_dtype": "bfloat16",
            "transformers_version": "4.33.1",
            "use_cache": true,
            "v_head_dim": 128,
            "vocab_size": 129280,
        },
    ),
    dict(
        case="moonlight-16b-a3b",
        model_type="deepseek_v3",
        style="hub",
        description="moonshotai/Moonlight-16B-A3B (a published deepseek_v3-type model: q_lora_rank null, 27 layers, first_k_dense_replace 1, 64 experts of 1408 + 2 shared, n_group 1 / topk_group 1, vocab 163840). "
        + HUB,
        config={
            "architectures": ["DeepseekV3ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "auto_map": dict(_DS_AUTO_MAP_V3),
            "aux_loss_alpha": 0.001,
            "bos_token_id": 163584,
            "eos_token_id": 163585,
            "ep_size": 1,
            "first_k_dense_replace": 1,
            "hidden_act": "silu",
            "hidden_size": 2048,
            "initializer_range": 0.02,
            "intermediate_size": 11264,
            "kv_lora_rank": 512,
            "max_position_embeddings": 8192,
            "model_type": "deepseek_v3",
            "moe_intermediate_size": 1408,
            "moe_layer_freq": 1,
            "n_group": 1,
            "n_routed_experts": 64,
            "n_shared_experts": 2,
            "norm_topk_prob": true,
            "num_attention_heads": 16,
            "num_experts_per_tok": 6,
            "num_hidden_layers": 27,
            "num_key_value_heads": 16,
            "num_nextn_predict_layers": 0,
            "pretraining_tp": 1,
            "q_lora_rank": null,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "rms_norm_eps": 1e-05,
            "rope_scaling": null,
            "rope_theta": 50000.0,
            "routed_scaling_factor": 2.446,
            "scoring_func": "sigmoid",
            "seq_aux": true,
            "tie_word_embeddings": false,
            "topk_group": 1,
            "topk_method": "noaux_tc",
            "torch_dtype": "bfloat16",
            "transformers_version": "4.46.3",
            "use_cache": true,
            "v_head_dim": 128,
            "vocab_size": 163840,
        },
    ),
    dict(
        case="deepseek-v3-scaled-down",
        model_type="deepseek_v3",
        style="hub",
        description="SYNTHETIC hub-format config (not a published model): DeepSeek-V3 layout scaled down - hidden 1024, 6 layers with first_k_dense_replace 2, "
        "32 routed experts of 256 + 2 shared, top-4, n_group 4 / topk_group 2, q_lora_rank 384, kv_lora_rank 128, num_nextn_predict_layers 1 (not instantiated).",
        config={
            "architectures": ["DeepseekV3ForCausalLM"],
            "attention_bias": false,
            "attention_dropout": 0.0,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "first_k_dense_replace": 2,
            "hidden_act": "silu",
            "hidden_size": 1024,
            "initializer_range": 0.02,
            "intermediate_size": 2816,
            "kv_lora_rank": 128,
            "max_position_embeddings": 4096,
            "model_type": "deepseek_v3",
            "moe_intermediate_size": 256,
            "moe_layer_freq": 1,
            "n_group": 4,
            "n_routed_experts": 32,
            "n_shared_experts": 2,
            "norm_topk_prob": true,
            "num_attention_heads": 8,
            "num_experts_per_tok": 4,
            "num_hidden_layers": 6,
            "num_key_value_heads": 8,
            "num_nextn_predict_layers": 1,
            "q_lora_rank": 384,
            "qk_nope_head_dim": 64,
            "qk_rope_head_dim": 32,
            "rms_norm_eps": 1e-06,
            "rope_scaling": null,
            "rope_theta": 10000,
            "routed_scaling_factor": 2.5,
            "scoring_func": "sigmoid",
            "tie_word_embeddings": false,
            "topk_group": 2,
            "topk_method": "noaux_tc",
            "torch_dtype": "bfloat16",
            "use_cache": true,
            "v_head_dim": 64,
            "vocab_size": 32000,
        },
    ),
    dict(
        case="deepseek_v3-minimal",
        model_type="deepseek_v3",
        style="minimal",
        description="model_type + num_hidden_layers=5: DeepseekV3Config defaults otherwise (DeepSeek-V3 dims; layers 0-2 dense, 3-4 MoE).",
        config={"model_type": "deepseek_v3", "num_hidden_layers": 5},
    ),
]

# --------------------------------------------------------------------------------------
# "variant" cases: small configs that probe one importer rule each (bias flags a model class
# ignores, class defaults of num_key_value_heads, renamed expert-count keys, odd layer lists).
# --------------------------------------------------------------------------------------

_S = dict(
    vocab_size=1000,
    hidden_size=256,
    intermediate_size=512,
    num_hidden_layers=4,
    num_attention_heads=8,
    num_key_value_heads=8,
    pad_token_id=0,
    bos_token_id=1,
    eos_token_id=2,
)
_S_NO_KV = {k: v for k, v in _S.items() if k != "num_key_value_heads"}
_S_WIDE = dict(_S_NO_KV, hidden_size=2048, num_attention_heads=64)  # heads != the class's kv default
_MOE = dict(num_experts_per_tok=2, moe_intermediate_size=64)
_MLA = dict(q_lora_rank=64, kv_lora_rank=32, qk_rope_head_dim=16, qk_nope_head_dim=32, v_head_dim=32)


def _variant(name: str, model_type: str, why: str, **config) -> dict:
    return dict(
        case=f"variant-{name}",
        model_type=model_type,
        style="variant",
        description=why,
        config={"model_type": model_type, **config},
    )


VARIANTS = [
    _variant(
        "mistral-biases",
        "mistral",
        "mistral ignores attention_bias and mlp_bias (hard-coded False)",
        **_S,
        attention_bias=True,
        mlp_bias=True,
    ),
    _variant(
        "mixtral-biases",
        "mixtral",
        "mixtral ignores attention_bias and mlp_bias",
        **_S,
        num_local_experts=4,
        num_experts_per_tok=2,
        attention_bias=True,
        mlp_bias=True,
    ),
    _variant("qwen2-mlp-bias", "qwen2", "qwen2 ignores mlp_bias (and always biases q/k/v)", **_S, mlp_bias=True),
    _variant(
        "qwen3-mlp-bias",
        "qwen3",
        "qwen3 ignores mlp_bias, reads attention_bias",
        **_S,
        mlp_bias=True,
        attention_bias=True,
    ),
    _variant(
        "gemma-mlp-bias",
        "gemma",
        "gemma ignores mlp_bias, reads attention_bias",
        **_S,
        mlp_bias=True,
        attention_bias=True,
    ),
    _variant("gemma2-mlp-bias", "gemma2", "gemma2 ignores mlp_bias", **_S, mlp_bias=True),
    _variant(
        "olmo-mlp-bias", "olmo", "olmo ignores mlp_bias, reads attention_bias", **_S, mlp_bias=True, attention_bias=True
    ),
    _variant(
        "llama-biases",
        "llama",
        "llama reads both attention_bias and mlp_bias",
        **_S,
        mlp_bias=True,
        attention_bias=True,
    ),
    _variant(
        "qwen2_moe-mlp-bias",
        "qwen2_moe",
        "qwen2_moe ignores mlp_bias",
        **_S,
        **_MOE,
        num_experts=4,
        shared_expert_intermediate_size=128,
        mlp_bias=True,
    ),
    _variant(
        "qwen3_moe-mlp-bias", "qwen3_moe", "qwen3_moe ignores mlp_bias", **_S, **_MOE, num_experts=4, mlp_bias=True
    ),
    _variant(
        "qwen2-kv-default",
        "qwen2",
        "no num_key_value_heads: Qwen2Config's default is 32, not the head count",
        **_S_WIDE,
    ),
    _variant(
        "qwen3-kv-default", "qwen3", "no num_key_value_heads: Qwen3Config's default is 32", **_S_WIDE, head_dim=32
    ),
    _variant(
        "gemma-kv-default", "gemma", "no num_key_value_heads: GemmaConfig's default is 16", **_S_WIDE, head_dim=32
    ),
    _variant(
        "qwen2_moe-kv-default",
        "qwen2_moe",
        "no num_key_value_heads: Qwen2MoeConfig's default is 16",
        **dict(_S_WIDE, num_attention_heads=32),
        **_MOE,
        num_experts=4,
        shared_expert_intermediate_size=128,
    ),
    _variant(
        "deepseek_v3-num-local-experts",
        "deepseek_v3",
        "deepseek_v3 reads num_local_experts as n_routed_experts",
        **_S,
        **_MOE,
        **_MLA,
        num_local_experts=6,
        first_k_dense_replace=1,
        n_shared_experts=1,
    ),
    _variant(
        "deepseek_v2-num-experts",
        "deepseek_v2",
        "deepseek_v2 reads num_experts as n_routed_experts",
        **_S,
        **_MOE,
        **_MLA,
        num_experts=6,
        first_k_dense_replace=1,
        n_shared_experts=1,
    ),
    _variant(
        "qwen2_moe-num-local-experts",
        "qwen2_moe",
        "qwen2_moe has no num_local_experts alias: default 60 experts",
        **_S,
        **_MOE,
        num_local_experts=6,
        shared_expert_intermediate_size=128,
    ),
    _variant(
        "mixtral-both-expert-keys",
        "mixtral",
        "mixtral with num_local_experts 4 and num_experts 6",
        **_S,
        num_local_experts=4,
        num_experts=6,
        num_experts_per_tok=2,
    ),
    _variant(
        "qwen2_moe-negative-mlp-only",
        "qwen2_moe",
        "mlp_only_layers [-1] matches no layer: every layer is MoE",
        **_S,
        **_MOE,
        num_experts=4,
        shared_expert_intermediate_size=128,
        mlp_only_layers=[-1],
    ),
    _variant(
        "qwen3_moe-sparse-step-2",
        "qwen3_moe",
        "decoder_sparse_step 2 with mlp_only_layers [3]",
        **_S,
        **_MOE,
        num_experts=4,
        decoder_sparse_step=2,
        mlp_only_layers=[3],
    ),
    _variant(
        "phi3-gqa", "phi3", "phi3 with 2 key/value heads in the fused qkv projection", **dict(_S, num_key_value_heads=2)
    ),
    _variant(
        "gpt_neox-no-attention-bias",
        "gpt_neox",
        "attention_bias false: the MLP keeps its biases",
        **{k: v for k, v in _S.items() if k != "num_key_value_heads"},
        attention_bias=False,
    ),
]
CASES += VARIANTS

# --------------------------------------------------------------------------------------
# "saved" cases: AutoConfig.for_model(model_type, **kwargs) serialized under one major
# version of transformers.  kwargs are small models with non-default choices.
# --------------------------------------------------------------------------------------

SAVED = {
    "4": [
        (
            "gpt2",
            dict(
                n_layer=2,
                n_embd=128,
                n_head=4,
                n_inner=300,
                vocab_size=1000,
                n_positions=256,
                tie_word_embeddings=False,
            ),
            "untied lm_head, explicit n_inner 300",
        ),
        (
            "gpt_neox",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_hidden_layers=2,
                intermediate_size=256,
                vocab_size=1000,
                attention_bias=False,
                tie_word_embeddings=True,
                rotary_pct=0.5,
                max_position_embeddings=512,
            ),
            "attention_bias false (MLP keeps its biases), tied embeddings",
        ),
        (
            "llama",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                num_hidden_layers=3,
                intermediate_size=320,
                vocab_size=1000,
                attention_bias=True,
                mlp_bias=True,
                head_dim=48,
                rope_scaling={"rope_type": "linear", "factor": 2.0},
            ),
            "attention_bias + mlp_bias true, head_dim 48 != hidden/heads, linear rope_scaling",
        ),
        (
            "mistral",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=1,
                head_dim=64,
                num_hidden_layers=2,
                intermediate_size=256,
                vocab_size=1000,
                sliding_window=None,
                tie_word_embeddings=True,
            ),
            "MQA, head_dim 64 != hidden/heads, tied",
        ),
        (
            "mixtral",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                num_hidden_layers=2,
                intermediate_size=256,
                num_local_experts=4,
                num_experts_per_tok=1,
                vocab_size=1000,
                head_dim=64,
            ),
            "4 experts top-1, head_dim 64",
        ),
        (
            "qwen2",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                num_hidden_layers=3,
                intermediate_size=200,
                vocab_size=1000,
                tie_word_embeddings=True,
                use_sliding_window=True,
                max_window_layers=1,
            ),
            "tied, sliding window on",
        ),
        (
            "qwen2_moe",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                num_hidden_layers=4,
                intermediate_size=256,
                moe_intermediate_size=64,
                shared_expert_intermediate_size=96,
                num_experts=8,
                num_experts_per_tok=2,
                decoder_sparse_step=2,
                qkv_bias=False,
                norm_topk_prob=True,
                vocab_size=1000,
            ),
            "decoder_sparse_step 2 (layers 1,3 MoE; 0,2 dense), qkv_bias false, shared expert 96",
        ),
        (
            "qwen3",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                head_dim=64,
                num_hidden_layers=2,
                intermediate_size=256,
                attention_bias=True,
                tie_word_embeddings=True,
                vocab_size=1000,
            ),
            "attention_bias true (o_proj too), head_dim 64, tied",
        ),
        (
            "qwen3_moe",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                head_dim=64,
                num_hidden_layers=4,
                intermediate_size=256,
                moe_intermediate_size=48,
                num_experts=8,
                num_experts_per_tok=2,
                decoder_sparse_step=2,
                norm_topk_prob=True,
                vocab_size=1000,
            ),
            "head_dim 64 passed as extra attribute (no such field in Qwen3MoeConfig), decoder_sparse_step 2",
        ),
        (
            "gemma",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=1,
                head_dim=64,
                num_hidden_layers=2,
                intermediate_size=512,
                vocab_size=1000,
                tie_word_embeddings=False,
                attention_bias=True,
            ),
            "untied lm_head, attention_bias true, MQA",
        ),
        (
            "gemma2",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                head_dim=32,
                num_hidden_layers=3,
                intermediate_size=256,
                vocab_size=1000,
                attention_bias=True,
            ),
            "attention_bias true, head_dim 32 (= hidden/heads)",
        ),
        (
            "phi3",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                num_hidden_layers=2,
                intermediate_size=256,
                vocab_size=1000,
                pad_token_id=0,
                eos_token_id=2,
                tie_word_embeddings=True,
            ),
            "GQA, tied (pad/eos ids moved inside the small vocab)",
        ),
        (
            "olmo",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=2,
                num_hidden_layers=2,
                intermediate_size=256,
                attention_bias=True,
                clip_qkv=8.0,
                vocab_size=1000,
            ),
            "attention_bias true, GQA, clip_qkv",
        ),
        (
            "deepseek_v2",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_hidden_layers=3,
                intermediate_size=256,
                moe_intermediate_size=64,
                n_routed_experts=8,
                n_shared_experts=1,
                num_experts_per_tok=2,
                first_k_dense_replace=1,
                kv_lora_rank=32,
                q_lora_rank=48,
                qk_nope_head_dim=16,
                qk_rope_head_dim=8,
                v_head_dim=24,
                vocab_size=1000,
                attention_bias=True,
                mlp_bias=True,
            ),
            "attention_bias + mlp_bias true (4.x gives routed experts biases, 5.x fused experts have none), q_lora_rank 48, first layer dense",
        ),
        (
            "deepseek_v3",
            dict(
                hidden_size=128,
                num_attention_heads=4,
                num_key_value_heads=4,
                num_hidden_layers=4,
                intermediate_size=256,
                moe_intermediate_size=32,
                n_routed_experts=8,
                n_shared_experts=1,
                num_experts_per_tok=2,
                n_group=4,
                topk_group=2,
                first_k_dense_replace=2,
                kv_lora_rank=32,
                q_lora_rank=64,
                qk_nope_head_dim=16,
                qk_rope_head_dim=8,
                v_head_dim=16,
                vocab_size=1000,
                attention_bias=True,
            ),
            "first 2 layers dense, n_group 4 / topk_group 2, attention_bias true",
        ),
    ],
    "5": [
        (
            "gpt2",
            dict(n_layer=3, n_embd=64, n_head=2, vocab_size=500, n_positions=128, add_cross_attention=True),
            "add_cross_attention true (adds crossattention + ln_cross_attn per block), tied",
        ),
        (
            "gpt_neox",
            dict(
                hidden_size=96,
                num_attention_heads=6,
                num_hidden_layers=3,
                intermediate_size=200,
                vocab_size=777,
                use_parallel_residual=False,
                max_position_embeddings=64,
            ),
            "sequential residual, untied",
        ),
        (
            "llama",
            dict(
                hidden_size=256,
                num_attention_heads=8,
                num_key_value_heads=1,
                num_hidden_layers=2,
                intermediate_size=512,
                tie_word_embeddings=True,
                head_dim=16,
                attention_bias=True,
                vocab_size=1000,
            ),
            "MQA, head_dim 16 != hidden/heads, attention_bias true, tied",
        ),
        (
            "mistral",
            dict(
                hidden_size=192,
                num_attention_heads=6,
                num_key_value_heads=2,
                num_hidden_layers=3,
                intermediate_size=384,
                vocab_size=1024,
                head_dim=48,
            ),
            "head_dim 48 != hidden/heads",
        ),
        (
            "mixtral",
            dict(
                hidden_size=64,
                num_attention_heads=4,
                num_key_value_heads=4,
                num_hidden_layers=3,
                intermediate_size=96,
                num_local_experts=6,
                num_experts_per_tok=2,
                tie_word_embeddings=True,
                vocab_size=800,
            ),
            "6 experts, MHA, tied",
        ),
        (
            "qwen2",
            dict(
                hidden_size=96,
                num_attention_heads=3,
                num_key_value_heads=1,
                num_hidden_layers=2,
                intermediate_size=160,
                vocab_size=512,
                head_dim=64,
            ),
            "head_dim 64 passed as an extra attribute (Qwen2Config has no head_dim field, modeling uses getattr)",
        ),
        (
            "qwen2_moe",
            dict(
                hidden_size=64,
                num_attention_heads=4,
                num_key_value_heads=4,
                num_hidden_layers=4,
                intermediate_size=128,
                moe_intermediate_size=32,
                shared_expert_intermediate_size=48,
                num_experts=6,
                num_experts_per_tok=2,
                mlp_only_layers=[0, 3],
                tie_word_embeddings=True,
                vocab_size=800,
            ),
            "mlp_only_layers [0,3] dense, tied",
        ),
        (
            "qwen3",
            dict(
                hidden_size=96,
                num_attention_heads=6,
                num_key_value_heads=3,
                head_dim=24,
                num_hidden_layers=3,
                intermediate_size=200,
                vocab_size=640,
                use_sliding_window=True,
                max_window_layers=1,
            ),
            "head_dim 24 != hidden/heads, sliding window on",
        ),
        (
            "qwen3_moe",
            dict(
                hidden_size=64,
                num_attention_heads=4,
                num_key_value_heads=2,
                num_hidden_layers=3,
                intermediate_size=160,
                moe_intermediate_size=32,
                num_experts=4,
                num_experts_per_tok=2,
                mlp_only_layers=[1],
                attention_bias=True,
                tie_word_embeddings=True,
                vocab_size=700,
            ),
            (
                "mlp_only_layers [1], attention_bias true, tied, no head_dim (-> hidden/heads). NB: 5.x writes the expert count under its alias "
                "'num_local_experts' (no 'num_experts' key); 4.57.6 does not know that key and builds its default 128 experts, hence the version disagreement"
            ),
        ),
        (
            "gemma",
            dict(
                hidden_size=96,
                num_attention_heads=2,
                num_key_value_heads=2,
                head_dim=32,
                num_hidden_layers=3,
                intermediate_size=256,
                vocab_size=1200,
            ),
            "head_dim 32 != hidden/heads, tied (default)",
        ),
        (
            "gemma2",
            dict(
                hidden_size=64,
                num_attention_heads=2,
                num_key_value_heads=1,
                head_dim=128,
                num_hidden_layers=2,
                intermediate_size=192,
                vocab_size=900,
                tie_word_embeddings=False,
            ),
            "head_dim 128 > hidden, untied",
        ),
        (
            "phi3",
            dict(
                hidden_size=96,
                num_attention_heads=6,
                num_key_value_heads=6,
                num_hidden_layers=3,
                intermediate_size=200,
                vocab_size=2000,
                pad_token_id=None,
                eos_token_id=1,
            ),
            "MHA, untied (pad_token_id None, eos inside vocab)",
        ),
        (
            "olmo",
            dict(
                hidden_size=64,
                num_attention_heads=4,
                num_hidden_layers=3,
                intermediate_size=172,
                tie_word_embeddings=True,
                vocab_size=1000,
            ),
            "tied, MHA",
        ),
        (
            "deepseek_v2",
            dict(
                hidden_size=64,
                num_attention_heads=2,
                num_hidden_layers=3,
                intermediate_size=128,
                moe_intermediate_size=32,
                n_routed_experts=4,
                n_shared_experts=2,
                num_experts_per_tok=2,
                first_k_dense_replace=0,
                kv_lora_rank=16,
                q_lora_rank=None,
                qk_nope_head_dim=32,
                qk_rope_head_dim=16,
                v_head_dim=16,
                n_group=2,
                topk_group=1,
                topk_method="group_limited_greedy",
                vocab_size=512,
                tie_word_embeddings=True,
            ),
            "all layers MoE (first_k_dense_replace 0), q_lora_rank None, group-limited routing, tied",
        ),
        (
            "deepseek_v3",
            dict(
                hidden_size=96,
                num_attention_heads=3,
                num_hidden_layers=3,
                intermediate_size=192,
                moe_intermediate_size=24,
                n_routed_experts=6,
                n_shared_experts=2,
                num_experts_per_tok=2,
                n_group=2,
                topk_group=1,
                first_k_dense_replace=1,
                q_lora_rank=None,
                kv_lora_rank=24,
                qk_nope_head_dim=8,
                qk_rope_head_dim=8,
                v_head_dim=12,
                tie_word_embeddings=True,
                vocab_size=640,
            ),
            "q_lora_rank None, first layer dense, 2 shared experts, tied",
        ),
    ],
}


CONFIG_DIR = os.path.join(REPO_ROOT, "tools", "golden_configs")


def data_cases():
    """Cases kept as data: tools/golden_configs/<family>.json = {"model_type", "cases": [{"case", "style",
    "description", "config" | "kwargs"}]} ("kwargs" makes a saved-5.x config through AutoConfig.for_model)."""
    out = []
    for name in sorted(os.listdir(CONFIG_DIR)):
        with open(os.path.join(CONFIG_DIR, name)) as f:
            family = json.load(f)
        for case in family["cases"]:
            case = dict(case, model_type=case.get("model_type", family["model_type"]))
            if case["style"] == "hub":
                case["description"] += " " + HUB
            out.append(case)
    return out


def saved_cases():
    out = []
    for major, items in SAVED.items():
        for model_type, kwargs, what in items:
            name = f"{model_type}-saved-{major}x"
            out.append(
                dict(
                    case=name,
                    model_type=model_type,
                    style=f"saved-{major}.x",
                    kwargs=kwargs,
                    description=(
                        f"Small config produced by AutoConfig.for_model({model_type!r}, **{json.dumps(kwargs, sort_keys=True)}) "
                        f"and serialized with to_json_string(use_diff=False) (== to_dict()) under transformers {major}.x "
                        f"(that is how a {major}.x save_pretrained-style config.json looks, without the diff filtering). Non-default choices: {what}."
                    ),
                )
            )
    return out


# --------------------------------------------------------------------------------------
# counting
# --------------------------------------------------------------------------------------

_NUM_COMPONENT = re.compile(r"(?<=\.)\d+(?=\.|$)")


def pattern_name(name: str) -> str:
    """model.layers.12.mlp.experts.3.w1.weight -> model.layers.*.mlp.experts.*.w1.weight"""
    return _NUM_COMPONENT.sub("*", name)


# Text types without a causal-LM class of their own (transformers 5.24): counted inside their wrapper.
TEXT_ONLY_WRAPPERS = {"qwen3_vl_text": "qwen3_vl", "qwen3_vl_moe_text": "qwen3_vl_moe"}


def build_model(config_dict: dict, device: str = "meta"):
    """The model whose parameters are counted, and a filter of the parameter names that belong to the count."""
    d = copy.deepcopy(config_dict)
    if d["model_type"] in TEXT_ONLY_WRAPPERS:  # a standalone text config: its wrapper's language model and head
        outer = {"model_type": TEXT_ONLY_WRAPPERS[d["model_type"]], "text_config": d}
        if "tie_word_embeddings" in d:
            outer["tie_word_embeddings"] = d["tie_word_embeddings"]
        d = outer
    config_class = CONFIG_MAPPING[d["model_type"]]
    if hasattr(config_class, "_decode_special_floats"):  # as reading a config.json file does (5.x: inf limits)
        d = config_class._decode_special_floats(d)
    cfg = config_class.from_dict(d)
    if device != "meta":
        cfg._attn_implementation = "eager"  # attention as plain matmuls, which the FLOP counter sees
        cfg._experts_implementation = "eager"  # each expert on its own tokens (grouped_mm is not counted)
    keep = lambda name: True  # noqa: E731
    if "text_config" in d:
        cfg, wrapper = text_config_of(cfg, d, device)
        if wrapper is not None:
            return wrapper, lambda name: "language_model" in name or name.startswith("lm_head")
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(cfg, trust_remote_code=False)
    return model, keep


def text_config_of(cfg, d: dict, device: str = "meta"):
    """A multimodal wrapper (gemma3, mistral3, ...) is counted as its text model: the text-only class on
    ``cfg.get_text_config()``. Where the text_config states no tie_word_embeddings but the outer config does, the
    outer one holds (the wrapper class ties lm_head by it; printed below: the wrapper's own language part). A text
    type without a causal-LM class (qwen3_vl_text) is counted as the wrapper's language model and lm_head."""
    from transformers import AutoModelForImageTextToText
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    text = cfg.get_text_config()
    if "tie_word_embeddings" not in d["text_config"] and "tie_word_embeddings" in d:
        text.tie_word_embeddings = d["tie_word_embeddings"]
    with torch.device(device):
        wrapper = AutoModelForImageTextToText.from_config(cfg)
    language = sum(p.numel() for n, p in wrapper.named_parameters() if "language_model" in n or n.startswith("lm_head"))
    print(f"     {type(wrapper).__name__}: language model and head {language:,}", file=sys.stderr)
    if text.model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        return text, None
    return text, wrapper


def count(config_dict: dict):
    model, keep = build_model(config_dict)
    params = [(n, p) for n, p in model.named_parameters() if keep(n)]
    total = sum(p.numel() for _, p in params)
    by_name: dict[str, int] = {}
    for name, p in params:
        key = pattern_name(name)
        by_name[key] = by_name.get(key, 0) + p.numel()
    assert sum(by_name.values()) == total
    buffers = {}
    for name, b in model.named_buffers():
        key = pattern_name(name)
        buffers[key] = buffers.get(key, 0) + b.numel()
    return total, by_name, buffers, type(model).__name__


# Forward FLOPs from torch's FLOP counter, on small models only (real tensors on CPU). Left out: types whose
# token mixers are recurrent scans (gptcalc's scan FLOPs are a formula, not transformers' torch loops), Llama 4,
# whose experts module multiplies every token by every expert (bmm over all E) instead of its top-k, and
# LongCat-Flash, whose tokens routed to identity experts cost nothing (the count depends on the routing).
FLOP_SEQ, FLOP_MAX_PARAMS = 8, 60_000_000
NO_FLOPS = {
    "mamba2",
    "nemotron_h",
    "granitemoehybrid",
    "falcon_h1",
    "jamba",
    "qwen3_next",
    "kimi_linear",
    "minimax",
    "qwen3_5_text",
    "qwen3_5_moe_text",
    "qwen3_5",
    "qwen3_5_moe",
    "llama4_text",
    "llama4",
    "longcat_flash",
}


def forward_flops(config_dict: dict) -> dict:
    """FLOPs of one forward pass over FLOP_SEQ tokens (batch 1, eager attention, every position's logits) as
    torch.utils.flop_counter.FlopCounterMode counts them (matmuls, convolutions, attention kernels), with the
    rotary embedding's inv_freq x positions product reported apart (gptcalc counts no rotary FLOPs)."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    model, _ = build_model(config_dict, device="cpu")
    model.eval()
    vocab = model.get_output_embeddings().weight.shape[0]
    ids = torch.randint(0, min(vocab, 1000), (1, FLOP_SEQ))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids, use_cache=False)
    per_module = counter.get_flop_counts()
    rotary = sum(
        sum(ops.values())
        for name, ops in per_module.items()
        if name.rsplit(".", 1)[-1].startswith("rotary") and "rotary" not in name.rsplit(".", 1)[0]
    )
    total = counter.get_total_flops()
    return {"seq_len": FLOP_SEQ, "batch": 1, "total": int(total), "rotary": int(rotary), "version": VERSION}


def to_jsonable_config(cfg) -> dict:
    return json.loads(cfg.to_json_string(use_diff=False))


def dump(path: str, obj: dict):
    with open(path, "w") as f:
        json.dump(obj, f, sort_keys=True, indent=1)
        f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", default=None, help="only cases whose name contains this substring")
    ap.add_argument("--show-buffers", action="store_true", help="print buffers of each model too")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    print(f"transformers {VERSION}, torch {torch.__version__}", file=sys.stderr)

    all_cases = CASES + saved_cases() + data_cases()
    names = [c["case"] for c in all_cases]
    assert len(names) == len(set(names)), "duplicate case names"
    n_fail = 0
    for case in all_cases:
        if args.only and args.only not in case["case"]:
            continue
        path = os.path.join(args.out, case["case"] + ".json")
        existing = None
        if os.path.exists(path):
            with open(path) as f:
                existing = json.load(f)

        # ---- the config
        if "kwargs" in case:
            major = case["style"].split("-")[1].split(".")[0]
            if major == MAJOR:
                cfg = AutoConfig.for_model(case["model_type"], **copy.deepcopy(case["kwargs"]))
                config = to_jsonable_config(cfg)
            elif existing is not None:
                config = existing["config"]
            else:
                print(f"SKIP {case['case']}: needs a transformers {major}.x run first", file=sys.stderr)
                continue
        else:
            config = case["config"]

        # ---- merge state from the existing file (only if same config)
        totals, errors, by_name, by_name_version = {}, {}, {}, None
        if existing is not None:
            if existing.get("config") == config:
                totals = dict(existing.get("totals", {}))
                errors = dict(existing.get("load_errors", {}))
                by_name = existing.get("params_by_name", {})
                by_name_version = existing.get("params_by_name_version")
            else:
                print(f"NOTE {case['case']}: config changed, dropping totals of other versions", file=sys.stderr)

        # ---- count under the running version
        try:
            total, names_now, buffers, cls_name = count(config)
        except Exception as e:
            n_fail += 1
            msg = f"{type(e).__name__}: {e}".strip().splitlines()[0][:300]
            print(f"FAIL {case['case']}: {msg}", file=sys.stderr)
            if os.environ.get("GOLDEN_DEBUG"):
                traceback.print_exc()
            totals.pop(VERSION, None)
            errors[VERSION] = msg
            if by_name_version == VERSION:
                by_name, by_name_version = {}, None
        else:
            totals[VERSION] = total
            errors.pop(VERSION, None)
            # params_by_name: prefer 5.x; use 4.x only when no 5.x breakdown exists
            if MAJOR == "5" or by_name_version is None or by_name_version.split(".")[0] != "5":
                by_name, by_name_version = names_now, VERSION
            print(f"ok   {case['case']:28s} {cls_name:28s} {total:>16,d}", file=sys.stderr)
            if args.show_buffers and buffers:
                print(f"     buffers: {buffers}", file=sys.stderr)

        flops = existing.get("forward_flops") if existing and existing.get("config") == config else None
        small = VERSION in totals and totals[VERSION] <= FLOP_MAX_PARAMS
        if MAJOR == "5" and small and case["model_type"] not in NO_FLOPS:
            try:
                flops = forward_flops(config)
                print(f"     forward FLOPs over {FLOP_SEQ} tokens: {flops['total']:,}", file=sys.stderr)
            except Exception as e:  # a config transformers builds but cannot run (e.g. more groups than experts)
                flops = None
                print(f"     no forward FLOPs: {type(e).__name__}: {str(e)[:120]}", file=sys.stderr)

        description = case["description"]
        for v in sorted(errors):
            description += f" [transformers {v} cannot load this config: {errors[v]}]"
        if len(set(totals.values())) > 1:
            description += " [NOTE: totals differ between transformers versions.]"
        out = {
            "case": case["case"],
            "model_type": case["model_type"],
            "style": case["style"],
            "description": description,
            "config": config,
            "totals": dict(sorted(totals.items())),
            "params_by_name": by_name,
            "params_by_name_version": by_name_version,
        }
        if errors:
            out["load_errors"] = errors
        if flops:
            out["forward_flops"] = flops
        dump(path, out)
    print(f"done ({n_fail} failures)", file=sys.stderr)


if __name__ == "__main__":
    main()
