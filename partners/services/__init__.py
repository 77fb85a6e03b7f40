"""Every state change of partners, memberships and invitations goes through these functions."""
