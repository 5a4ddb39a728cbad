"""责任岗位: members claim responsibility posts."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.models import PartyMember

from ..models import PostClaim, ResponsibilityPost
from ._common import _in_scope, _save

# --- 责任岗位 ---------------------------------------------------------------------------------


@transaction.atomic
def post_claim(*, post: ResponsibilityPost, member: PartyMember, user) -> PostClaim:
    """A member without a post claims a post, while it has room (the post is locked)."""
    post = _in_scope(ResponsibilityPost, post.pk, user, "这个岗位不在你的工作范围内。")
    if not post.is_open:
        raise ValidationError("这个岗位暂不开放认领。")
    existing = PostClaim.objects.active().filter(post=post, member=member).first()
    if existing is not None:
        return existing
    if PostClaim.objects.active().filter(post=post).count() >= post.effective_limit:
        raise ValidationError(f"这个岗位已满（上限 {post.effective_limit} 人）。")
    return _save(PostClaim(post=post, member=member, claimed_by=user), user)


@transaction.atomic
def post_claim_end(*, claim: PostClaim, user, ended_on: date | None = None) -> PostClaim:
    claim = _in_scope(PostClaim, claim.pk, user, "这条认领不在你的工作范围内。")
    if claim.ended_on is None:
        claim.ended_on = ended_on or timezone.localdate()
        _save(claim, user)
    return claim
