"""Trust levels earned from activity, and the abilities they unlock (Discourse's idea, simplified).

| level | earned by | unlocks |
|---|---|---|
| 0 new | joining | reading, posting (possibly held for review), flags weigh 1 |
| 1 basic | 20 posts read and 1 post | links in posts |
| 2 member | 100 posts read, 10 replies, no upheld flags against the last 10 posts | flags weigh 2 |
| 3 regular | 3 accepted answers, or 50 replies | flags weigh 3 |

Flags upheld against a member's posts hold them back: each one counts as minus five replies.
"""

from domain.community.models import MemberStanding

FLAG_PENALTY = 5


def trust_level_for(standing: MemberStanding) -> int:
    posts = standing.threads_created + standing.replies
    replies = standing.replies - FLAG_PENALTY * standing.flags_upheld
    if standing.accepted_answers >= 3 or replies >= 50:
        return 3
    if standing.posts_read >= 100 and replies >= 10:
        return 2
    if standing.posts_read >= 20 and posts >= 1:
        return 1
    return 0


def recompute(standing: MemberStanding) -> None:
    standing.trust_level = trust_level_for(standing)


def flag_weight(trust_level: int) -> int:
    return max(1, trust_level)
