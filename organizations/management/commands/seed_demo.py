import time

from django.core.management.base import BaseCommand, CommandError

from organizations.demo import demo_foshan_seed, demo_guicheng_seed

SCALES = ("guicheng", "foshan")


class Command(BaseCommand):
    help = (
        "Generate demo data, all marked is_demo. --scale guicheng fills Guicheng out to its published "
        "size (~700 grids, 460+ branches, ~10,000 members, 一肩挑 in 15 communities); --scale foshan adds "
        "demo streets up to the city-wide size (32 streets, 787 communities, 16,810 grids, ~350,000 members) "
        "for benchmarks on PostgreSQL. Deterministic and safe to run again: only missing rows are created."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="guicheng", help="guicheng (default) or foshan")

    def handle(self, *args, **options):
        scale = options["scale"]
        # call_command() does not check choices for keyword options, so check here too.
        if scale not in SCALES:
            raise CommandError(f"未知的规模：{scale}（可选 {'、'.join(SCALES)}）")
        started = time.perf_counter()
        try:
            created = demo_guicheng_seed() if scale == "guicheng" else demo_foshan_seed()
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started

        label = "桂城街道" if scale == "guicheng" else "佛山全市"
        self.stdout.write(f"演示数据（{label}规模）：")
        for model, count in created.items():
            total = model._default_manager.count()
            self.stdout.write(f"  {model._meta.verbose_name}：新建 {count:,}，现有 {total:,}")
        self.stdout.write(f"用时 {elapsed:.1f} 秒")
