"""The process pool: per-item results, failures isolated, a custom per-item function."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pool_workers import (
    CopyJob,
    frozen_objects,
    init_issuance_like_worker,
    personalise_and_sign,
)

from signing.errors import InvalidInputDocument, SigningLibraryError
from signing.keys import Pkcs12KeySource
from signing.metadata import read_copy_metadata
from signing.pki import DevPki
from signing.pool import SigningService, SignJob, WorkerPool, current_signer, init_signer
from signing.report import Indication
from signing.settings import PadesProfile, SignerSettings, SignRequest, TrustSettings
from signing.verify import verify_pdf


@pytest.fixture(scope="module")
def b_t_settings(make_settings: Callable[..., SignerSettings]) -> SignerSettings:
    return make_settings(PadesProfile.B_T)


def test_batch_reports_each_failure_without_aborting(b_t_settings: SignerSettings,
                                                     sample_pdf: bytes,
                                                     trust: TrustSettings) -> None:
    jobs = [SignJob(sample_pdf, SignRequest(qr_url=f"http://127.0.0.1/v/{i}",
                                            metadata={"copy_id": str(i)})) for i in range(6)]
    jobs[2] = SignJob(b"not a pdf")
    jobs[4] = SignJob(sample_pdf[: len(sample_pdf) // 2])
    with SigningService(b_t_settings, processes=2) as service:
        results = service.sign_batch(jobs)
    assert [r.index for r in results] == list(range(6))
    assert [r.ok for r in results] == [True, True, False, True, False, True]
    assert results[2].error is not None and results[2].error.startswith("InvalidInputDocument")
    for result in (results[0], results[5]):
        assert result.value is not None
        assert verify_pdf(result.value, trust).indication is Indication.TOTAL_PASSED
        assert read_copy_metadata(result.value)["copy_id"] == str(result.index)


def test_pool_runs_a_custom_function_with_its_own_initializer(b_t_settings: SignerSettings,
                                                              sample_pdf: bytes) -> None:
    jobs = [CopyJob(sample_pdf, n) for n in range(1, 9)]
    with WorkerPool(init_issuance_like_worker, (b_t_settings, "Bản số "),
                    processes=2) as pool:
        results = list(pool.imap(personalise_and_sign, jobs))
    assert all(r.ok for r in results)
    numbers = [read_copy_metadata(r.value or b"")["copy_number"] for r in results]
    assert numbers == [f"Bản số {n:02d}" for n in range(1, 9)]


def test_workers_keep_what_they_inherited_out_of_the_collector(
        b_t_settings: SignerSettings) -> None:
    # frozen before the initializer runs, so collections never copy the fork
    # server's shared pages into each worker
    with WorkerPool(init_issuance_like_worker, (b_t_settings, ""), processes=1) as pool:
        [result] = pool.map(frozen_objects, [None])
    assert result.ok and (result.value or 0) > 0


def test_a_dying_worker_fails_its_items_and_the_pool_recovers(b_t_settings: SignerSettings,
                                                               sample_pdf: bytes) -> None:
    jobs = [CopyJob(sample_pdf, n, crash=(n == 2)) for n in range(1, 13)]
    with WorkerPool(init_issuance_like_worker, (b_t_settings, ""), processes=1,
                    chunksize=1) as pool:
        results = pool.map(personalise_and_sign, jobs)
        again = pool.map(personalise_and_sign, [CopyJob(sample_pdf, 13)])
    assert [r.index for r in results] == list(range(12))
    assert results[0].ok
    assert not results[1].ok and "BrokenProcessPool" in (results[1].error or "")
    failed = [r for r in results if not r.ok]
    assert all("BrokenProcessPool" in (r.error or "") for r in failed)  # in flight, not lost
    assert len(failed) <= 5  # the crashed item and at most the window in flight with it
    assert results[-1].ok and again[0].ok


def test_signer_in_this_process(b_t_settings: SignerSettings, sample_pdf: bytes) -> None:
    init_signer(b_t_settings)
    try:
        assert current_signer().sign(sample_pdf)[:5] == b"%PDF-"
        with pytest.raises(InvalidInputDocument):
            current_signer().sign(b"%PDF-1.7 broken")
    finally:
        current_signer().close()


def test_a_bad_key_passphrase_fails_when_the_pool_starts(
        make_settings: Callable[..., SignerSettings], pki: DevPki) -> None:
    settings = make_settings(PadesProfile.B_B,
                             key_source=Pkcs12KeySource(pki.office_p12_path, b"wrong"))
    with pytest.raises(SigningLibraryError, match="failed to initialise"):
        SigningService(settings, processes=1)
