"""Serving under load and against targets: queueing delay at an arrival rate (M/D/1), the highest rate and
batch that meet latency SLOs, the GPUs a throughput target needs, and the utilization or batch a claimed price
implies. Each starts from a :class:`gptcalc.serving.ServingEstimate` (:func:`gptcalc.serving.estimate_serving`);
apart from :mod:`gptcalc.serving` so that a plain estimate does not define these results."""

from __future__ import annotations

import math

from pydantic import Field

from gptcalc.errors import InfeasibleError, InputError
from gptcalc.serving import ServingEstimate, estimate_serving
from gptcalc.specs.arch import Architecture
from gptcalc.specs.base import Result
from gptcalc.specs.hardware import Hardware
from gptcalc.specs.serving import ServingModel, ServingSetup


def queue_wait(rate: float, service_s: float, q: float | None = None) -> float:
    """Waiting time before service in a single-server queue with Poisson arrivals at ``rate`` and a
    deterministic service time ``service_s`` (M/D/1), utilisation rho = rate x service < 1.

    Mean (``q`` None): the Pollaczek-Khinchine formula with zero service variance,
    ``W = rho S / (2 (1 - rho))`` (Kleinrock 1975, Queueing Systems I, Sec. 5.7). Quantile ``q``: the usual
    exponential-tail approximation of M/G/1 waits (Kingman 1961): no wait with probability 1 - rho, otherwise
    exponential with mean W / rho, so ``w_q = (W / rho) ln(rho / (1 - q))`` for q > 1 - rho, else 0. W grows
    without bound as rho -> 1. Left out: the exact M/D/1 distribution (Erlang's series), batching of arrivals.
    """
    rho = rate * service_s
    if rate <= 0:
        return 0.0
    if rho >= 1:
        return math.inf
    mean = rho * service_s / (2 * (1 - rho))
    if q is None:
        return mean
    if q <= 1 - rho:
        return 0.0
    return mean / rho * math.log(rho / (1 - q))


class UnderLoad(Result):
    """Latency of a replica fed Poisson arrivals: the replica as one server whose service time per request is
    its time per completed request at this batch (1 / requests_per_second), M/D/1 (:func:`queue_wait`)."""

    rate_rps: float = Field(description="Arrival rate, requests per second.")
    capacity_rps: float = Field(description="Requests per second the replica completes at this batch.")
    load: float = Field(description="rate / capacity (rho).")
    wait_s: float = Field(description="Mean queueing delay before a request is admitted.")
    ttft_s: float = Field(description="Mean time to first token: wait + unloaded TTFT.")
    ttft_p50_s: float
    ttft_p90_s: float
    e2e_s: float
    e2e_p50_s: float
    e2e_p90_s: float


def under_load(est: ServingEstimate, rate: float) -> UnderLoad:
    """TTFT and end-to-end latency at ``rate`` requests/s (p50, p90); a rate at or above capacity raises."""
    if rate <= 0:
        raise InputError(f"--rate: requests per second must be > 0, got {rate:g}")
    cap = est.requests_per_second
    if rate >= cap:
        raise InfeasibleError(
            f"--rate: {rate:g} requests/s is at or above this replica's capacity of {cap:.4g} requests/s"
            f" (batch {est.batch}); the queue grows without bound: lower the rate or add replicas"
        )
    service = 1.0 / cap
    w, w50, w90 = queue_wait(rate, service), queue_wait(rate, service, 0.5), queue_wait(rate, service, 0.9)
    return UnderLoad(
        rate_rps=rate,
        capacity_rps=cap,
        load=rate / cap,
        wait_s=w,
        ttft_s=est.ttft_s + w,
        ttft_p50_s=est.ttft_s + w50,
        ttft_p90_s=est.ttft_s + w90,
        e2e_s=est.e2e_s + w,
        e2e_p50_s=est.e2e_s + w50,
        e2e_p90_s=est.e2e_s + w90,
    )


