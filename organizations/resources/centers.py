"""Imports and exports of the service centres."""

from __future__ import annotations

from import_export import fields

from core.importing import (
    StrictManyToManyWidget,
    choice,
    number,
    related,
    text,
    yes_no,
)

from ..importing import ScopedResource, community_field, street_field
from ..models import (
    AreaCluster,
    EconomicSociety,
    ServiceCenter,
    ServiceType,
)


class ServiceCenterResource(ScopedResource):
    street = street_field()
    name = text("name", "名称")
    level = choice(ServiceCenter, "level", "层级")
    community = community_field()
    area_cluster = related("area_cluster", "片区", AreaCluster, parents={"street__name": "街道"})
    economic_society = related(
        "economic_society",
        "经济社",
        EconomicSociety,
        parents={"community__name": "社区", "community__street__name": "街道"},
        label="经济社",
    )
    address = text("address", "地址")
    latitude = number("latitude", "纬度", decimal=True)
    longitude = number("longitude", "经度", decimal=True)
    area_m2 = number("area_m2", "面积（平方米）")
    phone = text("phone", "服务电话")
    services = fields.Field(
        attribute="services", column_name="服务项目", widget=StrictManyToManyWidget(ServiceType, label="服务项目")
    )
    description = text("description", "简介", long=True)
    is_published = yes_no("is_published", "公开")
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("街道", "名称")
    select_related = ("street", "community__street", "area_cluster", "economic_society")
    prefetch_related = ("services",)

    class Meta(ScopedResource.Meta):
        model = ServiceCenter
        name = "党群服务中心"
        fields = (
            "street",
            "name",
            "level",
            "community",
            "area_cluster",
            "economic_society",
            "address",
            "latitude",
            "longitude",
            "area_m2",
            "phone",
            "services",
            "description",
            "is_published",
            "is_demo",
        )
        import_id_fields = ("street", "name")
        export_order = fields
