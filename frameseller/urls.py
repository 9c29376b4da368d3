from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from frameseller import views

api_patterns = [
    path("", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("health/", views.HealthApi.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's start-up script as a file of its own (docs/?script), not inline: frameseller/csp.py.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

if settings.PHOTOS_SERVE_DERIVATIVES:
    # Thumbnails and previews stored as local files (settings "Photos"); never the originals.
    from catalog.views import derivative_serve

    urlpatterns.append(re_path(r"^media/(?P<name>(?:thumbs|previews)/[\w.-]+)$", derivative_serve, name="photo-media"))
