"""Unit tests of the one scope rule: ``scope_of``, ``communities_for`` and ``scoped_for``."""

import pytest
from django.contrib.auth.models import AnonymousUser

from organizations.models import Community, District, PartyOrganization, StaffScope, Street
from organizations.scope import NOTHING, Scope, acts_on_whole_street, can, communities_for, scope_of

from .factories import (
    IN_COMMUNITY,
    CommunityFactory,
    PartyOrganizationFactory,
    StaffScopeFactory,
    StreetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def streets():
    """Two streets in two districts; each has two communities and a street-level 党工委."""
    guicheng, dali = StreetFactory(name="桂城街道"), StreetFactory(name="大沥镇")
    world = {
        "guicheng": guicheng,
        "dali": dali,
        "guihua": CommunityFactory(street=guicheng, name="桂花社区"),
        "tongxin": CommunityFactory(street=guicheng, name="同心社区"),
        "dali_community": CommunityFactory(street=dali, name="大沥社区"),
        "dali_other": CommunityFactory(street=dali, name="黄岐社区"),
    }
    world["guicheng_committee"] = PartyOrganizationFactory(street=guicheng, name="桂城街道党工委", street_level=True)
    world["dali_committee"] = PartyOrganizationFactory(street=dali, name="大沥镇党委", street_level=True)
    return world


def street_staff_of(street):
    return StaffScopeFactory(street=street, whole_street=True).user


def secretary_of(*communities):
    return StaffScopeFactory(street=communities[0].street, communities=list(communities)).user


def test_superuser_acts_on_everything(streets):
    user = UserFactory(is_superuser=True)

    assert scope_of(user) == Scope(everything=True)
    assert communities_for(user) is None
    assert acts_on_whole_street(user)
    assert Community.objects.scoped_for(user).count() == 4
    assert PartyOrganization.objects.scoped_for(user).count() == 2
    assert Street.objects.scoped_for(user).count() == 2


def test_street_staff_act_on_their_street_only(streets):
    user = street_staff_of(streets["guicheng"])

    assert scope_of(user) == Scope(street_id=streets["guicheng"].pk)
    assert acts_on_whole_street(user)
    assert set(communities_for(user)) == {streets["guihua"], streets["tongxin"]}
    assert set(Community.objects.scoped_for(user)) == {streets["guihua"], streets["tongxin"]}
    assert list(Street.objects.scoped_for(user)) == [streets["guicheng"]]
    assert list(District.objects.scoped_for(user)) == [streets["guicheng"].district]


def test_street_level_records_are_for_street_staff_not_secretaries(streets):
    staff = street_staff_of(streets["guicheng"])
    secretary = secretary_of(streets["guihua"])
    own_branch = PartyOrganizationFactory(community=streets["guihua"])

    assert set(PartyOrganization.objects.scoped_for(staff)) == {streets["guicheng_committee"], own_branch}
    assert list(PartyOrganization.objects.scoped_for(secretary)) == [own_branch]


def test_secretary_acts_on_their_communities_only(streets):
    user = secretary_of(streets["guihua"], streets["tongxin"])

    assert set(scope_of(user).community_ids) == {streets["guihua"].pk, streets["tongxin"].pk}
    assert not acts_on_whole_street(user)
    assert set(communities_for(user)) == {streets["guihua"], streets["tongxin"]}
    assert set(Community.objects.scoped_for(user)) == {streets["guihua"], streets["tongxin"]}
    # Their street (and district) is visible, read-only by permission; another street is not.
    assert set(Street.objects.scoped_for(user)) == {streets["guicheng"]}


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda s: AnonymousUser(), id="anonymous"),
        pytest.param(lambda s: UserFactory(), id="staff-without-scope"),
        pytest.param(
            lambda s: StaffScopeFactory(street=s["guicheng"], whole_street=True, user__is_active=False).user,
            id="inactive",
        ),
        pytest.param(lambda s: StaffScopeFactory().user, id="scope-with-no-community"),
        pytest.param(
            lambda s: StaffScopeFactory(street=s["guicheng"], whole_street=True, user__is_staff=False).user,
            id="demoted-keeps-their-staffscope-row",
        ),
    ],
)
def test_users_without_a_scope_act_on_nothing(streets, make_user):
    user = make_user(streets)

    assert scope_of(user) == NOTHING
    assert not acts_on_whole_street(user)
    assert not communities_for(user).exists()
    assert not Community.objects.scoped_for(user).exists()
    assert not PartyOrganization.objects.scoped_for(user).exists()
    assert not Street.objects.scoped_for(user).exists()


def test_inactive_superuser_acts_on_nothing(streets):
    user = UserFactory(is_superuser=True, is_active=False)

    assert scope_of(user) == NOTHING
    assert not Community.objects.scoped_for(user).exists()


def test_scope_is_read_once_per_user_object(streets, django_assert_num_queries):
    user = secretary_of(streets["guihua"])
    fresh = type(user).objects.get(pk=user.pk)

    # StaffScope, then its communities.
    with django_assert_num_queries(2):
        scope_of(fresh)
    with django_assert_num_queries(0):
        scope_of(fresh)


