"""Sign-in, passwords, API tokens and user administration.

No app namespace: Django's auth views and django-axes reverse the plain names ("login",
"password_change_done"), and the navigation uses them too.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from kamdesk.users import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("admin/users/", views.users, name="users"),
    path("admin/users/new/", views.user_create, name="user_create"),
    path("admin/users/<int:user_id>/edit/", views.user_edit, name="user_edit"),
    path("admin/teams/", views.teams, name="teams"),
    path("admin/teams/new/", views.team_create, name="team_create"),
]
