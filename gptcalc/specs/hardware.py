"""Accelerator specification: dense peak rates per number format, memory, links, power, price."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from gptcalc.errors import UnsupportedDtypeError
from gptcalc.specs.base import Fraction, PosFloat, PosInt, Spec
from gptcalc.specs.defaults import DEFAULT_INTER_LATENCY_US, DEFAULT_INTRA_LATENCY_US

Dtype = Literal["fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8", "fp4", "int4"]
GIB = 1024**3


class Hardware(Spec):
    """One accelerator. Peak rates are dense (no 2:4 sparsity), in TFLOP/s (TOP/s for integers)."""

    name: str = Field(default="custom", description="Short name.")
    description: str = Field(default="", description="What this is.")
    source: str = Field(default="", description="Datasheet or documentation the numbers come from.")
    aliases: tuple[str, ...] = Field(default=(), description="Other names that select this preset.")
    peak_tflops: dict[Dtype, Annotated[PosFloat, Field(le=1e9)]] = Field(
        description="Dense peak tensor throughput per number format, TFLOP/s. A missing format is unsupported."
    )
    memory_gib: PosFloat = Field(
        le=1 << 20,
        description="Device memory. Vendors' 'GB' for HBM parts are GiB (HBM stacks are sized in GiB; "
        "nvidia-smi shows 81,920 MiB for an A100 80GB).",
    )
    memory_bandwidth_gb_s: PosFloat = Field(le=1e9, description="Device memory bandwidth, 1e9 bytes/s.")
    intra_node_gb_s: PosFloat = Field(
        le=1e9,
        description="Per-device bandwidth to peers in its node (NVLink, Infinity Fabric, ICI), one direction, "
        "1e9 bytes/s: half the bidirectional figure datasheets print.",
    )
    inter_node_gb_s: PosFloat = Field(
        le=1e9,
        description="Per-device network bandwidth to other nodes, one direction, 1e9 bytes/s "
        "(e.g. one 400 Gb/s NIC per GPU = 50).",
    )
    devices_per_node: PosInt = Field(
        default=8,
        le=1 << 20,
        description="Devices sharing the fast scale-up links (an NVLink/xGMI node, an NVL72 rack, a TPU slice's ICI).",
    )
    pcie_only: bool = Field(
        default=False,
        description="No NVLink/NVSwitch joins the node's devices: they talk over PCIe (intra_node_gb_s is the"
        " PCIe link), so engines run tensor-parallel all-reduces through NCCL, whose latency grows with the"
        " group (TensorRT-LLM's AUTO strategy picks NCCL whenever the GPUs are not NVLink-connected), instead of"
        " NVLink one-shot kernels.",
    )
    intra_node_latency_us: PosFloat = Field(
        default=DEFAULT_INTRA_LATENCY_US,
        le=1e9,
        description="Latency of one collective step inside the scale-up domain, microseconds (NCCL small-message).",
    )
    inter_node_latency_us: PosFloat = Field(
        default=DEFAULT_INTER_LATENCY_US,
        le=1e9,
        description="Latency of one collective step across the scale-out network, microseconds (IB/RoCE/DCN).",
    )
    compute_units: PosInt | None = Field(
        default=None,
        le=1 << 24,
        description="Streaming multiprocessors (NVIDIA), compute units (AMD) or cores that GEMM tiles are spread"
        " over; sets the wave quantization of small GEMMs. None: no quantization modelled.",
    )
    attention_efficiency: Fraction | None = Field(
        default=None,
        description="Measured fraction of the dense bf16 peak that fused (FlashAttention-2-class) attention reaches"
        " over forward and backward on this part; None: the time model's default.",
    )
    matmul_efficiency: Fraction | None = Field(
        default=None,
        description="Measured fraction of the dense peak that large GEMMs reach on this part (cuBLAS/hipBLASLt"
        " microbenchmarks); None: the time model's fitted default.",
    )
    tdp_w: PosFloat = Field(le=1e9, description="Board power (TDP), watts.")
    price_per_hour: PosFloat = Field(le=1e9, description="Typical rental price, USD per device-hour.")
    price_date: str = Field(description="When that price was observed.")
    price_source: str = Field(description="Where that price comes from.")
    purchase_price_usd: PosFloat | None = Field(
        default=None, le=1e12, description="Typical purchase price per device (for the owned-cluster cost model)."
    )
    purchase_source: str = Field(default="", description="Source of the purchase price.")
    efficiency_source: str = Field(default="", description="Measurements behind the efficiency fields.")
    latency_source: str = Field(default="", description="Measurements behind the latency fields.")

    def peak_flops(self, dtype: str) -> float:
        """Dense peak FLOP/s for ``dtype``; raises :class:`UnsupportedDtypeError` when the part lacks it."""
        key = "bf16" if dtype == "fp16" and "fp16" not in self.peak_tflops else dtype
        try:
            return self.peak_tflops[key] * 1e12  # type: ignore[index]
        except KeyError:
            have = ", ".join(self.peak_tflops)
            raise UnsupportedDtypeError(f"dtype: {self.name} has no {dtype} tensor rate; it supports {have}") from None

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_gib * GIB)

    @property
    def memory_bandwidth(self) -> float:
        """Bytes per second."""
        return self.memory_bandwidth_gb_s * 1e9

    @property
    def intra_node_bandwidth(self) -> float:
        """Bytes per second, one direction."""
        return self.intra_node_gb_s * 1e9

    @property
    def inter_node_bandwidth(self) -> float:
        """Bytes per second, one direction."""
        return self.inter_node_gb_s * 1e9
