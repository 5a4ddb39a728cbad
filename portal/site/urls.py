from django.urls import path

from . import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("centers/", views.center_list, name="centers"),
    path("centers/<int:pk>/", views.center_detail, name="center"),
    path("communities/", views.street_list, name="streets"),
    path("communities/<int:pk>/", views.community_detail, name="community"),
    path("projects/", views.project_board, name="projects"),
    path("projects/<int:year>/", views.project_board, name="projects_year"),
    path("projects/p/<int:pk>/", views.project_detail, name="project"),
    path("730/", views.plan_board, name="plan"),
    path("730/<int:year>/", views.plan_board, name="plan_year"),
    path("730/<int:year>/print/", views.plan_board, {"printable": True}, name="plan_print"),
    path("search/", views.search, name="search"),
    path("robots.txt", views.robots, name="robots"),
]
