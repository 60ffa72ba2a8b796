from django.urls import path

from .views import annotations, comments, pages

app_name = "reviews"

urlpatterns = [
    path("", pages.home, name="home"),
    path("reviews/<slug:slug>/", pages.review_paper_list, name="paper_list"),
    # Old-style arXiv ids contain a slash, so the id comes last.
    path("reviews/<slug:slug>/papers/<path:arxiv_id>/", pages.review_paper_detail, name="paper"),
    path("reviews/<slug:slug>/annotate/<int:paper_id>/tags/", annotations.tag_add, name="tag_add"),
    path(
        "reviews/<slug:slug>/annotate/<int:paper_id>/tags/<int:tag_id>/remove/",
        annotations.tag_remove,
        name="tag_remove",
    ),
    path("reviews/<slug:slug>/annotate/<int:paper_id>/score/", annotations.score, name="score"),
    path("reviews/<slug:slug>/annotate/<int:paper_id>/decision/", annotations.decide, name="decide"),
    path("reviews/<slug:slug>/annotate/<int:paper_id>/comments/", comments.comment_thread, name="comments"),
    path("reviews/<slug:slug>/annotate/<int:paper_id>/comments/add/", comments.comment_add, name="comment_add"),
    path("reviews/<slug:slug>/comments/<int:comment_id>/edit/", comments.comment_edit, name="comment_edit"),
    path("reviews/<slug:slug>/comments/<int:comment_id>/delete/", comments.comment_delete, name="comment_delete"),
]
