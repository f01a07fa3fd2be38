/* smoke-tmpfiles.h: apply a rendered tmpfiles.d(5) file inside a test root,
 * for `sc-build test`, as systemd-tmpfiles --root=ROOT does: the root is
 * the future "/", so a line's path "/run/x" is ROOT/run/x.  A path that is
 * not absolute or climbs with ".." is skipped and reported. */
#ifndef SC_SMOKE_TMPFILES_H
#define SC_SMOKE_TMPFILES_H

#include <sc/error.h>

/* Apply text (the rendered tmpfiles file) under root_path.  Lines skipped
 * (not a clean absolute path, or types a test does not need) are added to
 * *notes as messages. */
int sc_tmpfiles_apply(const char *root_path, const char *text, char ***notes, sc_error *err);

/* The tmpfiles lines ("d /run/DIR MODE - - - -") that stand for the
 * RuntimeDirectory= of a rendered unit's [Service] (systemd.exec(5)):
 * systemd makes those directories below /run as the service starts,
 * before runc binds them, but a test root has no systemd.  Entries are
 * separated by blanks, an empty assignment resets the list, and
 * RuntimeDirectoryMode= (octal, default 0755) is their mode.  An entry that
 * is absolute, holds '..' or a specifier ('%') is skipped with a note. */
char *sc_unit_runtime_directory_lines(const char *unit, char ***notes);

#endif
