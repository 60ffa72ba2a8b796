"""A person's screening preferences (auto-advance, single-key shortcuts): one small form, a plain POST."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from config.htmx import HtmxHttpRequest

from ..forms import ScreeningPreferencesForm
from ..models import ScreeningPreferences
from .responses import safe_next_url


@login_required
@require_http_methods(["GET", "POST"])
def screening_preferences(request: HtmxHttpRequest) -> HttpResponse:
    preferences = ScreeningPreferences.for_user(request.user)
    back_to = safe_next_url(request, reverse("reviews:home"))
    if request.method == "POST":
        form = ScreeningPreferencesForm(request.POST, instance=preferences)
        if form.is_valid():
            form.save()
            messages.success(request, "Screening preferences saved.")
            return HttpResponseRedirect(back_to)
        return render(request, "reviews/preferences.html", {"form": form, "back_to": back_to}, status=422)
    form = ScreeningPreferencesForm(instance=preferences)
    return render(request, "reviews/preferences.html", {"form": form, "back_to": back_to})
