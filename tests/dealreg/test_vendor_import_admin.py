"""The admin side of CRM data: background import pages (operators), previewed imports of rates and
accounts, who may do what, constant query counts."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dealreg.models import ImportJob, VendorAccount
from dealreg.services.imports import progress_key
from prm.common.models import ExchangeRate

from .engine_helpers import make_account, make_opportunity
from .test_vendor_import import accounts_csv

pytestmark = pytest.mark.django_db


def csv_upload(text: str, name="file.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_operator_uploads_watches_and_confirms(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    assert client.get(reverse("admin:dealreg_importjob_add")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:dealreg_importjob_add"),
                               {"kind": "vendor_accounts", "file": csv_upload(accounts_csv(40))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:dealreg_importjob_change",
                                                                             args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Ready to import" in page and "Customer 3 GmbH" in page and "Import these 40 rows" in page
    assert not VendorAccount.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:dealreg_importjob_confirm", args=[job.pk]))
    assert response.status_code == 302
    assert VendorAccount.objects.count() == 40
    assert "Imported: 40 new rows" in client.get(reverse("admin:dealreg_importjob_change", args=[job.pk])).content.decode()


def test_row_errors_are_shown_with_their_row_numbers(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    text = accounts_csv(3) + "CRM-9,,bad,XX1,,\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:dealreg_importjob_add"), {"kind": "vendor_accounts", "file": csv_upload(text)})
    job = ImportJob.objects.get()
    page = client.get(reverse("admin:dealreg_importjob_change", args=[job.pk])).content.decode()
    assert "1 row has errors" in page and "Import these" not in page
    assert re.search(r"<td>5</td><td><code>name</code></td>", page)
    assert re.search(r"<td>5</td><td><code>country</code></td>", page)


def test_progress_polls_while_running_and_reloads_when_done(client, operator):
    client.force_login(operator)
    job = ImportJob.objects.create(kind="vendor_accounts", file=csv_upload("name\nA\n"), created_by=operator,
                                   status=ImportJob.Status.COMMITTING, total_rows=100)
    cache.set(progress_key(job.pk), (50, 100))
    url = reverse("admin:dealreg_importjob_progress", args=[job.pk])
    running = client.get(url, HTTP_HX_REQUEST="true")
    body = running.content.decode()
    assert 'hx-trigger="every 1s"' in body and "50 of 100 rows" in body and 'value="50"' in body
    assert "HX-Refresh" not in running
    page = client.get(reverse("admin:dealreg_importjob_change", args=[job.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page  # without JavaScript
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, processed_rows=100)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and "every 1s" not in done.content.decode()


def test_the_csv_templates_name_the_columns(client, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:dealreg_importjob_template", args=["deals"]))
    assert response.status_code == 200 and response.content.decode().startswith("partner_id,reference,customer_name")


def test_channel_managers_read_vendor_data_but_import_nothing(client, manager_a):
    make_opportunity(account=make_account())
    client.force_login(manager_a)
    assert client.get(reverse("admin:dealreg_vendoraccount_changelist")).status_code == 200
    assert client.get(reverse("admin:dealreg_vendoropportunity_changelist")).status_code == 200
    assert client.get(reverse("admin:common_exchangerate_changelist")).status_code == 200
    for name in ("admin:dealreg_vendoraccount_import", "admin:common_exchangerate_import",
                 "admin:dealreg_importjob_changelist", "admin:dealreg_importjob_add"):
        assert client.get(reverse(name)).status_code == 403, name


def test_vendor_account_list_is_a_constant_number_of_queries(client, operator, django_assert_max_num_queries):
    client.force_login(operator)
    url = reverse("admin:dealreg_vendoraccount_changelist")
    make_opportunity(account=make_account(name="First AG"))
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(20):
        account = make_account(name=f"Account {n}", domain=f"a{n}.de")
        make_opportunity(account=account)
        make_opportunity(account=account, stage="closed_lost")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "Account 19" in page


def test_exchange_rates_import_with_a_preview(client, operator):
    client.force_login(operator)
    page = client.get(reverse("admin:common_exchangerate_import")).content.decode()
    csv_choice = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page, re.I).group(1)
    text = "date,from_currency,to_currency,rate\n2026-01-02,usd,eur,0.91\n2026-01-02,GBP,EUR,1.17\n"
    response = client.post(reverse("admin:common_exchangerate_import"),
                           {"resource": "0", "format": csv_choice, "import_file": csv_upload(text)})
    assert response.status_code == 200 and "0.91" in response.content.decode()
    assert not ExchangeRate.objects.exists(), "the preview must not save"
    client.post(reverse("admin:common_exchangerate_process_import"), {**response.context["confirm_form"].initial})
    assert ExchangeRate.objects.get(date=date(2026, 1, 2), from_currency="USD").rate == Decimal("0.91")


def test_exchange_rate_import_with_a_bad_row_saves_nothing(client, operator):
    client.force_login(operator)
    page = client.get(reverse("admin:common_exchangerate_import")).content.decode()
    csv_choice = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page, re.I).group(1)
    text = "date,from_currency,to_currency,rate\n2026-01-02,USD,EUR,0.91\n2026-01-02,GBP,EUR,-1\n"
    response = client.post(reverse("admin:common_exchangerate_import"),
                           {"resource": "0", "format": csv_choice, "import_file": csv_upload(text)})
    assert response.context.get("confirm_form") is None
    assert not ExchangeRate.objects.exists()
