from django.urls import path

from . import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/progress/", views.project_progress, name="project_progress"),
    path("730/<int:pk>/progress/", views.item_progress, name="item_progress"),
    path("hours/", views.records, name="records"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("centers/", views.centers, name="centers"),
    path("centers/<int:pk>/hours/", views.center_hours, name="center_hours"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("cases/<int:pk>/visit/", views.case_visit, name="case_visit"),
    path("sw.js", views.service_worker, name="service_worker"),
]
