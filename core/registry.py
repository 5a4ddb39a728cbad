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

``figures_for(street)`` gives each figure's value with the time it was computed and its links.
Values are cached (Redis when ``REDIS_URL`` is set) per street. Any change to a model a figure
declares in ``depends_on`` invalidates every street's figures (``signals``); the Celery beat
entry ``indicators-refresh-figures`` recomputes them periodically, which also covers bulk writes
that send no signals.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

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
    # Model labels ("organizations.Community") whose changes make the cached value stale.
    depends_on: tuple[str, ...] = ()
    # What a 0 means, shown instead of a bare 0 where a 0 would mislead (a count of this year
    # early in the year: “今年尚无记录”). Empty: a 0 is shown as it is.
    zero_note: str = ""


@dataclass(frozen=True)
class FigureValue:
    """A figure's value for one street as of ``computed_at``; ``value`` None means it cannot be
    computed yet (``help`` says why)."""

    name: str
    label: str
    unit: str
    value: Number | None
    computed_at: datetime
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

CACHE_PREFIX = "indicators:figures"
GENERATION_KEY = f"{CACHE_PREFIX}:generation"


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


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A fresh cache (or Redis down): any number works, as long as it is the same until bumped.
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY) or 1
    return generation


def _key(street_id: int) -> str:
    # The registered names are part of the key: a deploy that adds a figure reads fresh values
    # instead of a cached list without it.
    names = hashlib.sha256("|".join(sorted(_registry.figures)).encode()).hexdigest()[:12]
    return f"{CACHE_PREFIX}:{_generation()}:{names}:{street_id}"


def invalidate() -> None:
    """Every street's cached figures are stale: the next read recomputes them."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


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
    return FigureValue(
        name=figure.name,
        label=figure.label,
        unit=figure.unit,
        value=value,
        computed_at=now or timezone.now(),
        admin_url=_call(figure.admin_url, street, figure, "后台链接"),
        public_url=_call(figure.public_url, street, figure, "公开链接"),
        help=figure.help,
        order=figure.order,
        zero_note=figure.zero_note,
    )


def refresh(street) -> list[FigureValue]:
    """Compute every figure for ``street`` now and cache the result."""
    now = timezone.now()
    values = [compute(figure, street, now=now) for figure in figures()]
    before = cache.get(_key(street.pk))
    cache.set(_key(street.pk), values, timeout=settings.INDICATORS_FIGURES_CACHE_SECONDS)
    if before is None or [_shown(v) for v in before] != [_shown(v) for v in values]:
        # The figures catch bulk writes that sent no signal: the pages showing them are stale.
        from core.public_cache import public_content_changed

        public_content_changed()
    return values


def _shown(value: FigureValue) -> tuple:
    """What a public page shows of a figure (its computing time aside)."""
    return (value.name, value.value, value.public_url, value.help)


def figures_for(street) -> list[FigureValue]:
    """The key figures of ``street``, from the cache when they are there."""
    values = cache.get(_key(street.pk))
    if values is None:
        values = refresh(street)
    return values
