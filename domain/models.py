"""Imports every context's models so the metadata (Alembic, mappers) sees all tables."""

from domain.community import models as community_models
from domain.identity import models as identity_models
from domain.programs import models as programs_models
from domain.shared import audit, outbox

__all__ = ["audit", "community_models", "identity_models", "outbox", "programs_models"]
