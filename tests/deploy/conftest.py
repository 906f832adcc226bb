"""The issued meeting of the issuance tests, reused in front of a real nginx."""

from tests.issuance.conftest import app_config, issued, prepared  # noqa: F401 - reused fixtures
