"""The WSGI application: what a web server loads to serve the clinic."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
application = get_wsgi_application()

# A web process catches the read side up as it starts (readmodels.startup says why here).
from readmodels.startup import catch_up_in_background  # noqa: E402  (after Django is set up)

catch_up_in_background()
