"""Staff roles as Django groups: what a channel manager and an executive may do in the admin.

Region scoping is separate (prm.tenancy); these groups decide which models and actions they see.
"""

from django.contrib.auth.models import Group, Permission

CHANNEL_MANAGERS = "Channel managers"
EXECUTIVES = "Executives"

# app_label.model -> actions
GROUP_PERMISSIONS = {
    CHANNEL_MANAGERS: {
        "partners.partnerorganization": ["view", "change"],
        "partners.membership": ["view", "change"],
        "partners.invitation": ["view", "add"],
        "partners.region": ["view"],
        "partners.partnerapplication": ["view", "change"],
        "accounts.user": ["view"],
        "notifications.notification": ["view"],
        # deal registration: decide registrations and extensions; the lists operators configure are read-only
        "dealreg.deal": ["view", "change"],
        "dealreg.dealapprovalqueue": ["view", "change"],
        "dealreg.extensionrequest": ["view", "change"],
        "dealreg.rejectionreason": ["view"],
        "dealreg.product": ["view"],
        # CRM data and rates: read-only (a conflict with a vendor account names its owner)
        "dealreg.vendoraccount": ["view"],
        "dealreg.vendoropportunity": ["view"],
        "dealreg.dealparticipant": ["view"],
        "common.exchangerate": ["view"],
        # market development funds: decide requests and claims, record payments, adjust funds (services only)
        "mdf.fund": ["view", "change"],
        "mdf.fundentry": ["view"],
        "mdf.activity": ["view", "change"],
        "mdf.activityapprovalqueue": ["view", "change"],
        "mdf.activityevent": ["view"],
        "mdf.claim": ["view", "change"],
        "mdf.claimapprovalqueue": ["view", "change"],
        "mdf.prooffile": ["view"],
        "mdf.payment": ["view"],
        # enablement: the catalogue read-only (operators manage it); progress of their regions; revoking an award
        "enablement.course": ["view"],
        "enablement.learningpath": ["view"],
        "enablement.certification": ["view"],
        "enablement.asset": ["view"],
        "enablement.enrollment": ["view"],
        "enablement.certificationaward": ["view", "change"],
        "enablement.assetdownload": ["view"],
        "enablement.pathassignment": ["view", "change"],  # change: assign paths to members of their regions
        # analytics: their regions' health scores and PSAT answers (comments included; anonymous ones name nobody)
        "analytics.healthscore": ["view"],
        "analytics.psatresponse": ["view"],
        "notifications.nudgerule": ["view"],
    },
    EXECUTIVES: {
        "partners.partnerorganization": ["view"],
        "partners.membership": ["view"],
        "partners.region": ["view"],
        "partners.partnerapplication": ["view"],
        "dealreg.deal": ["view"],
        "mdf.fund": ["view"],
        "mdf.fundentry": ["view"],
        "mdf.activity": ["view"],
        "mdf.activityevent": ["view"],
        "mdf.claim": ["view"],
        "mdf.prooffile": ["view"],
        "mdf.payment": ["view"],
        "enablement.enrollment": ["view"],
        "enablement.certificationaward": ["view"],
        "enablement.assetdownload": ["view"],
        "analytics.healthscore": ["view"],
        "analytics.psatresponse": ["view"],
    },
}
ROLE_GROUPS = {"channel_manager": CHANNEL_MANAGERS, "executive": EXECUTIVES}


def ensure_staff_groups() -> None:
    for group_name, model_actions in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for label, actions in model_actions.items():
            app_label, model = label.split(".")
            codenames = [f"{action}_{model}" for action in actions]
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, content_type__model=model, codename__in=codenames)
            )
        group.permissions.set(wanted)


def sync_staff_groups(user) -> None:
    """Put a staff user in exactly the group of their role."""
    ensure_staff_groups()
    groups = Group.objects.filter(name__in=ROLE_GROUPS.values())
    user.groups.remove(*groups)
    group_name = ROLE_GROUPS.get(user.staff_role)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
