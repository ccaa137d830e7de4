"""Persistence for campaigns, jobs, results and dynamic config (SQLite or PostgreSQL)."""

from service.store.records import (
    UNSET,
    Campaign,
    ConfigRow,
    Job,
    KeyedCreator,
    NewConfig,
    NewJob,
    StepChanges,
    UnknownCampaign,
    Unset,
)
from service.store.store import Store

__all__ = [
    "UNSET",
    "Campaign",
    "ConfigRow",
    "Job",
    "KeyedCreator",
    "NewConfig",
    "NewJob",
    "StepChanges",
    "Store",
    "UnknownCampaign",
    "Unset",
]
