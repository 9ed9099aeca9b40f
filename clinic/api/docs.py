"""The API's interactive documentation under the Content-Security-Policy
(settings): drf-spectacular's split Swagger UI view serves the start-up script as
a file (``?script``), not inline, and our template replaces its inline
``<style>`` with a stylesheet.
"""
from drf_spectacular.views import SpectacularSwaggerSplitView


class Docs(SpectacularSwaggerSplitView):
    template_name = "api/docs.html"
    url_name = "api:schema"
