from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import notification_views, views

admin.site.site_header = "全面创新改革平台 · 管理后台"
admin.site.site_title = "全面创新改革平台"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("notifications/read-all/", notification_views.mark_all_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", notification_views.mark_read, name="notification_read"),
    path("notifications/<int:pk>/open/", notification_views.open_notification, name="notification_open"),
    path("reminders/log/", notification_views.reminder_log, name="reminder_log"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("proposals/", include("proposals.urls")),
    path("catalog/", include("catalog.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("bidding/", include("bidding.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
