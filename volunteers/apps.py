from django.apps import AppConfig

# What a community secretary may do in the admin, on their own community's records only (the
# scope does the "own"). The points ledger is append-only and written by the services; rewards
# and hours files are the street's.
SECRETARY_PERMISSIONS = {
    "volunteers.volunteerteam": ("view", "add", "change"),
    "volunteers.volunteer": ("view", "add", "change"),
    "volunteers.activity": ("view", "add", "change"),
    "volunteers.signup": ("view", "add", "change"),
    "volunteers.servicerecord": ("view", "add", "change"),
    "volunteers.pointsentry": ("view",),
    "volunteers.reward": ("view",),
    "volunteers.redemption": ("view", "add", "change"),
    "volunteers.communitycheckin": ("view", "add", "change"),
    "volunteers.responsibilitypost": ("view", "add", "change"),
    "volunteers.postclaim": ("view", "add", "change"),
    "volunteers.serviceorder": ("view", "change"),
}


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = "党员志愿服务"

    def ready(self) -> None:
        from organizations.services import register_role_permissions

        register_role_permissions(SECRETARY_PERMISSIONS)

        # 数读: the volunteer figures join the key-figure registry.
        from core.registry import register_all

        from .key_figures import FIGURES

        register_all(FIGURES)
