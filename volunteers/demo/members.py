"""What party members take on in their community besides activities: the posts 无职党员 claim
(设岗定责) and the check-ins of members who work elsewhere (在职党员进社区报到)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from simple_history.utils import bulk_create_with_history

from ..models import CommunityCheckIn, PostClaim, ResponsibilityPost
from .base import CHANGE_REASON

POSTS_PER_COMMUNITY = 10  # × up to 6 claims: 2,000+ 无职党员 holding a post (seed 000)
CLAIMS_PER_POST = 6
CHECK_INS_PER_COMMUNITY = 8

POST_TITLES = (
    "楼栋长",
    "环境卫生监督岗",
    "文明劝导岗",
    "政策宣传岗",
    "邻里调解岗",
    "独居长者联络岗",
    "垃圾分类督导岗",
    "消防安全巡查岗",
    "停车秩序劝导岗",
    "网格信息员",
)


def _posts(community, without_post, rng, created: Counter) -> None:
    posts = [
        ResponsibilityPost(
            community=community,
            title=title,
            duties=f"{community.name}{title}：联系群众、发现问题、及时上报。",
            published_on=date(2023, 2, 20),
            is_demo=True,
        )
        for title in POST_TITLES[:POSTS_PER_COMMUNITY]
    ]
    bulk_create_with_history(posts, ResponsibilityPost, default_change_reason=CHANGE_REASON)
    created[ResponsibilityPost] += len(posts)
    posts = list(ResponsibilityPost.objects.filter(community=community, is_demo=True).order_by("title"))
    claims = []
    for index, (member_pk, *_rest) in enumerate(without_post[: len(posts) * CLAIMS_PER_POST]):
        claims.append(
            PostClaim(
                post=posts[index % len(posts)],
                member_id=member_pk,
                claimed_on=date(2023, 3, 1) + timedelta(days=rng.randint(0, 60)),
                is_demo=True,
            )
        )
    bulk_create_with_history(claims, PostClaim, default_change_reason=CHANGE_REASON)
    created[PostClaim] += len(claims)


def _check_ins(community, employed, rng, created: Counter) -> None:
    # Members living here but employed elsewhere: take them from the community's own members, as
    # the demo has no separate place of work (their organisation stands in as the employer).
    taken = set(CommunityCheckIn.objects.active().values_list("member_id", flat=True))
    rows = []
    for member_pk, *_rest in employed[: CHECK_INS_PER_COMMUNITY * 2]:
        if member_pk in taken or len(rows) >= CHECK_INS_PER_COMMUNITY:
            continue
        rows.append(
            CommunityCheckIn(
                member_id=member_pk,
                community=community,
                employer=rng.choice(("南海区某机关", "佛山市某国有企业", "桂城街道某学校", "南海区某医院")),
                registered_on=date(2022, 6, 1) + timedelta(days=rng.randint(0, 300)),
                is_demo=True,
            )
        )
    bulk_create_with_history(rows, CommunityCheckIn, default_change_reason=CHANGE_REASON)
    created[CommunityCheckIn] += len(rows)
