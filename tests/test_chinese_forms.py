"""Chinese that reads like Chinese (issue 18): no page of the residents' site or the workspace, and
none of the admin pages checked here, shows Django's generic or English texts.

Every page of the site and the workspace is opened as the user it is for (a resident, the 桂花
secretary, the street staff); every form on it is then posted with bad input (empty, too long, a
bad phone, nonsense in choices, dates and numbers) and each answer is scanned (``problems``):
no "确保该变量…", "这个字段是必填项", "---------", "无可选的", no English ("This field",
"Model name" …), no label ending in an ASCII colon, no phone input that is not ``type="tel"``.

``PAGES`` says how to open each URL name of the two URLconfs and whether it is a form page;
a new URL without an entry fails ``test_every_page_is_listed``, and a form found on a page not
listed as a form page fails too: a new form is covered, never skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from indicators.tests.factories import PeriodFactory, RatingFactory, RectificationCaseFactory
from organizations.models import Community, ServiceCenter
from organizations.services import staff_user_create
from organizations.tests.factories import PartyOrganizationFactory, ServiceCenterFactory
from portal.site import urls as site_urls
from portal.workspace import urls as workspace_urls
from projects.tests.factories import SecretaryProjectFactory, WorkItemFactory, WorkPlanFactory, WorkThemeFactory
from volunteers import services
from volunteers.models import ServiceOrder
from volunteers.tests.factories import (
    ActivityFactory,
    ServiceOrderFactory,
    ServiceRecordFactory,
    VolunteerFactory,
    VolunteerTeamFactory,
)

from .url_names import url_names

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

RESIDENT_PHONE, RESIDENT_PASSWORD = "13912345678", "Guihua-2023-pass"

# Django's generic wording and English that a user should never meet.
BANNED = (
    "确保该变量",
    "字段是必填项",
    "---------",
    "无可选的",
    "选择一个有效的选项",
    "请输入一个正确的",
    "This field",
    "Ensure this value",
    "Enter a valid",
    "Select a valid",
    "Model name",
    "MODEL NAME",
    "Add link",
    "None available",
    "Error:",
    "HSDS JSON",
)
# Latin words that are Chinese usage too: file formats, standards, the pinyin search example.
LATIN = {"CSV", "HSDS", "JSON", "Excel", "xlsx", "csv", "UTF", "ghsq", "PDF"}


# --- The scan ------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """Labels (their ``for`` and text), inputs, and the text a user reads inside forms."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.labels: list[tuple[str, str]] = []
        self.inputs: list[dict] = []
        self.form_text: list[str] = []
        self._label: list | None = None
        self._forms = 0
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "form":
            self._forms += 1
        elif tag == "label":
            self._label = [attrs.get("for", ""), ""]
        elif tag == "input":
            self.inputs.append(attrs)
        if self._forms and tag in ("input", "textarea", "select", "button", "a", "img"):
            self.form_text += [attrs.get(name, "") for name in ("placeholder", "title", "aria-label", "alt")]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag == "form":
            self._forms -= 1
        elif tag == "label" and self._label is not None:
            self.labels.append((self._label[0], self._label[1].strip()))
            self._label = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._label is not None:
            self._label[1] += data
        if self._forms:
            self.form_text.append(data)


def problems(html: str, *, english: bool = True) -> list[str]:
    """What a Chinese reader should not meet on the page; empty when it reads right."""
    found = [f"generic or English text {text!r}" for text in BANNED if text in html]
    page = _Page()
    page.feed(html)
    found += [f"label ends with an ASCII colon: {text!r}" for _, text in page.labels if text.endswith(":")]
    label_of = dict(page.labels)
    for attrs in page.inputs:
        if attrs.get("type", "text") in ("hidden", "checkbox", "radio", "submit", "file", "password"):
            continue
        label = label_of.get(attrs.get("id", ""), "")
        if ("phone" in attrs.get("name", "") or "手机" in label or "电话" in label) and attrs.get("type") != "tel":
            found.append(f"phone input {attrs.get('name')!r} ({label}) is not type=tel")
    if english:
        words = set(re.findall(r"[A-Za-z]{2,}", " ".join(page.form_text))) - LATIN
        found += [f"English in a form: {word!r}" for word in sorted(words)]
    return found


