from rest_framework import serializers

from frameseller.serializers import ErrorCodeField


class SignupInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class LoginInputSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="The email the shopper signed up with (any case).")
    password = serializers.CharField(trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="A JWT to send as `Authorization: JWT <token>`.")


class TokenRefreshInputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="An unexpired token from a login at most 7 days ago.")


class LoginErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(default="authorization failure")
    non_field_errors = serializers.ListField(child=serializers.CharField())
    code = ErrorCodeField()


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The email the shopper signed up with (any case).")


class PasswordResetCheckInputSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="The `uid` of the link the mail carried.")
    token = serializers.CharField(max_length=128, help_text="The `token` of the link the mail carried.")


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="The `uid` of the link the mail carried.")
    token = serializers.CharField(max_length=128, help_text="The `token` of the link the mail carried.")
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
