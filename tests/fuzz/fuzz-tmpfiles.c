/* fuzz-tmpfiles.c: libFuzzer target for the tmpfiles.d(5) line splitter
 * (builder/tmpfiles-line.h), which reads an image's tmpfiles.template.
 *
 * Checked besides crashes and sanitizer reports: each line of the input
 * either splits into 0 to 7 fields whose columns rise within the line, or
 * does not split and says why and where, with no fields left. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpfiles-line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line, size_t len)
{
  sc_tmpfiles_line l;
  if (sc_tmpfiles_line_split(line, len, &l) < 0) {
    if (l.error == NULL || l.count != 0 || l.error_col < 1 || (size_t)l.error_col > len + 1)
      abort();
    return;
  }
  if (l.count > SC_TMPFILES_FIELDS)
    abort();
  for (size_t i = 0; i < l.count; i++) {
    if (l.field[i] == NULL || l.col[i] < 1 || (size_t)l.col[i] > len ||
        (i > 0 && l.col[i] <= l.col[i - 1]))
      abort();
    (void)sc_tmpfiles_line_value(&l, i);
  }
  sc_tmpfiles_line_clear(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data, *end = text + size;
  while (text < end) {
    const char *nl = memchr(text, '\n', (size_t)(end - text));
    size_t len = nl ? (size_t)(nl - text) : (size_t)(end - text);
    check_line(text, len);
    text += len + (nl != NULL);
  }
  return 0;
}
