"""Every default a user can leave out, stated once: the specs use these as field defaults and the CLI shows and
passes the same ones. Plain constants (no pydantic), so the CLI can read them without slowing start-up."""

from __future__ import annotations

from typing import Final

DEFAULT_HARDWARE: Final = "h100"
"""Accelerator preset when a command needs one and none is named."""
DEFAULT_DTYPE: Final = "bf16"
"""Number format of the peak rate, of training and of served weights and KV cache."""
DEFAULT_CONVENTION: Final = "6n"
"""FLOP-counting convention (Kaplan et al. 2020; Hoffmann et al. 2022: C = 6ND, attention shown apart)."""
DEFAULT_RECOMPUTE: Final = "none"
"""No activation recomputation unless asked: with flash attention (the default kernel) selective recomputation
has nothing left to drop, so commands, layouts and scenarios all start from none."""
DEFAULT_ATTENTION_KERNEL: Final = "flash"
"""Attention kernel for activation memory: flash keeps no s^2 scores (Dao et al. 2022)."""
DEFAULT_OPTIMIZER: Final = "adam"
DEFAULT_CAPACITY_FACTOR: Final = 1.25
"""MoE expert capacity factor c (Fedus et al. 2021 use 1.0-1.25)."""
DEFAULT_MATMUL_EFFICIENCY: Final = 0.7
"""Fraction of dense peak large bf16 GEMMs reach on A100/H100 (~70-80%)."""
DEFAULT_DP_OVERLAP: Final = 0.5
"""Share of the data-parallel gradient reduction hidden behind the backward pass."""
DEFAULT_SEQ_LEN: Final = 2048
"""Training sequence length when neither the user, the dataset nor the model gives one (GPT-3's context)."""
DEFAULT_SERVING_CONTEXT: Final = 4096
"""Serving context (prompt + output tokens) when neither the user nor the model gives one."""
DEFAULT_INTRA_LATENCY_US: Final = 8.0
"""Per-step latency of a collective inside an NVLink node (NCCL all-reduce of a small message on 8 A100/H100 GPUs
takes ~10-20 us over its ring steps; nccl-tests)."""
DEFAULT_INTER_LATENCY_US: Final = 15.0
"""Per-step latency of a collective across InfiniBand/RoCE nodes (a few microseconds of wire and switch time plus
the NCCL proxy; nccl-tests small-message all-reduce across nodes ~20-40 us)."""
