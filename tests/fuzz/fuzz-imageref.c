/* fuzz-imageref.c: libFuzzer target for the image reference parser
 * (sc/imageref.h), with every role.
 *
 * Checked besides crashes and sanitizer reports: a reference that parses
 * has the parts its transport needs; formatting it back parses again, to
 * the same transport and the same formatted text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sc/imageref.h>

#include "imageref-internal.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parts(const sc_image_ref *r)
{
  switch (r->transport->transport) {
  case SC_TRANSPORT_DOCKER:
    if (!r->host || !r->repository || (r->tag == NULL) == (r->digest == NULL))
      abort();
    break;
  case SC_TRANSPORT_OSTREE:
    if (!r->ref || !r->path)
      abort();
    break;
  default:
    if (!r->path || r->path[0] == '\0')
      abort();
  }
}

static void check(const char *text, unsigned role)
{
  sc_image_ref ref, back;
  sc_error err = SC_ERROR_INIT;
  if (sc_image_ref_parse(text, role, &ref, &err) < 0) {
    if (err.code != SC_E_USAGE)
      abort();
    sc_error_clear(&err);
    return;
  }
  check_parts(&ref);
  char *again = sc_image_ref_format(&ref);
  if (sc_image_ref_parse(again, role, &back, &err) < 0)
    abort();
  char *twice = sc_image_ref_format(&back);
  if (back.transport != ref.transport || strcmp(again, twice) != 0)
    abort();
  free(again);
  free(twice);
  sc_image_ref_clear(&back);
  sc_image_ref_clear(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = xstrndup((const char *)data, size);
  check(text, SC_REF_SOURCE);
  check(text, SC_REF_DESTINATION);
  sc_oci_ref_name_is_valid(text);
  free(text);
  return 0;
}
