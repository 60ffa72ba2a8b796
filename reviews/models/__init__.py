"""The reviews app's models, by topic: a review and its people, its vocabulary, the annotations members add,
and ReviewPaper, a paper in a review with its annotations summed up."""

from .annotations import (
    COMMENT_MAX_LENGTH,
    MAX_SCORE,
    MIN_SCORE,
    Comment,
    DecisionChoice,
    PaperTag,
    Score,
    ScreeningDecision,
)
from .history import TEAM_KINDS, Change, ChangeKind
from .invitation import INVITATION_LIFETIME, MAX_PENDING_INVITATIONS, Invitation, InvitationRefused
from .preferences import ScreeningPreferences
from .priority import PriorityRanking, PriorityScore
from .resolution import Assignment, FinalChoice, Resolution
from .review import (
    LAST_OWNER_MESSAGE,
    MAX_PRIORITY_MINIMUM,
    MAX_REQUIRED_SCREENERS,
    ConflictRule,
    Membership,
    Review,
    Role,
    count_of,
)
from .review_paper import ReviewPaper
from .summaries import NEEDS_RESOLUTION, SCREENED_STATUSES, TeamStatus
from .vocabulary import (
    MAX_REASONS_PER_REVIEW,
    MAX_TAGS_PER_REVIEW,
    TAG_COLOURS,
    TAG_NAME_MAX_LENGTH,
    ExclusionReason,
    Tag,
    clean_tag_name,
    tag_key,
)

__all__ = [
    "COMMENT_MAX_LENGTH", "INVITATION_LIFETIME", "LAST_OWNER_MESSAGE", "MAX_PENDING_INVITATIONS",
    "MAX_REASONS_PER_REVIEW", "MAX_SCORE", "MAX_TAGS_PER_REVIEW", "Invitation", "InvitationRefused",
    "MIN_SCORE", "TAG_COLOURS", "TAG_NAME_MAX_LENGTH", "Comment", "DecisionChoice", "ExclusionReason", "Membership",
    "PaperTag", "Review", "ReviewPaper", "Role", "Score", "ScreeningDecision", "ScreeningPreferences", "Tag",
    "TeamStatus", "clean_tag_name", "count_of", "tag_key", "TEAM_KINDS", "Change", "ChangeKind", "Assignment",
    "PriorityRanking", "PriorityScore", "MAX_PRIORITY_MINIMUM",
    "FinalChoice", "Resolution", "MAX_REQUIRED_SCREENERS", "ConflictRule", "NEEDS_RESOLUTION", "SCREENED_STATUSES",
]  # fmt: skip
