from django.apps import AppConfig


class EidConfig(AppConfig):
    name = "portal.eid"
    label = "eid"
    verbose_name = "Swedish eID (families)"
    default_auto_field = "django.db.models.BigAutoField"
