"""Request and response bodies of the HTTP API (camelCase JSON, as the original app)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictInt,
    create_model,
    field_validator,
    model_validator,
)

from service.api.job_cursor import CURSOR_PATTERN
from service.api.safe_text import (
    MULTILINE_TEXT_PATTERN,
    NOT_BLANK_TEXT_PATTERN,
    MultilineText,
    SafeText,
)
from service.api.validation import username_pattern
from service.config.defaults import KNOWN_KEYS, LIMITS
from service.config.values import DURATION_PATTERN, ConfigKey, ValueType
from service.jobs.creator import CamelModel
from service.jobs.enums import CampaignStatus, JobKind, JobStatus, Platform, SearchType

# Hard bounds the models enforce whatever the dynamic config says; the handlers then apply the
# dynamic `limits.*` values inside them, and the OpenAPI document shows the tighter of the two.
# They are the ceilings of the `limits.*` keys' ranges, so a dynamic limit always lies inside.
MAX_KEYWORDS = LIMITS.max_keywords.high_value
MAX_KEYWORD_LENGTH = LIMITS.max_keyword_length.high_value
MIN_TARGET_RESULTS = LIMITS.target_results_min.low_value
MAX_TARGET_RESULTS = LIMITS.target_results_max.high_value
MAX_OFFSET = 1_000_000
MAX_PAGE = 1000
JOBS_PAGE = 20
MAX_JOBS_PAGE = 100
# The text rules (not blank, no control characters) are checked in Python with messages of our
# own (service.api.safe_text, the handlers); these patterns only document them.
NOT_BLANK = NOT_BLANK_TEXT_PATTERN

_UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_INT_TEXT = re.compile(r"-?[0-9]+")


def _uuid_text(value: object) -> object:
    """Only the canonical 8-4-4-4-12 form the document's `format: uuid` promises (pydantic alone
    would also take braces, `urn:uuid:` and bare hex)."""
    if isinstance(value, str) and not _UUID_TEXT.fullmatch(value):
        raise ValueError("must be a UUID")
    return value


def _int_text(value: object) -> object:
    """A query value is text: digits only (pydantic alone would also take `+5`, `5.0`, `1_0`)."""
    if isinstance(value, str):
        if not _INT_TEXT.fullmatch(value):
            raise ValueError("must be an integer")
        return int(value)
    return value


def _integral(value: object) -> object:
    """JSON has one number type: `5.0` is the integer 5 to JSON Schema, so it is to us too."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Uuid = Annotated[UUID, BeforeValidator(_uuid_text)]
JobId = Uuid
QueryInt = Annotated[int, BeforeValidator(_int_text)]


class ErrorOut(CamelModel):
    error: str


class CampaignCreate(CamelModel):
    name: SafeText = Field(min_length=1, max_length=200, json_schema_extra={"pattern": NOT_BLANK})
    # Multi-line: TAB, LF and CR are kept here, and only here (see service.api.safe_text).
    description: MultilineText | None = Field(
        None, max_length=2000, json_schema_extra={"pattern": MULTILINE_TEXT_PATTERN}
    )
    search_type: SearchType = SearchType.KEYWORD

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class JobSummary(CamelModel):
    id: UUID
    kind: JobKind
    platform: Platform
    status: JobStatus
    keywords: list[str] | None
    target_username: str | None
    target_results: int
    processed_results: int
    progress: float
    error: str | None
    created_at: datetime
    completed_at: datetime | None


class CampaignOut(CamelModel):
    id: UUID
    name: str
    description: str | None
    search_type: SearchType
    status: CampaignStatus
    created_at: datetime
    updated_at: datetime


class CampaignWithJobs(CampaignOut):
    jobs: list[JobSummary]


class CampaignList(CamelModel):
    campaigns: list[CampaignOut]


def _must_be_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


Keyword = Annotated[
    str,
    BeforeValidator(_must_be_text),
    Field(min_length=1, max_length=MAX_KEYWORD_LENGTH, json_schema_extra={"pattern": NOT_BLANK}),
]
# The range is only documented here: job_requests checks it against the `limits.*` in force
# (always inside these ceilings), so every out-of-range target gets the same message.
TargetResults = Annotated[
    StrictInt,
    Field(json_schema_extra={"minimum": MIN_TARGET_RESULTS, "maximum": MAX_TARGET_RESULTS}),
    BeforeValidator(_integral),
]


class KeywordJobCreate(CamelModel):
    """Tighter bounds on count, length and target come from dynamic config (the handler)."""

    keywords: list[Keyword] = Field(min_length=1, max_length=MAX_KEYWORDS)
    # Omitted: the kind's default target (service.api.job_requests.DEFAULT_TARGETS).
    target_results: TargetResults | None = None
    campaign_id: Uuid

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("must be a non-empty list of strings")
        return value


class SimilarJobCreate(CamelModel):
    """The username pattern differs by platform: see `SIMILAR_JOB_MODELS`."""

    username: SafeText
    campaign_id: Uuid
    target_results: TargetResults | None = None


def _similar_model(platform: Platform) -> type[SimilarJobCreate]:
    # The handle check itself is `clean_username` (same pattern, a message naming the platform).
    username = Field(json_schema_extra={"pattern": username_pattern(platform)})
    name = f"{platform.value}SimilarJobCreate"
    model: type[SimilarJobCreate] = create_model(
        name, __base__=SimilarJobCreate, username=(SafeText, username)
    )
    return model


