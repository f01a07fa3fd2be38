/* image.c: open images from OCI image layouts (image-spec image-layout.md,
 * manifest.md, descriptor.md), treating every document as hostile. */
#include <sc/image.h>
#include <sc/imageref.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "image-ostree.h"
#include "descriptor.h"
#include "imageref-internal.h"
#include "layer-reader.h"
#include "media-types.h"
#include "sha256.h"
#include "unpack.h"
#include "util.h"

/* moby layer/layer_store.go: maxLayerDepth = 125, "chosen to account for
 * the 127 max in some graphdrivers"; no runtime can stack more, and a
 * manifest naming one blob thousands of times is only work for us. */
#define MAX_LAYERS 127

void sc_descriptor_clear(sc_descriptor *d)
{
  free(d->media_type);
  free(d->digest);
  *d = (sc_descriptor){0};
}

void sc_image_free(sc_image *image)
{
  if (image == NULL)
    return;
  free(image->reference);
  free(image->name);
  free(image->layout_path);
  free(image->tag);
  if (image->layout_fd >= 0)
    close(image->layout_fd);
  free(image->manifest_digest);
  json_decref(image->manifest);
  json_decref(image->config);
  sc_descriptor_clear(&image->config_descriptor);
  for (size_t i = 0; i < image->layer_count; i++)
    sc_descriptor_clear(&image->layers[i]);
  free(image->layers);
  sc_image_ostree_free(image->ostree);
  free(image->ostree_commit);
  free(image);
}

int sc_descriptor_parse(json_t *json, const char *what, sc_descriptor *out, sc_error *err)
{
  const char *media_type = NULL, *digest = NULL;
  json_int_t size = -1;
  if (!json_is_object(json) || json_unpack(json, "{s?s, s:s, s:I}", "mediaType", &media_type,
                                           "digest", &digest, "size", &size) < 0)
    return sc_error_set(err, SC_E_INVALID, "%s: not a valid descriptor", what);
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "%s: unsupported or malformed digest '%s'", what,
                        digest);
  if (size < 0)
    return sc_error_set(err, SC_E_INVALID, "%s: negative size", what);
  /* Image-spec's non-distributable ("foreign") layers name URLs to fetch
   * them from instead of the registry or layout: sc-build reads only what
   * the image itself holds, so it says so here rather than failing later
   * on a missing blob (or pushing without it). */
  if (json_object_get(json, "urls"))
    return sc_error_set(err, SC_E_INVALID,
                        "%s %s is a foreign (non-distributable) blob, to be fetched from its "
                        "\"urls\": sc-build neither fetches nor copies foreign layers; use an "
                        "image that holds all of its layers",
                        what, digest);
  out->media_type = xstrdup(media_type ? media_type : "");
  out->digest = xstrdup(digest);
  out->size = size;
  return 0;
}

int sc_image_open_blob(const sc_image *image, const char *digest, sc_error *err)
{
  if (!sc_digest_is_valid(digest))
    return sc_error_set(err, SC_E_INVALID, "malformed digest '%s'", digest);
  _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", sc_digest_hex(digest));
  /* O_NONBLOCK: a FIFO must not block the open; only a regular file is
   * read at all (a device would never end). */
  _cleanup_close_ int fd =
      openat(image->layout_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return sc_error_set_errno(err, errno, "%s: missing blob %s", image->layout_path, digest);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return sc_error_set_errno(err, errno, "%s: cannot stat blob %s", image->layout_path, digest);
  if (!S_ISREG(st.st_mode))
    return sc_error_set(err, SC_E_INVALID, "%s: blob %s is not a regular file", image->layout_path,
                        digest);
  return steal_fd(&fd);
}

int sc_image_open_layer(const sc_image *image, const sc_descriptor *layer, sc_error *err)
{
  _cleanup_close_ int fd = sc_image_open_blob(image, layer->digest, err);
  struct stat st;
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) < 0)
    return sc_error_set_errno(err, errno, "%s: cannot stat blob %s", image->layout_path,
                              layer->digest);
  if (st.st_size != layer->size)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: blob %s does not match its descriptor: it has %lld bytes, its "
                        "descriptor's size is %lld (the layout is corrupt)",
                        image->layout_path, layer->digest, (long long)st.st_size,
                        (long long)layer->size);
  return steal_fd(&fd);
}

