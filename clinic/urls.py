from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("clinic.api.urls")),
    path("", include("clinic.web.urls")),  # staff pages, sign-in, live updates
]

handler400 = "clinic.api.errors.bad_request"
handler404 = "clinic.api.errors.not_found"
handler500 = "clinic.api.errors.server_error"
