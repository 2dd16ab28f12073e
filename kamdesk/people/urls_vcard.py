"""vCard downloads (namespace "vcard"): under /contacts/ and /accounts/, next to the pages they export."""

from django.urls import path

from kamdesk.people import views_vcard

app_name = "vcard"
urlpatterns = [
    path("contacts/<int:pk>/vcard.vcf", views_vcard.contact_vcard, name="contact"),
    path("accounts/<int:pk>/stakeholders.vcf", views_vcard.account_stakeholders_vcard, name="stakeholders"),
]
