"""Deal registration: opportunities partners register, the conflict engine, approvals, outcomes (issue #4)."""
