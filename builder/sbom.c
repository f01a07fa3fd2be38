/* sbom.c: an SPDX 2.3 document for an image (sbom.h). */
#include "sbom.h"
#include "image-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image-view.h"
#include "layer.h"
#include "oci.h"
#include "pkgdb-rpm.h"
#include "pkgdb.h"
#include "store.h"
#include "util.h"

#define DPKG_STATUS "var/lib/dpkg/status"
#define APK_INSTALLED "lib/apk/db/installed"
#define IMAGE_ID "SPDXRef-Image"
/* A namespace that names no real host (RFC 6761 .invalid): SPDX asks
 * only that it be unique to the document, which the digest makes it. */
#define NAMESPACE_BASE "https://sc-build.invalid/spdxdocs/"

#define DPKG_INFO "var/lib/dpkg/info/"
/* What package databases may take in memory, all files together. */
#define KEPT_TOTAL (256u << 20)

/* Where rpm keeps its database: rpm 4.17's default (Fedora 36, openSUSE,
 * with var/lib/rpm often a symlink to it), then the older one (RHEL 8 and
 * 9, Fedora before 36), as the image resolves each. */
#define RPM_DIR_NOW "usr/lib/sysimage/rpm/"
#define RPM_DIR_OLD "var/lib/rpm/"
static const char *const rpm_dirs[] = {RPM_DIR_NOW, RPM_DIR_OLD};
#define RPM_FILES(dir)                                                                             \
  dir "rpmdb.sqlite", dir "rpmdb.sqlite-wal", dir "Packages.db", dir "Index.db", dir "Packages"

static const char *const kept_files[] = {
    DPKG_STATUS, APK_INSTALLED, DPKG_INFO "*.list", RPM_FILES(RPM_DIR_NOW), RPM_FILES(RPM_DIR_OLD),
    NULL};

int sc_sbom_timestamp(const char *text, char out[21])
{
  struct tm tm = {0};
  const char *rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
  if (rest == NULL)
    return -1;
  if (*rest == '.')
    for (rest++; *rest >= '0' && *rest <= '9'; rest++)
      ;
  long offset = 0;
  int oh, om, used = 0;
  if (*rest == 'Z' || *rest == 'z')
    rest++;
  else if ((*rest == '+' || *rest == '-') && sscanf(rest + 1, "%2d:%2d%n", &oh, &om, &used) == 2 &&
           used == 5)
    offset = (*rest == '-' ? -1 : 1) * (oh * 3600L + om * 60L), rest += 1 + used;
  else
    return -1;
  time_t t = timegm(&tm) - offset;
  struct tm utc;
  if (*rest != '\0' || t < 0 || gmtime_r(&t, &utc) == NULL || utc.tm_year > 9999 - 1900)
    return -1;
  strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return 0;
}

/* The caller's SOURCE_DATE_EPOCH when given, else the config's `created`. */
static int created_time(const sc_image *image, const sc_sbom_options *o, char out[21],
                        sc_error *err)
{
  if (o->dated) {
    time_t t = (time_t)o->source_date_epoch;
    struct tm utc;
    if (gmtime_r(&t, &utc) == NULL || utc.tm_year > 9999 - 1900)
      return sc_error_set(err, SC_E_INVALID, "SOURCE_DATE_EPOCH=%lld is past the year 9999",
                          (long long)o->source_date_epoch);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return 0;
  }
  const char *created = json_string_value(json_object_get(image->config, "created"));
  if (sc_sbom_timestamp(created, out) < 0)
    return sc_error_set(err, SC_E_INVALID,
                        "image %s: its config has no RFC 3339 `created` time (%s); set "
                        "SOURCE_DATE_EPOCH to date the SBOM",
                        image->reference, created ? created : "absent");
  return 0;
}

