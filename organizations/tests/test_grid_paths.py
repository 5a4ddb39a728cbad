import pytest

from organizations.models import Grid

pytestmark = pytest.mark.django_db


def test_renaming_a_grid_renames_the_paths_below_it(community):
    # given a three-level branch of the grid
    guihua = community("桂花社区")
    root = Grid.objects.create(community=guihua, level=1, kind=Grid.Kind.COMMUNITY, name="桂花社区网格")
    compound = Grid.objects.create(community=guihua, parent=root, level=2, kind=Grid.Kind.COMPOUND, name="桂花园东区")
    zone = Grid.objects.create(community=guihua, parent=compound, level=3, kind=Grid.Kind.ZONE, name="3栋责任区")
    assert zone.path == "桂花社区网格/桂花园东区/3栋责任区"

    # when the compound is renamed
    compound.name = "桂花园东苑"
    compound.save()

    # then its zone's path (its natural key) follows
    zone.refresh_from_db()
    assert zone.path == "桂花社区网格/桂花园东苑/3栋责任区"
    assert Grid.objects.get_by_natural_key("桂城街道", "桂花社区", zone.path) == zone
