from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from yingji.cases import urls as case_urls
from yingji.core import api as core_api
from yingji.core import health
from yingji.core import urls as core_urls
from yingji.core import views as core_views
from yingji.duty import urls as duty_urls
from yingji.hazards import urls as hazard_urls
from yingji.incidents import urls as incident_urls
from yingji.materials import urls as material_urls
from yingji.plans import urls as plan_urls
from yingji.regulations import urls as regulation_urls
from yingji.resources import urls as resource_urls
from yingji.search import urls as search_urls
from yingji.warnings import urls as warning_urls

api_v1 = [
    path("auth/token/", core_api.TokenView.as_view(), name="api-token"),
    *core_urls.api_urlpatterns,
    *incident_urls.api_urlpatterns,
    *plan_urls.api_urlpatterns,
    *regulation_urls.api_urlpatterns,
    *case_urls.api_urlpatterns,
    *material_urls.api_urlpatterns,
    *duty_urls.api_urlpatterns,
    *resource_urls.api_urlpatterns,
    *hazard_urls.api_urlpatterns,
    *warning_urls.api_urlpatterns,
    *search_urls.api_urlpatterns,
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", health.healthz, name="healthz"),
    path("org/", include(core_urls, namespace="core")),
    path("incidents/", include(incident_urls, namespace="incidents")),
    path("plans/", include(plan_urls, namespace="plans")),
    path("regulations/", include(regulation_urls, namespace="regulations")),
    path("cases/", include(case_urls, namespace="cases")),
    path("materials/", include(material_urls, namespace="materials")),
    path("duty/", include(duty_urls, namespace="duty")),
    path("resources/", include(resource_urls, namespace="resources")),
    path("hazards/", include(hazard_urls, namespace="hazards")),
    path("warnings/", include(warning_urls, namespace="warnings")),
    path("search/", include(search_urls, namespace="search")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
