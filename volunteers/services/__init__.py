"""Writes of the volunteers app, for the admin, the public site, the workspace and the API alike.

Every function takes the acting ``user`` explicitly, validates with ``full_clean()`` and runs in
one transaction. Rows that a concurrent request could race for are locked first, always in the
same order (volunteer, then activity, then its sign-ups / record / reward / post), so two
requests wait for each other instead of both taking the last place, the last gift or the last
points, and never deadlock by taking two rows in opposite orders:

- a sign-up locks its activity and counts the places held;
- a redemption locks the volunteer (the balance) and takes the stock with a conditional UPDATE;
- a confirmation locks the record; its points entry is unique per confirmation.

Staff act on records in their scope (``scoped_for``); a volunteer acts on their own sign-ups and
redemptions through the login linked to their volunteer record.
"""

# One module per sub-domain; every service is re-exported here, so callers keep writing
# ``from volunteers import services`` and ``services.signup_register(...)``.
from ._common import HOURS_REFUSAL, ORDERS_REFUSAL, acts_for
from .accounts import volunteer_account_register
from .checkins import community_check_in
from .hours import (
    overlap_check,
    overlap_message,
    overlapping,
    service_record_add,
    service_record_change,
    service_record_check_in,
    service_record_check_out,
    service_record_confirm,
    service_record_reject,
    service_record_unconfirm,
    service_records_confirm,
    service_records_reject,
)
from .hours_import import (
    IMPORT_CHUNK,
    RUNNING_IMPORT,
    hours_import_confirm,
    hours_import_is_stuck,
    hours_import_preview,
    hours_import_rerun,
    hours_import_run,
    hours_import_start,
)
from .hours_staging import overlapping_any
from .ledger import points_adjust, points_for, redemption_cancel, redemption_hand_over, reward_redeem
from .orders import (
    secrets_equal,
    service_order_accept,
    service_order_answer,
    service_order_decline,
    service_order_done,
    service_order_rate,
    service_order_submit,
)
from .posts import post_claim, post_claim_end
from .signups import activity_save, signup_cancel, signup_delete, signup_mark, signup_register
from .teams import NUMBER_PREFIX, team_save, volunteer_save

__all__ = [
    "HOURS_REFUSAL",
    "ORDERS_REFUSAL",
    "acts_for",
    "NUMBER_PREFIX",
    "volunteer_save",
    "team_save",
    "volunteer_account_register",
    "activity_save",
    "signup_register",
    "signup_cancel",
    "signup_delete",
    "signup_mark",
    "overlapping",
    "overlap_message",
    "overlap_check",
    "service_record_add",
    "service_record_check_in",
    "service_record_check_out",
    "service_record_change",
    "service_record_confirm",
    "service_record_unconfirm",
    "service_record_reject",
    "service_records_confirm",
    "service_records_reject",
    "points_for",
    "points_adjust",
    "reward_redeem",
    "redemption_hand_over",
    "redemption_cancel",
    "community_check_in",
    "post_claim",
    "post_claim_end",
    "service_order_submit",
    "service_order_accept",
    "service_order_answer",
    "service_order_done",
    "service_order_decline",
    "service_order_rate",
    "secrets_equal",
    "hours_import_start",
    "hours_import_confirm",
    "hours_import_preview",
    "IMPORT_CHUNK",
    "overlapping_any",
    "RUNNING_IMPORT",
    "hours_import_is_stuck",
    "hours_import_run",
    "hours_import_rerun",
]
