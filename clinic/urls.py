from django.contrib import admin
from django.urls import include, path

from clinic.graphql.views import GraphQL
from clinic.operations import views as operations

urlpatterns = [
    path("healthz", operations.healthz, name="healthz"),
    path("metrics", operations.metrics_page, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include("clinic.api.urls")),
    path("graphql", GraphQL.as_view(), name="graphql"),  # docs/api.md, "GraphQL"
    path("", include("clinic.web.urls")),  # staff pages, sign-in, live updates
]

handler400 = "clinic.api.errors.bad_request"
handler404 = "clinic.api.errors.not_found"
handler500 = "clinic.api.errors.server_error"
