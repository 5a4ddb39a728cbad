"""点单: residents' service orders at a community's centre, at every stage from submitted to
rated."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from simple_history.utils import bulk_create_with_history

from ..models import ServiceOrder
from .base import AS_OF, CHANGE_REASON, _moment, _person

ORDERS_PER_COMMUNITY = 4

ORDER_NEEDS = (
    ("elderly", "家中老人行动不便，希望志愿者每周上门陪伴聊天"),
    ("repair", "楼道灯坏了很久，希望帮忙联系维修"),
    ("health", "希望社区组织一次血压血糖免费检测"),
    ("legal", "想咨询租房合同纠纷的法律问题"),
    ("children", "暑假期间孩子无人看管，希望有托管服务"),
    ("environment", "小区后巷堆放杂物，希望组织清理"),
)


def _orders(community, center, activities, team, rng, created: Counter) -> None:
    from django.contrib.auth import get_user_model

    if center is None:
        return
    staff = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    rows = []
    for index in range(ORDERS_PER_COMMUNITY):
        category, need = rng.choice(ORDER_NEEDS)
        submitted = _moment(AS_OF - timedelta(days=rng.randint(5, 150)), rng.randint(8, 20))
        order = ServiceOrder(
            center=center,
            street=community.street,
            community=community,
            category=category,
            need=need,
            wanted_when="周末",
            contact_name=_person(rng)[0] + "先生",
            contact_phone=f"1380013{rng.randint(0, 9999):04d}",
            submitted_at=submitted,
            last_action_at=submitted,
            is_demo=True,
            code=f"D{rng.getrandbits(40):010X}",
        )
        stage = index if staff else 0  # 0 submitted, 1 accepted, 2 answered, 3 rated
        if stage >= 1:
            order.status, order.accepted_at, order.accepted_by = "accepted", submitted + timedelta(hours=20), staff
        if stage >= 2:
            order.status, order.answered_at, order.answered_by = "answered", submitted + timedelta(days=2), staff
            order.answer_activity = activities[0]
            order.answer_team = team
            order.answer_note = "已安排党员志愿服务队跟进。"
        if stage >= 3:
            order.status, order.done_at, order.done_by = "rated", submitted + timedelta(days=6), staff
            order.rating, order.rating_comment, order.rated_at = (
                5,
                "志愿者很热心，谢谢！",
                submitted + timedelta(days=7),
            )
        order.last_action_at = order.rated_at or order.answered_at or order.accepted_at or submitted
        rows.append(order)
    bulk_create_with_history(rows, ServiceOrder, default_change_reason=CHANGE_REASON)
    created[ServiceOrder] += len(rows)
