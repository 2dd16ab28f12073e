"""The commercial pages. Mounted at the site root: they live under /products/, /dashboard/, /sales/ and
the account page (/accounts/<pk>/commercial/ ...)."""

from django.urls import include, path

app_name = "sales"
urlpatterns = [
    path("", include("kamdesk.sales.urls_products")),
    path("", include("kamdesk.sales.urls_sales_import")),
    path("", include("kamdesk.sales.urls_pnl")),
    path("", include("kamdesk.sales.urls_dashboards")),
]
