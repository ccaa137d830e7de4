"""Shared pieces of the response models: null-tolerant field types, the base model, the envelope."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


def none_to(default: Any) -> BeforeValidator:
    # The API sends explicit nulls where a value is merely absent (`aweme_list: null`,
    # `email: null`, `handle: null`); reading them as the empty value keeps accessors total.
    return BeforeValidator(lambda value: default() if value is None else value)


Text = Annotated[str, none_to(str)]
Count = Annotated[int, none_to(int)]
Flag = Annotated[bool, none_to(bool)]


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Envelope(Model):
    """The keys every response may carry since late 2025; older bodies have neither."""

    success: bool | None = None
    credits_remaining: int | None = None


def unwrap_items(value: Any, wrapper: str) -> Any:
    """A list whose entries may each sit under `wrapper` (`aweme_info`, `user_info`), flattened;
    null becomes the empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    unwrapped: list[Any] = []
    for item in value:
        if isinstance(item, dict) and wrapper in item:
            # A wrapped entry with a null payload (ads, challenge cards) carries no creator.
            if item[wrapper] is not None:
                unwrapped.append(item[wrapper])
        else:
            unwrapped.append(item)
    return unwrapped
