/* systemd-host.c: a Debian root booted with systemd as PID 1 in a runc
 * container, on an overlay of a template that stays pristine
 * (systemd-host.h). */
#include "systemd-host.h"
#include "imageref-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sc/imageref.h>

#include "capabilities.h"
#include "inroot.h"
#include "process.h"
#include "sha256.h"
#include "smoke.h"
#include "store.h"
#include "test-bundle.h"
#include "util.h"

#define HOST_DIR_PREFIX "sc-build-systemd-host."
#define BUNDLE_DIR "host-bundle"
#define HALT_GRACE_SECONDS 20.0
#define BOOT_POLL_SECONDS 0.2
#define LOG_TAIL_LINES 20

#define emit(t, kind, ...) sc_container_emit((t)->on_event, (t)->user, kind, __VA_ARGS__)

/* ---- the template ---- */

/* overlayfs splits its options at ',' and lowerdir at ':'. */
static int check_mountable_path(const char *path, sc_error *err)
{
  if (strpbrk(path, ",:\\") == NULL)
    return 0;
  return sc_error_set(err, SC_E_USAGE,
                      "%s has a ',', ':' or '\\', which an overlay mount cannot name: move it, "
                      "or set TMPDIR or XDG_CACHE_HOME to a plainer path",
                      path);
}

/* name: what the user called the root (the --host IMAGE as typed for an
 * unpacked image, whose temporary directory means nothing to them). */
static int check_init(const char *dir, const char *name, sc_error *err)
{
  _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the systemd host %s", dir);
  _cleanup_close_ int init = sc_open_in_root(fd, "/sbin/init", O_PATH | O_CLOEXEC, 0, 0);
  if (init < 0)
    return sc_error_set(err, SC_E_INVALID,
                        "%s is not a systemd host: it has no /sbin/init (a Debian root made with "
                        "debootstrap --include=systemd,systemd-sysv,dbus has)",
                        name);
  return 0;
}

static int check_template(const char *dir, sc_error *err)
{
  if (check_init(dir, dir, err) < 0)
    return -1;
  return check_mountable_path(dir, err);
}

static const char *suite_of(const sc_systemd_host_template *t)
{
  return t->suite ? t->suite : SC_SYSTEMD_HOST_SUITE;
}

static const char *mirror_of(const sc_systemd_host_template *t)
{
  return t->mirror ? t->mirror : SC_SYSTEMD_HOST_MIRROR;
}

/* A suite names a file of the cache (and a debootstrap script): a plain
 * name, as Debian's and Ubuntu's are. */
static bool is_plain_name(const char *s)
{
  if (s[0] == '\0' || s[0] == '.' || s[0] == '-' || strlen(s) > 64)
    return false;
  return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
         strlen(s);
}

static bool is_mirror_url(const char *m)
{
  bool scheme = sc_str_has_prefix(m, "http://") || sc_str_has_prefix(m, "https://") ||
                sc_str_has_prefix(m, "file:/");
  return scheme && strpbrk(m, " \t\n") == NULL;
}

char *sc_systemd_host_cache_key(const sc_systemd_host_template *t, sc_error *err)
{
  const char *suite = suite_of(t), *mirror = mirror_of(t);
  if (!is_plain_name(suite)) {
    sc_error_set(err, SC_E_USAGE,
                 "--host-suite '%s' is not a suite name (letters, digits, '.', '_' and '-', "
                 "as bookworm or trixie)",
                 suite);
    return NULL;
  }
  if (!is_mirror_url(mirror)) {
    sc_error_set(err, SC_E_USAGE,
                 "--host-mirror '%s' is not a mirror URL debootstrap takes (http://, https:// "
                 "or file:/, as " SC_SYSTEMD_HOST_MIRROR ")",
                 mirror);
    return NULL;
  }
  if (strcmp(mirror, SC_SYSTEMD_HOST_MIRROR) == 0)
    return xstrdup(suite);
  sc_sha256 *h = sc_sha256_new();
  sc_sha256_update(h, mirror, strlen(mirror));
  char digest[SC_DIGEST_LEN + 1];
  sc_sha256_finish(h, digest);
  return xasprintf("%s-%.12s", suite, digest + strlen("sha256:"));
}

