"""The indexed document types. To add one, write a module with a DocumentType subclass and list
an instance here."""

from search.documents.advocate_profiles import AdvocateProfiles
from search.documents.base import Document, DocumentType
from search.documents.case_studies import CaseStudies
from search.documents.ideas import Ideas
from search.documents.members import Members
from search.documents.posts import Posts
from search.documents.testimonials import Testimonials
from search.documents.threads import Threads

DOCUMENT_TYPES: dict[str, DocumentType] = {
    t.name: t
    for t in (
        Threads(),
        Posts(),
        Members(),
        Ideas(),
        CaseStudies(),
        Testimonials(),
        AdvocateProfiles(),
    )
}

__all__ = ["DOCUMENT_TYPES", "Document", "DocumentType"]