# --- The records every page needs -----------------------------------------------------------------


@dataclass
class World:
    street: object
    guihua: Community
    center: ServiceCenter
    project: object
    item: object
    activity: object
    open_order: ServiceOrder
    done_order: ServiceOrder
    case: object
    rated: object
    plan_year: int
    users: dict = field(default_factory=dict)


def _world(street) -> World:
    guihua = Community.objects.get(street=street, name="桂花社区")
    secretary = staff_user_create(username="guihua", password=None, communities=[guihua])
    street_staff = staff_user_create(username="jiedao", password=None, street=street)
    now = timezone.now()
    center = ServiceCenterFactory(community=guihua, name="桂花测试服务中心", is_published=True)
    plan = WorkPlanFactory(street=street, is_public=True)
    period = PeriodFactory(
        scheme__street=street, status="published", closed_at=now, published_at=now, ratings_computed_at=now
    )
    rated = PartyOrganizationFactory(community=guihua)
    RatingFactory(period=period, subject=rated)
    team = VolunteerTeamFactory(community=guihua)
    ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua))
    # an accepted order (the workspace answers or declines it) and a done one (the resident rates it)
    open_order = services.service_order_accept(order=ServiceOrderFactory(center=center), user=street_staff)
    done_order = services.service_order_accept(order=ServiceOrderFactory(center=center), user=street_staff)
    services.service_order_answer(order=done_order, user=street_staff, team=team)
    done_order = services.service_order_done(order=done_order, user=street_staff)
    services.volunteer_account_register(
        phone=RESIDENT_PHONE, name="陈街坊", password=RESIDENT_PASSWORD, community=guihua, show_name=False
    )
    return World(
        street=street,
        guihua=guihua,
        center=center,
        project=SecretaryProjectFactory(community=guihua, year=2023),
        item=WorkItemFactory(theme=WorkThemeFactory(plan=plan)),
        activity=ActivityFactory(community=guihua, center=center),
        open_order=open_order,
        done_order=done_order,
        case=RectificationCaseFactory(subject=PartyOrganizationFactory(community=guihua), deadline=None),
        rated=rated,
        plan_year=plan.year,
        users={"secretary": secretary, "street": street_staff},
    )


@pytest.fixture(scope="module")
def world_module(guicheng_module, django_db_blocker) -> World:
    """The records, made once for the module inside its transaction (``guicheng_module``)."""
    with django_db_blocker.unblock():
        return _world(guicheng_module)


@pytest.fixture
def world(world_module, db) -> World:
    return world_module


@dataclass
class Page:
    """How to open one URL name: as whom, at which URL; ``form`` when it has forms to post to
    (``steps``: the ``step`` values that pick one of its forms), ``method`` of those forms."""

    url: object  # World -> str, or None: no page of its own (a POST-only action, a script)
    who: str = ""  # "", "resident", "secretary" or "street"
    form: bool = False
    steps: tuple = (None,)
    method: str = "post"


def _site(name, *args):
    return lambda w: reverse(f"site:{name}", args=[a(w) if callable(a) else a for a in args])


def _workspace(name, *args):
    return lambda w: reverse(f"workspace:{name}", args=[a(w) for a in args])


