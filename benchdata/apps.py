from django.apps import AppConfig


class BenchDataConfig(AppConfig):
    name = "benchdata"
    verbose_name = "Benchmark data"
