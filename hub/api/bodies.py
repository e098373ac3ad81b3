"""Base class of every request body: unknown fields are an error, not silently dropped.

A typo in a field name (``compatibilty``) must fail loudly with 422 instead of being ignored
and leaving the caller to believe the setting was applied.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)
