"""Who may use each root field on the sweep's targets, as the policies in `domain/` say.

Keyed by root field name; test_authorization_sweep fails on a root field with no entry, so the
table stays complete. `allowed` is the set of roles that get through (data or a userError
about the input); every other role must be denied (UNAUTHENTICATED, FORBIDDEN, or the object
hidden: null / NOT_FOUND). OVERRIDES replaces generated arguments where a plain value would stop
every caller before the policy is asked.

The targets (sweep_calls.pick_targets): Acme's team space and a thread and post in it, an
Acme-only idea, Casey's (Acme) member record and advocacy records, the Nightjar beta that Acme's
Devon is not in, and so on. Roles: sweep_calls / fuzz_support.Role. NOBODY marks a field that
answers null for every caller on the demo (nothing of that kind is the caller's own); its
role gate is still checked (anonymous denied) and the fuzz covers it.
"""

from dataclasses import dataclass
from typing import Any

from tests.hardening.fuzz_support import Role

ANON = Role.ANONYMOUS
CUSTOMER, OTHER, MODERATOR = Role.CUSTOMER, Role.OTHER_CUSTOMER, Role.MODERATOR
CSM, MARKETING, PRODUCT, ADMIN = Role.CSM, Role.MARKETING, Role.PRODUCT, Role.ADMIN

EVERYONE = frozenset(Role)
SIGNED_IN = EVERYONE - {ANON}
STAFF = frozenset({CSM, MARKETING, PRODUCT, ADMIN})
ACME = frozenset({CUSTOMER, MODERATOR})  # the account owning the targets
CUSTOMERS = frozenset({CUSTOMER, OTHER, MODERATOR})
NOBODY: frozenset[Role] = frozenset()
ADVOCACY_STAFF = frozenset({CSM, MARKETING, ADMIN})  # advocacy.policies.runs_advocacy
MATCHING_MANAGERS = frozenset({CSM, MARKETING, ADMIN})  # matching.policies.can_manage_matching
TRIAGE = frozenset({PRODUCT, ADMIN})  # feedback.can_triage, programs.can_manage
MODERATORS = frozenset({MODERATOR, ADMIN})  # community.is_moderator
CASEY = MODERATOR  # the owner of the member-aimed targets


@dataclass(frozen=True)
class Expectation:
    allowed: frozenset[Role]


def allow(*groups: frozenset[Role] | Role) -> Expectation:
    roles: set[Role] = set()
    for group in groups:
        roles |= {group} if isinstance(group, Role) else set(group)
    return Expectation(frozenset(roles))