def test_scope_across_a_to_many_path_repeats_no_row(streets):
    # A district reaches its communities through two to-many relations; one row each all the same.
    CommunityFactory.create_batch(3, street=streets["guicheng"])
    staff = street_staff_of(streets["guicheng"])
    secretary = secretary_of(streets["guihua"], streets["tongxin"])

    assert District.objects.scoped_for(staff).count() == 1
    assert District.objects.scoped_for(secretary).count() == 1
    assert Street.objects.scoped_for(secretary).count() == 1
    assert StaffScope.objects.scoped_for(secretary).count() == 1


@pytest.mark.parametrize(
    "model",
    list(IN_COMMUNITY),
    ids=lambda model: model._meta.label,
)
def test_each_scoped_model_reaches_its_community_and_street(streets, model):
    # given a record in 桂花, one in 同心 and one in another street (and district)
    make = IN_COMMUNITY[model]
    own, neighbour, far = make(streets["guihua"]), make(streets["tongxin"]), make(streets["dali_community"])
    secretary = secretary_of(streets["guihua"])
    staff = street_staff_of(streets["guicheng"])

    # when
    seen_by_secretary = set(model._default_manager.scoped_for(secretary).values_list("pk", flat=True))
    seen_by_staff = set(model._default_manager.scoped_for(staff).values_list("pk", flat=True))

    # then
    assert own.pk in seen_by_secretary
    assert far.pk not in seen_by_secretary
    if neighbour.pk != own.pk:  # a district and a street hold both communities
        assert neighbour.pk not in seen_by_secretary
    assert {own.pk, neighbour.pk} <= seen_by_staff
    assert far.pk not in seen_by_staff


def test_scope_form_keeps_communities_inside_the_street(admin_client, streets):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from organizations.models import StaffScope

    user = get_user_model().objects.create_user("newsec", password="x-Pass-2023!", is_staff=True)
    url = reverse("admin:organizations_staffscope_add")
    base = {"user": user.pk, "street": streets["guicheng"].pk}

    outside = admin_client.post(url, base | {"communities": [streets["dali_community"].pk]})
    none = admin_client.post(url, base)
    both = admin_client.post(url, base | {"whole_street": "on", "communities": [streets["guihua"].pk]})

    assert "不属于" in str(outside.context["adminform"].form.errors)
    assert "至少选择一个社区" in str(none.context["adminform"].form.errors)
    assert "不再单独选择社区" in str(both.context["adminform"].form.errors)
    assert not StaffScope.objects.filter(user=user).exists()
    ok = admin_client.post(url, base | {"communities": [streets["guihua"].pk]})
    assert ok.status_code == 302
    assert list(StaffScope.objects.get(user=user).communities.all()) == [streets["guihua"]]


# --- can(user, permission, obj): the model permission and the scope together -------------------


def _grant(user, *codenames):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)  # a fresh object: Django caches permissions


def test_can_needs_the_permission_and_the_scope(streets):
    secretary = _grant(secretary_of(streets["guihua"]), "change_partyorganization", "view_grid")
    mine, theirs = (
        PartyOrganizationFactory(community=streets["guihua"]),
        PartyOrganizationFactory(community=streets["tongxin"]),
    )

    assert can(secretary, "organizations.change_partyorganization", mine)
    assert not can(secretary, "organizations.change_partyorganization", theirs)  # out of scope
    assert not can(secretary, "organizations.change_grid")  # view only
    assert not can(secretary, "organizations.change_partyorganization", streets["guicheng_committee"])
    # a record about to be moved out of the scope, or created outside it
    mine.community = streets["tongxin"]
    assert not can(secretary, "organizations.change_partyorganization", mine)
    new = PartyOrganization(community=streets["tongxin"], street=streets["guicheng"], name="新支部")
    assert not can(secretary, "organizations.change_partyorganization", new)
    new.community = streets["guihua"]
    assert can(secretary, "organizations.change_partyorganization", new)


def test_can_refuses_a_demoted_user_whatever_their_permissions(streets):
    staff = _grant(street_staff_of(streets["guicheng"]), "change_partyorganization")
    branch = PartyOrganizationFactory(community=streets["guihua"])
    assert can(staff, "organizations.change_partyorganization", branch)

    staff.is_staff = False
    staff.save()
    staff = type(staff).objects.get(pk=staff.pk)

    assert not can(staff, "organizations.change_partyorganization", branch)
    assert not can(staff, "organizations.change_partyorganization")


def test_organization_services_check_the_scope_on_creation(streets):
    from django.core.exceptions import PermissionDenied

    from organizations.models import Grid
    from organizations.services import grid_save, party_organization_save

    secretary = _grant(secretary_of(streets["guihua"]), "add_grid", "add_partyorganization")
    outside = PartyOrganization(community=streets["tongxin"], street=streets["guicheng"], name="越权支部")
    with pytest.raises(PermissionDenied):
        party_organization_save(organization=outside, user=secretary)
    with pytest.raises(PermissionDenied):
        grid_save(grid=Grid(community=streets["tongxin"], name="越权网格", level=1), user=secretary)
    assert not PartyOrganization.objects.filter(name="越权支部").exists()
    assert not Grid.objects.filter(name="越权网格").exists()
