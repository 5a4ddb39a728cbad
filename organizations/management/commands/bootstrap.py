import os
import stat
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from organizations.models import Community, Street
from organizations.services import generate_password, guicheng_load, roles_sync, staff_user_create

PASSWORD_FILE = Path(settings.BASE_DIR) / ".admin-password"

# Demo logins, one per role, so the scope can be tried at once.
DEMO_STAFF = [
    ("jiedao", None, "街道工作人员：整个桂城街道"),
    ("guihua", "桂花社区", "社区书记：只看桂花社区"),
    ("tongxin", "同心社区", "社区书记：只看同心社区"),
]


class Command(BaseCommand):
    help = (
        "Prepare a local portal: staff roles, the Guicheng data, the demo data and the logins. "
        "Safe to run again: existing data and passwords are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="load the reference data only")

    def handle(self, *args, **options):
        roles_sync()
        street = guicheng_load()
        self.stdout.write(f"已载入 {street.name}：{Community.objects.filter(street=street).count()} 个社区")
        if not options["no_demo"]:
            call_command("seed_demo", scale="guicheng", stdout=self.stdout)
        call_command("projects_load", demo=not options["no_demo"], stdout=self.stdout)
        call_command("indicators_load", demo=not options["no_demo"], stdout=self.stdout)
        password = self._password()
        self._logins(street, password)
        if not options["no_demo"]:
            call_command("volunteers_demo", stdout=self.stdout)  # after the logins: a reviewer exists

    def _password(self) -> str:
        if os.environ.get("DJANGO_ADMIN_PASSWORD"):
            return os.environ["DJANGO_ADMIN_PASSWORD"]
        if PASSWORD_FILE.exists():
            return PASSWORD_FILE.read_text().strip()
        password = generate_password()
        PASSWORD_FILE.write_text(password + "\n")
        PASSWORD_FILE.chmod(stat.S_IRUSR | stat.S_IWUSR)
        return password

    def _logins(self, street: Street, password: str) -> None:
        User = get_user_model()
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            User.objects.create_superuser("admin", "admin@guicheng.local", password)
        elif os.environ.get("DJANGO_ADMIN_PASSWORD"):
            admin.set_password(password)
            admin.save(update_fields=["password"])
        for username, community_name, _ in DEMO_STAFF:
            if User.objects.filter(username=username).exists():
                continue
            if community_name:
                staff_user_create(
                    username=username,
                    password=password,
                    communities=[Community.objects.get(street=street, name=community_name)],
                    email=f"{username}@guicheng.local",
                )
            else:
                staff_user_create(
                    username=username, password=password, street=street, email=f"{username}@guicheng.local"
                )
        lines = ["", "管理后台：http://127.0.0.1:8000/admin/", f"  admin（超级管理员） 密码：{password}"]
        lines += [f"  {username}（{note}） 密码：{password}" for username, _, note in DEMO_STAFF]
        lines.append(f"  （密码保存在 {PASSWORD_FILE.name}；设置 DJANGO_ADMIN_PASSWORD 可指定）")
        self.stdout.write("\n".join(lines))
