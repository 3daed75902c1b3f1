from django.urls import path

from governance import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
