"""One case per scoped model for ``tests/test_admin_scope.py``.

That test walks ``django.contrib.admin.site._registry``. For every registered model whose default
manager has ``scoped_for`` it takes the case here, makes one record inside 桂花社区 (the
secretary's own) and one inside another community, and proves the 桂花 secretary reaches the
first and nothing of the second through any admin URL. A scoped model registered in the admin
without a case here makes that test fail, naming the model.

Adding a scoped model to an app (``projects``, ``volunteers``, ``indicators`` …): give the app a
factory, then add one line to ``CASES`` below, e.g.::

    from projects.tests.factories import SecretaryProjectFactory

    CASES[SecretaryProject] = Case(lambda community: SecretaryProjectFactory(community=community))

The function takes a ``Community`` and returns a saved record that lies inside it — reached from
it through the model's ``scope_path``. Records above the community level (a district, a street)
are the same for every community of a street, so their case says ``other_street=True`` and the
foreign record is made from a community of another street in another district.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from organizations.models import Community, District, Street
from organizations.tests.factories import IN_COMMUNITY


@dataclass(frozen=True)
class Case:
    make: Callable[[Community], models.Model]
    # The record holds every community of its street: compare with another street, not 同心社区.
    other_street: bool = False


CASES: dict[type[models.Model], Case] = {
    model: Case(make, other_street=model in (District, Street)) for model, make in IN_COMMUNITY.items()
}


# --- projects ------------------------------------------------------------------------------------

from projects.models import ProgressUpdate, SecretaryProject, StaleReminder, WorkItem, WorkPlan  # noqa: E402
from projects.tests.factories import (  # noqa: E402
    ProgressUpdateFactory,
    SecretaryProjectFactory,
    WorkItemFactory,
    WorkPlanFactory,
)

CASES[SecretaryProject] = Case(lambda community: SecretaryProjectFactory(community=community))
CASES[ProgressUpdate] = Case(lambda community: ProgressUpdateFactory(project__community=community))
CASES[StaleReminder] = Case(
    lambda community: StaleReminder.objects.create(
        project=SecretaryProjectFactory(community=community), year=2023, quarter=3, recipients="shuji@example.cn"
    )
)
# The 730 plan is street-level: every community of a street sees its street's plan (read-only for
# a secretary), so the foreign record is made in another street.
CASES[WorkPlan] = Case(lambda community: WorkPlanFactory(street=community.street), other_street=True)
CASES[WorkItem] = Case(lambda community: WorkItemFactory(theme__plan__street=community.street), other_street=True)


# --- indicators ----------------------------------------------------------------------------------

from indicators.models import (  # noqa: E402
    Dimension,
    FollowUpVisit,
    Instructor,
    Mentor,
    Period,
    PublishedFigure,
    Rating,
    RectificationCase,
    Scheme,
    Score,
)
from indicators.tests.factories import (  # noqa: E402
    DimensionFactory,
    FollowUpVisitFactory,
    InstructorFactory,
    MentorFactory,
    PeriodFactory,
    PublishedFigureFactory,
    RatingFactory,
    RectificationCaseFactory,
    SchemeFactory,
    ScoreFactory,
)
from organizations.tests.factories import PartyOrganizationFactory  # noqa: E402


def _period_of(community):
    return PeriodFactory(scheme__street=community.street, scheme__year=2023)


# Scores, ratings and cases reach a community through their subject (a party organisation in it).
CASES[Score] = Case(
    lambda community: ScoreFactory(period=_period_of(community), subject=PartyOrganizationFactory(community=community))
)
CASES[Rating] = Case(
    lambda community: RatingFactory(period=_period_of(community), subject=PartyOrganizationFactory(community=community))
)
CASES[RectificationCase] = Case(
    lambda community: RectificationCaseFactory(subject=PartyOrganizationFactory(community=community))
)
CASES[FollowUpVisit] = Case(
    lambda community: FollowUpVisitFactory(case__subject=PartyOrganizationFactory(community=community))
)
# Schemes, periods, the 导师团, instructors and published figures are the street's: every
# community of a street sees them (secretaries read-only), so the foreign record is in another street.
CASES[Scheme] = Case(lambda community: SchemeFactory(street=community.street), other_street=True)
CASES[Dimension] = Case(lambda community: DimensionFactory(scheme__street=community.street), other_street=True)
CASES[Period] = Case(_period_of, other_street=True)
CASES[Mentor] = Case(lambda community: MentorFactory(street=community.street), other_street=True)
CASES[Instructor] = Case(lambda community: InstructorFactory(street=community.street), other_street=True)
CASES[PublishedFigure] = Case(lambda community: PublishedFigureFactory(street=community.street), other_street=True)

# --- volunteers ----------------------------------------------------------------------------------

from volunteers.models import HoursImport  # noqa: E402
from volunteers.tests.factories import IN_COMMUNITY as VOLUNTEERS_IN_COMMUNITY  # noqa: E402

CASES.update({model: Case(make) for model, make in VOLUNTEERS_IN_COMMUNITY.items()})
# Import jobs are the street's (street staff import files): compare with another street.
CASES[HoursImport] = Case(VOLUNTEERS_IN_COMMUNITY[HoursImport], other_street=True)
