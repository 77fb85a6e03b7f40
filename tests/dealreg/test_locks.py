"""Per-customer decision locks: the prefix filter behind them, checked with the portable trigram sets (the same
sets pg_trgm builds for these ASCII names); PostgreSQL runs the real thing in test_approvals_postgres.py."""

import itertools
import random
import string

import pytest
from django.db import connection

from dealreg.normalize import trigram_similarity, trigrams
from dealreg.services.locks import Customer, decision_lock, name_keys, prefix_length


def test_prefix_length():
    # any name at least t-similar to an n-trigram name shares at least ceil(t * n) of its trigrams
    assert [prefix_length(n, 0.5) for n in (0, 1, 2, 3, 10, 11)] == [0, 1, 2, 2, 6, 6]
    assert prefix_length(20, 0.45) == 12  # 0.45 * 20 is 9.000000000000002 in floating point: still 9
    assert prefix_length(10, 1.0) == 1


def _variants(rng: random.Random, word: str) -> list[str]:
    """Typos, dropped and added letters, extra words: the near-duplicates the engine is there to catch."""
    out = [word]
    for _ in range(6):
        letters = list(word)
        i = rng.randrange(len(letters))
        action = rng.choice(["swap", "drop", "add", "word"])
        if action == "swap":
            letters[i] = rng.choice(string.ascii_lowercase)
        elif action == "drop" and len(letters) > 3:
            del letters[i]
        elif action == "add":
            letters.insert(i, rng.choice(string.ascii_lowercase))
        else:
            letters += [" ", *rng.choice(["systems", "group", "labs", "digital", "north"])]
        out.append("".join(letters))
    return out


def test_similar_names_always_share_a_name_key_and_most_others_do_not():
    rng = random.Random(20260304)
    names = []  # (the base it varies, the name)
    for _ in range(40):
        base = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 12)))
        if rng.random() < 0.4:
            base += " " + "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 8)))
        names += [(base, name) for name in _variants(rng, base)]
    grams = {name: trigrams(name) for _base, name in names}
    pairs = [(a, b, len(grams[a] & grams[b]) / len(grams[a] | grams[b]), base_a != base_b)
             for (base_a, a), (base_b, b) in itertools.combinations(names, 2)]
    assert all(abs(sim - trigram_similarity(a, b)) < 1e-9 for a, b, sim, _ in pairs[:50])
    for threshold in (0.3, 0.45, 0.5, 0.6):
        keys = {name: set(name_keys(grams[name], threshold)) for _base, name in names}
        similar = [(a, b) for a, b, sim, _ in pairs if sim >= threshold]
        assert len(similar) > 150
        assert [(a, b) for a, b in similar if not keys[a] & keys[b]] == []
        if threshold >= 0.45:  # the production range (DEALREG_NAME_SIMILARITY): unrelated names rarely wait
            unrelated = [(a, b) for a, b, _sim, other_base in pairs if other_base]
            sharing = sum(1 for a, b in unrelated if keys[a] & keys[b])
            assert sharing < len(unrelated) * 0.1, (threshold, sharing, len(unrelated))  # a global lock: all


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
def test_sqlite_needs_no_advisory_locks(db):
    locks = decision_lock(Customer(name="initech", domain="initech.com"))
    assert locks.keys is None
    locks.cover(Customer(name="globex", domain="globex.com"))  # nothing to take either
