"""Distances for “离我最近”: the great-circle distance between two points, and the shift from the
GPS datum a browser reports (WGS-84) to the one Chinese maps and the centres' coordinates use
(GCJ-02, what 高德 shows). Without the shift every distance in Foshan is off by about 500 m."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088

# GCJ-02 (the published reverse-engineered form): Krasovsky 1940 ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def in_china(lat: float, lng: float) -> bool:
    """The rough box GCJ-02 applies to (outside it the two datums are the same)."""
    return 0.8293 <= lat <= 55.8271 and 72.004 <= lng <= 137.8347


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if not in_china(lat, lng):
        return lat, lng
    d_lat = _shift_lat(lng - 105.0, lat - 35.0)
    d_lng = _shift_lng(lng - 105.0, lat - 35.0)
    rad = math.radians(lat)
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lng + d_lng


def distance_text(km: float) -> str:
    """“约 300 米” under a kilometre (to 100 m), “约 1.2 公里” under ten, “约 15 公里” beyond."""
    metres = max(100, round(km * 10) * 100)
    if metres < 1000:
        return f"约 {metres} 米"
    tenths = round(km, 1)
    if tenths < 10:
        return f"约 {tenths:.1f} 公里"
    return f"约 {round(km)} 公里"
