"""schema.org JSON-LD for a centre's page: search engines and map apps read the hours from it."""

from __future__ import annotations

import json
from datetime import date, timedelta

from organizations import opening

DAY_URIS = (
    "https://schema.org/Monday",
    "https://schema.org/Tuesday",
    "https://schema.org/Wednesday",
    "https://schema.org/Thursday",
    "https://schema.org/Friday",
    "https://schema.org/Saturday",
    "https://schema.org/Sunday",
)
# The escapes of ``django.utils.html.json_script`` (its table is private): still valid JSON.
SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
# Holidays and dated exceptions of this many coming days become special hours.
SPECIAL_DAYS = 60


def center_json_ld(center, hours: opening.Hours, *, today: date, url: str) -> str:
    """A ``GovernmentOffice`` (a ``CivicStructure`` too) with its regular week as
    ``OpeningHoursSpecification`` and the coming holidays, 调休 workdays and exceptions as
    special hours (a closed day opens and closes at 00:00, as schema.org says)."""
    regular = [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": DAY_URIS[day],
            "opens": f"{a:%H:%M}",
            "closes": f"{b:%H:%M}",
        }
        for day in range(7)
        for a, b in hours.weekly.get(day, ())
    ]
    special = []
    for offset in range(SPECIAL_DAYS):
        day = today + timedelta(days=offset)
        schedule = opening.day_schedule(hours, day)
        if not schedule.note:
            continue  # the regular week applies
        spans = schedule.intervals or ((None, None),)
        for opens, closes in spans:
            special.append(
                {
                    "@type": "OpeningHoursSpecification",
                    "validFrom": day.isoformat(),
                    "validThrough": day.isoformat(),
                    "opens": f"{opens:%H:%M}" if opens else "00:00",
                    "closes": f"{closes:%H:%M}" if closes else "00:00",
                    "description": schedule.note,
                }
            )
    data = {
        "@context": "https://schema.org",
        "@type": ["GovernmentOffice", "CivicStructure"],
        "name": center.name,
        "url": url,
        "description": center.description or center.get_level_display(),
        "openingHoursSpecification": regular,
    }
    if special:
        data["specialOpeningHoursSpecification"] = special
    if center.address:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": center.address,
            "addressLocality": center.street.name,
            "addressRegion": "广东省",
            "addressCountry": "CN",
        }
    if center.phone:
        data["telephone"] = center.phone
    if center.latitude is not None and center.longitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(center.latitude),
            "longitude": float(center.longitude),
        }
    # Safe inside <script type="application/ld+json">, as Django's ``json_script``: no "<", ">"
    # or "&" of a staff-typed name or address reaches the HTML parser, so none can close the
    # element early or start a comment ("<!--") that changes how the script ends.
    return json.dumps(data, ensure_ascii=False).translate(SCRIPT_ESCAPES)
