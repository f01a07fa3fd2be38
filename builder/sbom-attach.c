/* sbom-attach.c: an image's SBOM as an OCI 1.1 artifact beside it in its
 * layout (sbom.h, referrer.h). */
#include "sbom.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "descriptor.h"
#include "oci.h"
#include "referrer.h"
#include "store.h"
#include "util.h"

char *sc_sbom_text(const json_t *doc, size_t *len)
{
  _cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
  char *line = xasprintf("%s\n", text);
  if (len)
    *len = strlen(line);
  return line;
}

/* The image manifest's descriptor, the artifact's subject. */
static json_t *subject_of_image(const sc_image *image, sc_error *err)
{
  _cleanup_close_ int blobs_fd = sc_oci_open_blobs(image->layout_fd, err);
  struct stat st;
  if (blobs_fd < 0)
    return NULL;
  if (fstatat(blobs_fd, sc_digest_hex(image->manifest_digest), &st, 0) < 0) {
    sc_error_set(err, SC_E_INVALID, "the manifest blob %s is gone", image->manifest_digest);
    return NULL;
  }
  const char *type = json_string_value(json_object_get(image->manifest, "mediaType"));
  return json_pack("{s:s,s:s,s:I}", "mediaType", type ? type : SC_MEDIA_TYPE_OCI_MANIFEST, "digest",
                   image->manifest_digest, "size", (json_int_t)st.st_size);
}

static int attach_to(const sc_image *image, const json_t *subject, const sc_sbom_options *o,
                     json_t *attached, sc_error *err)
{
  _cleanup_(json_decrefp) json_t *doc = NULL;
  if (sc_sbom_document(image, o, &doc, err) < 0)
    return -1;
  size_t len = 0;
  _cleanup_free_ char *text = sc_sbom_text(doc, &len);
  sc_referrer_artifact a = {
      .subject = subject,
      .artifact_type = SC_MEDIA_TYPE_SPDX_JSON,
      .title = "sbom.spdx.json",
      .created =
          json_string_value(json_object_get(json_object_get(doc, "creationInfo"), "created")),
      .data = text,
      .len = len,
  };
  _cleanup_free_ char *what = xasprintf("layout %s", image->layout_path);
  _cleanup_(json_decrefp) json_t *descriptor = NULL;
  /* The lock is the layout's (as a build takes it) and dies with the
   * image's descriptor, closed when the image is freed. */
  if (sc_store_lock(image->layout_fd, what, o->interrupted, err) < 0 ||
      sc_referrer_add(image->layout_fd, &a, &descriptor, err) < 0)
    return sc_error_prefix(err, "attaching the SBOM of %s to %s", image->manifest_digest,
                           image->layout_path);
  json_array_append_new(attached,
                        json_pack("{s:O,s:O,s:O}", "subject", json_object_get(subject, "digest"),
                                  "digest", json_object_get(descriptor, "digest"), "size",
                                  json_object_get(descriptor, "size")));
  return 0;
}

/* One image: the reference's, or the platform want of its index whose
 * entry is subject. */
static int attach_one(const char *reference, const sc_image_platform *want, const json_t *subject,
                      const sc_sbom_options *o, json_t *attached, sc_error *err)
{
  sc_image *image = NULL;
  if (sc_image_open_platform(reference, want, &image, err) < 0)
    return -1;
  int r = 0;
  _cleanup_(json_decrefp) json_t *own = NULL;
  if (image->kind != SC_IMAGE_OCI_LAYOUT)
    r = sc_error_set(err, SC_E_USAGE,
                     "%s: an SBOM is attached to an image in an OCI layout (oci:PATH[:TAG])",
                     reference);
  else if (subject == NULL && (subject = own = subject_of_image(image, err)) == NULL)
    r = -1;
  if (r == 0)
    r = attach_to(image, subject, o, attached, err);
  sc_image_free(image);
  return r;
}

int sc_sbom_attach(const char *reference, const sc_sbom_options *options, json_t **attached,
                   sc_error *err)
{
  _cleanup_(json_decrefp) json_t *index = NULL;
  _cleanup_free_ char *digest = NULL;
  _cleanup_(json_decrefp) json_t *done = json_array();
  int r = sc_image_open_index(reference, &index, &digest, err);
  if (r < 0)
    return -1;
  if (r == 0 && attach_one(reference, NULL, NULL, options, done, err) < 0)
    return -1;
  size_t i;
  json_t *m;
  json_array_foreach(r == 1 ? json_object_get(index, "manifests") : NULL, i, m)
  {
    sc_image_platform want;
    if (sc_image_index_platform(m, &want) < 0)
      return sc_error_set(err, SC_E_INVALID, "%s: index entry %zu names no platform", reference,
                          i + 1);
    if (attach_one(reference, &want, m, options, done, err) < 0)
      return -1;
  }
  *attached = steal_pointer(&done);
  return 0;
}
