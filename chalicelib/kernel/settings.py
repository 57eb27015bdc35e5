"""The only reader of os.environ: a frozen Settings object for one process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    """Configuration for one stage; every field has a safe local default."""

    stage: str = "dev"
    region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    table_name: str = "kamidrop-dev-main"
    keystore_table_name: str = "kamidrop-dev-keystore"
    kms_key_arn: str = ""
    queue_url: str = ""
    # background work (per-shop jobs, history imports) apart from deliveries; "" = the outbox queue itself
    jobs_queue_url: str = ""
    email_from: str = "orders@kamidrop.test"
    public_base_url: str = "http://127.0.0.1:8000"
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str | None = None
    stripe_js_url: str = "https://js.stripe.com/v3/"
    platform_fee_bps: int = 0
    reservation_minutes: int = 15
    pool_shards: int = 4
    branch_key_ttl_seconds: int = 600
    log_level: str = "INFO"
    mail_dir: str | None = None
    # Overrides of rate-limit policies: "policy=requests/window_seconds,..." e.g. "ip:signup=1000/3600".
    rate_limits: str = ""
    storefront_cache_seconds: int = 10  # how stale the storefront's stock states may be (checkout is exact)
    console_cache_seconds: int = 10  # how old the console home's rollups and stock may be (other pages are live)
    # a shop that never saved risk rules gets the product's defaults switched on; a stage where integrators run
    # scripted checkouts against their own test shops may start them off instead (rules a shop saves always apply)
    risk_default_on: bool = True
    recommendations_cache_seconds: int = 600  # how long a server keeps a shop's co-purchase rules (made nightly)
    # storefront views a container adds up before it writes them (0: each view at once; see insights/store/funnel)
    funnel_flush_seconds: float = 0
    media_bucket: str = "kamidrop-dev-media"  # product images, uploaded by the browser with a presigned POST
    media_url: str = ""  # where images are read from; empty: the bucket's own address (see media_base_url)

    @property
    def production(self) -> bool:
        return self.stage == "prod"

    @property
    def media_base_url(self) -> str:
        """Public base address of the media bucket: a CDN when configured, else the emulator's path-style
        address locally, else the bucket's regional virtual-host address."""
        if self.media_url:
            return self.media_url.rstrip("/")
        if self.aws_endpoint_url:
            return f"{self.aws_endpoint_url.rstrip('/')}/{self.media_bucket}"
        return f"https://{self.media_bucket}.s3.{self.region}.amazonaws.com"

    @property
    def media_upload_origins(self) -> tuple[str, ...]:
        """Where a console page may post an image form to (its Content-Security-Policy's form-action)."""
        if self.aws_endpoint_url:
            from urllib.parse import urlsplit

            parts = urlsplit(self.aws_endpoint_url)
            return (f"{parts.scheme}://{parts.netloc}",)
        return (f"https://{self.media_bucket}.s3.amazonaws.com", f"https://{self.media_bucket}.s3.{self.region}"
                                                                  ".amazonaws.com")

    @property
    def local_stripe(self) -> bool:
        """localstripe rejects Connect parameters, so the adapter leaves them out."""
        return self.stripe_api_base is not None


def rate_limit_overrides(spec: str) -> dict[str, tuple[int, int]]:
    """Parses "policy=requests/window,..."; a malformed entry is a start-up error, not a silent default."""
    out: dict[str, tuple[int, int]] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, rule = part.partition("=")
        requests, _, window = rule.partition("/")
        if not (name and requests.isdigit() and window.isdigit() and int(window) > 0):
            raise ValueError(f"KAMIDROP_RATE_LIMITS entry {part!r} must look like 'ip:checkout=20/60'")
        out[name.strip()] = (int(requests), int(window))
    return out


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from exc


def from_environ(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from an environment mapping (os.environ by default)."""
    e = dict(os.environ if env is None else env)
    stage = e.get("KAMIDROP_STAGE", "dev")
    return Settings(
        stage=stage,
        region=e.get("AWS_REGION") or e.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_endpoint_url=e.get("KAMIDROP_AWS_ENDPOINT") or None,
        table_name=e.get("KAMIDROP_TABLE", f"kamidrop-{stage}-main"),
        keystore_table_name=e.get("KAMIDROP_KEYSTORE_TABLE", f"kamidrop-{stage}-keystore"),
        kms_key_arn=e.get("KAMIDROP_KMS_KEY_ARN", ""),
        queue_url=e.get("KAMIDROP_QUEUE_URL", ""),
        jobs_queue_url=e.get("KAMIDROP_JOBS_QUEUE_URL", ""),
        email_from=e.get("KAMIDROP_EMAIL_FROM", "orders@kamidrop.test"),
        public_base_url=e.get("KAMIDROP_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        stripe_secret_key=e.get("STRIPE_SECRET_KEY", ""),
        stripe_publishable_key=e.get("STRIPE_PUBLISHABLE_KEY", ""),
        stripe_webhook_secret=e.get("STRIPE_WEBHOOK_SECRET", ""),
        stripe_api_base=e.get("STRIPE_API_BASE") or None,
        stripe_js_url=e.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        platform_fee_bps=_int(e, "KAMIDROP_PLATFORM_FEE_BPS", 0),
        reservation_minutes=_int(e, "KAMIDROP_RESERVATION_MINUTES", 15),
        pool_shards=_int(e, "KAMIDROP_POOL_SHARDS", 4),
        branch_key_ttl_seconds=_int(e, "KAMIDROP_BRANCH_KEY_TTL", 600),
        log_level=e.get("LOG_LEVEL", "INFO"),
        rate_limits=e.get("KAMIDROP_RATE_LIMITS", ""),
        storefront_cache_seconds=_int(e, "KAMIDROP_STOREFRONT_CACHE_SECONDS", 10),
        console_cache_seconds=_int(e, "KAMIDROP_CONSOLE_CACHE_SECONDS", 10),
        risk_default_on=e.get("KAMIDROP_RISK_DEFAULT", "on") != "off",
        recommendations_cache_seconds=_int(e, "KAMIDROP_RECOMMENDATIONS_CACHE_SECONDS", 600),
        funnel_flush_seconds=float(e.get("KAMIDROP_FUNNEL_FLUSH_SECONDS") or (2 if stage == "prod" else 0)),
        media_bucket=e.get("KAMIDROP_MEDIA_BUCKET", f"kamidrop-{stage}-media"),
        media_url=e.get("KAMIDROP_MEDIA_URL", ""),
        # A folder where the dev stack keeps a copy of every sent mail; refused in prod.
        mail_dir=(e.get("KAMIDROP_MAIL_DIR") or None) if stage != "prod" else None,
    )


@lru_cache(maxsize=1)
def current() -> Settings:
    """Settings of this process, read once."""
    return from_environ()