/* The packages of one database file, when the image has it. */
static int read_database(sc_image_view *view, const char *path, sc_pkg_kind kind, sc_pkg_list *all,
                         sc_error *err)
{
  sc_view_content content;
  sc_view_file file;
  if (sc_image_view_stat(view, path, &file) < 0 || file.type != SC_VIEW_REG) {
    sc_view_file_clear(&file);
    return 0;
  }
  sc_view_file_clear(&file);
  if (sc_image_view_content(view, path, &content, err) < 0)
    return -1;
  if (content.whole_too_large)
    return sc_error_set(err, SC_E_INVALID, "/%s: larger than %u bytes", path, SC_PKGDB_MAX_SIZE);
  if (content.whole == NULL)
    return sc_error_set(err, SC_E_INVALID,
                        "/%s: reached through a symlink in the image; an SBOM reads the "
                        "package database only at its own path",
                        path);
  sc_pkg_list found;
  _cleanup_free_ char *origin = xasprintf("/%s", path);
  int r =
      kind == SC_PKG_DEB
          ? sc_pkgdb_parse_dpkg((const char *)content.whole, content.whole_len, origin, &found, err)
          : sc_pkgdb_parse_apk((const char *)content.whole, content.whole_len, origin, &found, err);
  if (r < 0)
    return -1;
  all->items = xrealloc(all->items, (all->count + found.count + 1) * sizeof *all->items);
  memcpy(all->items + all->count, found.items, found.count * sizeof *found.items);
  all->count += found.count;
  free(found.items);
  return 0;
}

/* Whether dir/name is a regular file, symlinks followed inside the image. */
static bool has_regular_file(sc_image_view *view, const char *dir, const char *name)
{
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
  sc_view_file file;
  bool regular = sc_image_view_stat(view, path, &file) == 0 && file.type == SC_VIEW_REG;
  sc_view_file_clear(&file);
  return regular;
}

/* The image's rpm database: the first of rpm_dirs holding a file of one of
 * sc_rpmdb_formats (in their order); *dir is where the image resolves it
 * ("/usr/lib/sysimage/rpm"). */
static const sc_rpmdb_format *find_rpmdb(sc_image_view *view, char **dir)
{
  for (size_t d = 0; d < sizeof rpm_dirs / sizeof *rpm_dirs; d++) {
    sc_view_file found;
    int r = sc_image_view_stat(view, rpm_dirs[d], &found);
    for (size_t f = 0; r == 0 && found.type == SC_VIEW_DIR && f < SC_RPMDB_FORMATS; f++) {
      if (has_regular_file(view, found.path, sc_rpmdb_formats[f].file)) {
        *dir = steal_pointer(&found.path);
        return &sc_rpmdb_formats[f];
      }
    }
    sc_view_file_clear(&found);
  }
  return NULL;
}

/* Copy dir/name of the image into the private directory dir_fd: the bytes
 * the layers recorded for it (a symlink resolved inside the image, to one
 * of rpm_dirs; bounded in size), checked to begin as format's database
 * file does when format is given. */
static int copy_rpmdb_file(sc_image_view *view, const char *dir, const sc_rpmdb_format *format,
                           const char *name, int dir_fd, sc_error *err)
{
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
  sc_view_content content;
  if (sc_image_view_content(view, path, &content, err) < 0)
    return -1;
  if (content.whole_too_large)
    return sc_error_set(err, SC_E_INVALID, "%s: larger than %u bytes", path, SC_PKGDB_MAX_SIZE);
  if (content.whole == NULL)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: reached through a symlink, not where rpm keeps a database; an "
                        "SBOM reads one only in /" RPM_DIR_NOW " or /" RPM_DIR_OLD,
                        path);
  if (format && !sc_rpmdb_has_magic(format, content.whole, content.whole_len))
    return sc_error_set(err, SC_E_INVALID, "%s: not an rpm database of the %s backend", path,
                        format->backend);
  return sc_write_file_at(dir_fd, name, content.whole, content.whole_len, 0600, err);
}

