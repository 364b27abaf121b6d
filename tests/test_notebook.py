"""Results in a notebook: the same to_dict / to_records / to_dataframe everywhere, and a table in Jupyter."""

from __future__ import annotations

import sys

import pytest

from gptcalc.adapters.load import load_hardware, load_model
from gptcalc.errors import GptcalcError
from gptcalc.fit import fit_serving
from gptcalc.training import estimate_training


def _estimate() -> object:
    return estimate_training(
        load_model("llama-2-7b"), load_hardware("h100"), seq_len=4096, tokens=2e12, gpus=8, mfu=0.4
    )


def test_to_dict_and_records_of_a_single_result() -> None:
    est = _estimate()
    data = est.to_dict()  # type: ignore[attr-defined]
    assert data["model"] == "llama-2-7b" and data["gpus"] == {"low": 8.0, "mid": 8.0, "high": 8.0}
    (row,) = est.to_records()  # type: ignore[attr-defined]
    assert row["gpus.mid"] == 8.0 and row["mfu.low"] == 0.4 and row["flops_per_token.convention.name"] == "6n"


def test_markdown_table_in_jupyter() -> None:
    text = _estimate()._repr_markdown_()  # type: ignore[attr-defined]
    assert text.startswith("**TrainingEstimate**") and "| field | value |" in text
    assert "| seq_len | 4,096 |" in text and "| gpus.mid | 8 |" in text


def test_results_with_rows_are_one_record_per_row() -> None:
    # Llama-2-70B in bf16 (~138 GB of weights) needs two 80 GB GPUs; one record per layout that fits.
    fit = fit_serving(load_model("llama-2-70b"), load_hardware("h100"), batch=1, context=4096, top=3)
    records = fit.to_records()
    assert len(records) == 3 and records[0]["gpus"] == 2
    assert fit._repr_markdown_().count("\n| ") == 4  # header + 3 rows


def test_to_dataframe_without_pandas_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(GptcalcError, match=r"gptcalc\[pandas\]"):
        _estimate().to_dataframe()  # type: ignore[attr-defined]


def test_to_dataframe_with_pandas() -> None:
    pd = pytest.importorskip("pandas")
    frame = _estimate().to_dataframe()  # type: ignore[attr-defined]
    assert isinstance(frame, pd.DataFrame) and frame.loc[0, "gpus.mid"] == 8.0
