"""Trust levels earned from activity, and the abilities they unlock (Discourse's idea, simplified).

| level | earned by | unlocks |
|---|---|---|
| 0 new | joining | reading, posting (possibly held for review), flags weigh 1 |
| 1 basic | 20 posts read and 1 post, or 3 posts approved by a moderator | links in posts |
| 2 member | 100 posts read, 10 replies, no upheld flags against the last 10 posts | flags weigh 2 |
| 3 regular | 3 accepted answers, or 50 replies | flags weigh 3 |

Flags upheld against a member's posts hold them back: each one counts as minus five replies.
Open flags on a post that together weigh FLAG_WEIGHT_TO_HIDE hide it until a moderator reviews
it, so three new members, or one regular, can take spam out of sight.
Whether held posts and links apply at all is the operator's choice (CommunityRules).
"""

from domain.community.models import MemberStanding

FLAG_PENALTY = 5
APPROVED_POSTS_FOR_BASIC = 3
FLAG_WEIGHT_TO_HIDE = 3


def trust_level_for(standing: MemberStanding) -> int:
    posts = standing.threads_created + standing.replies
    replies = standing.replies - FLAG_PENALTY * standing.flags_upheld
    if standing.accepted_answers >= 3 or replies >= 50:
        return 3
    if standing.posts_read >= 100 and replies >= 10:
        return 2
    if standing.posts_read >= 20 and posts >= 1:
        return 1
    if standing.approved_posts >= APPROVED_POSTS_FOR_BASIC:
        return 1
    return 0


def recompute(standing: MemberStanding) -> None:
    standing.trust_level = trust_level_for(standing)


def flag_weight(trust_level: int) -> int:
    """How much a member's flag counts towards hiding a post."""
    return max(1, trust_level)


def can_post_links(trust_level: int, links_min_trust_level: int) -> bool:
    return trust_level >= links_min_trust_level