SIMILAR_JOB_MODELS = {platform: _similar_model(platform) for platform in Platform}


class JobStatusQuery(CamelModel):
    """`GET /api/scraping/<kind>?jobId=…&offset=…&limit=…`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    job_id: JobId = Field(alias="jobId")
    offset: QueryInt = Field(0, ge=0, le=MAX_OFFSET)
    limit: QueryInt = Field(MAX_PAGE, ge=1, le=MAX_PAGE)


def _cursor_text(value: str) -> str:
    if not re.fullmatch(CURSOR_PATTERN, value):
        raise ValueError("must be a nextCursor this API returned")
    return value


Cursor = Annotated[
    str, AfterValidator(_cursor_text), Field(json_schema_extra={"pattern": CURSOR_PATTERN})
]


def _optional_parameters(schema: dict[str, Any]) -> None:
    """An omitted query parameter is None in the model, but `null` is no value a query string
    can carry: the document shows only the real alternative."""
    for name, prop in schema["properties"].items():
        alternatives = [a for a in prop.get("anyOf", []) if a != {"type": "null"}]
        if len(alternatives) == 1 and prop.get("default", "") is None:
            rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
            schema["properties"][name] = {**alternatives[0], **rest}


class JobListQuery(CamelModel):
    """`GET /api/jobs?campaignId=…&status=…&kind=…&limit=…&cursor=…` (all optional)."""

    model_config = ConfigDict(
        extra="ignore", populate_by_name=True, json_schema_extra=_optional_parameters
    )

    campaign_id: Uuid | None = Field(None, alias="campaignId")
    status: JobStatus | None = None
    kind: JobKind | None = None
    limit: QueryInt = Field(JOBS_PAGE, ge=1, le=MAX_JOBS_PAGE)
    cursor: Cursor | None = Field(None, description="The `nextCursor` of the previous page")


class JobItem(CamelModel):
    """One job of a list: where it stands, not its results."""

    id: UUID
    kind: JobKind
    platform: Platform
    status: JobStatus
    progress: float
    processed_results: int
    target_results: int
    campaign_id: UUID | None
    keywords: list[str] | None
    target_username: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime
    error: str | None


class JobList(CamelModel):
    jobs: list[JobItem]
    # None on the last page.
    next_cursor: str | None


class JobCancelled(JobItem):
    """The cancelled job, and whether QStash took its queued step message back (False when
    it was already delivered or in flight: that delivery then changes nothing)."""

    message_cancelled: bool


class JobCreated(CamelModel):
    message: str
    job_id: UUID
    qstash_message_id: str | None


class JobStatusOut(CamelModel):
    job_id: UUID
    kind: JobKind
    platform: Platform
    status: JobStatus
    processed_results: int
    target_results: int
    processed_runs: int
    progress: float
    error: str | None
    keywords: list[str] | None
    target_username: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    timeout_at: datetime
    total_results: int
    offset: int
    limit: int
    results: list[dict[str, Any]]


class ConfigEntry(CamelModel):
    key: str
    value: str
    value_type: str
    default: str
    description: str
    overridden: bool
    # The allowed range, inclusive, in the value's own notation (e.g. "1m" and "7d").
    min: str
    max: str


class ConfigOut(CamelModel):
    config: list[ConfigEntry]


class HealthOut(CamelModel):
    status: str
    database: str
    qstash: str


# Exactly what `DynamicConfig.update` accepts for each value type (config/values.py: ASCII digits
# and units, spaces allowed; the duration pattern is the parser's own), so the document
# neither over- nor under-promises. A range over text cannot be said in JSON Schema: it is
# in the description, and the 400 names it.
_NUMBER_TEXT = r"^ *[0-9]+ *$"


def config_value_schema(spec: ConfigKey[Any]) -> dict[str, Any]:
    schema: dict[str, Any]
    if spec.value_type is ValueType.NUMBER:
        schema = {
            "anyOf": [
                {"type": "integer", "minimum": spec.low_value, "maximum": spec.high_value},
                {"type": "string", "pattern": _NUMBER_TEXT},
            ]
        }
    else:
        schema = {"type": "string", "pattern": DURATION_PATTERN}
    description = f"{spec.description} (default {spec.default}; from {spec.low} to {spec.high})"
    return {**schema, "description": description}


def _config_update_schema(schema: dict[str, Any]) -> None:
    schema.clear()
    schema.update(
        {
            "title": "ConfigUpdate",
            "description": "Known `<category>.<key>` names and new values; all apply or none.",
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {name: config_value_schema(spec) for name, spec in KNOWN_KEYS.items()},
        }
    )


class ConfigUpdate(RootModel[dict[str, Any]]):
    """`PUT /api/admin/config`: the values are checked (and named) by DynamicConfig.update."""

    model_config = ConfigDict(json_schema_extra=_config_update_schema)

    @model_validator(mode="before")
    @classmethod
    def _integral_values(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {name: _integral(value) for name, value in data.items()}
        return data

    @model_validator(mode="after")
    def _not_empty(self) -> ConfigUpdate:
        if not self.root:
            raise ValueError('must be an object like {"timeouts.standard_job_timeout": "30m"}')
        return self
