from django.apps import AppConfig


class ToolsConfig(AppConfig):
    """The all-stage tools: the demo (``seed_demo``), the benchmark dataset (``generate_dataset``) and a
    sample 公文 (``render_sample_pdf``). They sit above every stage app and may import each of them; no app
    imports this one (docs/architecture.md)."""

    name = "tools"
    verbose_name = "演示与基准工具"