static int run_debootstrap(const sc_systemd_host_template *t, const char *target, const char *log,
                           sc_error *err)
{
  _cleanup_free_ char *debootstrap = sc_smoke_find_program("debootstrap", t->search_path);
  _cleanup_free_ char *unshare = sc_smoke_find_program("unshare", t->search_path);
  if (debootstrap == NULL || unshare == NULL)
    return sc_error_set(err, ENOENT,
                        "%s not found: install it (apt-get install debootstrap) so that sc-build "
                        "can make a systemd host, or name one with --host DIR",
                        debootstrap ? "unshare" : "debootstrap");
  /* Its mounts of /proc and /sys in the target die with its namespace,
   * also when it is killed. */
  const char *argv[] = {unshare,
                        "--mount",
                        "--propagation",
                        "private",
                        debootstrap,
                        "--variant=minbase",
                        "--include=systemd,systemd-sysv,dbus",
                        suite_of(t),
                        target,
                        mirror_of(t),
                        NULL};
  _cleanup_close_ int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", log);
  int status = 0;
  if (sc_spawn_wait((char *const *)argv, NULL, log_fd, &status, err) < 0)
    return -1;
  if (status == 0)
    return sc_check_interrupted(t->interrupted, "making the systemd host", err);
  _cleanup_free_ char *tail = sc_smoke_read_tail(log, 5);
  return sc_error_set(err, SC_E_CHECK,
                      "debootstrap %s %s failed with status %d (is the suite one the mirror "
                      "has, and the mirror reachable? or name a host with --host DIR); "
                      "debootstrap said:\n%s",
                      suite_of(t), mirror_of(t), status, tail ? tail : "(no output)");
}

/* Fills target, a directory to be inside tmp, with a host. */
typedef int (*host_fill_fn)(const sc_systemd_host_template *t, const char *tmp, const char *target,
                            sc_error *err);

/* The host at path in the cache, made by fill when missing: in a flocked
 * temporary directory beside path and renamed into place, so that path is
 * a whole host or absent, also when this run is killed.  Making one holds
 * the cache's lock: a second run that needs the same host waits for the
 * first and uses what it made, rather than making it again beside it (two
 * debootstraps of minutes each, or two unpacks of one image).  making
 * and using are the progress steps for the two cases. */
