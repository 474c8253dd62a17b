"""The one settings object, read from BENEFITS_* environment variables."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from benefits.models.person import Role


class Settings(BaseSettings):
    """Settings for the service, the command line and the migrations."""

    model_config = SettingsConfigDict(env_prefix="BENEFITS_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///benefits.db",
        description="SQLAlchemy URL of the database; a SQLite file by default.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body the API accepts, in bytes."
    )
    max_upload_bytes: int = Field(
        default=20 * 1_048_576, ge=1024, description="Largest workbook upload (a register import), in bytes."
    )
    import_max_rows: int = Field(
        default=100_000, ge=1, description="Most rows an imported sheet may hold, empty rows included."
    )
    import_max_cells: int = Field(default=2_000_000, ge=1, description="Most cells an imported workbook may hold.")
    import_max_seconds: float = Field(default=60.0, gt=0, description="Longest an import may spend reading its file.")
    actuals_grace_days: int = Field(
        default=30,
        ge=0,
        le=366,
        description="Days after a period ends (or, for a benefit with a measure, a cadence after it starts) before "
        'its actual is due on "my work"; also the time allowed to record a measure\'s next observation.',
    )
    smtp_host: str | None = Field(
        default=None,
        description="The SMTP server that `benefits notify` sends digests through; unset, nothing is sent.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="The SMTP server's port.")
    smtp_starttls: bool = Field(
        default=True,
        description="Require STARTTLS (with the server's certificate checked) before signing in or sending; a "
        "server that does not offer it is not sent to.",
    )
    smtp_user: str | None = Field(default=None, description="The SMTP account to sign in as; unset, no sign-in.")
    smtp_password: SecretStr | None = Field(default=None, description="The SMTP account's password.")
    smtp_from: str | None = Field(
        default=None, description="The From address of digests (e.g. `Benefits <benefits@council.example>`)."
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, le=600, description="Longest wait for the SMTP server to answer, in seconds."
    )
    site_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The service's address as people reach it (e.g. https://benefits.example.gov.uk): the base of "
        "the links in digests.",
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement (for debugging).")
    admin_name: str = Field(default="admin", description="Name of the first admin that `benefits example load` makes.")
    admin_password: SecretStr | None = Field(
        default=None, description="The first admin's password; generated and printed once when unset."
    )
    example_password: SecretStr | None = Field(
        default=None, description="Password of the example's people; generated and printed once when unset."
    )
    login_max_failures_per_account: int = Field(default=5, ge=1, description="Failed sign-ins allowed per account.")
    login_max_failures_per_address: int = Field(default=20, ge=1, description="Failed sign-ins allowed per address.")
    login_window_seconds: int = Field(default=900, ge=1, description="The window those limits count over.")
    forwarded_allow_ips: str = Field(
        default="",
        description="Proxies whose X-Forwarded-For is believed (comma-separated addresses); none by default.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="The server's secret that binds each form's CSRF token to its session; every worker needs the "
        "same. Unset: derived from the database URL, so workers over one database agree.",
    )
    database_retry_after_seconds: int = Field(
        default=5, ge=1, description="The Retry-After a 503 gives while the database does not answer."
    )
    database_log_interval_seconds: int = Field(
        default=60, ge=1, description="While the database fails, how often each kind of failure is logged again."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="How log lines are written: `text` (key=value) or `json` (one object a line)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="The least severe log lines written."
    )
    shutdown_grace_seconds: int = Field(
        default=30,
        ge=1,
        description="On SIGTERM, how long `benefits serve` lets requests in flight finish before cutting them off.",
    )

    oidc_issuer: str | None = Field(
        default=None,
        description="Single sign-on: the organisation's OpenID Connect issuer URL (its discovery document is at "
        "`/.well-known/openid-configuration` under it); unset, there is no single sign-on.",
    )
    oidc_client_id: str | None = Field(default=None, description="Single sign-on: this service's client id there.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Single sign-on: this service's client secret there."
    )
    oidc_scopes: str = Field(
        default="openid email profile",
        description="Single sign-on: the scopes asked for, space-separated (`openid` among them; add the one that "
        "brings the groups claim where the provider needs one, e.g. `groups`).",
    )
    oidc_groups_claim: str = Field(
        default="groups",
        description="Single sign-on: the ID-token claim that lists the person's groups or roles (`groups`, `roles`).",
    )
    oidc_role_map: dict[str, Role] = Field(
        default_factory=dict,
        description="Single sign-on: which role each group or provider role gives, as a JSON object such as "
        '`{"benefits-finance": "finance", "benefits-admins": "admin"}`. In several groups, the first of admin, '
        "programme_manager, finance, board and viewer wins; in none of them, the person is refused.",
    )
    oidc_display_name: str = Field(
        default="your organisation's account",
        description='Single sign-on: what the sign-in button names, as in "Sign in with your organisation\'s account".',
    )
    local_passwords: bool = Field(
        default=True,
        description="Whether people may sign in with a password kept here. Off, only the break-glass admin may; "
        "everyone else signs in through the organisation (API tokens keep working).",
    )
    break_glass_admin: str | None = Field(
        default=None,
        description="The name of the one admin who may still sign in with a password while local passwords are off, "
        "for when the identity provider is down.",
    )

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_in_any_case(cls, value: object) -> object:
        """`json` or `JSON`: the case an operator types does not matter."""
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        """`info` or `INFO`: the case an operator types does not matter."""
        return value.strip().upper() if isinstance(value, str) else value


@lru_cache
def get_settings() -> Settings:
    """The settings in force; tests clear the cache or override the dependency."""
    return Settings()
