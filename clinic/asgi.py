"""The ASGI application: what a web server loads to serve the clinic."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
application = get_asgi_application()

# After Django is set up:
from clinic.logs import redact_access_log  # noqa: E402
from readmodels.startup import catch_up_in_background  # noqa: E402

# The web server's access log keeps no query string's values (clinic.logs says why).
redact_access_log()
# A web process catches the read side up as it starts (readmodels.startup says why here).
catch_up_in_background()
