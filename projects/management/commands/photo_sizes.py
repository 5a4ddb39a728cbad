from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from projects.models import UpdatePhoto
from projects.services import photo_sizes_make


class Command(BaseCommand):
    help = (
        "Make the display copy (1280 px) and the thumbnail (480 px wide) of the progress photos "
        "stored without them, e.g. uploaded before the copies existed; new uploads get them when "
        "they are saved. Safe to run again: photos that have them are left alone (unless --again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--again", action="store_true", help="make the copies of every photo anew")

    def handle(self, *args, again=False, **options):
        photos = UpdatePhoto.objects.order_by("pk")
        if not again:
            photos = photos.filter(Q(display="") | Q(thumb="") | Q(width__isnull=True) | Q(height__isnull=True))
        made, failed = photo_sizes_make(photos.iterator(chunk_size=100), again=again)
        for line in failed:
            self.stderr.write(line)
        self.stdout.write(f"已为 {made} 张进展照片生成展示图和缩略图（共 {UpdatePhoto.objects.count()} 张）。")
        if failed:
            raise CommandError(f"{len(failed)} 张照片无法生成（文件缺失或无法读取），见上。")