int sc_image_check_layer_formats(const sc_image *image, sc_error *err)
{
  for (size_t i = 0; i < image->layer_count; i++) {
    const sc_descriptor *layer = &image->layers[i];
    int fd = sc_image_open_layer(image, layer, err);
    if (fd < 0)
      return -1;
    int r = sc_layer_check_format(fd, layer->media_type, layer->digest, err);
    close(fd);
    if (r < 0)
      return -1;
  }
  return 0;
}

/* Read a small blob named by a descriptor, check size and digest, parse it. */
static int read_json_blob(const sc_image *image, const sc_descriptor *d, json_t **out,
                          sc_error *err)
{
  if (d->size > SC_JSON_DOCUMENT_MAX)
    return sc_error_set(err, SC_E_INVALID, "%s: document %s is too large (%lld bytes)",
                        image->layout_path, d->digest, (long long)d->size);
  _cleanup_close_ int fd = sc_image_open_blob(image, d->digest, err);
  if (fd < 0)
    return -1;
  _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", sc_digest_hex(d->digest));
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(image->layout_fd, path, SC_JSON_DOCUMENT_MAX, &data, &len, err) < 0)
    return sc_error_prefix(err, "%s", image->layout_path);
  char digest[SC_DIGEST_LEN + 1];
  sc_sha256_digest(data, len, digest);
  if ((int64_t)len != d->size || strcmp(digest, d->digest) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: blob %s does not match its descriptor (size %zu, digest %s): the "
                        "layout is corrupt",
                        image->layout_path, d->digest, len, digest);
  json_error_t jerr;
  *out = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (*out == NULL || !json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    return sc_error_set(err, SC_E_INVALID, "%s: blob %s is not a JSON object: %s",
                        image->layout_path, d->digest, jerr.text);
  }
  return 0;
}

static const char *ref_name_of(json_t *descriptor)
{
  return json_string_value(
      json_object_get(json_object_get(descriptor, "annotations"), SC_ANNOTATION_REF_NAME));
}

int sc_image_index_check(const json_t *index, const char *where, sc_error *err)
{
  json_t *manifests = json_object_get(index, "manifests");
  if (!json_is_object(index) || !json_is_array(manifests))
    return sc_error_set(err, SC_E_INVALID, "%s%sindex.json is not an image index",
                        where ? where : "", where ? ": " : "");
  /* image-layout.md leaves a repeated ref.name undefined: readers would
   * each pick their own, so a tag is refused rather than guessed. */
  _cleanup_(json_decrefp) json_t *seen = json_object();
  size_t i;
  json_t *m;
  json_array_foreach(manifests, i, m)
  {
    const char *name = ref_name_of(m);
    if (name == NULL)
      continue;
    if (json_object_get(seen, name))
      return sc_error_set(err, SC_E_INVALID,
                          "%s%sindex.json lists the tag '%s' more than once: remove all but one",
                          where ? where : "", where ? ": " : "", name);
    json_object_set_new(seen, name, json_true());
  }
  return 0;
}

static char *list_ref_names(json_t *manifests)
{
  sc_buf b = SC_BUF_INIT;
  size_t i;
  json_t *m;
  json_array_foreach(manifests, i, m)
  {
    const char *name = ref_name_of(m);
    sc_buf_printf(&b, "%s%s", b.len ? ", " : "", name ? name : "(untagged)");
  }
  return sc_buf_steal(&b);
}

/* The manifest descriptor for tag (or the only one) in index.json. */
/* The entry of the manifest `digest` (oci:PATH@DIGEST). */
static json_t *find_digest_in_index(json_t *manifests, const char *digest, const char *layout,
                                    sc_error *err)
{
  size_t i;
  json_t *m;
  json_array_foreach(manifests, i, m)
  {
    const char *d = json_string_value(json_object_get(m, "digest"));
    if (d && strcmp(d, digest) == 0)
      return m;
  }
  sc_error_set(err, ENOENT, "%s has no image of manifest digest %s", layout, digest);
  return NULL;
}

