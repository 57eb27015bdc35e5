"""Card-key encryption: AWS Encryption SDK, hierarchical keyring, one branch key per tenant."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.kernel.errors import DecryptionRefused, EncryptionUnavailable
from chalicelib.tenancy.domain.models import Tenant

PURPOSE_CARD_KEY = "card_key"
PURPOSE_FINGERPRINT = "fingerprint_secret"
PURPOSE_ACCOUNT = "account_secret"  # a console account's two-step secret, bound to its user in the context
PURPOSE_ORDER_KEYS = "order_keys"  # a delivered order's keys in one message, bound to the order id
# Data-key reuse on encrypt (the SDK's "data key caching" idea): each message still derives its own
# key from its message id under the committing suite, and reuse is bounded by count and age.
MAX_MESSAGES_PER_DATA_KEY = 10_000
MAX_DATA_KEY_AGE_SECONDS = 60
MAX_CACHED_DECRYPTIONS = 1_000  # decryption materials kept per container, each for MAX_DATA_KEY_AGE_SECONDS
# A bundle binds its order inside the authenticated plaintext, so one data key serves a tenant's bundles (the
# order id in the encryption context made every bundle fetch its own). Bundles written before carry the order
# in the encryption context instead; both open.
BUNDLE_MAGIC = b"kamidrop-bundle/2\n"


class EsdkCipher:
    """Encrypts and decrypts card keys; the encryption context binds tenant, product and purpose."""

    def __init__(self, *, kms_client: Any, ddb_client: Any, keystore_table: str, kms_key_arn: str,
                 branch_key_ttl: int, tenant_branch_key: Callable[[str], str]) -> None:
        # Heavy imports stay here so Lambda cold starts only pay for them on paths that encrypt.
        import aws_encryption_sdk
        from aws_cryptographic_material_providers.keystore import KeyStore
        from aws_cryptographic_material_providers.keystore.config import KeyStoreConfig
        from aws_cryptographic_material_providers.keystore.models import KMSConfigurationKmsKeyArn
        from aws_cryptographic_material_providers.mpl import AwsCryptographicMaterialProviders
        from aws_cryptographic_material_providers.mpl.config import MaterialProvidersConfig
        from aws_cryptographic_material_providers.mpl.models import (
            CacheTypeDefault,
            CreateAwsKmsHierarchicalKeyringInput,
            CreateDefaultCryptographicMaterialsManagerInput,
            DefaultCache,
        )
        from aws_encryption_sdk.identifiers import AlgorithmSuite, CommitmentPolicy

        self._suite = AlgorithmSuite.AES_256_GCM_HKDF_SHA512_COMMIT_KEY  # committing, no signature
        self._client = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
        self._keystore = KeyStore(config=KeyStoreConfig(
            ddb_client=ddb_client, ddb_table_name=keystore_table, logical_key_store_name=keystore_table,
            kms_client=kms_client, kms_configuration=KMSConfigurationKmsKeyArn(kms_key_arn)))
        mpl = AwsCryptographicMaterialProviders(config=MaterialProvidersConfig())
        self._keyring = mpl.create_aws_kms_hierarchical_keyring(input=CreateAwsKmsHierarchicalKeyringInput(
            key_store=self._keystore, branch_key_id_supplier=_TenantSupplier(tenant_branch_key),
            ttl_seconds=branch_key_ttl, cache=CacheTypeDefault(DefaultCache(entry_capacity=1000))))
        base = mpl.create_default_cryptographic_materials_manager(
            CreateDefaultCryptographicMaterialsManagerInput(keyring=self._keyring))
        self._cmm = _reusing_cmm(base)

    def create_tenant_key(self) -> str:
        from aws_cryptographic_material_providers.keystore.models import CreateKeyInput

        try:
            return str(self._keystore.create_key(input=CreateKeyInput()).branch_key_identifier)
        except Exception as exc:
            raise EncryptionUnavailable("could not create the shop's encryption key; retry") from exc

    def encrypt_keys(self, *, tenant: Tenant, product_id: str, values: Sequence[str]) -> list[bytes]:
        context = _context(tenant.id, PURPOSE_CARD_KEY, product_id)
        try:
            return [self._encrypt(v.encode("utf-8"), context) for v in values]
        except Exception as exc:
            raise EncryptionUnavailable("card keys could not be encrypted; nothing was stored, retry") from exc

    def decrypt_key(self, *, tenant: Tenant, product_id: str, ciphertext: bytes) -> str:
        return self._decrypt(ciphertext, _context(tenant.id, PURPOSE_CARD_KEY, product_id)).decode("utf-8")

    def encrypt_secret(self, *, tenant_id: str, branch_key_id: str, secret: bytes) -> bytes:
        _SEEN.setdefault(tenant_id, branch_key_id)
        try:
            return self._encrypt(secret, _context(tenant_id, PURPOSE_FINGERPRINT))
        except Exception as exc:
            raise EncryptionUnavailable("could not protect the shop's fingerprint secret; retry") from exc

    def decrypt_secret(self, *, tenant: Tenant) -> bytes:
        return self._decrypt(tenant.fingerprint_key_ciphertext, _context(tenant.id, PURPOSE_FINGERPRINT))

    def encrypt_account_secret(self, *, tenant: Tenant, user_id: str, secret: bytes) -> bytes:
        try:
            return self._encrypt(secret, {**_context(tenant.id, PURPOSE_ACCOUNT), "user": user_id})
        except Exception as exc:
            raise EncryptionUnavailable("could not protect the two-step secret; retry") from exc

    def decrypt_account_secret(self, *, tenant: Tenant, user_id: str, ciphertext: bytes) -> bytes:
        return self._decrypt(ciphertext, {**_context(tenant.id, PURPOSE_ACCOUNT), "user": user_id})

    def encrypt_bundle(self, *, tenant: Tenant, order_id: str, plaintext: bytes) -> bytes:
        try:
            return self._encrypt(BUNDLE_MAGIC + order_id.encode() + b"\n" + plaintext,
                                 _context(tenant.id, PURPOSE_ORDER_KEYS))
        except Exception as exc:
            raise EncryptionUnavailable("the order's keys could not be sealed; retry") from exc

    def decrypt_bundle(self, *, tenant: Tenant, order_id: str, ciphertext: bytes) -> bytes:
        plaintext, stored = self._decrypt_with_context(ciphertext, _context(tenant.id, PURPOSE_ORDER_KEYS))
        if "order" in stored:  # written before the order moved into the plaintext: the context binds it
            if stored["order"] != order_id:
                raise DecryptionRefused("this bundle belongs to another order")
            return plaintext
        head, _, rest = plaintext.partition(b"\n")
        bound, _, body = rest.partition(b"\n")
        if head + b"\n" != BUNDLE_MAGIC or bound != order_id.encode():
            raise DecryptionRefused("this bundle belongs to another order")
        return body

    def _encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        ciphertext, _header = self._client.encrypt(
            source=plaintext, materials_manager=self._cmm, encryption_context=context, algorithm=self._suite)
        return bytes(ciphertext)

    def _decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes:
        return self._decrypt_with_context(ciphertext, context)[0]

    def _decrypt_with_context(self, ciphertext: bytes, context: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        """The plaintext and the encryption context stored with it."""
        from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError

        try:
            # Every key given here must match the stored context: another tenant's or purpose's fails.
            plaintext, header = self._client.decrypt(source=ciphertext, materials_manager=self._cmm,
                                                     encryption_context=context)
        except AWSEncryptionSDKClientError as exc:
            if "context" in str(exc).lower() or "branch key" in str(exc).lower():
                raise DecryptionRefused("this ciphertext does not belong to this shop and purpose") from exc
            raise EncryptionUnavailable("card keys could not be decrypted right now; retry") from exc
        except Exception as exc:
            raise EncryptionUnavailable("card keys could not be decrypted right now; retry") from exc
        return bytes(plaintext), dict(header.encryption_context)


# Branch key ids learnt at sign-up, before the tenant item is readable (same process).
_SEEN: dict[str, str] = {}


def _context(tenant_id: str, purpose: str, product_id: str | None = None) -> dict[str, str]:
    ctx = {"tenant": tenant_id, "purpose": purpose}
    if product_id is not None:
        ctx["product"] = product_id
    return ctx


class _TenantSupplier:
    """Picks the tenant's branch key from the encryption context, on encrypt and on decrypt."""

    def __new__(cls, lookup: Callable[[str], str]) -> Any:
        from aws_cryptographic_material_providers.mpl.models import GetBranchKeyIdOutput
        from aws_cryptographic_material_providers.mpl.references import IBranchKeyIdSupplier

        class Supplier(IBranchKeyIdSupplier):  # type: ignore[misc]
            def get_branch_key_id(self, param: Any) -> Any:
                tenant_id = param.encryption_context.get("tenant", "")
                branch = _SEEN.get(tenant_id) or lookup(tenant_id)
                return GetBranchKeyIdOutput(branch_key_id=branch)

        return Supplier()


