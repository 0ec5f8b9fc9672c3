from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reform_portal import (
    account_views,
    cycle_views,
    notification_views,
    organization_views,
    sso,
    token_views,
    views,
)

admin.site.site_header = "全面创新改革平台 · 管理后台"
admin.site.site_title = "全面创新改革平台"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("archive/", views.archive, name="archive"),
    path("search/", views.search_page, name="search"),
    path("years/", cycle_views.years, name="cycle_years"),
    path("years.xlsx", cycle_views.years, {"fmt": "xlsx"}, name="cycle_years_xlsx"),
    path("years.csv", cycle_views.years, {"fmt": "csv"}, name="cycle_years_csv"),
    path("years/<int:year>/", cycle_views.year, name="cycle_year"),
    path("years/<int:year>/<slug:action>/", cycle_views.action, name="cycle_action"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("notifications.xlsx", notification_views.inbox, {"fmt": "xlsx"}, name="notifications_xlsx"),
    path("notifications.csv", notification_views.inbox, {"fmt": "csv"}, name="notifications_csv"),
    path("notifications/read-all/", notification_views.mark_all_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", notification_views.mark_read, name="notification_read"),
    path("notifications/<int:pk>/open/", notification_views.open_notification, name="notification_open"),
    path("reminders/log/", notification_views.reminder_log, name="reminder_log"),
    path("reminders/log.xlsx", notification_views.reminder_log, {"fmt": "xlsx"}, name="reminder_log_xlsx"),
    path("reminders/log.csv", notification_views.reminder_log, {"fmt": "csv"}, name="reminder_log_csv"),
    path("reminders/mail/", notification_views.mail_log, name="mail_log"),
    path("reminders/mail.xlsx", notification_views.mail_log, {"fmt": "xlsx"}, name="mail_log_xlsx"),
    path("reminders/mail.csv", notification_views.mail_log, {"fmt": "csv"}, name="mail_log_csv"),
    path("exports/<int:pk>/", notification_views.export_download, name="export_download"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/login/code/", account_views.login_otp, name="login_otp"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on (404 unless switched on in settings).
    path("accounts/oidc/login/", sso.oidc_start, name="oidc_authentication_init"),
    path("accounts/oidc/callback/", sso.oidc_callback, name="oidc_authentication_callback"),
    path("accounts/cas/login/", sso.cas_login, name="cas_ng_login"),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path("accounts/password/reset/sent/", account_views.password_reset_done, name="password_reset_done"),
    # One set-password link for a reset and for an invitation (reform_portal.accounts).
    path(
        "accounts/password/set/<uidb64>/<token>/",
        account_views.SetPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/set/done/", account_views.password_reset_complete, name="password_reset_complete"
    ),
    path("accounts/password/change/", account_views.password_change, name="password_change"),
    path("accounts/two-factor/", account_views.totp_setup, name="totp_setup"),
    path("accounts/two-factor/disable/", account_views.totp_disable, name="totp_disable"),
    path("accounts/users/", account_views.account_users, name="account_users"),
    path("accounts/users.xlsx", account_views.account_users, {"fmt": "xlsx"}, name="account_users_xlsx"),
    path("accounts/users.csv", account_views.account_users, {"fmt": "csv"}, name="account_users_csv"),
    path("accounts/users/invite/", account_views.account_invite, name="account_invite"),
    path(
        "accounts/users/<int:pk>/resend/", account_views.account_invite_resend, name="account_invite_resend"
    ),
    path("accounts/users/<int:pk>/totp-reset/", account_views.account_totp_reset, name="account_totp_reset"),
    path("accounts/tokens/", token_views.tokens, name="api_tokens"),
    path("accounts/tokens/all/", token_views.tokens_all, name="api_tokens_all"),
    path("accounts/tokens/all.xlsx", token_views.tokens_all, {"fmt": "xlsx"}, name="api_tokens_all_xlsx"),
    path("accounts/tokens/all.csv", token_views.tokens_all, {"fmt": "csv"}, name="api_tokens_all_csv"),
    path("accounts/tokens/<int:pk>/revoke/", token_views.token_revoke, name="api_token_revoke"),
    path("accounts/settings/", organization_views.account_settings, name="account_settings"),
    path("organizations/", organization_views.organizations, name="organizations"),
    path("organizations.xlsx", organization_views.organizations, {"fmt": "xlsx"}, name="organizations_xlsx"),
    path("organizations.csv", organization_views.organizations, {"fmt": "csv"}, name="organizations_csv"),
    path("organizations/new/", organization_views.organization_new, name="organization_new"),
    path("organizations/<int:pk>/", organization_views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", organization_views.organization_edit, name="organization_edit"),
    path("organizations/experts/", organization_views.expert_list, name="experts"),
    path("organizations/experts.xlsx", organization_views.expert_list, {"fmt": "xlsx"}, name="experts_xlsx"),
    path("organizations/experts.csv", organization_views.expert_list, {"fmt": "csv"}, name="experts_csv"),
    path("organizations/experts/<int:pk>/edit/", organization_views.expert_edit, name="expert_edit"),
    path("proposals/", include("proposals.urls")),
    path("catalog/", include("catalog.urls")),
    path("grassroots/", include("grassroots.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("bidding/", include("bidding.urls")),
    path("api/", include("config.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin's own login form would skip the second factor: it is the portal's login.
    path("admin/login/", account_views.admin_login),
    path("admin/", admin.site.urls),
]
