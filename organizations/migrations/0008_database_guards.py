"""Database guards for two rules that were Python-only:

- the opening intervals of one centre never overlap on a weekday (a PostgreSQL exclusion
  constraint; SQLite keeps the form check, ``OpeningInterval.clean``);
- a secretary's scope names communities of its own street only (a trigger on the scope's
  communities and on the scope's street, in PostgreSQL and in SQLite alike).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    # date + time is a timestamp: tsrange compares the intervals; '[)' lets 12:00–14:00 follow 09:00–12:00.
    """ALTER TABLE organizations_openinginterval ADD CONSTRAINT openinginterval_no_overlap
       EXCLUDE USING gist (
           center_id WITH =,
           weekday WITH =,
           tsrange(DATE '2000-01-01' + opens_at, DATE '2000-01-01' + closes_at) WITH &&
       )""",
    """CREATE FUNCTION organizations_link_in_scope_street() RETURNS trigger AS $$
       BEGIN
           IF (SELECT street_id FROM organizations_community WHERE id = NEW.community_id)
              <> (SELECT street_id FROM organizations_staffscope WHERE id = NEW.staffscope_id) THEN
               RAISE EXCEPTION 'staffscope_community_in_street' USING ERRCODE = 'check_violation';
           END IF;
           RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION organizations_scope_street_keeps_links() RETURNS trigger AS $$
       BEGIN
           IF EXISTS (
               SELECT 1 FROM organizations_staffscope_communities link
               JOIN organizations_community community ON community.id = link.community_id
               WHERE link.staffscope_id = NEW.id AND community.street_id <> NEW.street_id
           ) THEN
               RAISE EXCEPTION 'staffscope_community_in_street' USING ERRCODE = 'check_violation';
           END IF;
           RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER staffscope_community_in_street BEFORE INSERT OR UPDATE
       ON organizations_staffscope_communities FOR EACH ROW
       EXECUTE FUNCTION organizations_link_in_scope_street()""",
    """CREATE TRIGGER staffscope_street_keeps_communities BEFORE UPDATE OF street_id
       ON organizations_staffscope FOR EACH ROW
       EXECUTE FUNCTION organizations_scope_street_keeps_links()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS staffscope_street_keeps_communities ON organizations_staffscope",
    "DROP TRIGGER IF EXISTS staffscope_community_in_street ON organizations_staffscope_communities",
    "DROP FUNCTION IF EXISTS organizations_scope_street_keeps_links()",
    "DROP FUNCTION IF EXISTS organizations_link_in_scope_street()",
    "ALTER TABLE organizations_openinginterval DROP CONSTRAINT IF EXISTS openinginterval_no_overlap",
]
SQLITE_FORWARD = [
    """CREATE TRIGGER staffscope_community_in_street_insert
       BEFORE INSERT ON organizations_staffscope_communities
       WHEN (SELECT street_id FROM organizations_community WHERE id = NEW.community_id)
            <> (SELECT street_id FROM organizations_staffscope WHERE id = NEW.staffscope_id)
       BEGIN SELECT RAISE(ABORT, 'staffscope_community_in_street'); END""",
    """CREATE TRIGGER staffscope_community_in_street_update
       BEFORE UPDATE ON organizations_staffscope_communities
       WHEN (SELECT street_id FROM organizations_community WHERE id = NEW.community_id)
            <> (SELECT street_id FROM organizations_staffscope WHERE id = NEW.staffscope_id)
       BEGIN SELECT RAISE(ABORT, 'staffscope_community_in_street'); END""",
    """CREATE TRIGGER staffscope_street_keeps_communities
       BEFORE UPDATE OF street_id ON organizations_staffscope
       WHEN EXISTS (
           SELECT 1 FROM organizations_staffscope_communities link
           JOIN organizations_community community ON community.id = link.community_id
           WHERE link.staffscope_id = NEW.id AND community.street_id <> NEW.street_id
       )
       BEGIN SELECT RAISE(ABORT, 'staffscope_community_in_street'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS staffscope_street_keeps_communities",
    "DROP TRIGGER IF EXISTS staffscope_community_in_street_update",
    "DROP TRIGGER IF EXISTS staffscope_community_in_street_insert",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("organizations", "0007_service_point_of_economic_society")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
