"""Shipped hardware presets: every one validates and carries topology; peaks and links match the datasheets.

The datasheet figures below are written out by hand from the vendors' tables (the 'with sparsity' headline and the
bidirectional link figure), so a preset that drifts from its source fails here."""

from __future__ import annotations

import re

import pytest

from gptcalc.adapters.catalog import list_presets
from gptcalc.adapters.load import load_hardware

NAMES = sorted(i.name for i in list_presets("hardware") if not i.shadowed)

NEW = {
    "a100-pcie",
    "l40s",
    "h100-nvl",
    "b200",
    "b300",
    "gb200-nvl72",
    "gb300-nvl72",
    "h200",
    "mi300x",
    "mi325x",
    "mi355x",
    "tpu-v5e",
    "tpu-v5p",
    "tpu-v6e",
    "gaudi3",
}

# (preset, dtype, datasheet 'with sparsity' TFLOP/s): the dense peak is half of it.
SPARSE_HEADLINES = [
    ("a100-80gb", "bf16", 624),  # NVIDIA A100 datasheet (2021)
    ("a100-pcie", "bf16", 624),  # same datasheet, PCIe column
    ("h100-sxm", "bf16", 1979),  # NVIDIA H100 datasheet (2023)
    ("h100-sxm", "fp8", 3958),
    ("h100-pcie", "bf16", 1513),  # H100 PCIe product brief PB-11133-001_v02
    ("h100-nvl", "bf16", 1671),  # H100 datasheet, NVL column
    ("h100-nvl", "fp8", 3341),
    # L40S datasheet: FP8 1,466*; its BF16 row prints 362.05 dense beside 733* sparse, so BF16 is not exactly half.
    ("l40s", "fp8", 1466),
    ("h200", "bf16", 1979),  # NVIDIA H200 product page
    ("b200", "bf16", 4500),  # HGX B200 per GPU, '4.5 PF*'
    ("b300", "fp8", 9000),  # HGX B300 72 PF* / 8
    ("gb200-nvl72", "bf16", 5000),  # GB200 NVL72 360 PF* / 72
    ("gb300-nvl72", "fp8", 10000),  # GB300 NVL72 720 PF* / 72
    ("mi300x", "bf16", 2614.9),  # AMD MI300X data sheet (2023-12)
    ("mi355x", "fp8", 10100),  # AMD MI355X product page, '10.1 PF with structured sparsity'
]

# (preset, bidirectional per-device NVLink figure in GB/s): intra_node_gb_s is one direction.
NVLINK_BIDIRECTIONAL = [
    ("v100", 300),  # NVLink2
    ("a100-40gb", 600),  # NVLink3
    ("a100-80gb", 600),
    ("h100-sxm", 900),  # NVLink4
    ("h200", 900),
    ("h800", 400),  # export-cut NVLink
    ("b200", 1800),  # NVLink5
    ("b300", 1800),
    ("gb200-nvl72", 1800),
    ("gb300-nvl72", 1800),
]

# Parts without an NVLink switch: per-device PCIe bidirectional figure (Gen4 x16 64 GB/s, Gen5 x16 128 GB/s).
PCIE_BIDIRECTIONAL = [("a100-pcie", 64), ("l40s", 64), ("h100-pcie", 128), ("h100-nvl", 128)]

INTERCONNECT = re.compile(r"NVLink|PCIe|Infinity Fabric|xGMI|ICI|RoCE|InfiniBand|ConnectX|NIC", re.IGNORECASE)


def test_every_requested_part_is_shipped() -> None:
    assert set(NAMES) >= NEW


@pytest.mark.parametrize("name", NAMES)
def test_preset_validates_and_carries_topology(name: str) -> None:
    hw = load_hardware(name)
    assert hw.compute_units is not None and hw.compute_units >= 1, f"{name}: compute_units missing"
    assert INTERCONNECT.search(hw.source), f"{name}: source does not name its interconnect"
    assert hw.price_date and hw.price_source, name
    assert hw.inter_node_gb_s <= hw.intra_node_gb_s, f"{name}: scale-out faster than scale-up"
    if hw.matmul_efficiency is not None:
        assert 0.4 < hw.matmul_efficiency < 1, name
        assert "MAMF" in hw.source, f"{name}: matmul_efficiency without its microbenchmark"


@pytest.mark.parametrize(("name", "dtype", "sparse"), SPARSE_HEADLINES)
def test_dense_peak_is_half_the_sparsity_headline(name: str, dtype: str, sparse: float) -> None:
    assert load_hardware(name).peak_tflops[dtype] == pytest.approx(
        sparse / 2, rel=5e-3
    )  # headlines are rounded (1,979; 10.1 PF)  # type: ignore[index]


@pytest.mark.parametrize(("name", "bidirectional"), NVLINK_BIDIRECTIONAL + PCIE_BIDIRECTIONAL)
def test_intra_node_bandwidth_is_one_direction(name: str, bidirectional: float) -> None:
    assert load_hardware(name).intra_node_gb_s == pytest.approx(bidirectional / 2)


def test_rack_scale_domains_and_nics() -> None:
    for name in ("gb200-nvl72", "gb300-nvl72"):
        assert load_hardware(name).devices_per_node == 72
    assert load_hardware("gb200-nvl72").inter_node_gb_s == 50  # one 400 Gb/s ConnectX-7 per GPU
    assert load_hardware("gb300-nvl72").inter_node_gb_s == 100  # one 800 Gb/s ConnectX-8 per GPU
    assert load_hardware("a100-80gb").inter_node_gb_s == 25  # DGX A100: one 200 Gb/s HDR per GPU
    assert load_hardware("h100-sxm").inter_node_gb_s == 50  # DGX H100: one 400 Gb/s NDR per GPU


def test_tpu_ici_is_half_the_bidirectional_figure() -> None:
    # Google Cloud TPU docs, bidirectional ICI per chip: v5e 400, v5p 1,200, v6e 800 GB/s.
    for name, bidirectional in (("tpu-v5e", 400), ("tpu-v5p", 1200), ("tpu-v6e", 800)):
        assert load_hardware(name).intra_node_gb_s == bidirectional / 2


def test_aliases_resolve() -> None:
    assert load_hardware("gb200").name == "gb200-nvl72"
    assert load_hardware("trillium").name == "tpu-v6e"
    assert load_hardware("h100").name == "h100-sxm"
    assert load_hardware("a100").name == "a100-80gb"