PAGES = {
    # The residents' site.
    "site:home": Page(_site("home")),
    "site:figures": Page(_site("figures")),
    "site:centers": Page(_site("centers")),
    "site:centers_near": Page(None),  # POSTed by the page's script with the browser's position
    "site:center": Page(_site("center", lambda w: w.center.pk)),
    "site:streets": Page(_site("streets")),
    "site:community": Page(_site("community", lambda w: w.guihua.pk)),
    "site:projects": Page(_site("projects")),
    "site:projects_year": Page(_site("projects_year", 2023)),
    "site:project": Page(_site("project", lambda w: w.project.pk)),
    "site:plan": Page(_site("plan")),
    "site:plan_year": Page(_site("plan_year", lambda w: w.plan_year)),
    "site:plan_print": Page(_site("plan_print", lambda w: w.plan_year)),
    "site:honour": Page(_site("honour")),
    "site:subject": Page(_site("subject", lambda w: w.rated.pk)),
    "site:activities": Page(_site("activities"), form=True, method="get"),
    "site:activity": Page(_site("activity", lambda w: w.activity.pk), who="resident"),
    "site:activity_signup": Page(None),
    "site:activity_cancel": Page(None),
    "site:register": Page(_site("register"), form=True),
    "site:login": Page(_site("login"), form=True),
    "site:logout": Page(None),
    "site:me": Page(_site("me"), who="resident"),
    "site:redeem": Page(None),
    "site:certificate": Page(_site("certificate"), who="resident"),
    "site:order_new": Page(_site("order_new"), form=True),
    "site:order_lookup": Page(_site("order_lookup"), form=True, method="get"),
    "site:order": Page(_site("order", lambda w: w.done_order.code), form=True),
    "site:search": Page(lambda w: reverse("site:search") + "?q=桂花"),
    "site:robots": Page(None),
    # The workspace.
    "workspace:home": Page(_workspace("home"), who="secretary"),
    "workspace:project_progress": Page(_workspace("project_progress", lambda w: w.project.pk), "secretary", True),
    "workspace:item_progress": Page(_workspace("item_progress", lambda w: w.item.pk), "street", True),
    "workspace:records": Page(_workspace("records"), who="secretary", form=True),
    "workspace:orders": Page(_workspace("orders"), who="secretary"),
    "workspace:order": Page(
        _workspace("order", lambda w: w.open_order.pk), "secretary", True, steps=("answer", "decline")
    ),
    "workspace:centers": Page(_workspace("centers"), who="secretary"),
    "workspace:center_hours": Page(_workspace("center_hours", lambda w: w.center.pk), "secretary", True),
    "workspace:activity_new": Page(_workspace("activity_new"), who="secretary", form=True),
    "workspace:case_visit": Page(_workspace("case_visit", lambda w: w.case.pk), "secretary", True),
    "workspace:service_worker": Page(None),
}


def test_every_page_is_listed():
    names = {f"site:{name}" for name in url_names(site_urls.urlpatterns)}
    names |= {f"workspace:{name}" for name in url_names(workspace_urls.urlpatterns)}
    assert names == set(PAGES), f"not listed: {sorted(names - set(PAGES))}; gone: {sorted(set(PAGES) - names)}"


def _client(client, world, who):
    if who == "resident":
        client.force_login(get_user_model().objects.get(username=RESIDENT_PHONE))
    elif who:
        client.force_login(world.users[who])
    return client


def _forms_in(response) -> list:
    """The forms and formsets the page was rendered with."""
    contexts = response.context if isinstance(response.context, list) else [response.context]
    found = []
    for context in filter(None, contexts):
        for value in context.flatten().values():
            if isinstance(value, forms.BaseForm | forms.BaseFormSet) and all(value is not f for f in found):
                found.append(value)
    return found


# --- Bad input, built from the forms themselves ----------------------------------------------------


def _fields(form_or_set):
    """(form, name, field) of every visible field; a formset's first row stands for all."""
    forms_ = [form_or_set.forms[0]] if isinstance(form_or_set, forms.BaseFormSet) else [form_or_set]
    for form in forms_:
        for name, field_ in form.fields.items():
            if not field_.widget.is_hidden and name != "DELETE":
                yield form, name, field_


