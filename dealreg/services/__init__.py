"""Every state change of deal registrations goes through these modules: registration (create, edit,
submit, withdraw), approvals (decisions, auto-approval, SLA), protection (expiry, reminders) and
extensions. Outcomes (won/lost) live in outcomes.py."""