def max_rate_for_ttft(est: ServingEstimate, ttft_p90_slo: float) -> float:
    """Highest Poisson rate whose p90 TTFT meets the SLO (bisection: p90 TTFT rises with the rate); 0 if even
    an idle replica misses it."""
    if est.ttft_s > ttft_p90_slo:
        return 0.0
    cap = est.requests_per_second
    lo, hi = 0.0, cap
    for _ in range(60):
        m = (lo + hi) / 2
        if est.ttft_s + queue_wait(m, 1.0 / cap, 0.9) <= ttft_p90_slo:
            lo = m
        else:
            hi = m
    return lo


class SloResult(Result):
    """The operating point that serves the most requests per replica within the SLOs."""

    reachable: bool
    reason: str = Field(default="", description="Why no batch meets the SLOs (when not reachable).")
    batch: int | None = None
    rate_rps: float = Field(default=0.0, description="Highest requests/s per replica meeting the SLOs.")
    output_tokens_per_second: float = 0.0
    ttft_p90_s: float | None = None
    tpot_s: float | None = None
    gpus_for_target: int | None = Field(default=None, description="GPUs for the target rate (whole replicas).")
    cost_per_million_output_usd: float | None = Field(
        default=None, description="All GPU time at that rate per million output tokens."
    )


def slo_search(
    arch: Architecture,
    hardware: Hardware,
    setup: ServingSetup,
    *,
    ttft_slo: float | None,
    tpot_slo: float | None,
    target_rps: float | None = None,
    model: ServingModel | None = None,
) -> SloResult:
    """Over batches 1, 2, 4, ... up to the largest that fits: those whose TPOT meets ``tpot_slo``, at the
    highest Poisson rate whose p90 TTFT meets ``ttft_slo`` (:func:`max_rate_for_ttft`; without a TTFT SLO,
    95% of capacity); the batch serving the most requests wins. GPUs for ``target_rps`` in whole replicas and
    $ per million output tokens at that rate (paid time = all time)."""
    low = setup.min_batch
    probe = setup.model_copy(update={"batch": max(setup.batch, low)})
    top = estimate_serving(arch, hardware, probe, allow_overflow=True, model=model, knee=False).max_batch
    if top < low:
        return SloResult(reachable=False, reason="no batch fits in memory")
    best: tuple[float, ServingEstimate] | None = None
    for b in batch_grid(low, max(top, low), low):
        est = estimate_serving(arch, hardware, setup.model_copy(update={"batch": b}), model=model, knee=False)
        if tpot_slo is not None and est.tpot_s > tpot_slo:
            continue
        rate = max_rate_for_ttft(est, ttft_slo) if ttft_slo is not None else 0.95 * est.requests_per_second
        if rate > 0 and (best is None or rate > best[0]):
            best = (rate, est)
    if best is None:
        return SloResult(
            reachable=False,
            reason=f"no batch from {low} to {top} meets"
            + (f" TTFT p90 <= {ttft_slo:g} s" if ttft_slo is not None else "")
            + (" and" if ttft_slo is not None and tpot_slo is not None else "")
            + (f" TPOT <= {tpot_slo:g} s" if tpot_slo is not None else ""),
        )
    rate, est = best
    p90 = est.ttft_s + queue_wait(rate, 1.0 / est.requests_per_second, 0.9)
    dollars_per_second = setup.gpus * est.price_per_gpu_hour / 3600.0 / est.utilization
    return SloResult(
        reachable=True,
        batch=est.batch,
        rate_rps=rate,
        output_tokens_per_second=rate * est.output,
        ttft_p90_s=p90,
        tpot_s=est.tpot_s,
        gpus_for_target=None if target_rps is None else math.ceil(target_rps / rate) * setup.gpus,
        cost_per_million_output_usd=dollars_per_second / (rate * est.output) * 1e6,
    )


def batch_grid(low: float, high: float, pp: int = 1) -> list[int]:
    """Batches for a sweep: powers of two from max(low, pp) up to high, and high itself (1 to 2^20)."""
    if low < 1 or high > 1 << 20:
        raise InputError(f"--sweep-batch: batches from 1 to {1 << 20}, got {low:g}..{high:g}")
    batches, b = [], max(int(low), pp)
    while b <= high:
        batches.append(b)
        b *= 2
    if not batches or batches[-1] != int(high):
        batches.append(int(high))
    return batches


