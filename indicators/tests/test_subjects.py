"""Which organisations a scheme rates: the ``Q`` and the predicate agree."""

import pytest

from indicators.subjects import SubjectKind, is_subject, subjects_q
from organizations.models import PartyOrganization
from organizations.tests.factories import CommunityFactory, PartyOrganizationFactory

from .factories import society_branch

pytestmark = pytest.mark.django_db


def test_q_and_predicate_agree(street):
    rural = CommunityFactory(street=street, rural=True)
    urban = CommunityFactory(street=street)
    working = PartyOrganizationFactory(street_level=True, street=street)
    branch = society_branch(rural)
    own = PartyOrganization.objects.get(pk=branch.parent_id)  # the community's own committee
    PartyOrganizationFactory(community=urban, parent=working)  # an urban community's own
    PartyOrganizationFactory(community=urban, parent=own, kind="branch", field="compound")  # a compound branch: neither
    PartyOrganizationFactory(community=rural, parent=own, kind="branch", field="rural")  # a branch with no society
    organizations = list(PartyOrganization.objects.select_related("parent"))

    for kind in SubjectKind.values:
        in_sql = set(PartyOrganization.objects.filter(subjects_q(kind)).values_list("pk", flat=True))
        in_python = {org.pk for org in organizations if is_subject(org, kind)}
        assert in_sql == in_python, kind
    assert set(PartyOrganization.objects.filter(subjects_q(SubjectKind.SOCIETY_BRANCH))) == {branch}
    assert own in PartyOrganization.objects.filter(subjects_q(SubjectKind.COMMUNITY))
