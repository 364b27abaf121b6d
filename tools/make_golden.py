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

Every case lives as data in ``tools/golden_configs/<model_type>.json`` (see ``data_cases``): the script holds
no configs. Nothing is downloaded: "hub" configs are written from memory of the published config.json files; "minimal" configs are ``{"model_type": ...}`` plus
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

HUB = "Dimensions from the published config.json on the Hugging Face hub (written from memory, not downloaded)."
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
    out = {"seq_len": FLOP_SEQ, "batch": 1, "total": int(total), "rotary": int(rotary), "version": VERSION}
    if config_dict.get("model_type") in SCAN_TYPES:
        out["matmul"] = int(_projection_flops(model, per_module))
    return out


# Types whose token mixer is a recurrent scan: transformers' torch path pads a sequence to whole chunks (Mamba-2's
# 256) and runs the scan as einsums, so its total is not a per-token figure; their projections are still checked.
SCAN_TYPES = NO_FLOPS - {"llama4_text", "llama4", "longcat_flash"}


def _projection_flops(model, per_module: dict) -> int:
    """FLOPs inside the model's projections: every nn.Linear (the LM head included), every experts module (fused
    expert weights run eagerly, one expert's tokens at a time) and every router (its own weight, F.linear), the
    outermost one where they nest."""
    prefix = type(model).__name__
    counted: list[str] = []
    total = 0
    for name, module in model.named_modules():
        if not name or any(name.startswith(c + ".") for c in counted):
            continue
        if isinstance(module, torch.nn.Linear) or type(module).__name__.lower().endswith(("experts", "router")):
            counted.append(name)
            total += sum(per_module.get(f"{prefix}.{name}", {}).values())
    return total


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

    all_cases = data_cases()
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
        if MAJOR == "5" and small and (case["model_type"] not in NO_FLOPS or case["model_type"] in SCAN_TYPES):
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