def gpus_for_throughput(estimate: ServingEstimate, target_tokens_per_second: float) -> int:
    """Replicas (rounded up) times GPUs per replica needed for ``target`` output tokens per second."""
    if target_tokens_per_second <= 0:
        raise InputError(f"target tokens/s: must be > 0, got {target_tokens_per_second}")
    replicas = target_tokens_per_second / estimate.tokens_per_second
    if not replicas * estimate.gpus <= 2**53:
        raise InputError(
            f"target tokens/s: {target_tokens_per_second:g} needs {replicas:.3g} replicas of {estimate.gpus:,} GPUs,"
            " beyond any deployment (at most 2**53 GPUs)"
        )
    return math.ceil(replicas) * estimate.gpus


def claimed_cost(estimate: ServingEstimate, basis: str) -> float:
    """USD per 1k tokens on a basis: blended (prompt and output), output or input."""
    per_million = {
        "blended": estimate.cost_per_million_tokens_usd,
        "output": estimate.cost_per_million_output_usd,
        "input": estimate.cost_per_million_input_usd,
    }
    if basis not in per_million:
        raise InputError(f"basis: unknown {basis!r}; allowed: {', '.join(per_million)}")
    return per_million[basis] / 1000.0


class ImpliedByCost(Result):
    """What a claimed price per 1k tokens implies for a serving setup."""

    claim_per_1k_usd: float
    basis: str
    at_full_utilization_per_1k_usd: float = Field(description="This setup's cost at 100% utilization.")
    implied_utilization: float = Field(description="Full-utilization cost / claim (> 1: cheaper than possible here).")
    batch_for_claim: int | None = Field(description="Smallest batch reaching the claim at 100% utilization.")
    batch_for_claim_fits: bool | None = Field(description="Whether that batch's KV cache fits the replica.")
    max_batch: int


def implied_by_cost(
    arch: Architecture,
    hardware: Hardware,
    setup: ServingSetup,
    claim_per_1k: float,
    basis: str = "blended",
    limit: int = 1 << 16,
) -> ImpliedByCost:
    """The utilization a claimed cost implies at this batch, and the batch it implies at 100% utilization.

    Cost per token falls as the batch grows (the weights are read once per step for more sequences), so a
    doubling search then bisection finds the smallest batch whose full-utilization cost meets the claim;
    batches beyond memory are evaluated on the roofline alone and flagged.
    """
    if not claim_per_1k >= 1e-12:  # a millionth of a cent per million tokens: below it no utilization is finite
        raise InputError(f"claim: cost per 1k tokens must be at least $1e-12, got {claim_per_1k:g}")
    full = setup.model_copy(update={"utilization": 1.0})
    here = estimate_serving(arch, hardware, full, allow_overflow=True, knee=False)
    cost_here = claimed_cost(here, basis)

    def cost(batch: int) -> float:
        return claimed_cost(
            estimate_serving(arch, hardware, full.model_copy(update={"batch": batch}), allow_overflow=True, knee=False),
            basis,
        )

    found: int | None = None
    b = setup.min_batch
    while b <= limit:
        if cost(b) <= claim_per_1k:
            lo, hi = max(b // 2, setup.min_batch), b
            while lo < hi:
                mid = (lo + hi) // 2
                if cost(mid) <= claim_per_1k:
                    hi = mid
                else:
                    lo = mid + 1
            found = lo
            break
        b *= 2
    return ImpliedByCost(
        claim_per_1k_usd=claim_per_1k,
        basis=basis,
        at_full_utilization_per_1k_usd=cost_here,
        implied_utilization=cost_here / claim_per_1k,
        batch_for_claim=found,
        batch_for_claim_fits=None if found is None else found <= here.max_batch,
        max_batch=here.max_batch,
    )
