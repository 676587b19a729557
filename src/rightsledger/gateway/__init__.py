"""The HTTP gateway and the creators' web page (needs the `gateway` extra: FastAPI, uvicorn,
pydantic-settings). The SDK never imports this package."""

from .app import create_app, serve
from .settings import GatewaySettings

__all__ = ["GatewaySettings", "create_app", "serve"]
