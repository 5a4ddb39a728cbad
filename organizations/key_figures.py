"""The key figures (数读) of ``organizations``: the table ``FIGURES``, registered by
``OrganizationsConfig.ready()``. Each counts records of one street and links to the admin list
of exactly the records it counts, and to its column on the public 数读明细 page; its ``demo``
says whether any record it counts is 演示数据 (one EXISTS query)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.registry import Figure, admin_list, on_figures_page

from .models import (
    Community,
    EconomicSociety,
    Grid,
    JointMeeting,
    PartyMember,
    PartyOrganization,
    Position,
    ServiceCenter,
)
from .selectors import COMMUNITY_FIELDS, one_shoulder_summary


def _ids(queryset) -> str:
    """Ids for an ``__in`` lookup: the organizations admins filter by one relation only (a
    street two relations away is not a lookup they allow), so a street's records are named by
    their communities or organisations."""
    return ",".join(str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))


def _community_ids(street) -> str:
    return _ids(Community.objects.filter(street=street))


def _this_year() -> int:
    # TIME_ZONE is Asia/Shanghai: the local date is Beijing's.
    return timezone.localdate().year


def _communities(street):
    return Community.objects.filter(street=street)


def _demo(queryset) -> bool:
    return queryset.filter(is_demo=True).exists()


def _grids(level: int):
    def compute(street) -> int:
        return Grid.objects.filter(community__street=street, level=level).count()

    def demo(street) -> bool:
        return _demo(Grid.objects.filter(community__street=street, level=level))

    def admin_url(street) -> str:
        return admin_list("organizations.Grid", community__in=_community_ids(street), level__exact=level)

    return compute, demo, admin_url


def _one_shoulder(street) -> dict:
    return one_shoulder_summary(_communities(street))


def _one_shoulder_count(street) -> int | None:
    summary = _one_shoulder(street)
    return summary["count"] if summary["total"] else None


def _one_shoulder_rate(street) -> int | None:
    summary = _one_shoulder(street)
    return summary["rate"] if summary["total"] else None


def _one_shoulder_demo(street) -> bool:
    """A rural community counted, or a current 书记 or 主任 post of one, is demo (one query)."""
    demo_post = Position.objects.current().filter(
        role__in=(Position.Role.SECRETARY, Position.Role.DIRECTOR), community=OuterRef("pk"), is_demo=True
    )
    return _communities(street).rural().filter(Q(is_demo=True) | Exists(demo_post)).exists()


def _cross_appointment_demo(street) -> bool:
    return _demo(
        Position.objects.current().filter(
            role__in=(Position.Role.DIRECTOR, *Position.PARTY_ROLES), community__street=street
        )
    )


def _cross_appointment_rate(street) -> Decimal | None:
    """班子交叉任职率: of the current 居（村）委会主任 of the street's communities, the share who
    also hold a current post (书记、副书记、委员) in the party organisation of the same
    community. The residents' committees' other members are not recorded, so the rate is taken
    over the directors; with no director recorded it cannot be computed."""
    directors = Position.objects.current().filter(
        role=Position.Role.DIRECTOR, community__street=street, community__isnull=False
    )
    party_post = Position.objects.current().filter(
        role__in=Position.PARTY_ROLES,
        person=OuterRef("person"),
        organization__community=OuterRef("community"),
        organization__field__in=COMMUNITY_FIELDS,
    )
    total = directors.count()
    if not total:
        return None
    crossed = directors.filter(Exists(party_post)).count()
    return (Decimal(crossed * 100) / total).quantize(Decimal("0.1"))


def _centres_of_communities(street) -> int:
    return (
        _communities(street)
        .filter(Exists(ServiceCenter.objects.filter(community=OuterRef("pk"), level=ServiceCenter.Level.COMMUNITY)))
        .count()
    )


def _centres_of_communities_demo(street) -> bool:
    """A community counted is demo (the centres' own records are real places with demo details:
    their addresses and hours, which the figure does not count)."""
    return _demo(
        _communities(street).filter(
            Exists(ServiceCenter.objects.filter(community=OuterRef("pk"), level=ServiceCenter.Level.COMMUNITY))
        )
    )


def _joint_meetings_this_year(street) -> int:
    return JointMeeting.objects.filter(community__street=street, held_on__year=_this_year()).count()


def _joint_meetings_this_year_demo(street) -> bool:
    return _demo(JointMeeting.objects.filter(community__street=street, held_on__year=_this_year()))


def _communities_with_joint_meetings(street) -> int:
    return _communities(street).urban().filter(Exists(JointMeeting.objects.filter(community=OuterRef("pk")))).count()


def _joint_meeting_communities_demo(street) -> bool:
    return _demo(JointMeeting.objects.filter(community__in=_communities(street).urban()))


def _fully_covered(street):
    return EconomicSociety.objects.filter(community__street=street).filter(
        Exists(PartyOrganization.objects.filter(economic_society=OuterRef("pk"), kind=PartyOrganization.Kind.BRANCH)),
        Exists(
            ServiceCenter.objects.filter(economic_society=OuterRef("pk"), level=ServiceCenter.Level.ECONOMIC_SOCIETY)
        ),
    )


def _societies_fully_covered(street) -> int:
    """一社一支部一阵地 (730 item 3.4): economic societies with a party branch of their own and
    a 经济社党建阵地 of their own."""
    return _fully_covered(street).count()


def _societies_fully_covered_demo(street) -> bool:
    """A society counted, or the branch that makes it count, is demo (its 阵地's details are
    demo in the reference data, its existence is not)."""
    return (
        _fully_covered(street)
        .filter(
            Q(is_demo=True)
            | Exists(
                PartyOrganization.objects.filter(
                    economic_society=OuterRef("pk"), kind=PartyOrganization.Kind.BRANCH, is_demo=True
                )
            )
        )
        .exists()
    )


GRID_LEVELS = {
    1: "每个社区是一个一级网格",
    2: "居民小组、物业小区、商圈楼宇",
    3: "党小组长、无职领岗党员、党员楼长或志愿服务队的责任区",
}
RESERVE_CADRE_HELP = (
    "尚无后备干部记录，暂不能计算。报道称佛山市每个社区均储备了 2 名后备干部（002），"
    "待系统登记后备干部后即可按社区统计。"
)


def _grid_figure(level: int, label: str) -> Figure:
    compute, demo, admin_url = _grids(level)
    return Figure(
        name=f"organizations.grids_level_{level}",
        label=label,
        unit="个",
        compute=compute,
        demo=demo,
        admin_url=admin_url,
        order=20 + level,
        public_url=on_figures_page(f"organizations.grids_level_{level}"),
        help=f"登记在本街道各社区的{label}：{GRID_LEVELS[level]}。",
        depends_on=("organizations.Grid",),
    )


FIGURES = (
    *(_grid_figure(level, label) for level, label in ((1, "一级网格"), (2, "二级网格"), (3, "三级网格"))),
    Figure(
        name="organizations.communities",
        label="社区",
        unit="个",
        compute=lambda street: _communities(street).count(),
        demo=lambda street: _demo(_communities(street)),
        admin_url=lambda street: admin_list("organizations.Community", street__id__exact=street.pk),
        order=10,
        public_url=on_figures_page("organizations.communities"),
        help="本街道的社区（村），含城市社区和农村社区。",
        depends_on=("organizations.Community",),
    ),
    Figure(
        name="organizations.party_organizations",
        label="基层党组织",
        unit="个",
        compute=lambda street: PartyOrganization.objects.filter(street=street).count(),
        demo=lambda street: _demo(PartyOrganization.objects.filter(street=street)),
        admin_url=lambda street: admin_list("organizations.PartyOrganization", street__id__exact=street.pk),
        order=30,
        public_url=on_figures_page("organizations.party_organizations"),
        help="本街道的各级党组织（党工委、党委、党总支、党支部、联合党委、党小组），按所在社区统计；"
        "党工委、跨社区的联合党委等街道层面的党组织不属于某一社区，单列一行。",
        depends_on=("organizations.PartyOrganization",),
    ),
    Figure(
        name="organizations.branches",
        label="党支部",
        unit="个",
        compute=lambda street: PartyOrganization.objects.filter(
            street=street, kind=PartyOrganization.Kind.BRANCH
        ).count(),
        demo=lambda street: _demo(PartyOrganization.objects.filter(street=street, kind=PartyOrganization.Kind.BRANCH)),
        admin_url=lambda street: admin_list(
            "organizations.PartyOrganization", street__id__exact=street.pk, kind__exact="branch"
        ),
        order=31,
        public_url=on_figures_page("organizations.branches"),
        help="其中的党支部，按所在社区统计。",
        depends_on=("organizations.PartyOrganization",),
    ),
    Figure(
        name="organizations.members",
        label="在册党员",
        unit="名",
        compute=lambda street: PartyMember.objects.filter(organization__street=street).count(),
        demo=lambda street: _demo(PartyMember.objects.filter(organization__street=street)),
        admin_url=lambda street: admin_list(
            "organizations.PartyMember", organization__in=_ids(PartyOrganization.objects.filter(street=street))
        ),
        order=40,
        public_url=on_figures_page("organizations.members"),
        help="组织关系在本街道党组织的党员，按所在党组织的社区统计，只计人数。",
        depends_on=("organizations.PartyMember",),
    ),
    Figure(
        name="organizations.one_shoulder",
        label="完成“一肩挑”的社区",
        unit="个",
        compute=_one_shoulder_count,
        demo=_one_shoulder_demo,
        admin_url=lambda street: admin_list(
            "organizations.Community", street__id__exact=street.pk, is_one_shoulder="1"
        ),
        order=50,
        public_url=on_figures_page("organizations.one_shoulder"),
        help="社区党组织书记与居（村）委会主任由同一人担任。",
        depends_on=("organizations.Position", "organizations.Community"),
    ),
    Figure(
        name="organizations.one_shoulder_rate",
        label="“一肩挑”完成率",
        unit="%",
        compute=_one_shoulder_rate,
        demo=_one_shoulder_demo,
        admin_url=lambda street: admin_list("organizations.Community", street__id__exact=street.pk),
        order=51,
        public_url=on_figures_page("organizations.one_shoulder_rate"),
        help="按改革覆盖的社区计算。",
        depends_on=("organizations.Position", "organizations.Community"),
    ),
    Figure(
        name="organizations.cross_appointment_rate",
        label="班子交叉任职率",
        unit="%",
        compute=_cross_appointment_rate,
        demo=_cross_appointment_demo,
        admin_url=lambda street: admin_list(
            "organizations.Position",
            role__exact="director",
            ended_on__isnull="True",
            community__in=_community_ids(street),
        ),
        order=52,
        public_url=on_figures_page("organizations.cross_appointment_rate"),
        help="现任居（村）委会主任中兼任本社区党组织书记、副书记或委员的比例（居委会其他成员尚未登记）。",
        depends_on=("organizations.Position",),
    ),
    Figure(
        name="organizations.reserve_cadres_per_community",
        label="每个社区储备的后备干部",
        unit="名",
        compute=lambda street: None,
        order=53,
        help=RESERVE_CADRE_HELP,
    ),
    Figure(
        name="organizations.communities_with_centre",
        label="设立社区党群服务中心的社区",
        unit="个",
        compute=_centres_of_communities,
        demo=_centres_of_communities_demo,
        admin_url=lambda street: admin_list(
            "organizations.ServiceCenter", street__id__exact=street.pk, level__exact="community"
        ),
        order=60,
        public_url=on_figures_page("organizations.communities_with_centre"),
        help="设有社区级党群服务中心的社区。",
        depends_on=("organizations.ServiceCenter",),
    ),
    Figure(
        name="organizations.joint_meeting_communities",
        label="建立党群联席会议制度的城市社区",
        unit="个",
        compute=_communities_with_joint_meetings,
        demo=_joint_meeting_communities_demo,
        admin_url=lambda street: admin_list(
            "organizations.JointMeeting", community__in=_ids(_communities(street).urban())
        ),
        order=70,
        public_url=on_figures_page("organizations.joint_meeting_communities"),
        help="至少召开过一次党群联席会议的城市社区。",
        depends_on=("organizations.JointMeeting",),
    ),
    Figure(
        name="organizations.joint_meetings_this_year",
        label="今年召开的党群联席会议",
        unit="次",
        compute=_joint_meetings_this_year,
        demo=_joint_meetings_this_year_demo,
        admin_url=lambda street: admin_list(
            "organizations.JointMeeting", community__in=_community_ids(street), held_on__year=_this_year()
        ),
        order=71,
        public_url=on_figures_page("organizations.joint_meetings_this_year"),
        help="今年（北京时间）各社区召开的党群联席会议次数。",
        depends_on=("organizations.JointMeeting",),
        zero_note="今年尚无召开记录",
    ),
    Figure(
        name="organizations.societies_fully_covered",
        label="“一社一支部一阵地”的经济社",
        unit="个",
        compute=_societies_fully_covered,
        demo=_societies_fully_covered_demo,
        admin_url=lambda street: admin_list(
            "organizations.ServiceCenter", street__id__exact=street.pk, level__exact="economic_society"
        ),
        order=80,
        public_url=on_figures_page("organizations.societies_fully_covered"),
        help="既有本社党支部、又有本社党建阵地的经济社（730 第3.4条）。",
        depends_on=(
            "organizations.EconomicSociety",
            "organizations.PartyOrganization",
            "organizations.ServiceCenter",
        ),
    ),
)
