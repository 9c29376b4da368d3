from django.apps import AppConfig


class FramesellerConfig(AppConfig):
    name = "frameseller"
    verbose_name = "FrameSeller"

    def ready(self):
        from frameseller import checks  # noqa: F401 - registers the system checks