/* The packages of the image's rpm database, read by librpm from a copy in a
 * private temporary directory: librpm opens files by path, and the image's
 * are in memory (its layers are never extracted). */
static int read_rpm_database(sc_image_view *view, const char *tmpdir, sc_pkg_list *all,
                             sc_error *err)
{
  _cleanup_free_ char *dir = NULL, *copy = NULL;
  const sc_rpmdb_format *format = find_rpmdb(view, &dir);
  if (format == NULL)
    return 0;
  int copy_fd = sc_store_tmp_dir(tmpdir, "sc-rpmdb-", 0700, NULL, &copy, err);
  if (copy_fd < 0)
    return sc_error_prefix(err, "cannot copy the rpm database %s", dir);
  int r = copy_rpmdb_file(view, dir, format, format->file, copy_fd, err);
  if (r == 0 && format->extra && has_regular_file(view, dir, format->extra))
    r = copy_rpmdb_file(view, dir, NULL, format->extra, copy_fd, err);
  _cleanup_free_ char *origin = xasprintf("%s/%s", dir, format->file);
  if (r == 0)
    r = sc_pkgdb_read_rpm(copy, format->backend, origin, all, err);
  sc_store_tmp_dir_remove(&copy, &copy_fd);
  return r;
}

/* The database file of a dpkg package: NAME:ARCH.list for a Multi-Arch:
 * same package, else NAME.list (dpkg's info directory); NULL when the
 * image has neither. */
static char *dpkg_list_path(sc_image_view *view, const sc_pkg *pkg)
{
  char *with_arch = xasprintf("/" DPKG_INFO "%s:%s.list", pkg->name, pkg->arch ? pkg->arch : "");
  char *plain = xasprintf("/" DPKG_INFO "%s.list", pkg->name);
  sc_view_file file;
  char *found = NULL;
  if (pkg->arch && sc_image_view_stat(view, with_arch, &file) == 0 && file.type == SC_VIEW_REG)
    found = steal_pointer(&with_arch);
  sc_view_file_clear(&file);
  if (!found && sc_image_view_stat(view, plain, &file) == 0 && file.type == SC_VIEW_REG)
    found = steal_pointer(&plain);
  sc_view_file_clear(&file);
  free(with_arch);
  free(plain);
  return found;
}

/* The regular files a package's list names, as the image resolves them
 * (/bin/ls is usr/bin/ls in a merged-/usr image), appended to owned. */
static int add_owned(sc_image_view *view, const char *list, sc_pkg_paths *owned, sc_error *err)
{
  sc_view_content content;
  if (sc_image_view_content(view, list, &content, err) < 0)
    return -1;
  if (content.whole == NULL)
    return sc_error_set(err, SC_E_INVALID, "%s: too large, or reached through a symlink", list);
  sc_pkg_paths paths = {0};
  int r =
      sc_pkgdb_parse_dpkg_list((const char *)content.whole, content.whole_len, list, &paths, err);
  for (size_t i = 0; r == 0 && i < paths.count; i++) {
    sc_view_file file;
    if (sc_image_view_stat(view, paths.items[i], &file) == 0 && file.type == SC_VIEW_REG)
      sc_pkg_paths_push(owned, xstrdup(file.path + 1)); /* as the walk names it */
    sc_view_file_clear(&file);
  }
  sc_pkg_paths_clear(&paths);
  return r;
}

static int compare_strings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file a dpkg package owns, sorted: those are the package's,
 * not listed again among the image's other files. */
static int owned_files(sc_image_view *view, const sc_pkg_list *pkgs, sc_pkg_paths *owned,
                       sc_error *err)
{
  for (size_t i = 0; i < pkgs->count; i++) {
    if (pkgs->items[i].kind != SC_PKG_DEB)
      continue;
    _cleanup_free_ char *list = dpkg_list_path(view, &pkgs->items[i]);
    if (list && add_owned(view, list, owned, err) < 0)
      return -1;
  }
  if (owned->count > 1)
    qsort(owned->items, owned->count, sizeof *owned->items, compare_strings);
  return 0;
}