static int cached_host(const sc_systemd_host_template *t, const char *cache, const char *key,
                       const char *path, host_fill_fn fill, const char *making, const char *using,
                       sc_error *err)
{
  if (access(path, F_OK) == 0) {
    if (using)
      emit(t, "step", "%s", using);
    return 0;
  }
  if (sc_mkdir_p_at(AT_FDCWD, cache, 0700, err) < 0)
    return sc_error_prefix(err, "cache %s", cache);
  _cleanup_close_ int cache_fd = open(cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cache_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open the cache %s", cache);
  _cleanup_free_ char *what = xasprintf("the systemd host cache %s", cache);
  if (sc_store_lock(cache_fd, what, t->interrupted, err) < 0)
    return -1;
  if (access(path, F_OK) == 0) {
    if (using)
      emit(t, "step", "%s", using);
    return 0;
  }
  emit(t, "step", "%s", making);
  char *tmp = NULL;
  _cleanup_free_ char *prefix = xasprintf(".%s.tmp-", key);
  int lock_fd = sc_store_tmp_dir(cache, prefix, 0755, NULL, &tmp, err);
  if (lock_fd < 0)
    return -1;
  _cleanup_free_ char *target = sc_path_join(tmp, "rootfs");
  int r = fill(t, tmp, target, err);
  /* One made by a run that does not take the lock (an older sc-build) is
   * as good as ours. */
  if (r == 0 && rename(target, path) < 0 && errno != EEXIST && errno != ENOTEMPTY)
    r = sc_error_set_errno(err, errno, "cannot rename %s to %s", target, path);
  sc_store_tmp_dir_remove(&tmp, &lock_fd);
  return r;
}

static int fill_by_debootstrap(const sc_systemd_host_template *t, const char *tmp,
                               const char *target, sc_error *err)
{
  _cleanup_free_ char *log = sc_path_join(tmp, "debootstrap.log");
  return run_debootstrap(t, target, log, err);
}

/* The image's layers, checked for systemd: an image without it is not
 * kept. */
static int fill_from_image(const sc_systemd_host_template *t, const char *tmp, const char *target,
                           sc_error *err)
{
  (void)tmp;
  sc_checkout_options options = {.size = sizeof options, .interrupted = t->interrupted};
  if (mkdir(target, 0755) < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", target);
  _cleanup_close_ int fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", target);
  if (sc_image_checkout(t->image, fd, &options, err) < 0)
    return sc_error_prefix(err, "unpacking --host %s", t->given);
  return check_init(target, t->given, err);
}

/* The image's host in the cache, unpacked when missing: keyed by the
 * manifest digest, so that a changed image is unpacked anew and the same
 * one, by whatever name, is not. */
static int image_template(const sc_systemd_host_template *t, char **made, sc_error *err)
{
  if (t->cache_dir == NULL)
    return sc_error_set(err, SC_E_USAGE,
                        "no cache directory to unpack --host %s into: set XDG_CACHE_HOME or "
                        "HOME, or unpack it yourself and name the directory with --host DIR",
                        t->given);
  _cleanup_free_ char *key = xasprintf("sha256-%s", sc_image_id(t->image));
  *made = sc_path_join(t->cache_dir, key);
  _cleanup_free_ char *making =
      xasprintf("unpacking the systemd host %s into %s (once: it is cached)", t->given, *made);
  _cleanup_free_ char *using =
      xasprintf("using the systemd host %s unpacked before into %s", t->given, *made);
  return cached_host(t, t->cache_dir, key, *made, fill_from_image, making, using, err);
}

int sc_systemd_host_given_kind(const char *given, sc_systemd_host_kind *kind, sc_error *err)
{
  struct stat st;
  if (stat(given, &st) == 0 && S_ISDIR(st.st_mode)) {
    *kind = SC_SYSTEMD_HOST_DIR;
    return 0;
  }
  sc_image_ref ref;
  sc_error parse_err = SC_ERROR_INIT;
  int r = sc_image_ref_parse(given, SC_REF_SOURCE | SC_REF_EXPLICIT, &ref, &parse_err);
  sc_image_ref_clear(&ref);
  if (r == 0) {
    *kind = SC_SYSTEMD_HOST_IMAGE;
    sc_error_clear(&parse_err);
    return 0;
  }
  /* One that names no transport was meant as a directory: say what --host
   * takes.  Else the parser's message says what is wrong with it, and
   * which transports there are. */
  const char *why = parse_err.msg ? parse_err.msg : "";
  if (strstr(why, "names no transport")) {
    _cleanup_free_ char *syntax = sc_transports_syntax(SC_REF_SOURCE);
    sc_error_set(err, SC_E_USAGE,
                 "--host '%s' is neither a directory nor an image reference: give the "
                 "directory of a Debian root with /sbin/init, or an image of one as %s",
                 given, syntax);
  } else {
    sc_error_set(err, SC_E_USAGE,
                 "--host '%s' is neither a directory nor a valid image reference (%s): give the "
                 "directory of a Debian root with /sbin/init, or an image of one",
                 given, why);
  }
  sc_error_clear(&parse_err);
  return -1;
}
/* A host in the cache, made or unpacked: checked again, as something
 * may have changed it since. */
static int resolve_template(const char *made, char **path, sc_error *err)
{
  _cleanup_free_ char *real = realpath(made, NULL);
  if (real == NULL)
    return sc_error_set_errno(err, errno, "cannot resolve %s", made);
  if (check_template(real, err) < 0)
    return sc_error_prefix(err, "remove it to have it made again");
  *path = steal_pointer(&real);
  return 0;
}

int sc_systemd_host_template_path(const sc_systemd_host_template *t, char **path, sc_error *err)
{
  *path = NULL;
  if (t->given && (t->suite || t->mirror))
    return sc_error_set(err, SC_E_USAGE,
                        "--host names a host, --host-suite and --host-mirror say how to make "
                        "one: give one or the other");
  _cleanup_free_ char *made = NULL;
  if (t->image && image_template(t, &made, err) < 0)
    return -1;
  if (t->given && !t->image) {
    _cleanup_free_ char *real = realpath(t->given, NULL);
    if (real == NULL)
      return sc_error_set_errno(err, errno, "--host %s", t->given);
    if (check_template(real, err) < 0)
      return -1;
    *path = steal_pointer(&real);
    return 0;
  }
  if (made)
    return resolve_template(made, path, err);
  const char *cache = t->cache_dir;
  if (cache == NULL)
    return sc_error_set(err, SC_E_USAGE,
                        "no cache directory for the systemd host: set XDG_CACHE_HOME or HOME, "
                        "or name a host with --host DIR");
  _cleanup_free_ char *key = sc_systemd_host_cache_key(t, err);
  if (key == NULL)
    return -1;
  made = sc_path_join(cache, key);
  _cleanup_free_ char *making =
      xasprintf("making the systemd host %s with debootstrap (once: it is cached)", made);
  if (cached_host(t, cache, key, made, fill_by_debootstrap, making, NULL, err) < 0)
    return -1;
  return resolve_template(made, path, err);
}

/* ---- the container ---- */

/* The constant part of the host's config.json: root.path, the
 * capabilities and the runtime's bind mount are added.  container= tells
 * systemd it runs in a container (no units for hardware); the cgroup
 * namespace and a writable cgroup mount let it manage its own tree. */
static const char host_config[] =
    "{\"ociVersion\": \"1.0.2\","
    " \"process\": {\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0},"
    "  \"args\": [\"/sbin/init\"], \"cwd\": \"/\","
    "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
    "           \"container=sc-build\"]},"
    " \"root\": {\"readonly\": false},"
    " \"hostname\": \"sc-build-host\","
    " \"mounts\": ["
    "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
    "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"]},"
    "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\"]},"
    "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
    "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
    "  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"rw\"]},"
    "  {\"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"nodev\", \"mode=755\"]},"
    "  {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"nodev\", \"mode=1777\"]}],"
    " \"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]},"
    "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"mount\"},"
    "                 {\"type\": \"uts\"}, {\"type\": \"cgroup\"}]}}";

