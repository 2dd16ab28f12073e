"""The account's P&L tab and its targets editor (namespace "sales")."""

from django.urls import path

from kamdesk.sales import views_pnl

urlpatterns = [
    path("accounts/<int:pk>/pnl/", views_pnl.account_pnl_view, name="pnl"),
    path("accounts/<int:pk>/targets/", views_pnl.account_targets_view, name="targets"),
]
