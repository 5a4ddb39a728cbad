from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core import registry
from indicators.demo import demo_ratings_load, demo_summary
from indicators.services import indicators_load
from organizations.models import Street


class Command(BaseCommand):
    help = (
        "Load the default 战斗力指数 schemes and the published key figures (fixtures/indicators.json); "
        "with --demo, also score, close and rate 2023's quarters for Guicheng's economic-society "
        "branches. Safe to run again: nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also load the demo scores and ratings")

    def handle(self, *args, **options):
        try:
            schemes = indicators_load()
            self.stdout.write(f"战斗力指数：{len(schemes)} 个默认方案，公布数据已载入")
            if options["demo"]:
                counts = demo_ratings_load()
                self.stdout.write(f"演示评分 {counts['scores']} 条；{demo_summary()}")
        except (Street.DoesNotExist, ValidationError) as exc:
            raise CommandError(f"无法载入战斗力指数数据：{exc}") from exc
        for street in Street.objects.filter(name="桂城街道"):
            registry.refresh(street)
