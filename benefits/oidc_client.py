"""The OpenID Connect client: Authlib over httpx, loaded with the first organisation sign-in, not at start-up."""

import threading
from typing import Any

from authlib.integrations.base_client import BaseApp, FrameworkIntegration, OAuth2Mixin, OAuthError, OpenIDMixin
from authlib.integrations.httpx_client import OAuth2Client
from httpx import HTTPError
from joserfc.errors import JoseError

from benefits.settings import get_settings

__all__ = ["HTTPError", "JoseError", "OAuthError", "client"]


class _Framework(FrameworkIntegration):
    """Authlib's hook for frameworks; the flow's state is kept by the pages (a signed cookie), tokens not at all."""

    def update_token(self, token: Any, refresh_token: Any = None, access_token: Any = None) -> None:
        """The provider's tokens are used once, to learn who signed in, and never kept."""


class _ProviderClient(OpenIDMixin, OAuth2Mixin, BaseApp):
    """Authlib's OpenID Connect client over httpx: discovery, the code flow with PKCE, ID-token checks."""

    client_cls = OAuth2Client


_clients: dict[tuple[str, str], _ProviderClient] = {}
_clients_lock = threading.Lock()


def client() -> _ProviderClient:
    """The provider's client, one per process: its discovery document and keys are read once and kept."""
    settings = get_settings()
    assert settings.oidc_issuer and settings.oidc_client_id
    issuer = settings.oidc_issuer.rstrip("/")
    key = (issuer, settings.oidc_client_id)
    with _clients_lock:
        if key not in _clients:
            secret = settings.oidc_client_secret
            _clients[key] = _ProviderClient(
                _Framework("organisation"),
                name="organisation",
                client_id=settings.oidc_client_id,
                client_secret=secret.get_secret_value() if secret else None,
                server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256", "timeout": 10},
            )
        return _clients[key]