/* Every capability this process may give (its bounding set): asking for
 * one more fails the start ("unable to apply caps"), as in a container
 * that dropped CAP_SYS_RESOURCE. */
static json_t *bounding_capabilities(void)
{
  sc_machine_security machine;
  sc_machine_security_read(&machine);
  json_t *caps = json_array();
  const char *name;
  for (int i = 0; i < 64 && (name = sc_capability_name(i)); i++)
    if (machine.capabilities >> i & 1)
      json_array_append_new(caps, json_string(name));
  return caps;
}

static json_t *make_config(const char *fs, const char *runtime)
{
  json_t *config = json_loads(host_config, 0, NULL);
  json_object_set_new(json_object_get(config, "root"), "path", json_string(fs));
  json_t *caps = bounding_capabilities();
  json_object_set_new(
      json_object_get(config, "process"), "capabilities",
      json_pack("{s:O, s:O, s:o}", "bounding", caps, "effective", caps, "permitted", caps));
  /* The unit's ExecStart names the runtime by this path. */
  json_array_append_new(json_object_get(config, "mounts"),
                        json_pack("{s:s, s:s, s:s, s:[ss]}", "destination", runtime, "type", "bind",
                                  "source", runtime, "options", "bind", "ro"));
  return config;
}

static int write_bundle(const sc_systemd_host *host, const char *bundle, sc_error *err)
{
  if (mkdir(bundle, 0700) < 0)
    return sc_error_set_errno(err, errno, "cannot create %s", bundle);
  json_t *config = make_config(host->fs, host->runtime.path);
  _cleanup_free_ char *text = json_dumps(config, JSON_INDENT(2));
  json_decref(config);
  _cleanup_close_ int fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", bundle);
  return sc_write_file_at(fd, "config.json", text, strlen(text), 0600, err);
}

