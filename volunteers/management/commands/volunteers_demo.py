import time

from django.core.management.base import BaseCommand, CommandError

from organizations.models import Street
from volunteers.demo import demo_volunteers_seed


class Command(BaseCommand):
    help = (
        "Demo volunteer work for every Guicheng community: teams (with the 30 business-building teams "
        "of the 千灯湖 CBD), volunteers, activities and sign-ups, confirmed hours and their points, "
        "redemptions, responsibility posts and claims, 双报到 and 点单. Needs the Guicheng data and "
        "its demo members (bootstrap loads them first). Deterministic and safe to run again: "
        "communities that already have demo volunteers are left alone."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            created = demo_volunteers_seed()
        except Street.DoesNotExist as exc:
            raise CommandError("找不到桂城街道：请先运行 manage.py bootstrap 载入基础数据。") from exc
        self.stdout.write("志愿服务演示数据：")
        for model, count in created.items():
            self.stdout.write(f"  {model._meta.verbose_name}：新建 {count:,}，现有 {model._default_manager.count():,}")
        self.stdout.write(f"用时 {time.perf_counter() - started:.1f} 秒")
