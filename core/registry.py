"""数读: the key figures, each computed from the records it counts, never typed.

Each app declares its figures in its own ``key_figures.py``, a table (``FIGURES``, a tuple of
``Figure``), and registers them when it is ready (its ``AppConfig.ready()``)::

    from core.registry import Figure, on_figures_page

    FIGURES = (
        Figure(
            name="volunteers.teams",          # unique dotted id
            label="党员志愿服务队",            # Chinese label
            unit="支",
            compute=teams,                    # (Street) -> int | Decimal | None; None = cannot be computed yet
            demo=teams_demo,                  # (Street) -> bool: do demo records count towards it?
            admin_url=lambda street: "/admin/volunteers/volunteerteam/?…",  # the records it counts
            public_url=on_figures_page("volunteers.teams"),  # its column on the 数读明细 page
            help="未撤销的党员志愿服务队……",  # how it is counted; without public_url, also why
            order=101,                        # display order
        ),
    )

    # in the app's AppConfig.ready(), with ``from core.registry import register_all``:
    register_all(key_figures.FIGURES)

``public_url`` opens the public page that lists the records (reverse lazily, inside the
callable); a figure without one says in ``help`` where the list is kept instead.

``figures_for(street)`` gives each figure's value with its 截至 time (``as_of``), whether it
counts demo records (``is_demo``, shown as 演示数据) and its links, all read from one stored
snapshot per street (``core.models.FigureSnapshot``) that the home page, 数读明细, the lobby
screen and the API share. Any change to a record of the portal's apps makes the snapshot stale
(``core.public_cache``) and the next read recomputes it; the Celery beat entry
``indicators-refresh-figures`` rechecks it periodically, which also covers bulk writes that
send no signals and figures that move with the date.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .models import FigureSnapshot

logger = logging.getLogger(__name__)

Number = int | Decimal


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    compute: Callable[..., Number | None]
    admin_url: Callable[..., str | None] | None = None
    order: int = 0
    # The public page listing the records (the 数读明细 column, the honour roll); None when no
    # public page lists them, and then ``help`` says why.
    public_url: Callable[..., str | None] | None = None
    # How it is counted, and why it may not be computable yet: shown beside the value.
    help: str = ""
    # Whether demo records (``is_demo``) count towards the value: the figure is then marked
    # 演示数据 wherever it is shown. None: it counts no demo records.
    demo: Callable[..., bool] | None = None
    # Models whose changes make the value stale. A change to any record of the portal's apps
    # always does (``core.public_cache``), so this matters only for models outside them.
    depends_on: tuple[str, ...] = ()
    # What a 0 means, shown instead of a bare 0 where a 0 would mislead (a count of this year
    # early in the year: “今年尚无记录”). Empty: a 0 is shown as it is.
    zero_note: str = ""


@dataclass(frozen=True)
class FigureValue:
    """A figure's value for one street as of ``as_of`` (截至); ``value`` None means it cannot be
    computed yet (``help`` says why); ``is_demo`` that demo records count towards it."""

    name: str
    label: str
    unit: str
    value: Number | None
    as_of: datetime
    is_demo: bool = False
    admin_url: str | None = None
    public_url: str | None = None
    help: str = ""
    order: int = 0
    zero_note: str = ""

    @property
    def computable(self) -> bool:
        return self.value is not None

    @property
    def shown_as_note(self) -> bool:
        """A 0 the figure explains (``Figure.zero_note``) rather than shows."""
        return bool(self.zero_note) and self.value is not None and self.value == 0

    @property
    def urls(self) -> dict[str, str]:
        return {key: url for key, url in (("admin", self.admin_url), ("public", self.public_url)) if url}


@dataclass
class _Registry:
    figures: dict[str, Figure] = field(default_factory=dict)
    listeners: list[Callable[[Figure], None]] = field(default_factory=list)


_registry = _Registry()

GENERATION_KEY = "indicators:figures:generation"


def register(figure: Figure) -> Figure:
    """Add a figure. A second figure with the same name is a mistake and raises ``ValueError``."""
    if "." not in figure.name:
        raise ValueError(f"figure names are dotted ids such as 'volunteers.teams', not {figure.name!r}")
    if figure.name in _registry.figures:
        raise ValueError(f"a figure named {figure.name!r} is already registered")
    _registry.figures[figure.name] = figure
    for listener in _registry.listeners:
        listener(figure)
    return figure


def register_all(figures: Iterable[Figure]) -> None:
    """Add an app's table of figures (its ``key_figures.FIGURES``)."""
    for figure in figures:
        register(figure)


def unregister(name: str) -> None:
    """For tests: remove a figure registered by the test."""
    _registry.figures.pop(name, None)


def on_register(listener: Callable[[Figure], None]) -> None:
    """Call ``listener`` for every figure registered now and later (the signal wiring)."""
    _registry.listeners.append(listener)
    for figure in list(_registry.figures.values()):
        listener(figure)


def figures() -> list[Figure]:
    return sorted(_registry.figures.values(), key=lambda f: (f.order, f.name))


def registered_names() -> list[str]:
    return [figure.name for figure in figures()]


def get(name: str) -> Figure | None:
    return _registry.figures.get(name)


# --- Links -------------------------------------------------------------------------------------


def admin_list(model_label: str, **params) -> str:
    """The admin list of ``model_label`` ("organizations.Grid") filtered by ``params``, which
    must be lookups that model's admin accepts (an unknown one sends the admin to ``?e=1``)."""
    app_label, model_name = model_label.lower().split(".")
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse(f"admin:{app_label}_{model_name}_changelist") + (f"?{query}" if query else "")