static int mount_overlay(const sc_systemd_host *host, const char *template_dir, sc_error *err)
{
  _cleanup_free_ char *work = sc_path_join(host->dir.path, "work");
  if (check_mountable_path(host->dir.path, err) < 0)
    return -1;
  if (mkdir(host->upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(host->fs, 0755) < 0)
    return sc_error_set_errno(err, errno, "cannot make the overlay's directories in %s",
                              host->dir.path);
  _cleanup_free_ char *options =
      xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", template_dir, host->upper, work);
  if (mount("overlay", host->fs, "overlay", 0, options) < 0)
    return sc_error_set_errno(err, errno,
                              "cannot mount an overlay of %s on %s (overlayfs must be able to "
                              "write to the file system of TMPDIR)",
                              template_dir, host->fs);
  return 0;
}

static int start_host(sc_systemd_host *host, sc_error *err)
{
  _cleanup_free_ char *bundle = sc_path_join(host->dir.path, BUNDLE_DIR);
  if (write_bundle(host, bundle, err) < 0)
    return -1;
  host->log_path = sc_path_join(host->dir.path, "host.log");
  _cleanup_close_ int log_fd =
      open(host->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open %s", host->log_path);
  _cleanup_free_ char *pid_file = sc_path_join(host->dir.path, "host.pid");
  if (sc_runtime_run_detached(&host->runtime, bundle, host->id, pid_file, log_fd, &host->init.pid,
                              err) < 0)
    return -1;
  host->started = true;
  return 0;
}

static bool is_booted(const char *state)
{
  return state && (strncmp(state, "running", 7) == 0 || strncmp(state, "degraded", 8) == 0);
}

/* Until `systemctl is-system-running` says running or degraded: before
 * that it says starting, or cannot reach systemd yet. */
static int wait_booted(sc_systemd_host *host, double timeout, sc_error *err)
{
  const char *argv[] = {"systemctl", "is-system-running", NULL};
  double end = sc_now() + timeout;
  _cleanup_free_ char *state = NULL;
  while (!sc_interrupted(host->interrupted)) {
    sc_probe_target_poll(&host->init);
    if (host->init.exited) {
      _cleanup_free_ char *tail = sc_smoke_read_tail(host->log_path, LOG_TAIL_LINES);
      return sc_error_set(err, SC_E_CHECK, "systemd exited in the host before it booted: %s",
                          tail ? tail : "(no output)");
    }
    free(steal_pointer(&state));
    int status = 0;
    if (sc_systemd_host_exec(host, argv, &status, &state, err) < 0)
      return -1;
    if (is_booted(state) || sc_now() >= end)
      break;
    usleep((useconds_t)(BOOT_POLL_SECONDS * 1e6));
  }
  if (sc_check_interrupted(host->interrupted, "booting the systemd host", err) < 0)
    return -1;
  if (is_booted(state))
    return 0;
  return sc_error_set(err, SC_E_CHECK,
                      "the systemd host did not boot within %gs: systemctl is-system-running "
                      "says %s",
                      timeout, state ? state : "nothing");
}

int sc_systemd_host_boot(const char *template_dir, const char *runtime, const char *tmpdir,
                         double timeout, volatile const int *interrupted, sc_systemd_host *host,
                         sc_error *err)
{
  *host = (sc_systemd_host){.dir = {.lock_fd = -1}, .interrupted = interrupted};
  if (sc_container_root_make(tmpdir, HOST_DIR_PREFIX, runtime, &host->dir, err) < 0)
    return -1;
  host->fs = sc_path_join(host->dir.path, SC_CONTAINER_ROOT_MOUNT);
  host->upper = sc_path_join(host->dir.path, "upper");
  char suffix[9];
  sc_random_hex(suffix, 8);
  host->id = xasprintf("sc-build-host-%s", suffix);
  host->runtime_path = xstrdup(runtime);
  host->runtime = (sc_runtime){.size = sizeof(sc_runtime),
                               .path = host->runtime_path,
                               .state_root = host->dir.state_root,
                               .systemd_cgroup = sc_systemd_is_running()};
  host->init.interrupted = interrupted;
  if (mount_overlay(host, template_dir, err) < 0 || start_host(host, err) < 0)
    return -1;
  return wait_booted(host, timeout, err);
}

int sc_systemd_host_exec(const sc_systemd_host *host, const char *const argv[], int *status,
                         char **output, sc_error *err)
{
  return sc_runtime_exec(&host->runtime, host->id, (char *const *)argv, status, output, err);
}

static char *join_words(const char *const argv[])
{
  sc_buf b = SC_BUF_INIT;
  for (size_t i = 0; argv[i]; i++) {
    if (i)
      sc_buf_putc(&b, ' ');
    sc_buf_puts(&b, argv[i]);
  }
  return sc_buf_steal(&b);
}

int sc_systemd_host_run(const sc_systemd_host *host, const char *const argv[], sc_error *err)
{
  int status = 0;
  _cleanup_free_ char *output = NULL;
  if (sc_systemd_host_exec(host, argv, &status, &output, err) < 0)
    return -1;
  if (status == 0)
    return 0;
  _cleanup_free_ char *command = join_words(argv);
  return sc_error_set(err, SC_E_CHECK, "`%s` failed in the systemd host with status %d: %s",
                      command, status, output ? output : "");
}

/* The last PID of status's "NSpid:" line: the PID in the innermost
 * namespace of the process. */
static pid_t innermost_pid(const char *proc_pid)
{
  _cleanup_free_ char *path = xasprintf("/proc/%s/status", proc_pid);
  FILE *f = fopen(path, "re");
  char line[512];
  pid_t pid = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "NSpid:", 6) != 0)
      continue;
    char *save = NULL;
    for (char *w = strtok_r(line + 6, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
      pid = (pid_t)atol(w);
    break;
  }
  if (f)
    fclose(f);
  return pid;
}

static char *pid_namespace(const char *proc_pid)
{
  _cleanup_free_ char *path = xasprintf("/proc/%s/ns/pid", proc_pid);
  char target[64];
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n < 0)
    return NULL;
  target[n] = '\0';
  return xstrdup(target);
}

