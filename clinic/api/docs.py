"""The schema and its interactive documentation: for the clinic's staff only.

The schema maps every operation and field of patient records, so, like the API,
it answers only signed-in staff, with a token or a session
(``SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]``). Anyone else:

* ``/api/schema/`` — what an integrator's tool fetches — answers 401 (403 for an
  account that is not staff) with the API's one JSON error body, whatever format
  was asked for;
* ``/api/docs/`` — what a person opens in a browser — sends them to the sign-in
  page and back (403 page for an account that is not staff).

Swagger UI runs under the Content-Security-Policy (settings): drf-spectacular's
split view serves the start-up script as a file (``?script``), not inline, and
our template replaces its inline ``<style>`` with a stylesheet.
"""
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated
from rest_framework.renderers import JSONRenderer


class Schema(SpectacularAPIView):
    def handle_exception(self, exc):
        # The view's renderers write OpenAPI documents (YAML, or JSON with the
        # OpenAPI media type); a refusal is the API's JSON error instead.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class Docs(SpectacularSwaggerSplitView):
    template_name = "api/docs.html"
    url_name = "api:schema"

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
