from django.urls import path

from . import views

app_name = "papers"

urlpatterns = [
    path("", views.paper_list, name="list"),
    # Old-style ids contain a slash (hep-th/9711200).
    path("<arxiv_id:arxiv_id>/", views.paper_detail, name="detail"),
]
