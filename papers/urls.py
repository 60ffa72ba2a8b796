from django.urls import path

from . import import_views, views

app_name = "papers"

urlpatterns = [
    path("", views.paper_list, name="list"),
    # Before the paper's page, whose key pattern would take these paths too.
    path("import/", import_views.import_records, name="import"),
    path("import/<id:job_id>/", import_views.import_job, name="import_job"),
    # The paper's key: its arXiv id (old-style ones contain a slash, hep-th/9711200) or paper-<id>.
    path("<arxiv_id:key>/", views.paper_detail, name="detail"),
]
