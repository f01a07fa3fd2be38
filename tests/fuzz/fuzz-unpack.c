/* fuzz-unpack.c: libFuzzer target for the layer unpacker (runtime/unpack.c).
 *
 * Each input's layers (fuzz-layers.h: a tar used as lower and upper layer,
 * or a script of layers) are applied in order with sc_unpack_layer_fd to a
 * fresh directory in a sandbox, after which nothing outside it may have
 * changed.  A refused layer is no finding; an escape, a crash, a sanitizer
 * report or a leak is. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-layers.h"
#include "unpack.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_sandbox *s = fuzz_sandbox_get();
  int target = fuzz_sandbox_target(s);
  int *layers = fuzz_input_layers(data, size);
  sc_unpack_options options = {.allow_devices = geteuid() == 0};
  for (size_t i = 0; layers[i] >= 0; i++) {
    sc_error err = SC_ERROR_INIT;
    if (lseek(layers[i], 0, SEEK_SET) < 0)
      abort();
    (void)sc_unpack_layer_fd(layers[i], target, "fuzz layer", &options, NULL, &err);
    sc_error_clear(&err);
    close(layers[i]);
  }
  free(layers);
  close(target);
  fuzz_sandbox_check(s);
  return 0;
}
