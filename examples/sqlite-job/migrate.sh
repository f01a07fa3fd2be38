#!/bin/sh
# migrate.sh: the one-shot job.  Bring the database in /var/lib/sqlite-job
# (the host's ${STATE_DIRECTORY}/${NAME}) to the schema, then check it: the
# exit status is the job's result, which `sc-build test`'s exit probe reads.
set -eu
db=/var/lib/sqlite-job/$DATABASE
sqlite3 -bail "$db" </usr/share/sqlite-job/schema.sql
integrity=$(sqlite3 "$db" 'PRAGMA integrity_check;')
version=$(sqlite3 "$db" 'PRAGMA user_version;')
tables=$(sqlite3 "$db" "SELECT count(*) FROM sqlite_schema WHERE type = 'table';")
echo "$db: integrity $integrity, schema version $version, $tables tables"
if [ "$integrity" != ok ]; then
    echo "migrate.sh: $db is damaged" >&2
    exit 1
fi
if [ "$version" != "$SCHEMA_VERSION" ] || [ "$tables" != 2 ]; then
    echo "migrate.sh: $db is at schema version $version with $tables tables, expected version $SCHEMA_VERSION with 2" >&2
    exit 2
fi