def _management(form_or_set) -> dict:
    if not isinstance(form_or_set, forms.BaseFormSet):
        return {}
    prefix = form_or_set.prefix
    return {f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-INITIAL_FORMS": 0}


def _is_phone(name, field_) -> bool:
    return "phone" in name or any(word in str(field_.label or "") for word in ("手机", "电话"))


def bad_posts(found: list) -> dict[str, dict]:
    """Empty, too long, a bad phone, nonsense: each a whole post of every form on the page."""
    variants = {"empty": {}, "too long": {}, "bad phone": {}, "nonsense": {}}
    for form_or_set in found:
        for data in variants.values():
            data.update(_management(form_or_set))
        started = False
        for form, name, field_ in _fields(form_or_set):
            key = form.add_prefix(name)
            variants["empty"][key] = ""  # what a browser sends for a field left blank
            if isinstance(form_or_set, forms.BaseFormSet) and not started:
                # An untouched extra row is skipped: one field filled makes the row count.
                choices = [value for value, _ in getattr(field_, "choices", []) if value not in ("", None)]
                variants["empty"][key] = choices[0] if choices else "备注"
                started = True
            max_length = getattr(field_, "max_length", None)
            if max_length:
                variants["too long"][key] = ("1" if _is_phone(name, field_) else "长") * (max_length + 1)
            if _is_phone(name, field_):
                variants["bad phone"][key] = "12345"
            if isinstance(field_, forms.ChoiceField | forms.DateField | forms.TimeField | forms.DateTimeField):
                variants["nonsense"][key] = "不是选项" if isinstance(field_, forms.ChoiceField) else "明天"
            elif isinstance(field_, forms.IntegerField | forms.DecimalField | forms.FloatField):
                variants["nonsense"][key] = "很多"
    # A form whose every field is optional (the activity filters) rightly takes an empty submission.
    if all(not field_.required for form_or_set in found for _, _, field_ in _fields(form_or_set)):
        del variants["empty"]
    # A variant that fills nothing on this page (no phone, no choice) is not sent.
    return {variant: data for variant, data in variants.items() if any(not key.endswith("_FORMS") for key in data)}


def _has_errors(found: list) -> bool:
    for form_or_set in found:
        if isinstance(form_or_set, forms.BaseFormSet):
            if form_or_set.is_bound and (form_or_set.non_form_errors() or any(form_or_set.errors)):
                return True
        elif form_or_set.is_bound and form_or_set.errors:
            return True
    return False


# --- The tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(name for name, page in PAGES.items() if page.url))
def test_every_page_reads_like_chinese(name, client, world):
    page = PAGES[name]
    _client(client, world, page.who)
    response = client.get(page.url(world))
    assert response.status_code == 200, name
    html = response.content.decode()
    assert problems(html) == [], name
    found = _forms_in(response)
    if not page.form:
        assert found == [], f"{name} has a form: list it as a form page so its errors are checked"


@pytest.mark.parametrize("name", sorted(name for name, page in PAGES.items() if page.form))
def test_every_form_says_what_is_wrong_in_chinese(name, client, world):
    page = PAGES[name]
    _client(client, world, page.who)
    url = page.url(world)
    shown = client.get(url)
    found = _forms_in(shown)
    assert found, f"{name} is listed as a form page but has no form"
    html = shown.content.decode()
    assert problems(html) == [], name
    for step in page.steps:
        for variant, data in bad_posts(found).items():
            sent = data | ({"step": step} if step else {})
            response = client.get(url, sent) if page.method == "get" else client.post(url, sent)
            where = f"{name} {step or ''} {variant}: {sent}"
            # then it is refused, saying why, in Chinese
            assert response.status_code in (200, 400), where
            assert _has_errors(_forms_in(response)), where
            assert problems(response.content.decode()) == [], where


def test_the_messages_name_the_field(client, world):
    # given the registration and 点单 forms, posted too long, empty and with a bad phone
    client.post(reverse("site:register"), {"name": "长" * 31, "password": "123"})
    register = client.post(reverse("site:register"), {"name": "长" * 31, "phone": "12345", "password": "123"})
    order = client.post(reverse("site:order_new"), {"contact_phone": "1" * 21})
    # then each message says which field and what is wanted
    errors = register.context["form"].errors
    assert errors["name"] == ["姓名最多 30 个字（现在 31 个字）。"]
    assert errors["password"] == ["密码至少 8 位（现在 3 位）。"]
    assert errors["community"] == ["请选择所在社区。"]
    assert errors["agree"] == ["请勾选“我已阅读并同意下面的个人信息说明”。"]
    assert "电话号码格式不正确" in errors["phone"][0]
    errors = order.context["form"].errors
    assert errors["need"] == ["请填写求助内容。"] and errors["center"] == ["请选择服务中心。"]
    assert "联系电话最多 20 位（现在 21 位）。" in errors["contact_phone"]
    page = client.get(reverse("site:order_new")).content.decode()
    assert '<option value="" selected>请选择…</option>' in page
    assert re.search(r'<input type="tel" name="contact_phone"[^>]*inputmode="tel"[^>]*autocomplete="tel"', page)


def test_the_scan_finds_what_it_looks_for():
    # The scan itself: each kind of problem on a page is found.
    bad = (
        '<form><label for="id_phone">手机号:</label><input type="text" name="phone" id="id_phone">'
        '<select><option value="">---------</option></select><button>Submit</button></form>'
        "<p>确保该变量包含不超过 30 字符</p>"
    )
    found = problems(bad)
    assert any("ASCII colon" in p for p in found) and any("type=tel" in p for p in found)
    assert any("---------" in p for p in found) and any("确保该变量" in p for p in found)
    assert any("'Submit'" in p for p in found)
    good = '<form><label for="p">手机号</label><input type="tel" name="phone" id="p"><button>提交</button></form>'
    assert problems(good) == []


def test_polish_replaces_only_djangos_own_wording():
    from django.core.validators import MaxLengthValidator

    from core.forms import polish

    class Sample(forms.Form):
        name = forms.CharField(label="姓名（选填）", max_length=5, required=False)
        own = forms.CharField(label="说明", error_messages={"required": "写点什么吧。"})
        kept = forms.CharField(label="代码", validators=[MaxLengthValidator(3, message="代码太长。")])
        opens = forms.TimeField(label="开门")
        when = forms.SplitDateTimeField(label="开始")

    form = Sample({"name": "长" * 6, "kept": "abcd", "opens": "早上", "when_0": "明天", "when_1": "早上"})
    for name, field_ in form.fields.items():
        polish(polish(field_, name=name), name=name)  # twice: the same as once
    assert form.errors == {
        "name": ["姓名最多 5 个字（现在 6 个字）。"],
        "own": ["写点什么吧。"],
        "kept": ["代码太长。"],
        "opens": ["开门时间不是有效的时间。"],
        "when": ["开始的日期无效。", "开始的时间无效。"],
    }


# --- The admin ------------------------------------------------------------------------------------

ADMIN_MODELS = ("volunteers.serviceorder", "volunteers.activity", "organizations.servicecenter")
ADMIN_MODELS += ("organizations.partymember", "volunteers.volunteer", "projects.secretaryproject")
ADMIN_MODELS += ("indicators.instructor",)  # a field its admin form declares itself (the login's username)


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_admin_pages_read_like_chinese(label, client, world):
    # given the street staff in the admin
    client.force_login(world.users["street"])
    app_label, model_name = label.split(".")
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    add = reverse(f"admin:{app_label}_{model_name}_add")
    pages = {
        "home": client.get(reverse("admin:index")),
        "app": client.get(reverse("admin:app_list", args=[app_label])),
        "changelist": client.get(reverse(f"admin:{app_label}_{model_name}_changelist")),
        "add": client.get(add),
    }
    # posted with every field left blank, as a browser sends it (the inlines' counts included)
    blank = {}
    for inline in pages["add"].context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        blank |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    pages["add, posted blank"] = client.post(add, blank)
    assert pages["add, posted blank"].context["errors"], label
    record = model._default_manager.first()
    if record is not None:
        pages["change"] = client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[record.pk]))
    # then none shows Django's generic or English texts
    for what, response in pages.items():
        assert response.status_code == 200, (label, what)
        assert problems(response.content.decode(), english=False) == [], (label, what)
