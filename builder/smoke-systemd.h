/* smoke-systemd.h: `sc-build test --systemd`: the smoke test under real
 * systemd (docs/design.md section 5).  A disposable systemd host is
 * booted (systemd-host.h); the image is installed into its root with the
 * runtime library as a host installs it (the host's "/" is the install
 * root); inside the host, as atomic does after an install, systemctl
 * daemon-reload, systemd-tmpfiles --create the unit's file, systemctl
 * enable and start NAME; the probes run against the service (its main
 * process, seen from here, is the one whose exit they notice; an exec
 * probe runs `runc exec NAME` inside the host); then systemctl disable
 * --now, systemd-tmpfiles --remove, the library's uninstall and a
 * daemon-reload, after which systemd may not know the unit and the host
 * may have no path it had not before the install (host-files.h), but for
 * the data directories the tmpfiles lines keep and the noise of systemd
 * itself.  The host is torn down in every case. */
#ifndef SC_SMOKE_SYSTEMD_H
#define SC_SMOKE_SYSTEMD_H

#include <sc/error.h>

#include "smoke.h"
#include "systemd-host.h"

/* Run the test with options (their runtime_path is bound into the host;
 * with keep, the host is halted but its overlay kept, installed as the
 * probes left it, and a note and report->kept_upper/kept_lower say where)
 * on the host template names: 0 when it ran
 * (report->passed says how it went; when a probe failed, log_tail holds
 * `systemctl status NAME` and the unit's journal), -1 when it could not
 * (err; a unit that does not start says so with the same two texts). */
int sc_smoke_systemd_run(const sc_smoke_options *options, const sc_systemd_host_template *host,
                         sc_smoke_report *report, sc_error *err);

#endif
