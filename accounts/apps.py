from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.models import User, users_updated
        from accounts.tokens import _user_changed, _users_updated

        # Whatever changed (password, activity, names), a kept copy of the user ends.
        post_save.connect(_user_changed, sender=User, dispatch_uid="accounts.tokens.user_changed")
        post_delete.connect(_user_changed, sender=User, dispatch_uid="accounts.tokens.user_deleted")
        users_updated.connect(_users_updated, sender=User, dispatch_uid="accounts.tokens.users_updated")