def on_figures_page(anchor: str) -> Callable[..., str]:
    """The public list of a figure's records: its column on the 数读明细 page (``portal/site/
    figures_table.py``), which counts them per community and adds them up to the figure."""

    def public_url(street) -> str:
        return f"{reverse('site:figures')}?street={street.pk}#{anchor}"

    return public_url


# --- Values -----------------------------------------------------------------------------------
#
# The snapshot (``core.models.FigureSnapshot``, one row per street) is the single source every
# surface reads. It stays valid while the records' *generation* (a token in the cache) is the
# one it was computed from: ``invalidate()`` replaces the token, which ``public_content_changed``
# does on every change to a record of the portal's apps (at once, and again when the change
# commits, so a snapshot computed in between is not kept). The next read then recomputes it.
# A recomputation that finds the same values keeps their ``as_of``, so a page rendered before
# it and one rendered after show the same 截至 time; the Celery beat entry also rechecks every
# street (bulk writes without a signal, figures that move with the date), as does a read of a
# snapshot not checked for ``INDICATORS_FIGURES_CACHE_SECONDS``.


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A fresh cache (or Redis down): a new token, which no stored snapshot carries.
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY) or uuid.uuid4().hex
    return generation


def invalidate() -> None:
    """The records changed: every street's snapshot is stale and is recomputed when next read."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def _call(function, street, figure: Figure, what: str):
    if function is None:
        return None
    try:
        return function(street)
    except Exception:  # one broken figure must not take the 数读 panel down
        logger.exception("数读：计算 %s 的%s失败", figure.name, what)
        return None


def compute(figure: Figure, street, *, now: datetime | None = None) -> FigureValue:
    value = _call(figure.compute, street, figure, "数值")
    if value is not None and not isinstance(value, int | Decimal):
        value = Decimal(str(value))
    return _value_of(
        figure,
        value=value,
        as_of=now or timezone.now(),
        is_demo=value is not None and bool(_call(figure.demo, street, figure, "演示数据标记")),
        admin_url=_call(figure.admin_url, street, figure, "后台链接"),
        public_url=_call(figure.public_url, street, figure, "公开链接"),
    )


def _value_of(figure: Figure, **computed) -> FigureValue:
    """``figure``'s value from what was computed (now, or read back from the snapshot)."""
    return FigureValue(
        name=figure.name,
        label=figure.label,
        unit=figure.unit,
        help=figure.help,
        order=figure.order,
        zero_note=figure.zero_note,
        **computed,
    )


def _stored(value: FigureValue) -> dict:
    number = value.value
    return {
        "value": None if number is None else str(number),
        "decimal": isinstance(number, Decimal),
        "is_demo": value.is_demo,
        "admin_url": value.admin_url,
        "public_url": value.public_url,
    }


def _read(snapshot: FigureSnapshot) -> list[FigureValue]:
    values = []
    for figure in figures():
        stored = snapshot.values[figure.name]
        number = stored["value"]
        if number is not None:
            number = Decimal(number) if stored["decimal"] else int(number)
        values.append(
            _value_of(
                figure,
                value=number,
                as_of=snapshot.as_of,
                is_demo=stored["is_demo"],
                admin_url=stored["admin_url"],
                public_url=stored["public_url"],
            )
        )
    return values


def _snapshot(street) -> FigureSnapshot | None:
    return FigureSnapshot.objects.filter(street_pk=street.pk).first()


def refresh(street) -> list[FigureValue]:
    """Compute every figure of ``street`` now and store the snapshot. Its ``as_of`` moves only
    when a value (or its demo mark, or a link) changed; then the cached pages are dropped too,
    which catches bulk writes that sent no signal."""
    generation = _generation()  # read before computing: a change meanwhile stays a change
    return _recompute(street, _snapshot(street), generation)


def _recompute(street, snapshot: FigureSnapshot | None, generation: str) -> list[FigureValue]:
    now = timezone.now()
    stored = {figure.name: _stored(compute(figure, street, now=now)) for figure in figures()}
    changed = snapshot is None or snapshot.values != stored
    if snapshot is None:
        snapshot = FigureSnapshot(street_pk=street.pk)
    if changed:
        snapshot.values, snapshot.as_of = stored, now
    snapshot.checked_at, snapshot.generation = now, generation
    try:
        with transaction.atomic():
            # Unchanged values: only the check is recorded.
            snapshot.save(update_fields=None if changed else ["checked_at", "generation"])
    except IntegrityError:  # another request stored this street's first snapshot meanwhile
        snapshot = _snapshot(street)
        return _read(snapshot)
    if changed:
        from core.public_cache import pages_changed

        pages_changed()
    return _read(snapshot)


def figures_for(street) -> list[FigureValue]:
    """The key figures of ``street`` from its stored snapshot (one query), recomputed first when
    the records changed since, or when it has not been checked for a while."""
    generation = _generation()
    snapshot = _snapshot(street)
    if (
        snapshot is None
        or snapshot.generation != generation
        or set(snapshot.values) != set(_registry.figures)
        or timezone.now() - snapshot.checked_at > timedelta(seconds=settings.INDICATORS_FIGURES_CACHE_SECONDS)
    ):
        return _recompute(street, snapshot, generation)
    return _read(snapshot)
