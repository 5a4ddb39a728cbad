"""Every database rule explains itself once, in Chinese, through its ``violation_error_message``:
the admin forms and the import framework both show that sentence, and the framework finds the
column it is about (``core.importing.database_rules``)."""

import re

import pytest
from django.apps import apps

from core.importing import database_rules

PORTAL_APPS = ("organizations", "projects", "volunteers", "indicators")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _constraints():
    for app_label in PORTAL_APPS:
        for model in apps.get_app_config(app_label).get_models():
            for constraint in model._meta.constraints:
                yield pytest.param(model, constraint, id=constraint.name)


@pytest.mark.parametrize(("model", "constraint"), list(_constraints()))
def test_every_constraint_says_what_it_means_in_chinese(model, constraint):
    message = constraint.get_violation_error_message()

    assert message != constraint.default_violation_error_message % {"name": constraint.name}
    assert CHINESE.search(message), message


def test_a_rule_names_the_field_it_is_about():
    from organizations.models import Grid, PartyMember, ServiceCenter

    fields = {rule.name: rule.field for model in (Grid, PartyMember, ServiceCenter) for rule in database_rules(model)}

    assert fields["grid_one_level_1_per_community"] == "level"
    assert fields["grid_parent_iff_below_level_1"] == "parent"
    assert fields["grid_unique_name_in_parent"] == "name"
    assert fields["partymember_unique_id_number"] == "id_number"
    assert fields["servicecenter_community_levels_have_community"] == "community"
