"""No double booking on PostgreSQL: an exclusion constraint on vehicle + loan period.

Two reserved, active or overdue loans of the same vehicle may not have overlapping half-open
periods [start_date, end_date); back-to-back loans (one returns the day the next starts) are
allowed. The constraint needs the btree_gist extension (trusted since PostgreSQL 13, so the
database owner may create it). Both operations are no-ops on SQLite, where the services keep
the guarantee by checking the overlap in the same transaction as the write.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """Run the SQL on PostgreSQL only; do nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("vehicles", "0001_initial"),
    ]

    operations = [
        BtreeGistExtension(),
        RunSQLOnPostgreSQL(
            sql="""
                ALTER TABLE vehicles_loan ADD CONSTRAINT loan_no_double_booking
                EXCLUDE USING gist (
                    vehicle_id WITH =,
                    daterange(start_date, end_date, '[)') WITH &&
                ) WHERE (status IN ('reserved', 'active', 'overdue'))
            """,
            reverse_sql="ALTER TABLE vehicles_loan DROP CONSTRAINT loan_no_double_booking",
        ),
    ]
