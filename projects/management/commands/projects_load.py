from django.core.management.base import BaseCommand, CommandError

from organizations.models import Street
from projects.demo import demo_updates_load
from projects.models import ProgressUpdate, SecretaryProject, WorkItem
from projects.services import PROJECTS_FIXTURE, projects_2023_load


class Command(BaseCommand):
    help = (
        "Load the 2023 桂城党建730 plan (7 themes, 30 items) and the 45 书记工程 from "
        "fixtures/projects_2023.json, then (unless --no-demo) a deterministic year of demo progress "
        "updates. Needs the Guicheng data (bootstrap loads it first). Safe to run again: records are "
        "matched on natural keys, and demo updates go only to projects and items that have none."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", dest="demo", action="store_false", help="skip the demo progress updates")
        parser.add_argument("--path", default=str(PROJECTS_FIXTURE), help="the fixture file to load")

    def handle(self, *args, demo=True, path=str(PROJECTS_FIXTURE), **options):
        try:
            plan = projects_2023_load(path=path)
        except Street.DoesNotExist as exc:
            raise CommandError(
                "找不到桂城街道：请先运行 manage.py bootstrap（或 guicheng_load）载入基础数据。"
            ) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{path}") from exc
        written = demo_updates_load(year=plan.year) if demo else 0
        self.stdout.write(
            f"已载入 {plan}：{WorkItem.objects.for_year(plan.year).count()} 条要点，"
            f"{SecretaryProject.objects.for_year(plan.year).count()} 个书记工程；"
            f"新增演示进展 {written} 条（共 {ProgressUpdate.objects.count()} 条）"
        )
