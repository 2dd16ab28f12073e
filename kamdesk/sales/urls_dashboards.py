"""The portfolio dashboard, the account Commercial tab, the concentration page and their charts as SVG
(namespace "sales")."""

from django.urls import path

from kamdesk.sales import views_dashboards as views

urlpatterns = [
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/trend.svg", views.dashboard_svg_view, name="dashboard_svg"),
    path("accounts/<int:pk>/commercial/", views.commercial_view, name="commercial"),
    path("accounts/<int:pk>/commercial/<slug:chart>.svg", views.chart_svg_view, name="chart_svg"),
    path("concentration/", views.concentration_view, name="concentration"),
    path("concentration/<slug:chart>.svg", views.concentration_svg_view, name="concentration_svg"),
]
