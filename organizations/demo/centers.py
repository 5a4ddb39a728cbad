"""Where the demo centres are and how to call them: an address in their community, a phone number
and a position, for every demo centre (``is_demo``) that has none. The reports give the real
centres no address, phone or position, and the generator never invents one for them: their
pages say 地址待公布 / 电话待公布 until the street enters the real ones.

Every value here is invented, which is what ``ServiceCenter.is_demo`` says and what the pages
mark as 演示数据: the addresses name no real house, the phone numbers are drawn at random in
Foshan's 0757-8xxxxxxx pattern, and the positions are spread over Guicheng (a box for each demo
street elsewhere in Foshan), one spot per community with its 阵地 around it — they are not the
communities' real places."""

from __future__ import annotations

import math
from decimal import Decimal

from simple_history.utils import bulk_update_with_history

from core.public_cache import public_content_changed

from ..models import ServiceCenter, Street
from .base import CHANGE_REASON, _rng, _Street

# Guicheng on the map (GCJ-02, as the centres' coordinates are): south to north, west to east.
GUICHENG_BOX = (23.02, 23.06, 113.12, 113.18)
# The demo streets elsewhere in Foshan each get a box of Guicheng's size inside this one.
FOSHAN_BOX = (22.70, 23.40, 112.70, 113.30)
# A community's other 阵地 lie within this many degrees (about 300 m) of its centre.
NEAR = 0.003

# Invented road names for the demo addresses (house numbers are drawn too).
_ROADS = (
    "振兴路", "文华路", "怡和路", "民乐路", "华翠路", "锦园路", "新风路", "景和路", "南雅路", "丰华路",
    "康宁路", "泰安路", "福安路", "兴业路", "宝华路", "德胜路", "翠湖路", "长青路", "荷韵路", "和平路",
)  # fmt: skip


def _box(plan: _Street) -> tuple[float, float, float, float]:
    if not plan.create:
        return GUICHENG_BOX
    south, north, west, east = FOSHAN_BOX
    height, width = GUICHENG_BOX[1] - GUICHENG_BOX[0], GUICHENG_BOX[3] - GUICHENG_BOX[2]
    rng = _rng(plan.name, "box")
    lat = rng.uniform(south, north - height)
    lng = rng.uniform(west, east - width)
    return lat, lat + height, lng, lng + width


def _community_spots(plan: _Street) -> dict[str, tuple[float, float]]:
    """One spot per community, on a jittered grid over the street's box, so that the
    communities are spread out rather than clumped."""
    south, north, west, east = _box(plan)
    names = [community.name for community in plan.communities]
    columns = max(1, math.ceil(math.sqrt(len(names) * 1.5)))
    rows = max(1, math.ceil(len(names) / columns))
    cell_lat, cell_lng = (north - south) / rows, (east - west) / columns
    spots = {}
    for index, name in enumerate(names):
        rng = _rng(plan.name, name, "spot")
        row, column = divmod(index, columns)
        spots[name] = (
            south + (row + 0.5 + rng.uniform(-0.35, 0.35)) * cell_lat,
            west + (column + 0.5 + rng.uniform(-0.35, 0.35)) * cell_lng,
        )
    return spots


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _address(center: ServiceCenter, prefix: str, plan: _Street) -> str:
    rng = _rng(plan.name, center.name, "address")
    community = center.community.name if center.community_id else ""
    if center.economic_society_id:
        lane = center.economic_society.name.removesuffix("经济社")
        return f"{prefix}{community}{lane}大街{rng.randint(1, 60)}号"
    road = _rng(plan.name, community or plan.name, "road").choice(_ROADS)
    return f"{prefix}{community}{road}{rng.randint(1, 200)}号"


def _write_center_contacts(plan: _Street, street: Street, *, history: bool) -> int:
    """Fill in the missing address, phone and position of the street's demo centres; a value
    already there (typed by staff, or by an earlier run) is kept. Returns how many changed."""
    spots = _community_spots(plan)
    south, north, west, east = _box(plan)
    middle = ((south + north) / 2, (west + east) / 2)
    prefix = f"佛山市{street.district.name}{street.name}"
    centers = (
        ServiceCenter.objects.filter(street=street, is_demo=True)
        .select_related("community", "economic_society")
        .order_by("pk")
    )
    changed = []
    for center in centers:
        missing = not center.address or not center.phone or center.latitude is None or center.longitude is None
        if not missing:
            continue
        rng = _rng(plan.name, center.name, "contact")
        if not center.address:
            center.address = _address(center, prefix, plan)
        if not center.phone:
            center.phone = f"0757-8{rng.randrange(10**7):07d}"
        if center.latitude is None or center.longitude is None:
            lat, lng = spots.get(center.community.name, middle) if center.community_id else middle
            if center.level != ServiceCenter.Level.COMMUNITY:
                # the community's own centre is on its spot, the other 阵地 around it
                lat = min(max(lat + rng.uniform(-NEAR, NEAR), south), north)
                lng = min(max(lng + rng.uniform(-NEAR, NEAR), west), east)
            center.latitude, center.longitude = _coordinate(lat), _coordinate(lng)
        changed.append(center)
    fields = ["address", "phone", "latitude", "longitude"]
    if changed:
        if history:
            bulk_update_with_history(
                changed, ServiceCenter, fields, batch_size=1000, default_change_reason=CHANGE_REASON
            )
        else:
            ServiceCenter.objects.bulk_update(changed, fields, batch_size=1000)
        public_content_changed()  # a bulk update sends no post_save
    return len(changed)
