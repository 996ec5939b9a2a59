import strawberry

from api.graphql.matching.mutations.pairs import PairMutations
from api.graphql.matching.mutations.profiles import ProfileMutations
from api.graphql.matching.mutations.rounds import RoundMutations


@strawberry.type
class MatchingMutations(ProfileMutations, PairMutations, RoundMutations):
    pass
