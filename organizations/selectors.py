"""Reads of the organizations app; each returns a queryset ready for its page."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When

from .models import (
    AreaCluster,
    Community,
    EconomicSociety,
    Grid,
    JointMeeting,
    OpeningException,
    PartyMember,
    PartyOrganization,
    Position,
    ServiceCenter,
    ServiceType,
    Street,
)

# Fields of a community's own party organisation (as opposed to a company branch in it).
COMMUNITY_FIELDS = (PartyOrganization.Field.COMMUNITY, PartyOrganization.Field.RURAL)


def _one_shoulder_exists():
    """True when one person currently holds both the community party organisation's 书记 and
    the residents' (villagers') committee 主任 of that community — “一肩挑”."""
    director = Position.objects.current().filter(
        role=Position.Role.DIRECTOR,
        community=OuterRef(OuterRef("pk")),
        person=OuterRef("person"),
    )
    secretary = (
        Position.objects.current()
        .filter(
            role=Position.Role.SECRETARY,
            # Position.community mirrors the organisation's: it lets the index on
            # (community, role) find the few candidates instead of every current secretary.
            community=OuterRef("pk"),
            organization__community=OuterRef("pk"),
            organization__field__in=COMMUNITY_FIELDS,
        )
        # The community's own organisation: its parent is not inside the same community.
        .filter(Q(organization__parent__community__isnull=True) | ~Q(organization__parent__community=OuterRef("pk")))
        .filter(Exists(director))
    )
    return Exists(secretary)


def communities_with_one_shoulder(queryset: QuerySet | None = None) -> QuerySet:
    """Communities annotated with ``is_one_shoulder``."""
    queryset = Community.objects.all() if queryset is None else queryset
    return queryset.annotate(is_one_shoulder=_one_shoulder_exists())


def one_shoulder_summary(queryset: QuerySet | None = None) -> dict:
    """The 一肩挑 key figure over the reform's base: how many communities, out of how many, and
    the rate in percent.

    The reform (社区“三个职位”一肩挑: 党组织书记, 居委会主任 and 经联社社长) applies where a
    community has a collective economy, i.e. the rural communities (村改居). Seed 000 publishes
    15 communities and 68 %: 15 of Guicheng's 22 rural communities, the other 23 being urban."""
    annotated = communities_with_one_shoulder((Community.objects.all() if queryset is None else queryset).rural())
    total = annotated.count()
    done = annotated.filter(is_one_shoulder=True).count()
    return {"count": done, "total": total, "rate": round(done * 100 / total) if total else 0}


# --- Public pages -----------------------------------------------------------------------------
# What a resident may see: published centres, the geography, party organisations by name and
# kind. Nothing here reads a member's personal fields (PartyMember.PRIVATE_FIELDS).

PUBLIC_CENTER_LEVELS = {
    # The directory's filter: what residents call each level (“1+45+N”).
    "street": ("街道", [ServiceCenter.Level.STREET]),
    "area": ("片区", [ServiceCenter.Level.AREA]),
    "community": ("社区", [ServiceCenter.Level.COMMUNITY]),
    "station": ("小区", [ServiceCenter.Level.STATION, ServiceCenter.Level.COMPOUND]),
    "building": ("楼宇", [ServiceCenter.Level.BUILDING, ServiceCenter.Level.PARK]),
    "society": ("经济社阵地", [ServiceCenter.Level.ECONOMIC_SOCIETY]),
}


# The directory lists the street centre first, then 片区, communities and the rest (“1+45+N”),
# not the levels' alphabetical order, which would put the street centre on the last page.
LEVEL_ORDER = Case(
    *(When(level__in=levels, then=Value(rank)) for rank, (_label, levels) in enumerate(PUBLIC_CENTER_LEVELS.values())),
    default=Value(len(PUBLIC_CENTER_LEVELS)),
    output_field=IntegerField(),
)


def default_street() -> Street | None:
    """The street the site opens on: the first real (non-demo) street, else the first street."""
    return Street.objects.order_by("is_demo", "name").first()


def street(*, pk: int) -> Street | None:
    return Street.objects.filter(pk=pk).first()


