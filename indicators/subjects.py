"""Which party organisations a scheme rates, written as a ``Q`` (lists, imports, the close) and as
a predicate on one organisation (a form's check). ``tests/test_subjects.py`` proves they agree.

- 经济社党支部 (Guicheng's 流动星级, seed 001): a 党支部 placed in an economic society
  (“一社一支部”).
- 社区党组织 (经开区's yearly community rating, seed 002): a community's own party organisation
  — of the community or rural field, whose parent is not inside the same community (the same
  reading as ``organizations.selectors`` uses for “一肩挑”).
"""

from __future__ import annotations

from django.db.models import F, Q, TextChoices

from organizations.models import PartyOrganization
from organizations.selectors import COMMUNITY_FIELDS


class SubjectKind(TextChoices):
    SOCIETY_BRANCH = "society_branch", "经济社党支部"
    COMMUNITY = "community", "社区党组织"


def subjects_q(kind: str) -> Q:
    if kind == SubjectKind.SOCIETY_BRANCH:
        return Q(kind=PartyOrganization.Kind.BRANCH, economic_society__isnull=False)
    if kind == SubjectKind.COMMUNITY:
        return Q(community__isnull=False, field__in=COMMUNITY_FIELDS) & (
            Q(parent__isnull=True) | Q(parent__community__isnull=True) | ~Q(parent__community=F("community"))
        )
    raise ValueError(f"unknown subject kind {kind!r}")


def is_subject(organization: PartyOrganization, kind: str) -> bool:
    if kind == SubjectKind.SOCIETY_BRANCH:
        return organization.kind == PartyOrganization.Kind.BRANCH and organization.economic_society_id is not None
    if kind == SubjectKind.COMMUNITY:
        if organization.community_id is None or organization.field not in COMMUNITY_FIELDS:
            return False
        parent = organization.parent
        return parent is None or parent.community_id != organization.community_id
    raise ValueError(f"unknown subject kind {kind!r}")


def subjects_of(kind: str, street_id: int | None = None):
    queryset = PartyOrganization.objects.filter(subjects_q(kind))
    if street_id is not None:
        queryset = queryset.filter(street_id=street_id)
    return queryset
