from django.urls import path

from accounts import apis

urlpatterns = [
    path("signup/", apis.UserSignupApi.as_view(), name="signup"),
    path("api-token-auth/", apis.UserTokenObtainApi.as_view(), name="token-obtain"),
    path("api-token-refresh/", apis.UserTokenRefreshApi.as_view(), name="token-refresh"),
    path("password-reset/", apis.PasswordResetApi.as_view(), name="password-reset"),
    path("password-reset/check/", apis.PasswordResetCheckApi.as_view(), name="password-reset-check"),
    path("password-reset/confirm/", apis.PasswordResetConfirmApi.as_view(), name="password-reset-confirm"),
]
