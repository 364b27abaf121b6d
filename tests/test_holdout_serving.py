"""The serving holdout's data file parses and every row either maps onto the library or says why not.

No predictions are pinned here: the holdout is a check of the model, run by ``benchmarks/holdout_serving.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "holdout_serving.py"


@pytest.fixture(scope="module")
def holdout() -> ModuleType:
    spec = importlib.util.spec_from_file_location("holdout_serving", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["holdout_serving"] = module
    spec.loader.exec_module(module)
    return module


def test_sources_are_cited(holdout: ModuleType) -> None:
    sources, rows = holdout.load_rows()
    assert rows
    for key, src in sources.items():
        assert key in holdout.GROUPS
        for field in ("url", "read_in", "engine", "batching", "measures"):
            assert src[field], (key, field)
        assert src["batching"] in ("static", "continuous")
    assert {r["source"] for r in rows} <= set(sources)


def test_every_row_maps_or_has_a_reason(holdout: ModuleType) -> None:
    sources, rows = holdout.load_rows()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names)), "row names are unique"
    mapped = skipped = 0
    for row in rows:
        assert row["measured"] > 0
        assert row["unit"] in ("output_tokens_per_s_total", "output_tokens_per_s_per_gpu", "ttft_ms")
        out = holdout.map_row(row, sources)
        if isinstance(out, holdout.Case):
            mapped += 1
            assert out.measured > 0
            assert out.setup.batching == sources[row["source"]]["batching"]
            # Max-load rows carry no batch (the largest that fits is used); static rows their published one.
            assert out.max_load == (row["batch"] is None)
            if row["unit"] == "output_tokens_per_s_total":
                assert out.measured == pytest.approx(row["measured"] / row["tp"])
        else:
            skipped += 1
            assert out.reason
    assert mapped + skipped == len(rows)
    assert mapped > skipped
