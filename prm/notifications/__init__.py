"""One mechanism for e-mail notices and nudges: an outbox row per (recipient, kind, subject, window), sent once."""
