"""Admin of volunteer service. Thin: scoping comes from the Scoped* bases, every write goes
through ``services`` (so sign-ups, confirmations, points, stock and order steps follow the same
rules as the public site and the API), and a refused write comes back as a message, never a 500.

The points ledger has no page of its own: it is append-only, so it shows read-only on each
volunteer's page, where street staff also add an adjustment with its reason.
"""

from .activities import ActivityAdmin, SignupAdmin, SignupInline
from .base import ServiceWritesAdmin, count_of
from .hours import AwaitingConfirmationFilter, HoursImportAdmin, HoursSummaryForm, ServiceRecordAdmin
from .orders import ServiceOrderAdmin, ServiceOrderForm, StaleFilter
from .posts import CommunityCheckInAdmin, PostClaimAdmin, ResponsibilityPostAdmin
from .rewards import RedemptionAdmin, RewardAdmin
from .teams import PointsAdjustmentForm, VolunteerAdmin, VolunteerTeamAdmin, _day

__all__ = [
    "count_of",
    "ServiceWritesAdmin",
    "VolunteerTeamAdmin",
    "PointsAdjustmentForm",
    "VolunteerAdmin",
    "_day",
    "SignupInline",
    "ActivityAdmin",
    "SignupAdmin",
    "HoursSummaryForm",
    "AwaitingConfirmationFilter",
    "ServiceRecordAdmin",
    "HoursImportAdmin",
    "RewardAdmin",
    "RedemptionAdmin",
    "CommunityCheckInAdmin",
    "ResponsibilityPostAdmin",
    "PostClaimAdmin",
    "StaleFilter",
    "ServiceOrderForm",
    "ServiceOrderAdmin",
]
