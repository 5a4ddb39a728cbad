from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "组织架构"

    def ready(self) -> None:
        # 数读: the organizations figures join the key-figure registry.
        from core.registry import register_all

        from .key_figures import FIGURES

        register_all(FIGURES)

        from . import signals  # noqa: F401 — the one-time password flag
