"""Distances for “离我最近”: haversine, the WGS-84 → GCJ-02 shift, and how a distance is said."""

import pytest

from organizations.geo import distance_text, haversine_km, wgs84_to_gcj02


def test_haversine_matches_known_distances():
    # one minute of arc along a meridian is a nautical mile; Guangzhou to Foshan is ~18 km
    assert haversine_km(23.0, 113.0, 23.0 + 1 / 60, 113.0) == pytest.approx(1.853, abs=0.002)
    assert haversine_km(23.1291, 113.2644, 23.0215, 113.1214) == pytest.approx(18.8, abs=0.3)
    assert haversine_km(23.03, 113.15, 23.03, 113.15) == 0


@pytest.mark.parametrize(
    ("wgs", "gcj"),
    [
        # the reference pairs of the published algorithm (googollee/eviltransform)
        ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
        ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
        ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ],
)
def test_gps_positions_shift_to_the_datum_of_chinese_maps(wgs, gcj):
    lat, lng = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-9) and lng == pytest.approx(gcj[1], abs=1e-9)


def test_the_shift_matters_in_guicheng_and_not_outside_china():
    lat, lng = wgs84_to_gcj02(23.04, 113.15)
    assert 0.3 < haversine_km(23.04, 113.15, lat, lng) < 0.8
    assert wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)


@pytest.mark.parametrize(
    ("km", "text"),
    [
        (0.0, "约 100 米"),
        (0.26, "约 300 米"),
        (0.94, "约 900 米"),
        (0.96, "约 1.0 公里"),
        (1.24, "约 1.2 公里"),
        (9.96, "约 10 公里"),
        (12.4, "约 12 公里"),
    ],
)
def test_a_distance_is_said_roughly(km, text):
    assert distance_text(km) == text
