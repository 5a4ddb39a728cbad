from django.urls import path

from . import views

app_name = "screen"

urlpatterns = [
    path("", views.screen, name="home"),
    path("<int:street_pk>/", views.screen, name="street"),
    path("<int:street_pk>/panels/", views.panels, name="panels"),
]
