from __future__ import annotations

from pydantic import BaseModel, Field

from schemas.schema_tables import bounds_of, model_sections, one_line, type_of


class Inner(BaseModel):
    """Nested: linked by anchor."""

    size: int = Field(default=1, ge=1, le=9, description="how big | really")


class Outer(BaseModel):
    names: list[str] = Field(min_length=1, description="at least one")
    inner: Inner = Field(default_factory=Inner, description="the nested part")


def test_a_model_and_the_models_it_nests_get_a_section_each() -> None:
    outer, inner = model_sections(Outer)
    assert outer.startswith("## Outer\n")
    assert "| `names` | list of string | *required* | items >= 1 | at least one |" in outer
    assert "| `inner` | [Inner](#inner) | (built) |  | the nested part |" in outer
    assert inner.startswith("## Inner\n\nNested: linked by anchor.\n")
    assert "| `size` | integer | `1` | >= 1, \\<= 9 | how big \\| really |" in inner


def test_types_and_bounds_read_through_optional_values() -> None:
    spec = {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}]}
    assert type_of(spec) == "number \\| null"
    assert bounds_of(spec) == "> 0"
    assert type_of({"type": "string", "format": "date-time"}) == "time with zone (RFC 3339)"
    assert type_of({"type": "object", "additionalProperties": {"type": "integer"}}) == "map of integer"


def test_cells_are_one_line_with_pipes_and_tags_escaped() -> None:
    assert one_line("a\n  b | <c>") == "a b \\| \\<c>"