def _reusing_cmm(base: Any) -> Any:
    from aws_encryption_sdk.materials_managers.mpl.cmm import CryptoMaterialsManagerFromMPL

    class ReusingCMM(CryptoMaterialsManagerFromMPL):  # type: ignore[misc]
        """Reuses one data key for a bounded number of messages with the same context, and remembers, for as
        long, the data keys it unwrapped: keys imported together, and a tenant's bundles, share one, so a
        decryption mostly skips the keyring's unwrap."""

        def __init__(self, mpl_cmm: Any) -> None:
            super().__init__(mpl_cmm)
            self._lock = threading.Lock()
            self._entries: dict[Any, tuple[Any, int, float]] = {}
            self._unwrapped: dict[Any, tuple[Any, float]] = {}

        def decrypt_materials(self, request: Any) -> Any:
            # Keyed by everything the keyring and the context checks look at: a hit is an answer they gave.
            key = (request.algorithm.algorithm_id,
                   tuple(sorted((str(k.key_provider.provider_id), bytes(k.key_provider.key_info),
                                 bytes(k.encrypted_data_key)) for k in request.encrypted_data_keys)),
                   tuple(sorted(request.encryption_context.items())),
                   tuple(sorted((request.reproduced_encryption_context or {}).items())))
            now = time.monotonic()
            with self._lock:
                hit = self._unwrapped.get(key)
                if hit and now - hit[1] < MAX_DATA_KEY_AGE_SECONDS:
                    return hit[0]
            materials = super().decrypt_materials(request)
            with self._lock:
                for stale in [k for k, e in self._unwrapped.items() if now - e[1] >= MAX_DATA_KEY_AGE_SECONDS]:
                    del self._unwrapped[stale]
                if len(self._unwrapped) >= MAX_CACHED_DECRYPTIONS:
                    self._unwrapped.clear()
                self._unwrapped[key] = (materials, now)
            return materials

        def get_encryption_materials(self, request: Any) -> Any:
            key = (tuple(sorted(request.encryption_context.items())), request.algorithm)
            now = time.monotonic()
            with self._lock:
                hit = self._entries.get(key)
                if hit and hit[1] < MAX_MESSAGES_PER_DATA_KEY and now - hit[2] < MAX_DATA_KEY_AGE_SECONDS:
                    self._entries[key] = (hit[0], hit[1] + 1, hit[2])
                    return hit[0]
            materials = super().get_encryption_materials(request)
            with self._lock:
                # Drop entries past their age so data keys do not outlive their use in a warm container.
                for stale in [k for k, e in self._entries.items() if now - e[2] >= MAX_DATA_KEY_AGE_SECONDS]:
                    del self._entries[stale]
                self._entries[key] = (materials, 1, now)
            return materials

    return ReusingCMM(base)
