"""双报到 hours: the community that ran the activity confirms them, whoever's volunteer served;
and a batch (confirm or send back several, in the admin, the workspace or the service) is one
transaction: all of it, or nothing and a message naming the record that stopped it."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from organizations.tests.factories import CommunityFactory, DistrictFactory, StreetFactory
from volunteers import selectors, services
from volunteers.models import PointsEntry, ServiceRecord

from .factories import ActivityFactory, VolunteerFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def far_community():
    """A community of another street (西樵镇, another district)."""
    street = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
    return CommunityFactory(street=street, name="西樵社区")


@pytest.fixture
def activity(guihua):
    return ActivityFactory(community=guihua, title="桂花社区环境日", starts_at=at(6, 8), ends_at=at(6, 18))


@pytest.fixture
def served(activity, tongxin, far_community, guihua_secretary):
    """Hours at 桂花社区's activity of a 同心社区 volunteer and of a 西樵镇 volunteer, entered
    by 桂花社区's secretary."""
    people = [VolunteerFactory(community=tongxin, name="同心志愿者"), VolunteerFactory(community=far_community)]
    return [
        services.service_record_add(
            volunteer=person, activity=activity, started_at=at(6, 9), ended_at=at(6, 11), user=guihua_secretary
        )
        for person in people
    ]


def test_the_activitys_secretary_confirms_volunteers_of_another_community_and_street(served, guihua_secretary):
    for record in served:
        services.service_record_confirm(record=record, user=guihua_secretary)

    assert {r.status for r in ServiceRecord.objects.filter(pk__in=[r.pk for r in served])} == {"confirmed"}
    assert PointsEntry.objects.filter(kind="earned", service_record__in=served).count() == 2


def test_the_activitys_secretary_sends_them_back_and_takes_a_confirmation_back(served, guihua_secretary):
    first, second = served
    services.service_record_reject(record=first, user=guihua_secretary, note="时间填错")
    services.service_record_confirm(record=second, user=guihua_secretary)
    services.service_record_unconfirm(record=second, user=guihua_secretary, reason="重复登记")

    assert ServiceRecord.objects.get(pk=first.pk).status == "rejected"
    assert ServiceRecord.objects.get(pk=second.pk).status == "pending"


def test_the_records_wait_in_the_activitys_queue_only(served, guihua_secretary, tongxin_secretary):
    assert set(selectors.pending_records(user=guihua_secretary)) == set(served)
    assert not selectors.pending_records(user=tongxin_secretary).exists()
    with pytest.raises(PermissionDenied):
        services.service_record_confirm(record=served[0], user=tongxin_secretary)


def test_the_workspace_confirms_them_in_a_batch(served, client, guihua_secretary):
    client.force_login(guihua_secretary)

    response = client.post(reverse("workspace:records"), {"records": [r.pk for r in served], "decision": "confirm"})

    assert response.status_code == 302
    assert ServiceRecord.objects.confirmed().count() == 2


def open_check_in(activity, volunteer, user):
    """A record that can be neither confirmed nor sent back: not checked out yet."""
    return services.service_record_check_in(volunteer=volunteer, activity=activity, user=user, at=at(6, 12))


def test_a_batch_confirmation_is_all_or_nothing_and_names_the_record(served, activity, guihua, guihua_secretary):
    stuck = open_check_in(activity, VolunteerFactory(community=guihua, name="未签退的人"), guihua_secretary)

    with pytest.raises(ValidationError) as refusal:
        services.service_records_confirm(records=[served[0], stuck, served[1]], user=guihua_secretary)

    assert "未签退的人" in refusal.value.messages[0] and "尚未签退" in refusal.value.messages[0]
    assert not ServiceRecord.objects.confirmed().exists()
    assert not PointsEntry.objects.exists()


def test_a_batch_rejection_is_all_or_nothing_and_names_the_record(served, activity, guihua, guihua_secretary):
    stuck = open_check_in(activity, VolunteerFactory(community=guihua, name="未签退的人"), guihua_secretary)

    with pytest.raises(ValidationError) as refusal:
        services.service_records_reject(records=[served[0], stuck, served[1]], user=guihua_secretary, note="重填")

    assert "未签退的人" in refusal.value.messages[0]
    assert not ServiceRecord.objects.filter(status="rejected").exists()


def test_the_admins_batch_actions_are_all_or_nothing(served, activity, guihua, guihua_secretary, client):
    stuck = open_check_in(activity, VolunteerFactory(community=guihua, name="未签退的人"), guihua_secretary)
    client.force_login(guihua_secretary)
    changelist = reverse("admin:volunteers_servicerecord_changelist")
    chosen = [served[0].pk, stuck.pk, served[1].pk]

    for action in ("reject", "confirm"):
        response = client.post(changelist, {"action": action, "_selected_action": chosen}, follow=True)
        texts = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("未签退的人" in text for text in texts), texts

    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {"pending"}


def test_the_workspace_batch_is_all_or_nothing(served, guihua_secretary, client):
    # a listed record that cannot be confirmed: its times, written behind the service's back,
    # make it longer than a record may be
    broken = served[1]
    ServiceRecord.objects.filter(pk=broken.pk).update(ended_at=at(7, 20))
    client.force_login(guihua_secretary)

    response = client.post(reverse("workspace:records"), {"records": [r.pk for r in served], "decision": "confirm"})

    assert response.status_code == 400
    assert broken.volunteer.name in response.content.decode()
    assert not ServiceRecord.objects.confirmed().exists()


def test_the_apis_batch_is_all_or_nothing_and_confirms_other_communities_volunteers(served, guihua_secretary):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(guihua_secretary)
    url = reverse("api:service-record-batch")
    broken = ServiceRecord.objects.create(
        volunteer=VolunteerFactory(community=served[0].community, name="时间有误的人"), activity=served[0].activity,
        street=served[0].street, community=served[0].community, started_at=at(7, 9), ended_at=at(8, 20),
    )  # fmt: skip

    refused = api.post(url, {"ids": [served[0].pk, broken.pk], "decision": "confirm"}, format="json")
    no_reason = api.post(url, {"ids": [served[0].pk], "decision": "reject"}, format="json")
    done = api.post(url, {"ids": [r.pk for r in served], "decision": "confirm"}, format="json")

    assert refused.status_code == 400 and "时间有误的人" in str(refused.json())
    assert no_reason.status_code == 400 and "note" in str(no_reason.json())
    assert done.status_code == 200 and done.json() == {"confirmed": 2, "already": 0, "rejected": 0}
    assert ServiceRecord.objects.confirmed().count() == 2
