"""Every context's personal data, in one registry: the export gathers each context's part and
erasure runs each context's eraser. A context with a table that points at members adds its
`domain/<context>/personal_data.py` here; tests/identity/test_personal_data.py fails while any
foreign key to `members.id` is not declared by one of them."""

from domain.advocacy.personal_data import PERSONAL_DATA as ADVOCACY
from domain.community.personal_data import PERSONAL_DATA as COMMUNITY
from domain.feedback.personal_data import PERSONAL_DATA as FEEDBACK
from domain.identity.personal_data import PERSONAL_DATA as IDENTITY
from domain.insights.personal_data import PERSONAL_DATA as INSIGHTS
from domain.matching.personal_data import PERSONAL_DATA as MATCHING
from domain.programs.personal_data import PERSONAL_DATA as PROGRAMS
from domain.shared.personal_data import PersonalData

# Erasure runs in this order. Identity comes last: it anonymises the member row the others
# still read (e.g. the member's account when ending program seats).
CONTEXTS: tuple[PersonalData, ...] = (
    COMMUNITY,
    FEEDBACK,
    PROGRAMS,
    ADVOCACY,
    MATCHING,
    INSIGHTS,
    IDENTITY,
)
