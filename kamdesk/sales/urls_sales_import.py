"""Sales and cost imports on the web (in the "sales" namespace): upload, history, progress, error report."""

from django.urls import path

from kamdesk.sales import views_sales_import as views

urlpatterns = [
    path("sales/import/", views.sales_import_view, name="import"),
    path("sales/imports/", views.sales_import_list_view, name="imports"),
    path("sales/imports/<int:pk>/", views.sales_import_detail_view, name="import_detail"),
    path("sales/imports/<int:pk>/progress/", views.sales_import_progress_view, name="import_progress"),
    path("sales/imports/<int:pk>/errors.csv", views.sales_import_errors_view, name="import_errors"),
]
