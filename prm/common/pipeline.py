"""Letting the database work while Python does: psycopg's pipeline mode around a batch job's writes.

Inside ``pipelined()`` on PostgreSQL, a statement whose result nobody fetches (an upsert) is sent and the call
returns at once; the server runs it while the caller goes on computing the next batch. The server runs statements
in the order they were sent, so reads see the writes queued before them; a fetch waits for every statement queued
so far (psycopg syncs the whole pipeline), so queue the next reads before a long stretch of Python work, not after. Errors of a queued statement surface at the
next fetch or when the block ends, as Django's database errors (IntegrityError...), and roll back the caller's
``transaction.atomic()`` like any other. Open the block inside the atomic block, never around it.

Elsewhere (SQLite, or an open pipeline already) it does nothing: statements run one after the other as usual.
"""

from contextlib import contextmanager


def in_pipeline(connection) -> bool:
    return (connection.vendor == "postgresql" and connection.connection is not None
            and bool(connection.connection.pgconn.pipeline_status))


@contextmanager
def pipelined(connection):
    if connection.vendor != "postgresql" or in_pipeline(connection):  # one level is enough
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


class Queued:
    """Reads sent now and read later: ``rows()`` gives each statement's rows, in order.

    In a pipeline the statements are only sent, and the server runs them while the caller goes on; the first
    ``rows()`` waits for everything queued before it (writes included). Outside one they run at once.
    """

    def __init__(self, connection, statements):
        self._cursors, self._rows = [], None
        if in_pipeline(connection):
            for sql, params in statements:
                cursor = connection.cursor()
                cursor.execute(sql, params)
                self._cursors.append(cursor)
        else:
            self._rows = []
            with connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
                    self._rows.append(cursor.fetchall())

    def rows(self) -> list[list[tuple]]:
        if self._rows is None:
            try:
                self._rows = [cursor.fetchall() for cursor in self._cursors]
            finally:
                for cursor in self._cursors:
                    cursor.close()
                self._cursors = []
        return self._rows
