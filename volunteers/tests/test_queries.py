"""Query counts stay flat: every changelist of the volunteers admin and every selector costs
the same at 2 rows as at 50."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organizations.scope import scope_of
from volunteers import selectors, services
from volunteers.models import (
    Activity,
    CommunityCheckIn,
    HoursImport,
    PostClaim,
    Redemption,
    ResponsibilityPost,
    Reward,
    ServiceOrder,
    ServiceRecord,
    Signup,
    Volunteer,
    VolunteerTeam,
)

from .factories import (
    IN_COMMUNITY,
    ActivityFactory,
    CommunityCheckInFactory,
    RewardFactory,
    ServiceRecordFactory,
    SignupFactory,
    VolunteerFactory,
    at,
)

pytestmark = pytest.mark.django_db
SIZES = (2, 50)


def count_queries(run) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured), [q["sql"] for q in captured]


def flat(build, run) -> int:
    counts, made = [], 0
    for size in SIZES:
        build(size - made)
        made = size
        counts.append(count_queries(run))
    (small, _), (big, big_sql) = counts
    assert small == big, "\n".join(big_sql)
    return small


# Every changelist as street staff: user, staff scope, user and group permissions (4), then the
# page's own: COUNT for the paginator and the page (joins and correlated counts inside it), plus
# what its filters and date hierarchy ask.
BASE = 4
CHANGELISTS = [
    (VolunteerTeam, BASE + 2),  # COUNT, page (community, centre, leader joined, member count inline)
    (Volunteer, BASE + 2),  # COUNT, page
    (Activity, BASE + 4),  # COUNT, page (places taken inline), date hierarchy min/max and its years
    (Signup, BASE + 2),  # COUNT, page
    (ServiceRecord, BASE + 4),  # COUNT, page, date hierarchy min/max and years
    (Reward, BASE + 2),
    (Redemption, BASE + 2),
    (CommunityCheckIn, BASE + 2),  # COUNT, page (the 结束日期 filter asks nothing)
    (ResponsibilityPost, BASE + 2),  # COUNT, page (claims counted inline)
    (PostClaim, BASE + 2),  # COUNT, page
    (ServiceOrder, BASE + 4),  # COUNT, page, date hierarchy min/max and its years
    (HoursImport, BASE + 2),
]


@pytest.mark.parametrize(("model", "expected"), CHANGELISTS, ids=lambda v: getattr(v, "__name__", ""))
def test_changelists_are_flat(street_client, guihua, model, expected):
    url = reverse(f"admin:volunteers_{model._meta.model_name}_changelist")

    def build(n):
        for _ in range(n):
            IN_COMMUNITY[model](guihua)

    def run():
        response = street_client.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) in SIZES

    assert flat(build, run) == expected


def test_public_and_volunteer_selectors_are_flat(guihua, street_staff):
    volunteer = VolunteerFactory(community=guihua)
    shown = []

    def build(n):
        for _ in range(n):
            activity = ActivityFactory(community=guihua, team=None)
            SignupFactory(activity=activity, volunteer=volunteer)
            start = at(1, 8) + timedelta(hours=3 * ServiceRecord.objects.count())
            record = services.service_record_add(
                volunteer=volunteer, activity=activity, started_at=start, ended_at=start + timedelta(hours=2),
                user=street_staff,
            )  # fmt: skip
            services.service_record_confirm(record=record, user=street_staff)
            RewardFactory(community=guihua, street=guihua.street)

    def run():
        shown.clear()
        for activity in selectors.activities_upcoming(street_id=guihua.street_id):  # 1
            shown.append((activity.title, selectors.free_places(activity), activity.center, activity.team))
        for signup in selectors.volunteer_signups(volunteer=volunteer):  # 1
            shown.append((signup.activity.title, signup.activity.center))
        for record in selectors.volunteer_records(volunteer=volunteer):  # 1
            shown.append((record.content, record.hours))
        for entry in selectors.points_ledger(volunteer=volunteer):  # 1
            shown.append((entry.points, entry.service_record.content if entry.service_record else ""))
        shown.append(selectors.points_balance(volunteer=volunteer))  # 1
        shown.append(selectors.volunteer_hours(volunteer=volunteer, year=2023))  # 1
        shown.extend(reward.name for reward in selectors.rewards_for(volunteer=volunteer))  # 1 (community known)
        certificate = selectors.certificate(volunteer=volunteer)  # 2: volunteer with street, records
        shown.extend((r.content, r.activity.organiser_name) for r in certificate.records)

    assert flat(build, run) == 9
    assert len(shown) > 200


def test_staff_selectors_and_summaries_are_flat(guihua, street_staff):
    scope_of(street_staff)  # read once per request in real use, then cached on the user

    def build(n):
        for _ in range(n):
            ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua))
            IN_COMMUNITY[ServiceOrder](guihua)
            CommunityCheckInFactory(community=guihua)

    def run():
        [(r.volunteer.name, r.content, r.community.name) for r in selectors.pending_records(user=street_staff)]
        [(o.center.name, o.community) for o in selectors.open_orders(user=street_staff)]
        list(selectors.stale_orders(user=street_staff, now=timezone.now() + timedelta(days=30)))
        for by in selectors.SUMMARY_GROUPS:
            selectors.hours_summary(ServiceRecord.objects.all(), by=by)
        for check_in in CommunityCheckIn.objects.select_related("member", "community"):
            selectors.thank_you_letter(check_in=check_in, year=2023)
            break

    # pending, open, stale, four summaries, check-ins, one letter's records
    assert flat(build, run) == 9