pid_t sc_systemd_host_outer_pid(const sc_systemd_host *host, pid_t pid)
{
  char init[32];
  snprintf(init, sizeof init, "%d", (int)host->init.pid);
  _cleanup_free_ char *ns = pid_namespace(init);
  DIR *proc = ns ? opendir("/proc") : NULL;
  pid_t found = 0;
  struct dirent *e;
  while (proc && found == 0 && (e = readdir(proc)) != NULL) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9')
      continue;
    _cleanup_free_ char *its = pid_namespace(e->d_name);
    if (its && strcmp(its, ns) == 0 && innermost_pid(e->d_name) == pid)
      found = (pid_t)atol(e->d_name);
  }
  if (proc)
    closedir(proc);
  return found;
}

/* systemd halts on SIGRTMIN+3, as `machinectl poweroff` and podman ask. */
static void halt(sc_systemd_host *host)
{
  char halt_signal[16];
  snprintf(halt_signal, sizeof halt_signal, "%d", SIGRTMIN + 3);
  host->init.interrupted = NULL; /* this wait happens after Ctrl-C too */
  sc_probe_target_poll(&host->init);
  if (!host->init.exited) {
    sc_runtime_kill(&host->runtime, host->id, halt_signal, NULL);
    sc_probe_sleep(&host->init, HALT_GRACE_SECONDS);
  }
  if (!host->init.exited) {
    sc_runtime_kill(&host->runtime, host->id, "KILL", NULL);
    sc_probe_sleep(&host->init, 5);
  }
  sc_runtime_delete(&host->runtime, host->id, true, NULL);
}

void sc_systemd_host_close(sc_systemd_host *host, bool keep)
{
  if (host->started)
    halt(host);
  sc_container_root_close(&host->dir, keep); /* unless keep, detaches the overlay first */
  free(host->id);
  free(host->fs);
  free(host->upper);
  free(host->log_path);
  free(host->runtime_path);
  *host = (sc_systemd_host){.dir = {.lock_fd = -1}};
}
