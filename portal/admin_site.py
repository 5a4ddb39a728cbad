"""The admin site of the portal: Django's own, with the street's work queue on its home page.

``PortalAdminConfig`` is installed in place of ``django.contrib.admin`` (settings), so
``admin.site`` is a ``PortalAdminSite`` and every ``@admin.register`` keeps working unchanged."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class PortalAdminSite(admin.AdminSite):
    # Its script forgets the workspace's drafts and offline pages: phones are shared.
    logout_template = "admin/logged_out.html"

    def index(self, request, extra_context=None):
        from .work_queue import reports, work_queue

        extra_context = {
            "work_queue": work_queue(request.user),
            "work_reports": reports(request.user),
            **(extra_context or {}),
        }
        return super().index(request, extra_context)


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"
