"""Advocacy mutations, one module per use-case group, assembled into one type."""

import strawberry

from api.graphql.advocacy.mutations.assets import AssetMutations
from api.graphql.advocacy.mutations.events import EventMutations
from api.graphql.advocacy.mutations.people import PeopleMutations
from api.graphql.advocacy.mutations.recognition import RecognitionMutations
from api.graphql.advocacy.mutations.references import ReferenceMutations


@strawberry.type
class AdvocacyMutations(
    PeopleMutations, ReferenceMutations, AssetMutations, EventMutations, RecognitionMutations
):
    pass


__all__ = ["AdvocacyMutations"]
