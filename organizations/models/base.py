"""Shared model machinery: pinyin search keys and natural-key managers."""

from __future__ import annotations

from django.db import models
from pypinyin import Style, lazy_pinyin


def pinyin_of(text: str) -> str:
    """“桂花社区” → “guihuashequ”: full pinyin for search, letters and digits kept as typed."""
    return "".join(lazy_pinyin(text)).lower()


def initials_of(text: str) -> str:
    """“桂花社区” → “ghsq”: the initials people type into a search box."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


class PinyinMixin(models.Model):
    """Pinyin beside the name, so “ghsq” or “guihua” finds 桂花社区 in every search box.
    Filled on save(); bulk paths call ``fill_pinyin()`` themselves."""

    pinyin = models.CharField("拼音", max_length=255, blank=True, editable=False)
    initials = models.CharField("拼音首字母", max_length=60, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.fill_pinyin()
        super().save(*args, **kwargs)

    def fill_pinyin(self) -> None:
        self.pinyin = pinyin_of(self.name)
        self.initials = initials_of(self.name)


class NaturalKeyManager(models.Manager):
    """Looks records up by the names a person would use (see each model's ``natural_key``)."""

    natural_fields: tuple[str, ...] = ()

    def get_by_natural_key(self, *key):
        return self.get(**dict(zip(self.natural_fields, key, strict=True)))


def manager_for(queryset_class, *fields):
    return type(
        f"{queryset_class.__name__}Manager",
        (NaturalKeyManager.from_queryset(queryset_class),),
        {"natural_fields": fields},
    )()
