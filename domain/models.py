"""Imports every context's models so the metadata (Alembic, mappers) sees all tables."""

from domain.advocacy import event_models as advocacy_event_models
from domain.advocacy import models as advocacy_models
from domain.community import models as community_models
from domain.feedback import models as feedback_models
from domain.identity import models as identity_models
from domain.insights import models as insights_models
from domain.matching import models as matching_models
from domain.programs import models as programs_models
from domain.shared import audit, outbox

__all__ = [
    "advocacy_event_models",
    "advocacy_models",
    "audit",
    "community_models",
    "feedback_models",
    "identity_models",
    "insights_models",
    "matching_models",
    "outbox",
    "programs_models",
]
