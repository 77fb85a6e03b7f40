"""Partner organisations (the tenant), regions, memberships and roles, invitations; later onboarding and tiers."""
