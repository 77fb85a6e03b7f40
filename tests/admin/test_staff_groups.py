"""Staff groups hold the permissions of every app after a plain migrate (fresh database)."""

import pytest
from django.contrib.auth.models import Group

from prm.accounts.roles import CHANNEL_MANAGERS, GROUP_PERMISSIONS


@pytest.mark.django_db
def test_channel_manager_group_has_every_configured_permission_after_migrate():
    group = Group.objects.get(name=CHANNEL_MANAGERS)
    have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    wanted = {
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label, actions in GROUP_PERMISSIONS[CHANNEL_MANAGERS].items()
        for action in actions
    }
    assert wanted <= have, sorted(wanted - have)
