from django.urls import path

from . import figures_table, honour, views, volunteering

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("figures/", figures_table.figures, name="figures"),
    path("centers/", views.center_list, name="centers"),
    path("centers/near/", views.centers_near, name="centers_near"),
    path("centers/<int:pk>/", views.center_detail, name="center"),
    path("communities/", views.street_list, name="streets"),
    path("communities/<int:pk>/", views.community_detail, name="community"),
    path("projects/", views.project_board, name="projects"),
    path("projects/<int:year>/", views.project_board, name="projects_year"),
    path("projects/p/<int:pk>/", views.project_detail, name="project"),
    path("730/", views.plan_board, name="plan"),
    path("730/<int:year>/", views.plan_board, name="plan_year"),
    path("730/<int:year>/print/", views.plan_board, {"printable": True}, name="plan_print"),
    path("honour/", honour.honour_roll, name="honour"),
    path("honour/<int:pk>/", honour.subject_history, name="subject"),
    path("activities/", volunteering.activity_list, name="activities"),
    path("activities/<int:pk>/", volunteering.activity_detail, name="activity"),
    path("activities/<int:pk>/signup/", volunteering.activity_signup, name="activity_signup"),
    path("activities/<int:pk>/cancel/", volunteering.activity_cancel, name="activity_cancel"),
    path("volunteer/register/", volunteering.register, name="register"),
    path("volunteer/login/", volunteering.VolunteerLoginView.as_view(), name="login"),
    path("volunteer/logout/", volunteering.logout_view, name="logout"),
    path("me/", volunteering.me, name="me"),
    path("me/redeem/<int:pk>/", volunteering.redeem, name="redeem"),
    path("me/certificate/", volunteering.certificate, name="certificate"),
    path("orders/new/", volunteering.order_new, name="order_new"),
    path("orders/", volunteering.order_lookup, name="order_lookup"),
    path("orders/<str:code>/", volunteering.order_detail, name="order"),
    path("search/", views.search, name="search"),
    path("robots.txt", views.robots, name="robots"),
]