/* The one image of a layout: entries with an artifactType are artifacts
 * that refer to an image (an SBOM, image-spec v1.1 manifest.md), not
 * images, and a layout holding one image and its SBOM holds one image. */
static json_t *only_image(json_t *manifests, size_t *n)
{
  json_t *found = NULL, *m;
  size_t i;
  *n = 0;
  json_array_foreach(manifests, i, m) if (json_object_get(m, "artifactType") == NULL)
  {
    found = m;
    (*n)++;
  }
  return *n == 1 ? found : NULL;
}

static json_t *find_in_index(json_t *manifests, const char *tag, const char *layout, sc_error *err)
{
  size_t n;
  if (tag == NULL) {
    json_t *only = only_image(manifests, &n);
    if (only)
      return only;
    _cleanup_free_ char *names = list_ref_names(manifests);
    sc_error_set(err, SC_E_INVALID, "%s holds %zu images: name one as oci:%s:TAG (tags: %s)",
                 layout, n, layout, names);
    return NULL;
  }
  size_t i;
  json_t *m;
  json_array_foreach(manifests, i, m)
  {
    const char *name = ref_name_of(m);
    if (name && strcmp(name, tag) == 0)
      return m;
  }
  _cleanup_free_ char *names = list_ref_names(manifests);
  sc_error_set(err, ENOENT, "%s has no image tagged '%s' (tags: %s)", layout, tag,
               names[0] ? names : "none");
  return NULL;
}

char *sc_host_architecture(void)
{
  /* image-spec config.md: architecture values are Go's GOARCH names. */
  static const struct {
    const char *machine, *goarch;
  } map[] = {{"x86_64", "amd64"},    {"aarch64", "arm64"},      {"armv7l", "arm"},
             {"armv6l", "arm"},      {"ppc64le", "ppc64le"},    {"s390x", "s390x"},
             {"riscv64", "riscv64"}, {"i686", "386"},           {"i386", "386"},
             {"mips64", "mips64"},   {"loongarch64", "loong64"}};
  struct utsname u;
  if (uname(&u) < 0)
    return xstrdup("amd64");
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(u.machine, map[i].machine) == 0)
      return xstrdup(map[i].goarch);
  return xstrdup(u.machine);
}

/* From an image index, the manifest for the wanted platform (NULL: linux
 * on this machine); a variant is matched only when one is wanted. */
static json_t *pick_platform(json_t *index, const sc_image_platform *want, const char *layout,
                             sc_error *err)
{
  _cleanup_free_ char *host = want && want->architecture ? NULL : sc_host_architecture();
  const char *want_os = want && want->os ? want->os : "linux";
  const char *want_arch = host ? host : want->architecture;
  const char *want_variant = want ? want->variant : NULL;
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    json_t *platform = json_object_get(m, "platform");
    const char *os = json_string_value(json_object_get(platform, "os"));
    const char *a = json_string_value(json_object_get(platform, "architecture"));
    const char *v = json_string_value(json_object_get(platform, "variant"));
    if (os && a && strcmp(os, want_os) == 0 && strcmp(a, want_arch) == 0 &&
        (want_variant == NULL || (v && strcmp(v, want_variant) == 0)))
      return m;
  }
  sc_error_set(err, ENOENT, "%s: the image index has no manifest for %s/%s%s%s", layout, want_os,
               want_arch, want_variant ? "/" : "", want_variant ? want_variant : "");
  return NULL;
}

static bool is_index_type(const char *media_type)
{
  return strcmp(media_type, SC_MEDIA_TYPE_OCI_INDEX) == 0 ||
         strcmp(media_type, SC_MEDIA_TYPE_DOCKER_LIST) == 0;
}

