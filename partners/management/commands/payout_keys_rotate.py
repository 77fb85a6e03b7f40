"""``manage.py payout_keys_rotate``: re-encrypt payout account numbers with the first key of
PAYOUT_ENCRYPTION_KEYS (see partners/crypto.py for the rotation procedure)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from partners.services.payout import payout_details_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt stored payout account numbers with the current (first) key of PAYOUT_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        written = payout_details_reencrypt()
        self.stdout.write(_("%(n)d payout details re-encrypted with the current key.") % {"n": written})
