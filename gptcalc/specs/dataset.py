"""Dataset specification: tokens seen in training and the sequence length they are packed into."""

from __future__ import annotations

from pydantic import Field, model_validator

from gptcalc.specs.base import PosFloat, PosInt, Spec


class Dataset(Spec):
    """Training tokens given directly (``tokens``) or as ``unique_tokens`` x ``epochs``."""

    name: str = Field(default="custom", description="Short name.")
    description: str = Field(default="", description="What this is.")
    source: str = Field(default="", description="Where the token count comes from.")
    tokens: PosFloat | None = Field(default=None, description="Tokens seen in training (with repeats).")
    unique_tokens: PosFloat | None = Field(default=None, description="Distinct tokens, repeated `epochs` times.")
    epochs: PosFloat = Field(default=1.0, description="Passes over unique_tokens.")
    seq_len: PosInt = Field(le=1 << 30, description="Training sequence (context) length in tokens, at most 2**30.")

    @model_validator(mode="after")
    def _one_count(self) -> Dataset:
        if (self.tokens is None) == (self.unique_tokens is None):
            raise ValueError("give exactly one of tokens or unique_tokens (with epochs)")
        if self.tokens is not None and self.epochs != 1.0:
            raise ValueError("epochs applies to unique_tokens; with tokens, leave epochs at 1")
        if not self.total_tokens >= 1:
            raise ValueError(
                f"the run sees {self.total_tokens:.3g} tokens; tokens (or unique_tokens x epochs) must be >= 1"
            )
        return self

    @property
    def total_tokens(self) -> float:
        """Tokens seen: ``tokens``, or ``unique_tokens * epochs``."""
        return self.tokens if self.tokens is not None else float(self.unique_tokens or 0) * self.epochs
