"""The geography of a street, its party organisations, members, positions and service centres."""

from .base import NaturalKeyManager, PinyinMixin, initials_of, manager_for, pinyin_of
from .centers import OpeningException, OpeningInterval, ServiceCenter, ServiceCenterQuerySet, ServiceType
from .geography import AreaCluster, Community, CommunityQuerySet, District, EconomicSociety, Grid, GridQuerySet, Street
from .joint_work import CoBuildingAgreement, JointMeeting, Need, Resource
from .party import PartyMember, PartyOrganization, PartyOrganizationQuerySet, Position, PositionQuerySet
from .staff import PasswordChangeDue, StaffScope

__all__ = [
    "pinyin_of",
    "initials_of",
    "PinyinMixin",
    "NaturalKeyManager",
    "manager_for",
    "District",
    "Street",
    "AreaCluster",
    "CommunityQuerySet",
    "Community",
    "GridQuerySet",
    "Grid",
    "EconomicSociety",
    "PartyOrganizationQuerySet",
    "PartyOrganization",
    "PartyMember",
    "PositionQuerySet",
    "Position",
    "ServiceType",
    "ServiceCenterQuerySet",
    "ServiceCenter",
    "OpeningInterval",
    "OpeningException",
    "JointMeeting",
    "CoBuildingAgreement",
    "Resource",
    "Need",
    "StaffScope",
    "PasswordChangeDue",
]
