"""Cost and energy assumptions of a training run: rental or owned (Cottier et al. 2024), energy, PUE, grid."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gptcalc.specs.base import Spec
from gptcalc.specs.quantities import NonNegValue, PosValue


class CostAssumptions(Spec):
    """Economic and energy assumptions of a run; every default is printed with the result."""

    cost_model: Literal["rental", "owned"] = Field(
        default="rental", description="rental: $/GPU-hour; owned: amortized hardware + energy (Cottier et al. 2024)."
    )
    price_per_gpu_hour: PosValue | None = Field(
        default=None, description="Rental USD per GPU-hour; None: the hardware preset's typical price."
    )
    gpu_price_usd: PosValue | None = Field(
        default=None, description="Owned: purchase price per accelerator; None: the hardware preset's."
    )
    hardware_overhead: PosValue = Field(
        default=1.45, description="Owned: servers and interconnect as a multiple of the accelerator price."
    )
    depreciation_oom_per_year: PosValue = Field(
        default=0.14, description="Owned: hardware value decay in orders of magnitude per year (Cottier et al.)."
    )
    energy_usd_per_kwh: NonNegValue = Field(
        default=0.08, description="Electricity price, USD/kWh (US industrial average 2023, EIA: ~0.08)."
    )
    pue: PosValue = Field(
        default=1.2, description="Power usage effectiveness of the data centre (hyperscale ~1.1-1.2)."
    )
    grid_kg_per_kwh: NonNegValue = Field(
        default=0.37, description="Grid carbon intensity, kg CO2e per kWh (US average 2023, EIA: 0.37)."
    )
