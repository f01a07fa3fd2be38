/* A host installer in miniature: only <sc/runtime.h> and scruntime.pc. */
#include <sc/runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
  sc_values *v = sc_values_new();
  sc_values_set(v, "NAME", "hello");
  const char *text = "ExecStart=/usr/bin/runc run '$NAME' $$HOME";
  char *out = NULL;
  sc_error err = SC_ERROR_INIT;
  if (sc_template_render(text, strlen(text), "unit", v, SC_TEMPLATE_SINGLE_LINE_VALUES, &out, NULL,
                         &err) < 0) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  printf("%s\n", out);
  json_t *list = NULL;
  if (sc_list(argc > 1 ? argv[1] : "/", &list, &err) < 0) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  printf("installed: %zu\n", json_array_size(list));
  json_decref(list);
  free(out);
  sc_values_free(v);
  return 0;
}
