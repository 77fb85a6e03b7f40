"""Tenant isolation in one reviewed place: scopes, middleware, task base, API and admin mixins.

Modules allowed to open unscoped queries (``scopes_disabled``, ``unscoped``) are listed in ``prm.tenancy.ALLOWED_UNSCOPED_MODULES``;
a test greps the code base and fails on any other use.
"""

# Every module (path relative to the repository) that may open an unscoped query, and why.
ALLOWED_UNSCOPED_MODULES = {
    "prm/tenancy/scoping.py": "defines the scope helpers",
    "prm/tenancy/lookups.py": "resolves a user's memberships, invitations and API tokens before a scope exists",
    "prm/tenancy/middleware.py": "operators' admin requests run unscoped",
    "prm/tenancy/tasks.py": "global (fan-out) tasks run unscoped and open partner scopes per chunk",
    "prm/tenancy/api.py": "operators' staff API requests run unscoped",
    "partners/management/commands/seed_demo.py": "builds the demo program for every partner",
    "partners/management/commands/generate_dataset.py": "bulk-builds synthetic partners and their rows",
    "prm/benchmarks/cases.py": "benchmarks build and read data across partners",
    "prm/benchmarks/cases_nudges.py": "the nudge sweep benchmark seeds due cases across 100k synthetic partners",
    "dealreg/conflicts.py": "the conflict engine compares a customer with every partner's open registrations; "
                            "returns ids, scores and reasons, never shown to partners",
    "dealreg/shared_deals.py": "multi-partner deals: a deal's shareable fields for its invited partners, its "
                               "participants for the registering partner, the active-partner directory (name + id)",
    "dealreg/imports.py": "operators' CRM import validates and writes historical registrations of many partners",
    "mdf/duplicates.py": "duplicate proof detection compares a claim's file hashes and invoice number with every "
                         "partner's claims; returns reason codes and claim ids for managers only",
    "dealreg/services/locks.py": "a new registration marks the other partners' registrations it conflicts with as "
                                 "possibly conflicting (ids in, a count out)",
    "enablement/imports.py": "staff import external LMS completions: a row's person decides its partner, so the "
                             "people, memberships and completion ids of every partner are looked up and enrollments "
                             "of many partners written; region-scoped callers get others' rows refused as unknown",
    "enablement/verification.py": "the public certificate check (/verify/<code>/) finds an award by its verification "
                                  "code without a scope; answers holder name, certification, dates and status only",
    "analytics/dashboards/queries.py": "staff dashboards read rollups filtered by the viewer's region ids (raw SQL over "
                                       "segment sums, snapshots and the 25 lowest health scores); callers pass only "
                                       "the viewer's regions",
    "analytics/psat/public.py": "the public survey link (/psat/<token>/) finds its invitation by the hash of a "
                                "single-use token without a scope; answers only that invitation's ids and state, the "
                                "survey's options, the invitee's language and the partner's name",
    "analytics/rollups/wiring.py": "marks partners whose rollups a change affects: a won registration's accepted "
                                   "participants (partner ids only)",
}

# Models that carry a partner reference but are deliberately not partner-scoped, and why.
# Everything else that points at a partner must use PartnerOwned (a test enforces it).
CROSS_PARTNER_MODELS = {
    "common.AuditEvent": "staff-only audit log; operators read it in the admin, never shown in the portal",
    "notifications.Notification": "addressed to one person; the admin narrows it to the staff user's partners",
    "partners.PartnerApplication": "precedes a partner (links the one it created or duplicates); staff-only, scoped by region",
    "analytics.RollupDirty": "an outbox of partner ids whose rollups need a refresh; holds no partner data, read only by "
                             "the refresh job",
}
