"""Imports every context's models so the metadata (Alembic, mappers) sees all tables."""

from domain.identity import models as identity_models
from domain.shared import audit, outbox

__all__ = ["audit", "identity_models", "outbox"]
