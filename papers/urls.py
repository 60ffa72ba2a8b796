from django.urls import path

from . import views

app_name = "papers"

urlpatterns = [
    path("", views.paper_list, name="list"),
    # The paper's key: its arXiv id (old-style ones contain a slash, hep-th/9711200) or paper-<id>.
    path("<arxiv_id:key>/", views.paper_detail, name="detail"),
]
