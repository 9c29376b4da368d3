from django.apps import AppConfig


class FramesellerConfig(AppConfig):
    name = "frameseller"
    verbose_name = "FrameSeller"

    def ready(self):
        from django.urls import register_converter

        from frameseller import checks  # noqa: F401 - registers the system checks
        from frameseller.converters import IdConverter

        register_converter(IdConverter, "id")
