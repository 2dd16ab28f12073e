"""The commercial pages. Mounted at the site root: they live under /products/, /dashboard/, /sales/ and
the account page (/accounts/<pk>/commercial/ ...)."""

from django.urls import include, path

from kamdesk.sales import views_settings

app_name = "sales"
urlpatterns = [
    path("sales/settings/", views_settings.commercial_settings, name="settings"),
    path("", include("kamdesk.sales.urls_products")),
    path("", include("kamdesk.sales.urls_sales_import")),
    path("", include("kamdesk.sales.urls_pnl")),
    path("", include("kamdesk.sales.urls_dashboards")),
]
