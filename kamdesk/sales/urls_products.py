"""The product catalogue and the account tab "Prices & range" (in the "sales" namespace)."""

from django.urls import path

from kamdesk.sales import views_products as views

urlpatterns = [
    path("products/", views.product_list_view, name="product_list"),
    path("products/export/", views.product_export_view, name="product_export"),
    path("products/new/", views.product_create_view, name="product_create"),
    path("products/<int:pk>/", views.product_detail_view, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit_view, name="product_edit"),
    path("accounts/<int:pk>/prices/", views.account_prices_view, name="account_prices"),
    path("accounts/<int:pk>/prices/agreements/", views.agreement_add_view, name="account_agreement_add"),
    path(
        "accounts/<int:pk>/prices/agreements/<int:agreement_id>/edit/",
        views.agreement_edit_view,
        name="account_agreement_edit",
    ),
    path(
        "accounts/<int:pk>/prices/agreements/<int:agreement_id>/delete/",
        views.agreement_delete_view,
        name="account_agreement_delete",
    ),
    path("accounts/<int:pk>/prices/listings/", views.listing_set_view, name="account_listing_set"),
    path(
        "accounts/<int:pk>/prices/listings/<int:listing_id>/delete/",
        views.listing_delete_view,
        name="account_listing_delete",
    ),
]