def _with_hours(queryset: QuerySet, today: date) -> QuerySet:
    upcoming = OpeningException.objects.filter(
        date__gte=today - timedelta(days=1), date__lte=today + timedelta(days=15)
    )
    return queryset.prefetch_related("opening_intervals", Prefetch("opening_exceptions", queryset=upcoming))


def public_centers(
    *,
    street_id: int | None = None,
    level: str | None = None,
    community_id: int | None = None,
    today: date,
    with_services: bool = False,
) -> QuerySet:
    """Published centres for the directory, with what the 开放中 badge needs (three queries;
    a fourth for their services with ``with_services``)."""
    queryset = ServiceCenter.objects.public().select_related("community", "economic_society")
    if with_services:
        queryset = queryset.prefetch_related(Prefetch("services", queryset=ServiceType.objects.order_by("sort_order")))
    if street_id is not None:
        queryset = queryset.filter(street_id=street_id)
    if level in PUBLIC_CENTER_LEVELS:
        queryset = queryset.filter(level__in=PUBLIC_CENTER_LEVELS[level][1])
    if community_id is not None:
        queryset = queryset.filter(community_id=community_id)
    return _with_hours(queryset, today).order_by(LEVEL_ORDER, "level", "community__pinyin", "pinyin", "pk")


def opening_exceptions_between(*, center_ids, start: date, end: date) -> QuerySet:
    """Dated exceptions of some centres in [start, end], for the open-data schedules."""
    return OpeningException.objects.filter(center_id__in=list(center_ids), date__gte=start, date__lte=end).order_by(
        "date", "opens_at"
    )


def public_center(*, pk: int, today: date) -> ServiceCenter | None:
    """One published centre with its services, hours and exceptions of the coming weeks."""
    queryset = ServiceCenter.objects.public().select_related("street", "community", "area_cluster", "economic_society")
    return _with_hours(queryset.prefetch_related("services"), today).filter(pk=pk).first()


def public_streets() -> QuerySet:
    """Streets with their area clusters and communities, for the hierarchy (three queries)."""
    communities = Community.objects.order_by("name")
    return Street.objects.order_by("is_demo", "name").prefetch_related(
        Prefetch("area_clusters", queryset=AreaCluster.objects.order_by("name")),
        Prefetch("communities", queryset=communities),
    )


def _grid_counts() -> dict:
    return {f"grids_level_{level}": Count("grids", filter=Q(grids__level=level), distinct=True) for level in (1, 2, 3)}


def public_communities(*, street_id: int | None = None) -> QuerySet:
    """Communities with their street, 片区 and grid counts by level (one query)."""
    queryset = Community.objects.all() if street_id is None else Community.objects.filter(street_id=street_id)
    return queryset.select_related("street", "area_cluster").annotate(**_grid_counts()).order_by("street_id", "name")


def public_community(*, pk: int) -> Community | None:
    """A community with its grid counts by level, party organisations (name, kind, field only)
    and published centres."""
    grid_counts = _grid_counts()
    organizations = PartyOrganization.objects.only("name", "kind", "field", "community_id", "founded_on").order_by(
        "kind", "name"
    )
    return (
        communities_with_one_shoulder(Community.objects.filter(pk=pk))
        .select_related("street", "area_cluster")
        .annotate(**grid_counts)
        .prefetch_related(
            Prefetch("party_organizations", queryset=organizations),
            Prefetch("service_centers", queryset=ServiceCenter.objects.public().order_by("level", "name")),
        )
        .first()
    )


def search_places(query: str, *, limit: int = 20) -> dict[str, list]:
    """Communities, published centres and party organisations matching ``query`` by name, full
    pinyin or pinyin initials (“ghsq”, “guihua”); organisations also by their community's."""
    text = query.strip()
    lowered = text.lower()
    by_name = Q(name__icontains=text) | Q(pinyin__startswith=lowered) | Q(initials__startswith=lowered)
    communities = list(Community.objects.filter(by_name).select_related("street").order_by("name")[:limit])
    centers = list(ServiceCenter.objects.public().filter(by_name).select_related("community").order_by("name")[:limit])
    organizations = list(
        PartyOrganization.objects.filter(
            Q(name__icontains=text)
            | Q(community__pinyin__startswith=lowered)
            | Q(community__initials__startswith=lowered)
        )
        .select_related("community")
        .only("name", "kind", "community__name")
        .order_by("name")[:limit]
    )
    return {"communities": communities, "centers": centers, "organizations": organizations}


