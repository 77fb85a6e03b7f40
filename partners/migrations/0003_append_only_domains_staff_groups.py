"""Database-level rules and data the schema migration cannot express.

- agreement acceptances are append-only: triggers refuse UPDATE and DELETE (partners/sql.py);
- existing partners get their registrable domain (duplicate detection of applications);
(Staff groups pick up new models' permissions in prm.accounts.signals, after every migrate.)
"""

from django.db import migrations

from partners.sql import install_acceptance_triggers, remove_acceptance_triggers


def fill_partner_domains(apps, schema_editor):
    from prm.common.domains import company_domain

    Partner = apps.get_model("partners", "PartnerOrganization")
    for partner in Partner.objects.filter(domain="").exclude(website="").only("pk", "website").iterator():
        domain = company_domain(partner.website)
        if domain:
            Partner.objects.filter(pk=partner.pk).update(domain=domain)


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_applications_onboarding_tiers")]

    operations = [
        migrations.RunPython(install_acceptance_triggers, remove_acceptance_triggers),
        migrations.RunPython(fill_partner_domains, migrations.RunPython.noop),
    ]
