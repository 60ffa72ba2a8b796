from django.urls import path

from .views import (
    annotations,
    assignments,
    comments,
    conflicts,
    dashboard,
    duplicates,
    history,
    invitations,
    pages,
    preferences,
    screening,
    settings,
    settings_vocabulary,
    team,
)

app_name = "reviews"

urlpatterns = [
    path("", pages.home, name="home"),
    # Outside reviews/<slug>/, so that no review's slug can hide them.
    path("new-review/", team.review_create, name="create"),
    path("add-papers/", team.add_filtered_papers, name="add_filtered_papers"),
    path("invitations/<slug:token>/", invitations.invitation_open, name="invitation"),
    path("preferences/screening/", preferences.screening_preferences, name="preferences"),
    path("reviews/<slug:slug>/", pages.review_paper_list, name="paper_list"),
    # Before the paper's page, whose arXiv id pattern would take "<id>/history" too.
    path("reviews/<slug:slug>/papers/<id:paper_id>/history/", history.paper_history, name="paper_history"),
    # Old-style arXiv ids contain a slash, so the id comes last.
    path("reviews/<slug:slug>/papers/<arxiv_id:key>/", pages.review_paper_detail, name="paper"),
    path("reviews/<slug:slug>/annotate/<id:paper_id>/tags/", annotations.tag_add, name="tag_add"),
    path(
        "reviews/<slug:slug>/annotate/<id:paper_id>/tags/<id:tag_id>/remove/",
        annotations.tag_remove,
        name="tag_remove",
    ),
    path("reviews/<slug:slug>/tags/suggestions/", annotations.tag_suggestions, name="tag_suggestions"),
    path("reviews/<slug:slug>/annotate/<id:paper_id>/score/", annotations.score, name="score"),
    path("reviews/<slug:slug>/annotate/<id:paper_id>/decision/", annotations.decide, name="decide"),
    path("reviews/<slug:slug>/annotate/<id:paper_id>/comments/", comments.comment_thread, name="comments"),
    path("reviews/<slug:slug>/annotate/<id:paper_id>/comments/add/", comments.comment_add, name="comment_add"),
    path("reviews/<slug:slug>/comments/<id:comment_id>/edit/", comments.comment_edit, name="comment_edit"),
    path("reviews/<slug:slug>/comments/<id:comment_id>/delete/", comments.comment_delete, name="comment_delete"),
    path("reviews/<slug:slug>/comments/<id:comment_id>/restore/", comments.comment_restore, name="comment_restore"),
    path("reviews/<slug:slug>/history/", history.review_history, name="history"),
    path("reviews/<slug:slug>/dashboard/", dashboard.dashboard, name="dashboard"),
    path("reviews/<slug:slug>/dashboard/<slug:chart>.svg", dashboard.dashboard_chart, name="dashboard_chart"),
    path("reviews/<slug:slug>/statistics/", dashboard.statistics, name="statistics"),
    path("reviews/<slug:slug>/conflicts/", conflicts.conflicts, name="conflicts"),
    path("reviews/<slug:slug>/conflicts/resolve/", conflicts.conflict_resolve, name="conflict_resolve"),
    path("reviews/<slug:slug>/duplicates/", duplicates.duplicates, name="duplicates"),
    path("reviews/<slug:slug>/duplicates/<id:candidate_id>/merge/", duplicates.duplicate_merge, name="duplicate_merge"),
    path(
        "reviews/<slug:slug>/duplicates/<id:candidate_id>/reject/",
        duplicates.duplicate_reject,
        name="duplicate_reject",
    ),
    path("reviews/<slug:slug>/screen/", screening.screen, name="screen"),
    path("reviews/<slug:slug>/screen/undo/", screening.screen_undo, name="screen_undo"),
    path("reviews/<slug:slug>/assignments/", assignments.assignments, name="assignments"),
    path("reviews/<slug:slug>/assignments/clear/", assignments.assignments_clear, name="assignments_clear"),
    path("reviews/<slug:slug>/settings/", settings.review_settings, name="settings"),
    path("reviews/<slug:slug>/settings/details/", settings.details_save, name="settings_details"),
    path("reviews/<slug:slug>/settings/screening/", settings.screening_save, name="settings_screening"),
    path("reviews/<slug:slug>/settings/members/", settings.member_add, name="settings_member_add"),
    path(
        "reviews/<slug:slug>/settings/members/<id:membership_id>/role/",
        settings.member_role,
        name="settings_member_role",
    ),
    path(
        "reviews/<slug:slug>/settings/members/<id:membership_id>/remove/",
        settings.member_remove,
        name="settings_member_remove",
    ),
    path(
        "reviews/<slug:slug>/settings/invitations/",
        invitations.invitation_create,
        name="settings_invitation_create",
    ),
    path(
        "reviews/<slug:slug>/settings/invitations/<id:invitation_id>/revoke/",
        invitations.invitation_revoke,
        name="settings_invitation_revoke",
    ),
    path("reviews/<slug:slug>/settings/tags/", settings_vocabulary.tag_create, name="settings_tag_create"),
    path("reviews/<slug:slug>/settings/tags/<id:tag_id>/", settings_vocabulary.tag_edit, name="settings_tag_edit"),
    path(
        "reviews/<slug:slug>/settings/tags/<id:tag_id>/delete/",
        settings_vocabulary.tag_delete,
        name="settings_tag_delete",
    ),
    path("reviews/<slug:slug>/settings/reasons/", settings_vocabulary.reason_create, name="settings_reason_create"),
    path(
        "reviews/<slug:slug>/settings/reasons/<id:reason_id>/",
        settings_vocabulary.reason_edit,
        name="settings_reason_edit",
    ),
    path(
        "reviews/<slug:slug>/settings/reasons/<id:reason_id>/delete/",
        settings_vocabulary.reason_delete,
        name="settings_reason_delete",
    ),
]
