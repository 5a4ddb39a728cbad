"""`make bench`: the speed targets, measured at Foshan scale on PostgreSQL."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from organizations.models import Community, PartyMember, Street
from organizations.services import roles_sync, staff_user_create

SEED_TARGET_SECONDS = 300
PAGE_TARGET_MS = 500
# The staff pages used every day, by the role that uses them.
PAGES = [
    "/admin/organizations/community/",
    "/admin/organizations/community/?o=6",
    "/admin/organizations/grid/",
    "/admin/organizations/partyorganization/",
    "/admin/organizations/partymember/",
    "/admin/organizations/partymember/?q=王",
    "/admin/organizations/position/",
    "/admin/organizations/servicecenter/",
    "/admin/projects/secretaryproject/",
    "/admin/projects/workitem/",
]
BENCH_USERS = {"bench-city": None, "bench-street": "桂城街道", "bench-secretary": "桂花社区"}


class Command(BaseCommand):
    help = (
        "Seed the Foshan-scale demo data (unless --skip-seed) and time the staff pages as a "
        "superuser, Guicheng street staff and the 桂花社区 secretary. Exits non-zero when a "
        f"target is missed (seed under {SEED_TARGET_SECONDS} s, each page's median under "
        f"{PAGE_TARGET_MS} ms). Needs PostgreSQL: results on SQLite say nothing about production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-seed", action="store_true", help="measure the data already there")
        parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (default 5)")
        parser.add_argument(
            "--only-volunteers", action="store_true", help="run only the volunteer-hours seed and import bench"
        )
        parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the hours file (default 100,000)")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("make bench needs DATABASE_URL pointing at PostgreSQL")
        missed = []
        if options["only_volunteers"]:
            self._volunteer_hours(options, missed)
            return self._verdict(missed)
        if not options["skip_seed"]:
            started = time.perf_counter()
            call_command("seed_demo", scale="foshan", stdout=self.stdout)
            call_command("projects_load", stdout=self.stdout)
            seconds = time.perf_counter() - started
            self.stdout.write(f"seed_demo --scale foshan: {seconds:.1f} s (target < {SEED_TARGET_SECONDS} s)")
            if seconds > SEED_TARGET_SECONDS:
                missed.append(f"seed {seconds:.0f} s")
        self.stdout.write(
            f"{Community.objects.count():,} communities, {PartyMember.objects.count():,} members on "
            f"{connection.settings_dict['NAME']}"
        )
        for user in self._users():
            client = Client()
            client.force_login(user)
            for url in PAGES:
                client.get(url)  # warm the caches, as a working day would
                timings, queries = [], 0
                for _ in range(options["repeat"]):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        response = client.get(url)
                        timings.append((time.perf_counter() - started) * 1000)
                    queries = len(captured)
                    if response.status_code != 200:
                        raise CommandError(f"{url} as {user.username}: HTTP {response.status_code}")
                median = statistics.median(timings)
                flag = "" if median <= PAGE_TARGET_MS else "  << over target"
                self.stdout.write(f"{user.username:16} {url:45} {median:7.0f} ms  {queries:2} queries{flag}")
                if flag:
                    missed.append(f"{url} as {user.username}: {median:.0f} ms")
        from indicators import bench as indicators_bench

        missed += indicators_bench.run(self.stdout)
        self._volunteer_hours(options, missed)
        self._verdict(missed)

    def _verdict(self, missed):
        if missed:
            raise CommandError("targets missed: " + "; ".join(missed))
        self.stdout.write(self.style.SUCCESS("all targets met"))

    def _volunteer_hours(self, options, missed):
        """5,000,000 service records (volunteers/demo/bench_records.py), then an hours file imported the way
        the admin's background import does it, against a raw bulk_create of the same file."""
        from volunteers.bench import IMPORT_RATE_TARGET, IMPORT_SHARE_TARGET, hours_import_bench
        from volunteers.demo.bench_records import bench_records_seed
        from volunteers.models import ServiceRecord

        if not options["skip_seed"]:
            started = time.perf_counter()
            written = bench_records_seed()
            self.stdout.write(f"volunteer hours seed: {written:,} records in {time.perf_counter() - started:.1f} s")
        self.stdout.write(f"{ServiceRecord.objects.count():,} service records")
        result = hours_import_bench(rows=options["import_rows"])
        self.stdout.write(
            f"hours import of {result['rows']:,} rows: portal {result['import_rate']:,.0f} rows/s "
            f"({result['import_seconds']:.1f} s), raw bulk_create {result['raw_rate']:,.0f} rows/s "
            f"({result['raw_seconds']:.1f} s): {result['share']:.0%} of bulk_create "
            f"(targets ≥ {IMPORT_RATE_TARGET:,} rows/s and ≥ {IMPORT_SHARE_TARGET:.0%})"
        )
        if result["import_rate"] < IMPORT_RATE_TARGET or result["share"] < IMPORT_SHARE_TARGET:
            missed.append(f"hours import {result['import_rate']:,.0f} rows/s, {result['share']:.0%} of bulk_create")

    def _users(self):
        roles_sync()
        User = get_user_model()
        users = []
        for username, place in BENCH_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None and place is None:
                user = User.objects.create_superuser(username, f"{username}@bench.local", None)
            elif user is None and place.endswith("街道"):
                user = staff_user_create(username=username, password=None, street=Street.objects.get(name=place))
            elif user is None:
                community = Community.objects.get(street__name="桂城街道", name=place)
                user = staff_user_create(username=username, password=None, communities=[community])
            users.append(user)
        return users