static json_t *checksum(const char *algorithm, const char *digest)
{
  const char *hex = strchr(digest, ':');
  return json_pack("{s:s, s:s}", "algorithm", algorithm, "checksumValue", hex ? hex + 1 : digest);
}

static json_t *relationship(const char *from, const char *type, const char *to)
{
  return json_pack("{s:s, s:s, s:s}", "spdxElementId", from, "relationshipType", type,
                   "relatedSpdxElement", to);
}

/* SPDX's supplier form from "Name <email>": "Person: Name (email)". */
static char *supplier_of(const char *maintainer)
{
  const char *lt = strchr(maintainer, '<'), *gt = lt ? strchr(lt, '>') : NULL;
  if (lt == NULL || gt == NULL)
    return xasprintf("Person: %s", maintainer);
  size_t name_len = (size_t)(lt - maintainer);
  while (name_len && maintainer[name_len - 1] == ' ')
    name_len--;
  return xasprintf("Person: %.*s (%.*s)", (int)name_len, maintainer, (int)(gt - lt - 1), lt + 1);
}

static json_t *package_json(const sc_pkg *pkg, const char *id)
{
  _cleanup_free_ char *purl = sc_pkg_purl(pkg);
  /* rpm's EPOCH:VERSION-RELEASE as `rpm -q --qf %{EVR}` shows it, as a
   * Debian version holds its epoch */
  _cleanup_free_ char *version =
      pkg->epoch ? xasprintf("%s:%s", pkg->epoch, pkg->version) : xstrdup(pkg->version);
  json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:b, s:[{s:s, s:s, s:s}]}", "SPDXID", id, "name",
                        pkg->name, "versionInfo", version, "downloadLocation", "NOASSERTION",
                        "filesAnalyzed", 0, "externalRefs", "referenceCategory", "PACKAGE-MANAGER",
                        "referenceType", "purl", "referenceLocator", purl);
  _cleanup_free_ char *supplier = !pkg->supplier ? NULL
                                  : pkg->supplier_is_organization
                                      ? xasprintf("Organization: %s", pkg->supplier)
                                      : supplier_of(pkg->supplier);
  json_object_set_new(p, "supplier", json_string(supplier ? supplier : "NOASSERTION"));
  if (pkg->license) /* the database's own words, not always an SPDX expression */
    json_object_set_new(
        p, "licenseComments",
        json_sprintf("%s database: %s", pkg->kind == SC_PKG_RPM ? "rpm" : "apk", pkg->license));
  return p;
}

typedef struct file_walk {
  json_t *files, *relationships;
  size_t count;
  const sc_pkg_paths *owned;
} file_walk;

static int add_file(const sc_view_entry *e, void *user)
{
  file_walk *w = user;
  if (e->type != SC_VIEW_REG || e->digest == NULL)
    return 0;
  if (w->owned->count &&
      bsearch(&e->path, w->owned->items, w->owned->count, sizeof *w->owned->items, compare_strings))
    return 0;
  json_t *name = json_sprintf("./%s", e->path);
  if (name == NULL)
    return 0; /* not UTF-8: a JSON string cannot name it */
  _cleanup_free_ char *id = xasprintf("SPDXRef-File-%zu", ++w->count);
  json_array_append_new(w->files, json_pack("{s:s, s:o, s:[o, o]}", "SPDXID", id, "fileName", name,
                                            "checksums", checksum("SHA1", e->sha1),
                                            checksum("SHA256", e->digest)));
  json_array_append_new(w->relationships, relationship(IMAGE_ID, "CONTAINS", id));
  return 0;
}

