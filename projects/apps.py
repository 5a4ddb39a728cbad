from django.apps import AppConfig

# What a community secretary may do in the admin, on their own community's records only (the
# scope does the "own"). Progress updates and photos are append-only: no delete, and "change"
# on an update is further limited to its author within the edit window. The 730 plan is the
# street's: secretaries may only read it.
SECRETARY_PERMISSIONS = {
    "projects.secretaryproject": ("view", "change"),
    "projects.projecttarget": ("view", "add", "change"),
    "projects.projectmilestone": ("view", "add", "change", "delete"),
    "projects.progressupdate": ("view", "add", "change"),
    "projects.updatephoto": ("view", "add"),
    "projects.workplan": ("view",),
    "projects.worktheme": ("view",),
    "projects.workitem": ("view",),
}


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "书记工程与桂城党建730"

    def ready(self) -> None:
        from organizations.services import register_role_permissions

        register_role_permissions(SECRETARY_PERMISSIONS)

        from . import signals

        signals.connect()

        from core.uploads import register_upload

        from .models import ProgressUpdate, UpdatePhoto

        # A progress photo is public when its update is (a public project's, a public plan's);
        # its display copy and thumbnail with it.
        for field in ("image", "display", "thumb"):
            register_upload(
                UpdatePhoto, field, public=lambda rows: rows.filter(update__in=ProgressUpdate.objects.public())
            )