# --- Per-community counts behind the 数读 figures (the public 数读明细 page) ---------------------


def communities_for_figures(*, street: Street) -> QuerySet:
    """The street's communities in pinyin order (as a resident looks a name up), each annotated
    with what the 数读 figures ask of one community: ``is_one_shoulder``, ``has_centre`` (a
    community-level 党群服务中心) and ``has_joint_meeting`` (ever held one). One query."""
    return (
        communities_with_one_shoulder(Community.objects.filter(street=street))
        .annotate(
            has_centre=Exists(
                ServiceCenter.objects.filter(community=OuterRef("pk"), level=ServiceCenter.Level.COMMUNITY)
            ),
            has_joint_meeting=Exists(JointMeeting.objects.filter(community=OuterRef("pk"))),
        )
        .only("name", "kind", "street_id", "pinyin", "is_demo")
        .order_by("pinyin", "name")
    )


def _grouped(queryset: QuerySet, by: str, **aggregates) -> dict[int | None, dict]:
    """``{community id (None: not in a community): {aggregate: value}}`` in one query."""
    rows = queryset.values(by).annotate(**aggregates).order_by()
    return {row[by]: {key: row[key] for key in aggregates} for row in rows}


def counts_by_community(*, street: Street, year: int) -> dict[str, dict[int | None, int]]:
    """What each community holds of the records the organizations figures count, keyed by
    count name, then by community id; ``None`` collects the street's records that belong to no
    community (党工委, 联合党委 and their members). Six queries, however many communities.

    The rules are the figures' (``key_figures.py``); ``tests/test_public_crawl.py``
    checks on the Guicheng data that each column adds up to its figure."""
    counts: dict[str, dict[int | None, int]] = {}

    def put(name: str, grouped: dict[int | None, dict], key: str | None = None) -> None:
        counts[name] = {community: values[key or name] for community, values in grouped.items()}

    grids = _grouped(
        Grid.objects.filter(community__street=street),
        "community_id",
        **{f"grids_level_{level}": Count("pk", filter=Q(level=level)) for level in (1, 2, 3)},
    )
    for level in (1, 2, 3):
        put(f"grids_level_{level}", grids)
    organizations = _grouped(
        PartyOrganization.objects.filter(street=street),
        "community_id",
        party_organizations=Count("pk"),
        branches=Count("pk", filter=Q(kind=PartyOrganization.Kind.BRANCH)),
    )
    put("party_organizations", organizations)
    put("branches", organizations)
    put(
        "members",
        _grouped(PartyMember.objects.filter(organization__street=street), "organization__community_id", n=Count("pk")),
        "n",
    )
    put(
        "joint_meetings_this_year",
        _grouped(
            JointMeeting.objects.filter(community__street=street, held_on__year=year), "community_id", n=Count("pk")
        ),
        "n",
    )
    societies = _grouped(
        EconomicSociety.objects.filter(community__street=street).annotate(
            has_branch=Exists(
                PartyOrganization.objects.filter(economic_society=OuterRef("pk"), kind=PartyOrganization.Kind.BRANCH)
            ),
            has_post=Exists(
                ServiceCenter.objects.filter(
                    economic_society=OuterRef("pk"), level=ServiceCenter.Level.ECONOMIC_SOCIETY
                )
            ),
        ),
        "community_id",
        societies=Count("pk"),
        societies_fully_covered=Count("pk", filter=Q(has_branch=True, has_post=True)),
    )
    put("societies", societies)
    put("societies_fully_covered", societies)
    directors = _grouped(
        Position.objects.current()
        .filter(role=Position.Role.DIRECTOR, community__street=street)
        .annotate(
            crossed=Exists(
                Position.objects.current().filter(
                    role__in=Position.PARTY_ROLES,
                    person=OuterRef("person"),
                    organization__community=OuterRef("community"),
                    organization__field__in=COMMUNITY_FIELDS,
                )
            )
        ),
        "community_id",
        directors=Count("pk"),
        directors_crossed=Count("pk", filter=Q(crossed=True)),
    )
    put("directors", directors)
    put("directors_crossed", directors)
    return counts
