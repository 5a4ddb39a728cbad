"""Joint work of the urban communities: 党群联席会议 with their participants, 共建协议, and the
resource and needs lists."""

from __future__ import annotations

from collections import Counter
from datetime import date

from ..models import CoBuildingAgreement, JointMeeting, Need, Resource
from .base import _URBAN, AS_OF, CHUNK_SIZE, _create, _date_between, _rng, _Street

# JointMeeting, CoBuildingAgreement, Resource and Need have no ``is_demo`` flag, so their text
# says it instead.

_MEETING_TOPICS = (
    "小区停车难", "老旧小区加装电梯", "垃圾分类提质", "老旧小区微改造", "长者饭堂运营", "消防通道畅通",
    "社区环境整治", "青少年暑期托管", "文明城市创建", "防汛防台准备", "楼宇企业用工对接", "电动自行车充电",
)  # fmt: skip
_PARTNER_BRANDS = ("锦程", "嘉和", "恒信", "汇达", "粤华", "南星", "德润", "宏远", "信诚", "荔峰", "新桂", "瑞景")
_PARTNER_KINDS = (
    "物业服务有限公司", "律师事务所", "社会工作服务中心", "社区卫生服务站", "实验学校", "幼儿园",
    "商业银行支行", "供电服务站",
)  # fmt: skip
_RESOURCE_TITLES = (
    "党员活动场地", "法律咨询志愿服务", "义诊和健康讲座", "图书捐赠", "就业岗位信息", "长者助餐补贴",
    "儿童课后托管场地", "消防安全培训", "金融知识讲座", "企业志愿服务队",
)  # fmt: skip
_NEED_TITLES = (
    "小区停车位紧张", "长者助餐", "儿童四点半课堂", "加装电梯协调", "楼道杂物清理", "社区夜间照明",
    "家庭医生签约", "青年就业指导", "公共活动空间", "防诈骗宣传",
)  # fmt: skip


def _write_joint_work(
    plan: _Street, community_ids: dict[str, int], org_ids: dict[str, int], *, history: bool, created: Counter
) -> None:
    """党群联席会议, 共建协议 and the resource and needs lists of every urban community."""
    urban = [c for c in plan.communities if c.kind == _URBAN]
    ids = [community_ids[c.name] for c in urban]
    meetings_done = set(
        JointMeeting.objects.filter(community_id__in=ids).values_list("community_id", "held_on", "title")
    )
    agreements_done = set(
        CoBuildingAgreement.objects.filter(community_id__in=ids).values_list(
            "community_id", "partner_name", "signed_on"
        )
    )
    resources_done = set(Resource.objects.filter(community_id__in=ids).values_list("community_id", "provider", "title"))
    needs_done = set(Need.objects.filter(community_id__in=ids).values_list("community_id", "title", "raised_on"))

    meetings, participants, agreements, resources, needs = [], [], [], [], []
    for community in urban:
        community_id = community_ids[community.name]
        # Every value is drawn whether or not its row exists already, so the stream, and with
        # it every later row, is the same on every run.
        rng = _rng(community.street, community.name, "joint-work")
        grid_branches = [b.name for b in community.branches if b.grid]
        for topic in rng.sample(_MEETING_TOPICS, rng.randint(4, 6)):
            meeting = JointMeeting(
                community_id=community_id,
                held_on=_date_between(rng, date(2022, 7, 1), AS_OF),
                title=f"党群联席会议：{topic}",
                enterprise_count=rng.randint(3, 9),
                representative_count=rng.randint(8, 30),
                minutes=f"社区党组织牵头，召集辖区企业、物业和居民代表共同商议“{topic}”。",
                decisions="形成需求、资源、项目三张清单，明确牵头单位和完成时限。",
                is_demo=True,
            )
            guests = [community.own_org, *rng.sample(grid_branches, min(3, len(grid_branches)))]
            key = (community_id, meeting.held_on, meeting.title)
            if key not in meetings_done:
                meetings.append(meeting)
                participants.append((key, guests))
        partners = [
            f"{brand}{kind}"
            for brand, kind in zip(rng.sample(_PARTNER_BRANDS, 3), rng.sample(_PARTNER_KINDS, 3), strict=True)
        ]
        for partner in partners[:2]:
            signed_on = _date_between(rng, date(2022, 1, 1), date(2023, 3, 31))
            if (community_id, partner, signed_on) not in agreements_done:
                agreements.append(
                    CoBuildingAgreement(
                        community_id=community_id,
                        partner_name=partner,
                        signed_on=signed_on,
                        ends_on=signed_on.replace(year=signed_on.year + 2),
                        content="双方党组织结对共建，共享活动阵地，联合开展志愿服务和民生项目。",
                        is_demo=True,
                    )
                )
        offered = []
        for title in rng.sample(_RESOURCE_TITLES, 3):
            resource = Resource(
                community_id=community_id,
                provider=rng.choice(partners),
                title=title,
                description="由共建单位提供，社区统筹使用。",
                is_demo=True,
                listed_on=_date_between(rng, date(2023, 1, 1), AS_OF),
            )
            offered.append((resource.provider, title))
            if (community_id, resource.provider, title) not in resources_done:
                resources.append(resource)
        for title, status in zip(
            rng.sample(_NEED_TITLES, 3), (Need.Status.DONE, Need.Status.MATCHED, Need.Status.OPEN), strict=True
        ):
            raised_on = _date_between(rng, date(2023, 1, 1), AS_OF)
            match = None if status == Need.Status.OPEN else rng.choice(offered)
            if (community_id, title, raised_on) not in needs_done:
                needs.append((community_id, title, raised_on, status, match))

    _create(JointMeeting, meetings, history=history, created=created)
    if participants:
        meeting_ids = {
            (community_id, held_on, title): pk
            for pk, community_id, held_on, title in JointMeeting.objects.filter(community_id__in=ids).values_list(
                "pk", "community_id", "held_on", "title"
            )
        }
        through = JointMeeting.participant_organizations.through
        through.objects.bulk_create(
            [
                through(jointmeeting_id=meeting_ids[key], partyorganization_id=org_ids[name])
                for key, guests in participants
                for name in guests
            ],
            batch_size=CHUNK_SIZE,
            ignore_conflicts=True,
        )
    _create(CoBuildingAgreement, agreements, history=history, created=created)
    _create(Resource, resources, history=history, created=created)
    resource_ids = {
        (community_id, provider, title): pk
        for pk, community_id, provider, title in Resource.objects.filter(community_id__in=ids).values_list(
            "pk", "community_id", "provider", "title"
        )
    }
    _create(
        Need,
        [
            Need(
                community_id=community_id,
                title=title,
                description="居民在党群联席会议上提出。",
                is_demo=True,
                raised_on=raised_on,
                status=status,
                matched_resource_id=resource_ids[(community_id, *match)] if match else None,
            )
            for community_id, title, raised_on, status, match in needs
        ],
        history=history,
        created=created,
    )
