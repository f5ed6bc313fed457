"""The web interface (Starlette): ``create_app(settings)``."""
