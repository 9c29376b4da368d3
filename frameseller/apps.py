from django.apps import AppConfig


class FramesellerConfig(AppConfig):
    name = "frameseller"
    verbose_name = "FrameSeller"

    def ready(self):
        from django.tasks.signals import task_finished
        from django.urls import register_converter

        from frameseller import checks  # noqa: F401 - registers the system checks
        from frameseller.converters import IdConverter
        from frameseller.tasks import task_retry_if_transient

        register_converter(IdConverter, "id")
        task_finished.connect(task_retry_if_transient, dispatch_uid="frameseller.tasks.retry")