EXPECTED: dict[str, Expectation] = {
    # --- identity (identity.policies) ------------------------------------------------------
    "viewer": allow(SIGNED_IN),  # anonymous: null by design
    "members": allow(SIGNED_IN),  # discoverable_members filters
    "accounts": allow(SIGNED_IN),  # readable_accounts filters
    "apiTokens": allow(SIGNED_IN),  # the caller's own
    "personalDataExport": allow(CASEY, ADMIN),  # Casey's own data, or an admin
    "myErasureRequest": allow(NOBODY),  # null: no one has asked for erasure in the demo
    "erasureRequests": allow(ADMIN),
    "updateProfile": allow(CASEY, ADMIN),  # can_update_profile
    "createAccount": allow(CSM, ADMIN),  # can_create_accounts
    "updateAccount": allow(CSM, ADMIN),  # can_update_account: Acme's owning CSM
    "setAccountCompetitors": allow(ACME, CSM, ADMIN),  # can_declare_competitors
    "createMember": allow(CSM, ADMIN),  # can_add_member
    "setMemberRoles": allow(ADMIN),
    "setMemberStatus": allow(ADMIN),
    "createApiToken": allow(SIGNED_IN),
    "revokeApiToken": allow(CASEY, ADMIN),  # can_manage_api_token on Casey's token
    "requestErasure": allow(SIGNED_IN),  # of oneself
    "cancelErasureRequest": allow(SIGNED_IN),
    "eraseMember": allow(ADMIN),
    # --- community (community.policies) ----------------------------------------------------
    "spaces": allow(SIGNED_IN),  # readable_spaces filters
    "space": allow(ACME, STAFF),  # Acme's team space
    "whatsNew": allow(SIGNED_IN),
    "memberActivity": allow(SIGNED_IN),  # Casey's posts, filtered by readable_posts
    "notifications": allow(SIGNED_IN),
    "unreadNotificationCount": allow(SIGNED_IN),
    "notificationPreferences": allow(SIGNED_IN),
    "moderationQueue": allow(MODERATORS),
    "moderationLog": allow(MODERATORS),
    "memberStanding": allow(SIGNED_IN),
    "createSpace": allow(ADMIN),  # can_manage_spaces
    "startThread": allow(ACME, STAFF),  # in Acme's space
    "reply": allow(ACME, STAFF),
    "editPost": allow(MODERATORS),  # can_edit_post: not Devon's post
    "deletePost": allow(MODERATORS),
    "addReaction": allow(ACME, STAFF),
    "removeReaction": allow(ACME, STAFF),
    "acceptAnswer": allow(ACME, STAFF),
    "unacceptAnswer": allow(MODERATORS),
    "markThreadRead": allow(ACME, STAFF),
    "watch": allow(ACME, STAFF),
    "markNotificationsRead": allow(CUSTOMER),  # Devon's notification: the recipient only
    "setNotificationPreference": allow(SIGNED_IN),
    "flagPost": allow(ACME, STAFF),
    "resolveFlags": allow(MODERATORS),
    "approvePost": allow(MODERATORS),
    "rejectPost": allow(MODERATORS),
    "moderatePost": allow(MODERATORS),
    "moderateThread": allow(MODERATORS),
    "moveThread": allow(MODERATORS),
    "mergeThreads": allow(MODERATORS),
    "suspendMember": allow(MODERATORS),  # can_suspend: a customer member
    "unsuspendMember": allow(MODERATORS),
    # --- search -----------------------------------------------------------------------------
    "search": allow(SIGNED_IN),
    "searchSuggestions": allow(SIGNED_IN),
    "searchToken": allow(NOBODY),  # null on the embedded engine, for everyone
    # --- programs (programs.policies; Nightjar beta: Devon is not in it) -------------------
    "programs": allow(SIGNED_IN),  # readable_programs filters
    "programEligibility": allow(CASEY, STAFF),  # Casey's own eligibility, or staff
    "myProgramApplications": allow(SIGNED_IN),
    "applyToProgram": allow(OTHER, CASEY, STAFF),  # a program Devon may not see
    "nominateToProgram": allow(CSM, TRIAGE),  # can_nominate
    "inviteToProgram": allow(TRIAGE),  # can_manage
    "respondToProgramInvitation": allow(NOBODY),  # no open invitation in the demo
    "reviewProgramApplication": allow(TRIAGE),
    "withdrawProgramApplication": allow(NOBODY),  # no pending application of the callers
    "renewBoardSeat": allow(TRIAGE),
    "rotateBoard": allow(TRIAGE),
    "scheduleBoardMeeting": allow(TRIAGE),
    "updateBoardMeeting": allow(TRIAGE),
    "recordMeetingAttendance": allow(TRIAGE),
    "publishBetaBuild": allow(TRIAGE),
    "giveBetaFeedback": allow(OTHER, CASEY),  # members with an ACTIVE seat only
    "graduateBeta": allow(TRIAGE),
    "inviteIdeaVoters": allow(TRIAGE),
    "createProgram": allow(TRIAGE),  # can_create_programs
    "updateProgram": allow(TRIAGE),
    "setProgramState": allow(TRIAGE),
    "leaveProgram": allow(OTHER, CASEY),  # enrolled members
    "removeFromProgram": allow(TRIAGE),
    "publishProgramAgreement": allow(TRIAGE),
    # Anyone who may see the program may record having read its agreement (staff included).
    "acceptProgramAgreement": allow(OTHER, CASEY, STAFF),
    # --- feedback (feedback.policies; an idea visible to Acme only) ------------------------
    "surveys": allow(SIGNED_IN),
    "surveyReport": allow(STAFF),  # can_see_survey_results
    "ideas": allow(SIGNED_IN),
    "ideaTriageQueue": allow(TRIAGE),
    "roadmap": allow(SIGNED_IN),
    "ideaForThread": allow(NOBODY),  # the thread has no idea
    "changelog": allow(SIGNED_IN),
    "impactWeights": allow(STAFF),  # can_see_impact_weights
    "ideaWorkflow": allow(SIGNED_IN),
    "feedbackReports": allow(TRIAGE),
    "createSurvey": allow(CSM, TRIAGE),  # can_manage_surveys
    "sendSurvey": allow(CSM, TRIAGE),
    "answerSurvey": allow(CUSTOMERS),  # can_answer_surveys: customers, not staff
    "createIdeaFromSurveyResponse": allow(CSM, TRIAGE),
    "submitIdea": allow(SIGNED_IN),
    "updateIdea": allow(CASEY, TRIAGE),  # can_edit_idea: its author (Casey) or triage
    "voteIdea": allow(ACME, STAFF),
    "changeVoteImportance": allow(ACME, STAFF),
    "unvoteIdea": allow(ACME, STAFF),
    "recordProxyVote": allow(STAFF),  # can_record_proxy_vote
    "setIdeaSubscription": allow(ACME, STAFF),
    "changeIdeaStatus": allow(TRIAGE),
    "assignIdeaOwner": allow(TRIAGE),
    "linkIdeaBetaProgram": allow(TRIAGE),
    "mergeIdeas": allow(TRIAGE),
    "unmergeIdea": allow(TRIAGE),
    "setIdeaWorkflow": allow(TRIAGE),
    "setImpactWeights": allow(TRIAGE),
    "createChangelogEntry": allow(TRIAGE),  # can_manage_changelog
    "setFeedbackDigest": allow(SIGNED_IN),
    "sendFeedbackDigests": allow(STAFF),  # can_send_digests
    # --- matching (matching.policies; Casey's profile and pair) ----------------------------
    "buddyProfile": allow(SIGNED_IN),  # Casey is opted in: findable
    "buddySuggestions": allow(CASEY, MATCHING_MANAGERS),  # can_see_suggestions_for
    "buddyPairs": allow(SIGNED_IN),  # readable_pairs filters
    "matchingPrograms": allow(SIGNED_IN),
    "matchingRounds": allow(MATCHING_MANAGERS),
    "meetups": allow(SIGNED_IN),  # readable_meetups filters
    "saveBuddyProfile": allow(CASEY, ADMIN),  # can_edit_profile
    "setBuddyMatchingPaused": allow(CASEY, ADMIN),
    "saveMatchingProgram": allow(MATCHING_MANAGERS),
    "requestBuddy": allow(SIGNED_IN),  # anyone may ask Casey (rules, not roles, decide)
    "acceptBuddyPair": allow(CASEY),  # may_answer: the pair's mentor
    "declineBuddyPair": allow(CASEY),
    "startBuddyPair": allow(CASEY, MATCHING_MANAGERS),  # can_run_pair
    "setBuddyPairEndDate": allow(CASEY, MATCHING_MANAGERS),
    "completeBuddyPair": allow(CASEY, MATCHING_MANAGERS),
    "endBuddyPairEarly": allow(CASEY, MATCHING_MANAGERS),
    "giveBuddyFeedback": allow(CASEY),  # the buddies only
    "runMatchingRound": allow(MATCHING_MANAGERS),
    "setRoundProposalIncluded": allow(NOBODY),  # no round in the demo: managers get NOT_FOUND
    "publishMatchingRound": allow(NOBODY),
    "discardMatchingRound": allow(NOBODY),
    "sendBuddyCheckIns": allow(MATCHING_MANAGERS),
    "proposeMeetups": allow(MATCHING_MANAGERS),
    # --- advocacy (advocacy.policies; Casey's records) -------------------------------------
    "advocateProfile": allow(CASEY, ADVOCACY_STAFF),  # readable: own or runs_advocacy
    "advocateProfiles": allow(SIGNED_IN),  # filtered
    "consents": allow(CASEY, ADVOCACY_STAFF),
    "referenceRequests": allow(SIGNED_IN),  # filtered
    "fatigueBudget": allow(CASEY, ADVOCACY_STAFF),
    "mostAsked": allow(ADVOCACY_STAFF),
    "fatigueRules": allow(ADVOCACY_STAFF),
    "caseStudies": allow(SIGNED_IN),  # readable_case_studies filters
    "testimonials": allow(SIGNED_IN),
    "advocacyEngagements": allow(SIGNED_IN),
    "advocacyEvents": allow(SIGNED_IN),
    "referralByCode": allow(NOBODY),  # an unknown code: null for everyone
    "referrals": allow(SIGNED_IN),
    "advocacyStanding": allow(CASEY, ADVOCACY_STAFF),
    "advocacyBadges": allow(SIGNED_IN),
    "advocacyLedger": allow(CASEY, ADVOCACY_STAFF),
    "advocacyLeaderboard": allow(SIGNED_IN),
    "rewards": allow(SIGNED_IN),
    "rewardRedemptions": allow(SIGNED_IN),  # filtered
    "pointRules": allow(SIGNED_IN),
    "saveAdvocateProfile": allow(CASEY, ADVOCACY_STAFF),  # can_edit_profile
    "nominateAdvocate": allow(ADVOCACY_STAFF),
    "decideAdvocateNomination": allow(CSM, ADMIN),  # can_decide_for_account: owning CSM, admin
    "pauseAdvocateProfile": allow(CASEY, ADVOCACY_STAFF),
    "grantConsent": allow(CASEY, ADVOCACY_STAFF),  # can_record_consent
    "withdrawConsent": allow(CASEY, ADVOCACY_STAFF),  # can_withdraw_consent
    "setFatigueRule": allow(ADVOCACY_STAFF),
    "deleteFatigueRule": allow(NOBODY),  # no rule in the demo: advocacy staff get NOT_FOUND
    "createReferenceRequest": allow(ADVOCACY_STAFF),
    "chooseReferenceAdvocate": allow(ADVOCACY_STAFF),
    # as decideAdvocateNomination; marketing requested the target, so it meets SELF_APPROVAL
    "decideReferenceRequest": allow(CSM, MARKETING, ADMIN),
    "scheduleReferenceRequest": allow(ADVOCACY_STAFF),
    "completeReferenceRequest": allow(ADVOCACY_STAFF),
    "cancelReferenceRequest": allow(ADVOCACY_STAFF),
    "giveReferenceFeedback": allow(CASEY, ADVOCACY_STAFF),  # the advocate or staff
    "recordReferenceOutcome": allow(ADVOCACY_STAFF),
    "nominateCaseStudy": allow(ADVOCACY_STAFF),
    "updateCaseStudy": allow(ADVOCACY_STAFF),
    "moveCaseStudy": allow(ADVOCACY_STAFF),
    "reapproveCaseStudy": allow(ADVOCACY_STAFF),
    "createTestimonial": allow(ADVOCACY_STAFF),
    "quoteForumPost": allow(ADVOCACY_STAFF),
    "requestTestimonialApproval": allow(ADVOCACY_STAFF),
    "editTestimonial": allow(ADVOCACY_STAFF),
    "respondToTestimonial": allow(CASEY),  # the quoted member approves the exact words
    "publishTestimonial": allow(ADVOCACY_STAFF),
    "retireTestimonial": allow(ADVOCACY_STAFF),
    "createAdvocacyEngagement": allow(ADVOCACY_STAFF),
    "setAdvocacyEngagementStatus": allow(ADVOCACY_STAFF),
    "createAdvocacyEvent": allow(ADVOCACY_STAFF),
    "addEventSession": allow(ADVOCACY_STAFF),
    "addSessionSpeaker": allow(ADVOCACY_STAFF),
    "removeSessionSpeaker": allow(ADVOCACY_STAFF),
    "setEventSessionStatus": allow(ADVOCACY_STAFF),
    "submitReferral": allow(SIGNED_IN),
    "advanceReferral": allow(ADVOCACY_STAFF),
    "saveReward": allow(ADVOCACY_STAFF),
    "redeemReward": allow(SIGNED_IN),
    "decideRedemption": allow(ADVOCACY_STAFF),
    "setPointRule": allow(ADVOCACY_STAFF),
    # --- insights (insights.policies) ------------------------------------------------------
    "accountInsights": allow(STAFF),  # can_view_revenue
    "insightsOverview": allow(STAFF),
    "insightsByActivityType": allow(STAFF),
    "insightsByProgram": allow(STAFF),
    "retentionUplift": allow(STAFF),
    "opportunities": allow(STAFF),
    "successPlans": allow(ACME, STAFF),  # Acme's plans: readable_success_plans
    "insightsSettings": allow(STAFF),
    "insightsReportCsv": allow(STAFF),
    "importCrmCsv": allow(ADVOCACY_STAFF),  # can_import_revenue: admin, CSM, marketing
    "recordAdvocacyTouch": allow(ADVOCACY_STAFF),  # can_record_touch
    "updateInsightsSettings": allow(ADMIN),  # can_change_settings
    "recomputeInsights": allow(ADMIN),
    "createSuccessPlan": allow(CSM, ADMIN),  # can_manage_success_plans
    "addSuccessOutcome": allow(CSM, ADMIN),
    "updateSuccessPlan": allow(CSM, ADMIN),
    "recordOutcomeMeasurement": allow(ACME, CSM, ADMIN),  # can_record_measurement
    # --- audit and relay ---------------------------------------------------------------------
    "auditLog": allow(ADMIN),
    "node": allow(SIGNED_IN),  # Casey's member record: active members are visible to all
    "nodes": allow(SIGNED_IN),
}

# Arguments the generator cannot guess (used by the sweep whatever the entry's roles).
OVERRIDES: dict[str, dict[str, Any]] = {
    "watch": {"input": {"id": "@Thread"}},
    "buddySuggestions": {"programId": "@MatchingProgram"},
    "requestBuddy": {"input": {"programId": "@MatchingProgram"}},
    "runMatchingRound": {"input": {"programId": "@MatchingProgram"}},
    "assignIdeaOwner": {"input": {"ownerId": "@ProductMember"}},
}
