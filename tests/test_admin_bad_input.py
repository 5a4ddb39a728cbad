"""Bad input through any admin add form is a page with field errors, never a 500: an empty
post writes nothing, and a post of nonsense in every field (ids, dates, numbers, choices) is
refused or, where every field is free text, saved as typed."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

NONSENSE = "=cmd|' /C calc'!A0"


def _add_urls():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in {"organizations", "projects", "volunteers", "indicators"}:
            yield model, model_admin


@pytest.mark.parametrize("model", [m for m, _ in _add_urls()], ids=lambda m: m._meta.label)
def test_bad_posts_are_refused_with_errors(client, admin_user, guicheng, model):
    client.force_login(admin_user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    form = client.get(url)
    if form.status_code == 403:
        pytest.skip("no add form: records of this model are written by the system")
    before = model._default_manager.count()
    adminform = form.context["adminform"].form
    nonsense = {name: NONSENSE for name in adminform.fields}
    nonsense.update({f"{name}_0": NONSENSE for name in adminform.fields})
    nonsense.update({f"{name}_1": NONSENSE for name in adminform.fields})
    for formset in form.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        nonsense.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"})
        nonsense.update({f"{prefix}-0-{name}": NONSENSE for name in formset.formset.empty_form.fields})

    empty = client.post(url, {})
    assert empty.status_code == 200
    assert empty.context["errors"]
    assert model._default_manager.count() == before

    response = client.post(url, nonsense)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["errors"]
        assert model._default_manager.count() == before
