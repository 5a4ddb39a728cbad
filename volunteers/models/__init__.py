"""Party-member volunteer service: teams, volunteers, activities and sign-ups, hours, the points
ledger and rewards, 双报到, responsibility posts and residents' 点单 (service orders).

Every hour and every point can be traced: a ``ServiceRecord`` says who served, when, and who
confirmed it; a ``PointsEntry`` says where each point came from. Writes go through
``volunteers.services``; the rules that must hold even for bulk writes and imports are database
constraints, each explaining itself in Chinese.
"""

# One module per sub-domain; every model is re-exported here, so ``from volunteers.models import
# Activity`` and the migrations' ``volunteers.models._tracking_code`` keep working.
from .activities import Activity, ActivityQuerySet, ServiceCategory, Signup, SignupQuerySet
from .checkins import CommunityCheckIn, CommunityCheckInQuerySet
from .hours import (
    HOURS_PLACES,
    MAX_RECORD_HOURS,
    HoursImport,
    HoursImportQuerySet,
    HoursImportRow,
    PostgresExclusionConstraint,
    ServiceRecord,
    ServiceRecordQuerySet,
    TsTzRange,
    hours_between,
)
from .ledger import PointsEntry, PointsEntryQuerySet, Redemption, RedemptionQuerySet, Reward, RewardQuerySet
from .orders import ServiceOrder, ServiceOrderQuerySet, _tracking_code
from .posts import PostClaim, PostClaimQuerySet, ResponsibilityPost, ResponsibilityPostQuerySet
from .teams import Volunteer, VolunteerQuerySet, VolunteerTeam, VolunteerTeamQuerySet, mask_id_number, mask_name

__all__ = [
    "mask_id_number",
    "mask_name",
    "VolunteerTeamQuerySet",
    "VolunteerTeam",
    "VolunteerQuerySet",
    "Volunteer",
    "ServiceCategory",
    "ActivityQuerySet",
    "Activity",
    "SignupQuerySet",
    "Signup",
    "HOURS_PLACES",
    "MAX_RECORD_HOURS",
    "hours_between",
    "TsTzRange",
    "PostgresExclusionConstraint",
    "ServiceRecordQuerySet",
    "ServiceRecord",
    "HoursImportQuerySet",
    "HoursImport",
    "HoursImportRow",
    "PointsEntryQuerySet",
    "PointsEntry",
    "RewardQuerySet",
    "Reward",
    "RedemptionQuerySet",
    "Redemption",
    "CommunityCheckInQuerySet",
    "CommunityCheckIn",
    "ResponsibilityPostQuerySet",
    "ResponsibilityPost",
    "PostClaimQuerySet",
    "PostClaim",
    "_tracking_code",
    "ServiceOrderQuerySet",
    "ServiceOrder",
]
