/* environment.c: the one place sc-build reads the environment variables the
 * library takes as options, so that a host program linking the library
 * decides them itself. */
#include "cli.h"

#include <stdlib.h>

#include "layer.h"

int sc_cli_source_date_epoch(sc_cli *cli, int64_t *out)
{
  sc_error err = SC_ERROR_INIT;
  if (sc_source_date_epoch_parse(getenv("SOURCE_DATE_EPOCH"), out, &err) == 0)
    return 0;
  int rc = sc_cli_fail(cli, &err);
  sc_error_clear(&err);
  return rc;
}
