"""Reads of the organizations app; each returns a queryset ready for its page."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Community, PartyOrganization, Position

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
