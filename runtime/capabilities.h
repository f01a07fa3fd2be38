/* capabilities.h: Linux capability names (linux/capability.h), internal to
 * libscruntime and libscbuild (not installed). */
#ifndef SC_CAPABILITIES_H
#define SC_CAPABILITIES_H

/* The number of a capability named as runc names it ("CAP_SYS_ADMIN"), or
 * -1 for a name this table does not know (a capability newer than it). */
int sc_capability_number(const char *name);
/* The name of capability number n, or NULL past the table's last. */
const char *sc_capability_name(int n);

#endif
