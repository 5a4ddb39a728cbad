from django.apps import AppConfig

# What a community secretary may do here, on their own community's records only (the scope does
# the "own"): read the schemes, periods, scores, ratings and cases, keep their cases' plans and
# record follow-up visits. Closing, publishing and reopening periods are the street's.
SECRETARY_PERMISSIONS = {
    "indicators.scheme": ("view",),
    "indicators.dimension": ("view",),
    "indicators.subindicator": ("view",),
    "indicators.period": ("view",),
    "indicators.score": ("view",),
    "indicators.rating": ("view",),
    "indicators.rectificationcase": ("view", "change"),
    "indicators.followupvisit": ("view", "add"),
    "indicators.mentor": ("view",),
    "indicators.instructor": ("view",),
}


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "战斗力指数与数读"

    def ready(self) -> None:
        from organizations.services import register_role_permissions

        register_role_permissions(SECRETARY_PERMISSIONS)

        from core.registry import register_all

        from . import signals
        from .key_figures import FIGURES

        signals.connect()
        register_all(FIGURES)
