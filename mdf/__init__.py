"""Market development funds: ledger-backed funds, requests, claims, proof, payments (issue #5)."""
