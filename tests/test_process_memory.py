"""A web process does not load the statistics and machine-learning libraries until a page needs them: scikit-learn,
statsmodels and scipy.stats (with the pandas they bring) took about 100 MB in every gunicorn worker and import."""

import os
import subprocess
import sys

HEAVY = ("sklearn", "statsmodels", "pandas", "krippendorff", "scipy.stats")


def test_loading_the_site_does_not_import_the_heavy_libraries():
    script = (
        "import django, sys; django.setup(); import config.urls; "
        f"print(','.join(name for name in {HEAVY!r} if name in sys.modules))"
    )
    loaded = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    ).stdout.strip()
    assert loaded == ""
