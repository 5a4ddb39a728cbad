"""The volunteers admin from the outside: every page opens for each role, writes go through the
services (waitlist, confirmation, points, order steps), and the print pages and exports keep to
the scope."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse

from organizations.tests.factories import ServiceCenterFactory
from volunteers import selectors, services
from volunteers.apps import SECRETARY_PERMISSIONS
from volunteers.models import PointsEntry, ServiceOrder, ServiceRecord, Signup

from .factories import (
    IN_COMMUNITY,
    ActivityFactory,
    CommunityCheckInFactory,
    ServiceRecordFactory,
    VolunteerFactory,
    VolunteerTeamFactory,
    at,
)

pytestmark = pytest.mark.django_db
MODELS = [model for model in admin.site._registry if model._meta.app_label == "volunteers"]


def url(model, view, *args):
    return reverse(f"admin:volunteers_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", ["street_client", "guihua_client"])
def test_every_page_opens(request, role, model, guihua):
    client = request.getfixturevalue(role)
    record = IN_COMMUNITY[model](guihua)
    # A secretary sees what their role lists (apps.py); import jobs are the street's.
    listed = 200 if role == "street_client" or model._meta.label_lower in SECRETARY_PERMISSIONS else 403

    assert client.get(url(model, "changelist")).status_code == listed
    assert client.get(url(model, "changelist"), {"q": "测试"}).status_code == listed
    assert client.get(url(model, "change", record.pk)).status_code in (200, 403)
    add = client.get(url(model, "add")).status_code
    assert add in (200, 403)
    if role == "street_client":
        assert client.get(url(model, "change", record.pk)).status_code == 200


def test_the_private_fields_stay_off_the_lists(street_client, guihua):
    VolunteerFactory(community=guihua, phone="13912345678", id_number="44069919800101001X")
    IN_COMMUNITY[ServiceOrder](guihua)
    for model in (type(VolunteerFactory.build()), ServiceOrder):
        page = street_client.get(url(model, "changelist")).content.decode()
        assert "13912345678" not in page and "13800138000" not in page and "44069919800101001X" not in page


def test_an_admin_signup_joins_the_waitlist_when_full(guihua_client, guihua):
    activity = ActivityFactory(community=guihua, capacity=1)
    first, second = VolunteerFactory.create_batch(2, community=guihua)

    for volunteer in (first, second):
        response = guihua_client.post(url(Signup, "add"), {"activity": activity.pk, "volunteer": volunteer.pk})
        assert response.status_code == 302

    assert list(Signup.objects.order_by("pk").values_list("status", flat=True)) == ["registered", "waitlisted"]
    # cancelling through the action promotes the waitlisted one
    guihua_client.post(
        url(Signup, "changelist"), {"action": "cancel", "_selected_action": [Signup.objects.get(volunteer=first).pk]}
    )
    assert Signup.objects.get(volunteer=second).status == "registered"


def test_batch_confirmation_credits_points_once(guihua_client, guihua):
    records = [ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua)) for _ in range(3)]
    data = {"action": "confirm", "_selected_action": [r.pk for r in records]}

    guihua_client.post(url(ServiceRecord, "changelist"), data)
    guihua_client.post(url(ServiceRecord, "changelist"), data)

    assert ServiceRecord.objects.confirmed().count() == 3
    assert PointsEntry.objects.filter(kind="earned").count() == 3


def test_a_staff_entered_overlap_is_a_form_message_not_a_500(guihua_client, guihua):
    volunteer = VolunteerFactory(community=guihua)
    ServiceRecordFactory(volunteer=volunteer, started_at=at(3, 9), ended_at=at(3, 11))
    response = guihua_client.post(
        url(ServiceRecord, "add"),
        {
            "volunteer": volunteer.pk,
            "description": "值守",
            "started_at_0": "2023-05-03",
            "started_at_1": "10:00",
            "ended_at_0": "2023-05-03",
            "ended_at_1": "12:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "重叠" in response.content.decode()
    assert ServiceRecord.objects.count() == 1


def test_certificate_and_letter_print_for_own_records_only(guihua_client, guihua, tongxin, street_staff):
    # given a confirmed record of a 桂花 member volunteer who checked in there, and a 同心 volunteer
    check_in = CommunityCheckInFactory(community=guihua)
    volunteer = VolunteerFactory(
        community=guihua, member=check_in.member, kind="member", id_number="44069919800101001X"
    )
    record = services.service_record_add(
        volunteer=volunteer, started_at=at(3, 9), ended_at=at(3, 12), description="义诊", user=street_staff
    )
    services.service_record_confirm(record=record, user=street_staff)
    other = VolunteerFactory(community=tongxin)

    page = guihua_client.get(reverse("admin:volunteers_volunteer_certificate", args=[volunteer.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "志愿服务证明" in text and "3.00" in text and "义诊" in text and volunteer.number in text
    assert "440699********001X" in text and "44069919800101001X" not in text
    assert guihua_client.get(reverse("admin:volunteers_volunteer_certificate", args=[other.pk])).status_code == 404

    letter = guihua_client.get(reverse("admin:volunteers_communitycheckin_letter", args=[check_in.pk]), {"year": 2023})
    assert letter.status_code == 200 and "3.00" in letter.content.decode()
    foreign = CommunityCheckInFactory(community=tongxin)
    assert guihua_client.get(reverse("admin:volunteers_communitycheckin_letter", args=[foreign.pk])).status_code == 404


def test_summary_export_keeps_to_the_scope(guihua_client, guihua, tongxin, street_staff):
    for community, hours in ((guihua, 2), (tongxin, 5)):
        record = services.service_record_add(
            volunteer=VolunteerFactory(community=community), started_at=at(3, 9),
            ended_at=at(3, 9) + timedelta(hours=hours), description="值守", user=street_staff,
        )  # fmt: skip
        services.service_record_confirm(record=record, user=street_staff)

    response = guihua_client.get(
        reverse("admin:volunteers_servicerecord_summary"),
        {"by": "community", "start": "2023-01-01", "end": "2023-12-31"},
    )

    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[2] == ("桂花社区", 1, 1, 2.0)
    assert len(rows) == 3
    assert guihua_client.get(reverse("admin:volunteers_servicerecord_summary")).status_code == 200  # the form


def test_points_page_shows_the_ledger_and_only_street_staff_adjust(street_client, guihua, guihua_secretary, client):
    volunteer = VolunteerFactory(community=guihua)
    page = reverse("admin:volunteers_volunteer_points", args=[volunteer.pk])

    response = street_client.post(page, {"points": 30, "reason": "补录2022年服务积分"})
    assert response.status_code == 302
    assert selectors.points_balance(volunteer=volunteer) == 30
    assert "补录2022年服务积分" in street_client.get(page).content.decode()

    client.force_login(guihua_secretary)
    assert client.get(page).status_code == 200
    assert client.post(page, {"points": 30, "reason": "x"}).status_code == 403
    assert selectors.points_balance(volunteer=volunteer) == 30


def test_an_order_is_worked_through_the_change_form(guihua_client, guihua):
    center = ServiceCenterFactory(community=guihua, street=guihua.street)
    order = services.service_order_submit(
        center=center, category="repair", need="楼道灯坏了", contact_name="黄女士", contact_phone="13800138000"
    )
    team = VolunteerTeamFactory(community=guihua)
    change = url(ServiceOrder, "change", order.pk)

    assert guihua_client.post(change, {"step": "accept"}).status_code == 302
    assert (
        guihua_client.post(change, {"step": "answer", "answer_team": team.pk, "answer_note": "周六上门"}).status_code
        == 302
    )
    refused = guihua_client.post(change, {"step": "accept"}, follow=True)  # a step out of order
    assert "不能执行这一步" in refused.content.decode()
    order.refresh_from_db()
    assert (order.status, order.answer_team, order.answered_by.username) == ("answered", team, "guihua")