static json_t *image_package(const sc_image *image, const char *name)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:o}", "SPDXID", IMAGE_ID, "name", name,
                   "versionInfo", image->manifest_digest, "downloadLocation", "NOASSERTION",
                   "filesAnalyzed", 0, "primaryPackagePurpose", "CONTAINER", "checksums",
                   json_pack("[o]", checksum("SHA256", image->manifest_digest)));
}

static json_t *document(const sc_image *image, const char *name, const char *created,
                        const sc_pkg_list *pkgs, const sc_pkg_paths *owned, sc_image_view *view)
{
  json_t *packages = json_array(), *relationships = json_array();
  json_array_append_new(packages, image_package(image, name));
  json_array_append_new(relationships, relationship("SPDXRef-DOCUMENT", "DESCRIBES", IMAGE_ID));
  for (size_t i = 0; i < pkgs->count; i++) {
    _cleanup_free_ char *id = xasprintf("SPDXRef-Package-%zu", i + 1);
    json_array_append_new(packages, package_json(&pkgs->items[i], id));
    json_array_append_new(relationships, relationship(IMAGE_ID, "CONTAINS", id));
  }
  file_walk w = {.files = json_array(), .relationships = relationships, .owned = owned};
  sc_image_view_walk(view, add_file, &w);
  _cleanup_free_ char *ns = xasprintf(NAMESPACE_BASE "%s", image->manifest_digest);
  char *colon = strchr(ns + strlen(NAMESPACE_BASE), ':');
  if (colon)
    *colon = '-';
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:[s], s:o, s:o, s:o}", "spdxVersion",
                   "SPDX-2.3", "dataLicense", "CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT", "name", name,
                   "documentNamespace", ns, "creationInfo", "created", created, "creators",
                   "Tool: sc-build-" SC_VERSION, "documentDescribes", IMAGE_ID, "packages",
                   packages, "files", w.files, "relationships", relationships);
}

int sc_sbom_document(const sc_image *image, const sc_sbom_options *options, json_t **out,
                     sc_error *err)
{
  *out = NULL;
  static const sc_sbom_options defaults = {0};
  if (options == NULL)
    options = &defaults;
  char created[21];
  if (created_time(image, options, created, err) < 0)
    return -1;
  /* Not the layout's path: the same image keeps its name wherever it is. */
  _cleanup_free_ char *ref_name = image->tag == NULL && image->kind == SC_IMAGE_OCI_LAYOUT
                                      ? sc_oci_first_ref_name(image->layout_fd)
                                      : NULL;
  const char *name = options->name ? options->name
                     : image->tag  ? image->tag
                     : ref_name    ? ref_name
                                   : image->manifest_digest;
  sc_image_view *view = sc_image_view_new();
  sc_image_view_record_files(view, kept_files, SC_PKGDB_MAX_SIZE, KEPT_TOTAL);
  sc_pkg_list pkgs = {0};
  sc_pkg_paths owned = {0};
  int r = sc_image_view_add_image(view, image, options ? options->interrupted : NULL, err);
  if (r == 0)
    r = read_database(view, DPKG_STATUS, SC_PKG_DEB, &pkgs, err);
  if (r == 0)
    r = read_database(view, APK_INSTALLED, SC_PKG_APK, &pkgs, err);
  if (r == 0)
    r = read_rpm_database(view, options->tmpdir, &pkgs, err);
  if (r == 0)
    r = owned_files(view, &pkgs, &owned, err);
  if (r == 0) {
    sc_pkg_list_sort(&pkgs);
    *out = document(image, name, created, &pkgs, &owned, view);
  }
  sc_pkg_list_clear(&pkgs);
  sc_pkg_paths_clear(&owned);
  sc_image_view_free(view);
  if (r < 0)
    return sc_error_prefix(err, "image %s", image->reference);
  if (*out == NULL)
    return sc_error_set(err, SC_E_INVALID, "image %s: its name is not UTF-8 text",
                        image->reference);
  return 0;
}
