/* hello-once.c: the oneshot skeleton's service.
 *
 * Prints one greeting and exits with $EXIT_CODE (default 0), so that a
 * one-shot system container's exit status can be probed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
  const char *receiver = getenv("RECEIVER");
  const char *code_text = getenv("EXIT_CODE");
  if (receiver == NULL || receiver[0] == '\0')
    receiver = "World";
  long code = 0;
  if (code_text != NULL && code_text[0] != '\0') {
    char *end = NULL;
    errno = 0;
    code = strtol(code_text, &end, 10);
    if (errno != 0 || *end != '\0' || code < 0 || code > 255) {
      fprintf(stderr, "hello-once: invalid EXIT_CODE '%s' (want 0-255)\n", code_text);
      return 2;
    }
  }
  printf("Hello %s from a one-shot system container\n", receiver);
  if (fflush(stdout) != 0)
    return 1;
  return (int)code;
}