static int load_manifest(sc_image *image, json_t *descriptor, const sc_image_platform *want,
                         sc_error *err)
{
  sc_descriptor d = {0};
  for (int depth = 0;; depth++) {
    sc_descriptor_clear(&d);
    if (sc_descriptor_parse(descriptor, "index.json", &d, err) < 0)
      return -1;
    json_decref(image->manifest);
    image->manifest = NULL;
    if (read_json_blob(image, &d, &image->manifest, err) < 0) {
      sc_descriptor_clear(&d);
      return -1;
    }
    const char *mt = json_string_value(json_object_get(image->manifest, "mediaType"));
    if (!is_index_type(d.media_type) && !(mt && is_index_type(mt)))
      break;
    if (depth > 2) {
      sc_descriptor_clear(&d);
      return sc_error_set(err, SC_E_INVALID, "%s: image indexes nest too deep", image->layout_path);
    }
    descriptor = pick_platform(image->manifest, want, image->layout_path, err);
    if (descriptor == NULL) {
      sc_descriptor_clear(&d);
      return -1;
    }
  }
  image->manifest_digest = steal_pointer(&d.digest);
  sc_descriptor_clear(&d);
  return 0;
}

int sc_image_parse_layers(sc_image *image, const char *where, sc_error *err)
{
  json_t *layers = json_object_get(image->manifest, "layers");
  if (!json_is_array(layers))
    return sc_error_set(err, SC_E_INVALID, "%s: manifest %s has no layers array", where,
                        image->manifest_digest);
  size_t n = json_array_size(layers);
  if (n > MAX_LAYERS)
    return sc_error_set(err, SC_E_INVALID,
                        "%s: manifest %s lists %zu layers, more than the %d an image may have",
                        where, image->manifest_digest, n, MAX_LAYERS);
  image->layers = xcalloc(n, sizeof(sc_descriptor));
  image->layer_count = n;
  for (size_t i = 0; i < n; i++) {
    sc_descriptor *d = &image->layers[i];
    sc_layer_compression compression;
    if (sc_descriptor_parse(json_array_get(layers, i), "manifest layer", d, err) < 0)
      return sc_error_prefix(err, "%s", where);
    if (sc_layer_compression_of(d->media_type, &compression) < 0)
      return sc_error_set(err, SC_E_INVALID,
                          "%s: layer %zu (%s) has media type '%s', which is not a layer media "
                          "type of the OCI image spec or Docker",
                          where, i + 1, d->digest, d->media_type);
  }
  return 0;
}

int sc_image_check_diff_ids(const sc_image *image, const char *where, sc_error *err)
{
  /* config.md: rootfs.diff_ids has one digest per layer, in order. */
  json_t *diff_ids = json_object_get(json_object_get(image->config, "rootfs"), "diff_ids");
  if (!json_is_array(diff_ids) || json_array_size(diff_ids) != image->layer_count)
    return sc_error_set(err, SC_E_INVALID, "%s: its config has %zu diff_ids for %zu layers", where,
                        json_array_size(diff_ids), image->layer_count);
  for (size_t i = 0; i < image->layer_count; i++)
    if (!sc_digest_is_valid(json_string_value(json_array_get(diff_ids, i))))
      return sc_error_set(err, SC_E_INVALID,
                          "%s: diff_ids[%zu] of its config is not a sha256 digest", where, i);
  return 0;
}

static int load_layers_and_config(sc_image *image, sc_error *err)
{
  if (sc_descriptor_parse(json_object_get(image->manifest, "config"), "manifest config",
                          &image->config_descriptor, err) < 0)
    return sc_error_prefix(err, "%s", image->layout_path);
  if (sc_image_parse_layers(image, image->layout_path, err) < 0 ||
      read_json_blob(image, &image->config_descriptor, &image->config, err) < 0)
    return -1;
  return sc_image_check_diff_ids(image, image->layout_path, err);
}

/* The layout's index.json entry the reference names (by digest, tag, or
 * the only one), as a new reference. */
static int layout_entry(sc_image *image, const char *digest, json_t **out, sc_error *err)
{
  image->layout_fd = open(image->layout_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (image->layout_fd < 0)
    return sc_error_set_errno(err, errno, "cannot open image layout %s", image->layout_path);
  struct stat st;
  if (fstatat(image->layout_fd, "oci-layout", &st, 0) < 0)
    return sc_error_set(err, SC_E_INVALID, "%s is not an OCI image layout (no oci-layout file)",
                        image->layout_path);
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  if (sc_read_file_at_max(image->layout_fd, "index.json", SC_JSON_DOCUMENT_MAX, &text, &len, err) <
      0)
    return sc_error_prefix(err, "%s", image->layout_path);
  json_error_t jerr;
  _cleanup_(json_decrefp) json_t *index = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (index == NULL)
    return sc_error_set_at(err, SC_E_INVALID, "index.json", jerr.line, jerr.column,
                           "%s/index.json: %s", image->layout_path, jerr.text);
  if (sc_image_index_check(index, image->layout_path, err) < 0)
    return -1;
  json_t *manifests = json_object_get(index, "manifests");
  json_t *descriptor = digest ? find_digest_in_index(manifests, digest, image->layout_path, err)
                              : find_in_index(manifests, image->tag, image->layout_path, err);
  *out = json_incref(descriptor);
  return descriptor ? 0 : -1;
}

static int open_layout(sc_image *image, const char *digest, const sc_image_platform *want,
                       sc_error *err)
{
  json_t *descriptor = NULL;
  int r = layout_entry(image, digest, &descriptor, err) < 0
              ? -1
              : load_manifest(image, descriptor, want, err);
  json_decref(descriptor);
  return r;
}

/* The layout of an oci: reference, its path made absolute: recorded in
 * info and $IMAGE_NAME, so update can reopen it from anywhere. */
static void set_layout_names(sc_image *image, sc_image_ref *ref)
{
  char absolute[PATH_MAX];
  image->layout_path =
      realpath(ref->path, absolute) ? xstrdup(absolute) : steal_pointer(&ref->path);
  image->tag = steal_pointer(&ref->ref);
  if (ref->digest)
    image->name = xasprintf("%s@%s", image->layout_path, ref->digest);
  else if (image->tag)
    image->name = xasprintf("%s:%s", image->layout_path, image->tag);
  else
    image->name = xstrdup(image->layout_path);
  image->reference = xasprintf("oci:%s", image->name);
}

int sc_image_open_platform(const char *reference, const sc_image_platform *want, sc_image **out,
                           sc_error *err)
{
  sc_image_ref ref;
  if (sc_image_ref_parse(reference, SC_REF_SOURCE, &ref, err) < 0)
    return -1;
  sc_transport transport = ref.transport->transport;
  if (transport == SC_TRANSPORT_OSTREE) {
    sc_image_ref_clear(&ref);
    return sc_image_ostree_open(reference, out, err);
  }
  if (transport != SC_TRANSPORT_OCI) {
    int r = sc_error_set(err, SC_E_USAGE,
                         "cannot open '%s' here: the runtime reads oci:PATH[:REF|@DIGEST] and "
                         "ostree:NAME[:TAG][@REPO] (sc-build reads every transport)",
                         reference);
    sc_image_ref_clear(&ref);
    return r;
  }
  sc_image *image = xcalloc(1, sizeof *image);
  image->layout_fd = -1;
  set_layout_names(image, &ref);
  int r = open_layout(image, ref.digest, want, err) < 0 || load_layers_and_config(image, err) < 0
              ? -1
              : 0;
  sc_image_ref_clear(&ref);
  if (r < 0) {
    sc_image_free(image);
    return -1;
  }
  *out = image;
  return 0;
}

int sc_image_open(const char *reference, sc_image **out, sc_error *err)
{
  return sc_image_open_platform(reference, NULL, out, err);
}

int sc_image_index_platform(const json_t *entry, sc_image_platform *out)
{
  json_t *p = json_object_get(entry, "platform");
  *out = (sc_image_platform){json_string_value(json_object_get(p, "os")),
                             json_string_value(json_object_get(p, "architecture")),
                             json_string_value(json_object_get(p, "variant"))};
  return out->os && out->architecture ? 0 : -1;
}

int sc_image_open_index(const char *reference, json_t **index, char **digest, sc_error *err)
{
  *index = NULL;
  *digest = NULL;
  sc_image_ref ref;
  if (sc_image_ref_parse(reference, SC_REF_SOURCE, &ref, err) < 0)
    return -1;
  if (ref.transport->transport != SC_TRANSPORT_OCI) {
    sc_image_ref_clear(&ref);
    return 0;
  }
  sc_image *image = xcalloc(1, sizeof *image);
  image->layout_fd = -1;
  set_layout_names(image, &ref);
  json_t *entry = NULL;
  sc_descriptor d = {0};
  int r = layout_entry(image, ref.digest, &entry, err) < 0 ||
                  sc_descriptor_parse(entry, "index.json", &d, err) < 0 ||
                  read_json_blob(image, &d, index, err) < 0
              ? -1
              : 0;
  const char *mt = json_string_value(json_object_get(*index, "mediaType"));
  if (r == 0 && (is_index_type(d.media_type) || (mt && is_index_type(mt)))) {
    *digest = steal_pointer(&d.digest);
    r = 1;
  } else {
    json_decref(*index);
    *index = NULL;
  }
  sc_descriptor_clear(&d);
  json_decref(entry);
  sc_image_ref_clear(&ref);
  sc_image_free(image);
  return r;
}

const char *sc_image_id(const sc_image *image)
{
  return sc_digest_hex(image->manifest_digest);
}

const char *sc_image_label(const sc_image *image, const char *key)
{
  json_t *labels = json_object_get(json_object_get(image->config, "config"), "Labels");
  return json_string_value(json_object_get(labels, key));
}

/* ---- accessors of the opaque handles (sc/image.h) ---- */

const char *sc_descriptor_media_type(const sc_descriptor *descriptor)
{
  return descriptor->media_type;
}

const char *sc_descriptor_digest(const sc_descriptor *descriptor)
{
  return descriptor->digest;
}

int64_t sc_descriptor_size(const sc_descriptor *descriptor)
{
  return descriptor->size;
}

sc_image_kind sc_image_kind_of(const sc_image *image)
{
  return image->kind;
}

const char *sc_image_reference(const sc_image *image)
{
  return image->reference;
}

const char *sc_image_name(const sc_image *image)
{
  return image->name;
}

const char *sc_image_layout_path(const sc_image *image)
{
  return image->layout_path;
}

const char *sc_image_tag(const sc_image *image)
{
  return image->tag;
}

const char *sc_image_manifest_digest(const sc_image *image)
{
  return image->manifest_digest;
}

json_t *sc_image_manifest(const sc_image *image)
{
  return image->manifest;
}

json_t *sc_image_config(const sc_image *image)
{
  return image->config;
}

const sc_descriptor *sc_image_config_descriptor(const sc_image *image)
{
  return &image->config_descriptor;
}

size_t sc_image_layer_count(const sc_image *image)
{
  return image->layer_count;
}

const sc_descriptor *sc_image_layer(const sc_image *image, size_t i)
{
  return i < image->layer_count ? &image->layers[i] : NULL;
}

const char *sc_image_ostree_commit(const sc_image *image)
{
  return image->ostree_commit;
}

/* config.md: rootfs.diff_ids[i] is the digest of layer i uncompressed
 * (sc_image_check_diff_ids made sure there is one per layer). */
const char *sc_image_diff_id(const sc_image *image, size_t i)
{
  json_t *diff_ids = json_object_get(json_object_get(image->config, "rootfs"), "diff_ids");
  if (json_array_size(diff_ids) != image->layer_count)
    return NULL;
  const char *diff_id = json_string_value(json_array_get(diff_ids, i));
  return sc_digest_is_valid(diff_id) ? diff_id : NULL;
}

int sc_image_check_layer_sums(const sc_image *image, size_t i, const sc_layer_sums *sums,
                              sc_error *err)
{
  const sc_descriptor *layer = &image->layers[i];
  const char *diff_id = sc_image_diff_id(image, i);
  if (strcmp(sums->digest, layer->digest) != 0 || sums->size != (uint64_t)layer->size)
    return sc_error_set(err, SC_E_INVALID,
                        "the blob does not match its descriptor (it has %llu bytes with digest "
                        "%s): the layout is corrupt or was tampered with",
                        (unsigned long long)sums->size, sums->digest);
  if (diff_id == NULL || strcmp(sums->diff_id, diff_id) != 0)
    return sc_error_set(err, SC_E_INVALID,
                        "the uncompressed layer has digest %s, but the config's diff_id is %s",
                        sums->diff_id, diff_id ? diff_id : "missing");
  return 0;
}

/* A layer that cannot be read (bad compressed data, a broken tar) is most
 * often a blob that is not what its descriptor names: say so when its bytes
 * do not hash to the descriptor's digest, the cause the user can act on. */
void sc_image_blame_blob(const sc_image *image, const sc_descriptor *layer, sc_error *err)
{
  sc_error ignored = SC_ERROR_INIT;
  _cleanup_close_ int fd = sc_image_open_layer(image, layer, &ignored);
  char digest[SC_DIGEST_LEN + 1];
  if (fd >= 0 && sc_sha256_fd(fd, digest, &ignored) == 0 && strcmp(digest, layer->digest) != 0)
    sc_error_set(err, SC_E_INVALID,
                 "the blob does not match its descriptor (its digest is %s): the layout is "
                 "corrupt or was tampered with",
                 digest);
  sc_error_clear(&ignored);
}

int sc_image_verify_layer(const sc_image *image, size_t i, volatile const int *interrupted,
                          sc_error *err)
{
  const sc_descriptor *layer = &image->layers[i];
  int fd = sc_image_open_layer(image, layer, err);
  if (fd < 0)
    return -1;
  sc_layer_reader *reader = NULL;
  int r = sc_layer_reader_open(fd, layer->media_type, interrupted, &reader, err);
  if (r == 0) {
    sc_layer_sums sums;
    int finished = sc_layer_reader_finish(reader, &sums, err);
    if (sc_interrupted(interrupted))
      r = sc_error_set(err, SC_E_INTERRUPTED, "interrupted");
    else /* a wrong digest says more than the decompressor's error */
      r = sc_image_check_layer_sums(image, i, &sums, err) < 0 ? -1 : finished;
  }
  sc_layer_reader_free(reader);
  if (r < 0 && err && err->code != SC_E_INTERRUPTED)
    sc_image_blame_blob(image, layer, err);
  if (r < 0)
    return sc_error_prefix(err, "layer %zu of %zu (%s)", i + 1, image->layer_count, layer->digest);
  return 0;
}

static int checkout_oci_layers(const sc_image *image, int rootfs_fd,
                               const sc_checkout_options *options, sc_error *err)
{
  bool privileged = geteuid() == 0;
  for (size_t i = 0; i < image->layer_count; i++) {
    const sc_descriptor *layer = &image->layers[i];
    _cleanup_free_ char *what =
        xasprintf("layer %zu of %zu (%s)", i + 1, image->layer_count, layer->digest);
    sc_unpack_options opts = {
        .keep_owners = privileged,
        .allow_devices = privileged,
        .interrupted = options ? options->interrupted : NULL,
        .expected_digest = layer->digest,
        .expected_diff_id = sc_image_diff_id(image, i),
        .media_type = layer->media_type,
    };
    _cleanup_close_ int fd = sc_image_open_layer(image, layer, err);
    if (fd < 0)
      return -1;
    if (sc_unpack_layer_fd(fd, rootfs_fd, what, &opts, NULL, err) < 0) {
      /* A blob that does not inflate is most often not the blob named:
       * say so rather than where the inflate broke. */
      if (err && err->code == SC_E_INVALID) {
        sc_image_blame_blob(image, layer, err);
        if (!sc_str_has_prefix(err->msg, what))
          sc_error_prefix(err, "%s", what);
      }
      return -1;
    }
  }
  return 0;
}

int sc_image_checkout(const sc_image *image, int rootfs_fd,
                      const sc_checkout_options *caller_options, sc_error *err)
{
  sc_checkout_options known;
  if (sc_options_read(caller_options, sizeof known, &known, "checkout options", err) < 0)
    return -1;
  const sc_checkout_options *options = &known;
  switch (image->kind) {
  case SC_IMAGE_OCI_LAYOUT:
    return checkout_oci_layers(image, rootfs_fd, options, err);
  case SC_IMAGE_OSTREE:
    return sc_image_ostree_checkout(image, rootfs_fd, options, err);
  default:
    return sc_error_set(err, SC_E_INVALID, "%s: checking out this kind of image is not supported",
                        image->reference);
  }
}
